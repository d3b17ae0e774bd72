"""Whether anything was asked to change since the sandbox started or was last reset.

A sandbox that has answered reads only holds what moto starts with (the default bus, AWS's
managed policies): nothing anyone made, so nothing a run could find that someone else owns.
`/_workshop/changes` says so, and a run then skips planning every module ahead (preflight.py).

The front shows the watch every request before anything answers it (`Front.answer`), whoever
sends it (the CLI, another client, the sandbox's own calls). A request is a read when its
operation starts with Describe, List, Get or Test (X-Amz-Target or `Action`), or, for REST APIs,
when it is a GET or HEAD; the sandbox's own endpoints and moto's settings are not changes; all
else is, even a request that fails. Once a change
is seen, each request costs one attribute test.
"""

from __future__ import annotations

from ..aws import READ_PREFIXES
from .front import Request, Response
from .operations import named_operation
from .service import Service, sandbox_service


def is_read(request: Request) -> bool:
    """Only reads: its operation's name says so, or, with no name (REST), its method does."""
    if request.path.startswith("/_workshop/") or request.path == "/moto-api/config":
        return True  # the sandbox's own endpoints and moto's settings make nothing (a tick fires what exists)
    if request.path.startswith("/moto-api/"):
        return False  # moto's own API can reset or replay anything
    action = named_operation(request)
    if action:
        return action.startswith(READ_PREFIXES)
    return request.method in ("GET", "HEAD")


class Watch:
    """The front's note of a change, kept until a reset."""

    def __init__(self):
        self.changed = False

    def see(self, request: Request) -> None:
        if not self.changed and not is_read(request):
            self.changed = True


@sandbox_service("changes")
class Changes(Service):
    priority = 150  # moot: it answers nothing (the front shows the watch every request: Front.answer)

    def __init__(self, change_watch: Watch):
        self.watch = change_watch

    def reset(self) -> None:
        self.watch.changed = False

    def routes(self):
        return {"/changes": lambda body: Response.of_json({"changed": self.watch.changed})}
