"""The prerequisites module against a real sandbox over loopback.

One private state directory and one sandbox for the whole session (the real `workshop` CLI runs in
subprocesses with WORKSHOP_STATE_DIR pointing there); `workshop sandbox stop` at the end. Every
wait is bounded by the CLI's own deadlines and the subprocess timeout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from prq_support import REGION

from tests.conftest import clean_env

CLI_TIMEOUT_S = 300


def _env(state_dir: Path) -> dict:
    return clean_env(state_dir, COLUMNS="250", WORKSHOP_VERIFY_TIMEOUT="20")


class Workshop:
    """The CLI in a subprocess against this session's sandbox; remembers everything it printed."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.env = _env(state_dir)
        self.transcript: list[str] = []
        self.endpoint_url: str | None = None
        self._clients: dict[str, object] = {}

    def __call__(self, *args: str, timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "workshop.cli", *args], capture_output=True, text=True,
                                env=self.env, timeout=timeout)
        self.transcript += [result.stdout, result.stderr]
        return result

    def ok(self, *args: str) -> subprocess.CompletedProcess:
        result = self(*args)
        assert result.returncode == 0, f"workshop {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result

    def json(self, *args: str) -> dict:
        return json.loads(self.ok(*args, "--json").stdout)

    def client(self, service: str):
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION,
                                                  aws_access_key_id="testing", aws_secret_access_key="testing")
        return self._clients[service]

    def ledger(self) -> list[dict]:
        files = list((self.state_dir / "ledger").glob("sandbox-*.json"))
        resources = []
        for file in files:
            resources += json.loads(file.read_text()).get("resources", [])
        return resources

    def ledger_keys(self) -> set[tuple[str, str]]:
        return {(r["kind"], r["name"]) for r in self.ledger()}

    def faults(self, **body) -> dict:
        from workshop.sandbox import control

        return control.request(self.endpoint_url, "/_workshop/faults", body)


@pytest.fixture(scope="session")
def ws(tmp_path_factory):
    state = tmp_path_factory.mktemp("prerequisites-state")
    runner = Workshop(state)
    info = runner.json("sandbox", "start")
    assert info["running"] is True
    runner.endpoint_url = info["endpoint_url"]
    try:
        yield runner
    finally:
        runner("sandbox", "stop", timeout=60)


@pytest.fixture(scope="session")
def first_run(ws):
    """`workshop run prerequisites --yes` on an empty sandbox."""
    ws.ok("sandbox", "reset")
    return ws("run", "prerequisites", "--yes")
