"""Fixtures: a pinned peer emulator (MiniStack, a plain moto server) running on 127.0.0.1."""

from __future__ import annotations

import pytest

from .emulators import ALL, Running, install


@pytest.fixture(scope="module", params=sorted(ALL))
def emulator(request):
    spec = ALL[request.param]
    try:
        install(spec)
    except Exception as exc:  # CI needs real evidence: a missing emulator is a failure, never a skip
        pytest.fail(f"could not create the {spec.requirement} virtualenv: {exc}")
    running = Running(spec)
    yield running
    running.stop()
