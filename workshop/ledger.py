"""What this tool created, per backend, account and region: the write-ahead record cleanup works from.

Write-ahead: the executor records an *intent* ("creating X for module M") before each create call
and completes it (state `created`, with what AWS answered) when the call returns. Whatever stops a
run in between (Ctrl-C, kill -9, a crashed backend), the intent is on disk, and the next run,
status or cleanup resolves it (see `intents.py`): the resource exists and is ours → recorded;
it does not → forgotten. Cleanup deletes exactly what is recorded here: a resource that existed
before the tool ran is never recorded, so never deleted.

Every change is a read-modify-write of one JSON file under an exclusive flock on a lock file beside
it, and the file is replaced atomically, so two processes writing at once lose nothing and a
reader never sees half a file. Only an intent waits for the disk (fsync): it must be there before
the call. What follows a call (its record, a forgotten deletion, a dropped intent) is kept in this
process and written with the next intent, at `flush()`, or at exit: losing it to a crash loses
nothing the next run cannot settle (an intent left open is resolved against the backend; a
deletion not yet forgotten is "already gone"). This process's reads see it at once. A change
that changes nothing writes nothing.
"""

from __future__ import annotations

import atexit
import json
import re
import threading
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Callable

from .paths import DamagedStateFile, exclusive, read_json, state_dir, write_text_atomic

CREATED, INTENT = "created", "intent"


@dataclass(frozen=True)
class Resource:
    kind: str  # a key of steps.resources.KINDS (event_bus, rule, target, log_group, ...)
    name: str  # unique within its kind and scope, e.g. "Orders/OrdersDevRule"
    attrs: dict = field(default_factory=dict, compare=False)  # what deleting it (or finding it again) needs
    module: str = field(default="", compare=False)
    created_at: float = field(default=0.0, compare=False)
    state: str = field(default=CREATED, compare=False)  # intent: the create call may or may not have happened

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)

    @property
    def is_intent(self) -> bool:
        return self.state == INTENT


@dataclass(frozen=True)
class Scope:
    backend: str  # "sandbox", "aws" or "endpoint"
    account: str
    region: str
    endpoint_url: str | None = None

    @property
    def slug(self) -> str:
        raw = f"{self.backend}-{self.account}-{self.region}"
        if self.endpoint_url:
            raw += "-" + self.endpoint_url
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", raw)


def _advice(path: Path) -> str:
    return (f"workshop changes nothing on this backend until it can read what it created; restore the file from a copy, "
            f"or move it aside (mv {path} {path}.damaged) and delete what it recorded by hand (see "
            "`workshop status` for the backend)")


def _parse(path: Path, data: dict) -> list[Resource]:
    items = data.get("resources", [])
    if not isinstance(items, list):
        raise DamagedStateFile(path, "its resources are not a list", _advice(path))
    resources = []
    for item in items:
        try:
            resource = Resource(**item)
        except TypeError:
            raise DamagedStateFile(path, f"an entry is not a resource record: {str(item)[:60]}", _advice(path)) from None
        if not (isinstance(resource.kind, str) and isinstance(resource.name, str) and isinstance(resource.attrs, dict)
                and resource.state in (CREATED, INTENT)):
            raise DamagedStateFile(path, f"an entry has fields of the wrong type: {str(item)[:60]}", _advice(path))
        resources.append(resource)
    return resources


