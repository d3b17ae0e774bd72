"""Which modules ran and verified, per backend scope, for `workshop modules`.

Progress is a convenience, not a record of what exists: a damaged progress file is kept aside (as
`NAME.damaged`, said in one sentence) and progress starts afresh, instead of blocking a command.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .ledger import Scope
from .paths import DamagedStateFile, exclusive, keep_aside, read_json, state_dir, write_json_atomic


def sandbox_progress() -> list["Progress"]:
    """The progress of every sandbox scope (one per region) in the state dir."""
    folder = state_dir() / "progress"
    return [Progress(None, path=p) for p in folder.glob("sandbox-*.json")] if folder.is_dir() else []


class Progress:
    def __init__(self, scope: Scope | None, on_problem: Callable[[str], None] | None = None, path: Path | None = None):
        self.path = path or state_dir() / "progress" / f"{scope.slug}.json"
        self.on_problem = on_problem

    def all(self) -> dict[str, dict]:
        """Raises DamagedStateFile when the file is not what workshop wrote."""
        data = read_json(self.path, {}, shape=dict, advice="it is kept aside and started afresh at the next run or verify")
        if not all(isinstance(v, dict) for v in data.values()):
            raise DamagedStateFile(self.path, "its entries are not objects", "it is kept aside and started afresh at the next run")
        return data

    def mark(self, module_id: str, **fields) -> None:
        with exclusive(self.path):
            try:
                data = self.all()
            except DamagedStateFile as exc:
                aside = keep_aside(self.path)
                if self.on_problem:
                    self.on_problem(f"{exc.path} was damaged: kept as {aside.name}, and progress starts afresh")
                data = {}
            if fields.get("deployed") or "verified" in fields:  # it speaks for what exists now
                fields.setdefault("gone", False)
            data.setdefault(module_id, {}).update(fields, updated_at=time.time())
            write_json_atomic(self.path, data, durable=False)  # a learner's marks: a machine crash may lose the last

    def forget_deployments(self) -> list[str]:
        """The resources are gone (the sandbox stopped): what was learned stays, marked not deployed now."""
        with exclusive(self.path):
            try:
                data = self.all()
            except DamagedStateFile:
                return []
            gone = [m for m, entry in data.items() if entry.get("deployed") or entry.get("verified")]
            for module_id in gone:
                data[module_id].update(deployed=False, gone=True, updated_at=time.time())
            if gone:
                write_json_atomic(self.path, data)
            return gone

    def clear(self) -> None:
        with exclusive(self.path):
            self.path.unlink(missing_ok=True)
