"""Which modules ran and verified, per backend scope, for `workshop modules`."""

from __future__ import annotations

import time

from .ledger import Scope
from .paths import read_json, state_dir, write_json_atomic


class Progress:
    def __init__(self, scope: Scope):
        self.path = state_dir() / "progress" / f"{scope.slug}.json"

    def all(self) -> dict[str, dict]:
        return read_json(self.path, {})

    def mark(self, module_id: str, **fields) -> None:
        data = self.all()
        data.setdefault(module_id, {}).update(fields, updated_at=time.time())
        write_json_atomic(self.path, data)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
