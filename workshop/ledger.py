"""What this tool created, per backend, account and region.

Each create is recorded right after its API call returns and the file is replaced atomically, so an
interrupt at any moment loses at most the resource whose call was in flight (and that one is found
again by name, since every step checks what exists before creating). Cleanup deletes exactly what is
recorded here: a resource that existed before the tool ran is never recorded, so never deleted.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .paths import read_json, state_dir, write_json_atomic


@dataclass(frozen=True)
class Resource:
    kind: str  # a key of steps.resources.KINDS (event_bus, rule, target, log_group, ...)
    name: str  # unique within its kind and scope, e.g. "Orders/OrdersDevRule"
    attrs: dict = field(default_factory=dict, compare=False)  # what deleting it needs
    module: str = field(default="", compare=False)
    created_at: float = field(default=0.0, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)


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


class Ledger:
    def __init__(self, scope: Scope, directory: Path | None = None):
        self.scope = scope
        self.path = (directory or state_dir() / "ledger") / f"{scope.slug}.json"

    def resources(self) -> list[Resource]:
        data = read_json(self.path, {"resources": []})
        return [Resource(**item) for item in data.get("resources", [])]

    def has(self, kind: str, name: str) -> bool:
        return any(r.key == (kind, name) for r in self.resources())

    def get(self, kind: str, name: str) -> Resource | None:
        return next((r for r in self.resources() if r.key == (kind, name)), None)

    def record(self, resource: Resource) -> None:
        items = [r for r in self.resources() if r.key != resource.key]
        if not resource.created_at:
            resource = Resource(resource.kind, resource.name, resource.attrs, resource.module, time.time())
        items.append(resource)
        self._write(items)

    def forget(self, resource: Resource) -> None:
        self._write([r for r in self.resources() if r.key != resource.key])

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def _write(self, items: list[Resource]) -> None:
        if not items:
            self.clear()
            return
        write_json_atomic(self.path, {"scope": asdict(self.scope), "resources": [asdict(r) for r in items]})


def clear_backend(backend: str, directory: Path | None = None) -> None:
    """Forget every scope of one backend (a new sandbox starts with an empty world)."""
    folder = directory or state_dir() / "ledger"
    for path in folder.glob(f"{backend}-*.json"):
        path.unlink(missing_ok=True)
