"""The contract every part of the sandbox keeps with the plane (`plane.py`), which loops over them.

A service answers what it knows and leaves the rest: each method is optional, and the defaults
here do nothing. The plane asks, in its services' order:
- `intercept(request)`: answer a request before moto does (a Response), or None to pass it on;
- `after_moto(request)`: see a request moto answered with 2xx (to keep its own state in step);
- `reset()`: forget everything (`workshop sandbox reset`);
- `routes()`: its control endpoints under `/_workshop/`, path -> handler(body) -> Response.
"""

from __future__ import annotations

from typing import Callable

from .front import Request, Response


class Service:
    def intercept(self, request: Request) -> Response | None:
        return None

    def after_moto(self, request: Request) -> None:
        return None

    def reset(self) -> None:
        return None

    def routes(self) -> dict[str, Callable[[dict], Response]]:
        return {}
