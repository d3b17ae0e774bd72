"""The contract every part of the sandbox keeps with the plane (`plane.py`), which loops over them,
and the register through which a service joins the plane without a line in `plane.py`.

A service answers what it knows and leaves the rest: each method is optional, and the defaults
here do nothing. The plane asks its services in the order of their `priority` (lower first: SQS's
0, the hottest path, before everything else):
- `intercept(request)`: answer a request before moto does (a Response), or None to pass it on;
- `after_moto(request)`: see a request moto answered with 2xx (to keep its own state in step);
- `reset()`: forget everything (`workshop sandbox reset`);
- `routes()`: its control endpoints under `/_workshop/`, path -> handler(body) -> Response;
- `delivers`: the target ARN services it delivers events to ("lambda", "api-destination", ...),
  through `deliver(target, payload, event, context)`; `owns(arn)` claims a target ARN first.

A service module registers its class with `@sandbox_service("name")`. Its constructor's parameter
names are its dependencies: the plane's parts (`PARTS` below) or other services by their names;
it is handed exactly those, never the plane. The plane imports every module of this package (but
the process entry points), so a new service is a new file, listed nowhere else.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from .front import Request, Response

# What the plane hands a service that names it in its constructor (see DataPlane.start).
PARTS = {
    "clock": "the sandbox clock (clock.py)",
    "journal": "what happened to each event (journal.py)",
    "faults": "injected faults (faults.py)",
    "regions": "the set of regions requests have named",
    "clients": "boto3 clients to the sandbox itself, clients(service, region)",
    "endpoint_url": "the sandbox's own URL",
    "state_dir": "the sandbox's state directory",
    "ask_moto": "Request -> Response: moto's own answer, past every interceptor",
    "moto_app": "moto's WSGI app",
    "router": "rules and targets per bus (router.py)",
    "delivery": "the asynchronous workers, retries and counters (delivery.py)",
    "sqs": "moto's queues, driven directly (moto_backends/sqs.py)",
    "publish": "publish(region, bus, event): route an accepted event to its rules' targets",
    "change_watch": "whether anything was asked to change since the start or a reset (changes.py)",
}


class Service:
    priority: int = 50  # the order the plane asks its services in, lower first
    delivers: tuple[str, ...] = ()

    def intercept(self, request: Request) -> Response | None:
        return None

    def after_moto(self, request: Request) -> None:
        return None

    def reset(self) -> None:
        return None

    def routes(self) -> dict[str, Callable[[dict], Response]]:
        return {}

    def owns(self, arn: str) -> bool:
        return False

    def fire_until(self, until) -> int:
        """Fire what falls due on the sandbox clock up to `until` (a datetime); how many fired."""
        return 0


@dataclass(frozen=True)
class Registration:
    name: str
    cls: type
    needs: tuple[str, ...]  # its constructor's parameters: parts or other services' names


REGISTERED: dict[str, Registration] = {}

# Modules of this package that are process entry points or run elsewhere, not parts of the plane.
_NOT_SERVICES = {"server", "lambda_bootstrap"}


def sandbox_service(name: str):
    """Register a Service class under `name`, built by the plane with what its constructor names."""
    def register(cls: type) -> type:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]  # past self
        needs = tuple(p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
        REGISTERED[name] = Registration(name, cls, needs)
        return cls

    return register


def discover() -> dict[str, Registration]:
    """Import every module of the sandbox package, so each registers its services."""
    import importlib
    import pkgutil

    package = importlib.import_module(__package__)
    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in _NOT_SERVICES:
            importlib.import_module(f"{__package__}.{module.name}")
    return REGISTERED


def build(parts: dict, registrations: dict[str, Registration]) -> dict[str, Service]:
    """Construct every registered service with the parts and services its constructor names,
    each after the services it needs; a missing name or a cycle is an error that names it."""
    built: dict[str, Service] = {}

    def make(name: str, chain: tuple[str, ...]) -> Service:
        if name in built:
            return built[name]
        if name in chain:
            raise RuntimeError(f"sandbox services need each other: {' -> '.join(chain + (name,))}")
        registration = registrations[name]
        args = {}
        for need in registration.needs:
            if need in parts:
                args[need] = parts[need]
            elif need in registrations:
                args[need] = make(need, chain + (name,))
            else:
                raise RuntimeError(f"sandbox service {name!r} needs {need!r}, which is neither a part nor a service")
        built[name] = registration.cls(**args)
        return built[name]

    for name in registrations:
        make(name, ())
    return built


def graph() -> list[str]:
    """Each registered service, its priority and what it is built with, one line each (lowest
    priority first): `python -m workshop.sandbox.service` prints it."""
    registrations = discover()
    return [f"{r.cls.priority:>4}  {r.name} ({r.cls.__module__}.{r.cls.__name__}) <- {', '.join(r.needs) or 'nothing'}"
            for r in sorted(registrations.values(), key=lambda r: r.cls.priority)]


if __name__ == "__main__":  # this file runs as __main__: ask the imported module, which the services register with
    from workshop.sandbox import service as registered

    print("\n".join(registered.graph()))
