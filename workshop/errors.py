"""The errors the CLI turns into one sentence and an exit code (see DESIGN.md, exit codes)."""

from __future__ import annotations


class WorkshopError(Exception):
    """An error with a message a user can act on; `exit_code` follows the CLI contract."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


class BadInput(WorkshopError):
    """Usage, scenario file, pattern or event errors: exit 2."""

    exit_code = 2


class ScenarioError(BadInput):
    """scenarios.yaml is broken; the message names file:line."""


class BackendError(WorkshopError):
    """The backend is unreachable, or credentials/permissions are missing: exit 3."""

    exit_code = 3