class Ledger:
    def __init__(self, scope: Scope, directory: Path | None = None):
        self.scope = scope
        self.path = (directory or state_dir() / "ledger") / f"{scope.slug}.json"
        self._pending: list[Callable[[list[Resource]], list[Resource]]] = []  # changes not on disk yet
        self._lock = threading.Lock()
        self._flush_at_exit = False

    # reading ---------------------------------------------------------------------------------
    def resources(self) -> list[Resource]:
        items = self._on_disk()
        with self._lock:
            for change in self._pending:
                items = change(items)
        return items

    def _on_disk(self) -> list[Resource]:
        return _parse(self.path, read_json(self.path, {"resources": []}, shape=dict, advice=_advice(self.path)))

    def _text(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError, IsADirectoryError):
            return None  # absent; or damaged, which resources() reports

    def get(self, kind: str, name: str) -> Resource | None:
        return next((r for r in self.resources() if r.key == (kind, name)), None)

    def has(self, kind: str, name: str) -> bool:
        return any(r.key == (kind, name) for r in self.resources())

    def open_intents(self) -> list[Resource]:
        return [r for r in self.resources() if r.is_intent]

    # writing (each one read-modify-write under the ledger's flock) ----------------------------
    def intend(self, resource: Resource) -> None:
        """Before the create call: the resource may exist from now on. An entry already complete stays so."""
        def change(items: list[Resource]) -> list[Resource]:
            if any(r.key == resource.key and not r.is_intent for r in items):
                return items
            return [r for r in items if r.key != resource.key] + [replace(resource, state=INTENT, created_at=time.time())]

        self._mutate(change, durable=True)

    def record(self, resource: Resource) -> None:
        """After the call: the resource exists and is ours (attrs merged over what the intent held)."""
        def change(items: list[Resource]) -> list[Resource]:
            before = next((r for r in items if r.key == resource.key), None)
            attrs = {**(before.attrs if before else {}), **resource.attrs}
            created = resource.created_at or (before.created_at if before else 0.0) or time.time()
            module = resource.module or (before.module if before else "")
            done = replace(resource, attrs=attrs, created_at=created, module=module, state=CREATED)
            return [r for r in items if r.key != resource.key] + [done]

        self._defer(change)

    def drop_intent(self, resource: Resource) -> None:
        """The call was refused, or the resource was never made: forget the intent (never a created entry)."""
        self._defer(lambda items: [r for r in items if not (r.key == resource.key and r.is_intent)])

    def forget(self, resource: Resource) -> None:
        self._defer(lambda items: [r for r in items if r.key != resource.key])

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
        with exclusive(self.path):
            self.path.unlink(missing_ok=True)

    def flush(self) -> None:
        """Write what this process has changed but not yet written (nothing when there is nothing)."""
        with self._lock:
            if not self._pending:
                return
        self._mutate(lambda items: items)

    def _defer(self, change: Callable[[list[Resource]], list[Resource]]) -> None:
        self._on_disk()  # a damaged ledger stops every change now, as a write would
        with self._lock:
            self._pending.append(change)
            if not self._flush_at_exit:
                self._flush_at_exit = True
                atexit.register(self._flush_at_end)

    def _flush_at_end(self) -> None:
        try:
            self.flush()
        except (OSError, DamagedStateFile):
            pass  # nothing to say at exit: the open intents are settled by the next run, status or cleanup

    def _mutate(self, change: Callable[[list[Resource]], list[Resource]], durable: bool = False) -> None:
        with exclusive(self.path):
            items = self._on_disk()
            with self._lock:
                changes, self._pending = self._pending + [change], []
            for one in changes:
                items = one(items)
            if not items:
                self.path.unlink(missing_ok=True)
                return
            text = _document(self.scope, items)
            if text != self._text():
                write_text_atomic(self.path, text, durable=durable)


_FIELDS = [f.name for f in fields(Resource)]


def _document(scope: Scope, items: list[Resource]) -> str:
    """The ledger file: one resource a line, so that it stays readable and writing it stays cheap
    (the C JSON encoder; an indented dump of the whole ledger on every write cost more than the calls)."""
    lines = ",\n    ".join(json.dumps({name: getattr(r, name) for name in _FIELDS}, sort_keys=True) for r in items)
    return f'{{\n  "resources": [\n    {lines}\n  ],\n  "scope": {json.dumps(asdict(scope), sort_keys=True)}\n}}\n'


def clear_backend(backend: str, directory: Path | None = None) -> None:
    """Forget every scope of one backend (a new sandbox starts with an empty world)."""
    folder = directory or state_dir() / "ledger"
    for path in folder.glob(f"{backend}-*.json"):
        path.unlink(missing_ok=True)
