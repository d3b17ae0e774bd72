"""The fixtures: the real CLI in a subprocess, and one real sandbox on loopback per test process
(under pytest-xdist, one per worker), emptied when a test file first asks for it.

A test that asks for `sandbox` or `cli` (directly or through another fixture) is marked `sandbox`
here, so `python -m pytest -m "not sandbox"` runs the pure tests alone.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.support import Cli, Sandbox

# Machines here are shared and noisy: property tests check behaviour, never how fast an example runs.
settings.register_profile("workshop", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("workshop")

SANDBOX_FIXTURES = {"sandbox", "cli", "own_cli"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SANDBOX_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.sandbox)


@pytest.fixture(scope="session")
def cli(tmp_path_factory):
    """The CLI with this test process's own state directory (and so its own sandbox)."""
    runner = Cli(tmp_path_factory.mktemp("state"))
    yield runner
    runner("sandbox", "stop", timeout=60)


@pytest.fixture(scope="session")
def sandbox_process(cli) -> Sandbox:
    info = cli.json("sandbox", "start")
    assert info["running"] is True
    return Sandbox(info["endpoint_url"], info["pid"], cli.state_dir)


@pytest.fixture(scope="module")
def sandbox(sandbox_process, cli) -> Sandbox:
    """The sandbox, empty (world and ledger) when a test file starts; tests within a file share it."""
    cli.ok("sandbox", "reset")
    return sandbox_process


@pytest.fixture
def fresh(cli, sandbox) -> Sandbox:
    """An empty sandbox world (and an empty sandbox ledger) for each test that asks."""
    cli.ok("sandbox", "reset")
    return sandbox


@pytest.fixture
def sb(sandbox) -> Sandbox:
    """The sandbox, with faults switched off again after each test."""
    yield sandbox
    sandbox.faults(throttle=0.0, error=0.0, operations=[])


@pytest.fixture(scope="module")
def aws(sandbox):
    """boto3 clients for the sandbox: aws("events")."""
    return sandbox.client


@pytest.fixture
def own_cli(tmp_path):
    """The CLI with a state directory (and sandbox) of its own, stopped after the test."""
    runner = Cli(tmp_path)
    yield runner
    runner("sandbox", "stop", timeout=60)
