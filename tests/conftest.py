"""Shared fixtures: the real CLI in a subprocess, against a real sandbox on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

CLI_TIMEOUT_S = 180

# Machines here are shared and noisy: property tests check behaviour, never how fast an example runs.
settings.register_profile("workshop", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("workshop")


def clean_env(state_dir: Path, **extra: str) -> dict:
    """No AWS configuration leaks in from the machine; never a metadata-service lookup."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "WORKSHOP_")) and k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update({
        "WORKSHOP_STATE_DIR": str(state_dir),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(state_dir / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(state_dir / "no-aws-credentials"),
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "WORKSHOP_VERIFY_TIMEOUT": "8",
    })
    env.update(extra)
    return env


def default_sigint() -> None:
    """For a child that a test will Ctrl-C: a shell that started us in the background (as a CI
    runner may) leaves SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Cli:
    def __init__(self, state_dir: Path):
        self.state_dir = state_dir

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None, timeout: float = CLI_TIMEOUT_S):
        return subprocess.run([sys.executable, "-m", "workshop.cli", *args], capture_output=True, text=True,
                              input=input, env=env or clean_env(self.state_dir), timeout=timeout)

    def json(self, *args: str, expect: int | None = 0, **kwargs):
        result = self(*args, "--json", **kwargs)
        if expect is not None:
            assert result.returncode == expect, f"exit {result.returncode}\nstdout:{result.stdout}\nstderr:{result.stderr}"
        return json.loads(result.stdout)


@pytest.fixture(scope="session")
def cli(tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    runner = Cli(state)
    yield runner
    runner("sandbox", "stop")


@pytest.fixture(scope="session")
def sandbox(cli):
    info = cli.json("sandbox", "start")
    assert info["running"] is True
    return info


@pytest.fixture
def fresh(cli, sandbox):
    """An empty sandbox world (and an empty sandbox ledger) for each test that asks."""
    result = cli("sandbox", "reset")
    assert result.returncode == 0, result.stderr
    return sandbox


@pytest.fixture
def aws(sandbox):
    import boto3

    def client(service: str):
        return boto3.client(service, endpoint_url=sandbox["endpoint_url"], region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    return client
