"""Parts that declare themselves are found: every sandbox service registered in its own file is
discovered and can be built, and every capability a check kind needs is a row `doctor` shows and probes."""

from __future__ import annotations

import re
from pathlib import Path

import workshop.sandbox
from workshop import capabilities, probes, verify
from workshop.sandbox import service

SANDBOX = Path(workshop.sandbox.__file__).parent


def _declared_in_source() -> dict[str, str]:
    found = {}
    for path in SANDBOX.rglob("*.py"):
        for name in re.findall(r'^@sandbox_service\("([^"]+)"\)', path.read_text(), re.MULTILINE):
            found[name] = path.name
    return found


def test_every_service_registered_in_its_file_is_discovered():
    in_source = _declared_in_source()
    assert {"lambdas", "apigateway", "archives", "scheduler"} <= set(in_source)  # the scan itself works
    assert set(service.discover()) == set(in_source)
    shown = "\n".join(service.graph())  # what `python -m workshop.sandbox.service` prints
    assert all(f" {name} (" in shown for name in in_source)
    assert "apigateway (workshop.sandbox.apigateway.gateway.ApiGateway) <- clients, regions, endpoint_url, lambdas" in shown


def test_every_service_class_is_registered_or_built_by_the_plane():
    service.discover()

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    registered = {r.cls for r in service.REGISTERED.values()}
    plane = (SANDBOX / "plane.py").read_text()
    loose = [c.__name__ for c in subclasses(service.Service)
             if c.__module__.startswith("workshop.sandbox") and c not in registered and f"{c.__name__}(" not in plane]
    assert loose == []


def test_each_service_needs_only_parts_and_services_and_no_cycle():
    registrations = service.discover()
    for registration in registrations.values():
        for need in registration.needs:
            assert need in service.PARTS or need in registrations, (registration.name, need)

    def depth(name, chain=()):
        assert name not in chain, chain + (name,)
        needs = [n for n in registrations[name].needs if n in registrations]
        return 1 + max((depth(n, chain + (name,)) for n in needs), default=0)

    assert max(depth(name) for name in registrations) >= 2  # e.g. API destinations -> API Gateway -> Lambda


def test_sqs_is_asked_first():
    from workshop.sandbox.moto_backends import SqsBackend

    priorities = [r.cls.priority for r in service.discover().values()]
    assert all(SqsBackend.priority < p for p in priorities)


def test_every_capability_a_check_kind_needs_is_a_doctor_row_with_a_probe():
    probed = {name for names, _ in probes.PROBES for name in names} | {"custom_bus"}  # settled while preparing
    needed = {need for kind in verify.KINDS.values() for need in kind.needs}
    declared = set(verify.CAPABILITIES)
    assert needed, "no check kind declares a capability: this test would prove nothing"
    assert needed | declared <= set(capabilities.NAMES)
    assert set(capabilities.NAMES) <= probed
    for name in declared:
        assert capabilities.NAMES[name] == verify.CAPABILITIES[name].description
