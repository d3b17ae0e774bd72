"""The command line's commands, one module per group; importing this package registers them all on
`app`, in the order help lists them."""

from . import learning, events, pattern, housekeeping, sandbox, authoring  # noqa: F401  (registration)
from .app import G, GLOBAL_FLAGS, GLOBAL_OPTIONS, app

__all__ = ["G", "GLOBAL_FLAGS", "GLOBAL_OPTIONS", "app"]
