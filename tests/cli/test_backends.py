"""Backends: an unreachable endpoint or missing credentials exit 3 with one sentence."""

from __future__ import annotations

import socket
import subprocess
import sys

from tests.support import clean_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint_exits_3(cli):
    result = cli("--endpoint-url", f"http://127.0.0.1:{free_port()}", "status")
    assert result.returncode == 3, result.stderr
    assert "Cannot reach" in result.stderr and "Traceback" not in result.stderr


def test_aws_without_credentials_exits_3(cli):
    result = cli("--backend", "aws", "status")
    assert result.returncode == 3, result.stderr
    assert "credentials" in result.stderr.lower()


def test_aws_run_refuses_without_yes_when_not_a_terminal(cli):
    env = clean_env(cli.state_dir, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="x",
                    AWS_ENDPOINT_URL_STS=f"http://127.0.0.1:{free_port()}")
    result = cli("--backend", "aws", "run", "event-bus", env=env)
    # Either it cannot reach STS (3) or it refuses to create billable resources unasked (2): never creates.
    assert result.returncode in (2, 3), result.stderr


def test_unknown_backend_is_bad_input(cli):
    result = cli("--backend", "azure", "status")  # a choice: click names the ones there are
    assert result.returncode == 2 and "'azure' is not one of 'sandbox', 'aws'" in result.stderr
    from_env = cli.with_env(WORKSHOP_BACKEND="azure")("status")
    assert from_env.returncode == 2 and "Unknown backend" in from_env.stderr


def test_endpoint_backend_runs_the_same_steps(cli, fresh, sandbox):
    """Any AWS-compatible endpoint: here the sandbox itself, addressed as a plain endpoint."""
    result = cli.json("--endpoint-url", sandbox.endpoint_url, "run", "event-bus", "--yes")
    assert result["passed"] is True
    status = cli.json("status", "--endpoint-url", sandbox.endpoint_url)
    assert status["backend"] == "endpoint" and len(status["resources"]) == 5
    assert cli.json("status")["resources"] == [], "the sandbox ledger is separate from the endpoint's"
    assert cli.json("cleanup", "--yes", "--endpoint-url", sandbox.endpoint_url)["failed"] == []


def test_global_options_work_after_the_command(cli, tmp_path):
    result = cli("modules", "--scenarios", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2


def test_help_imports_neither_boto3_nor_moto(tmp_path):
    code = ("import sys\nfrom workshop import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in ('boto3', 'botocore', 'moto', 'questionary') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean_env(tmp_path), timeout=60)
    assert "workshop run" in result.stdout
    assert "LOADED []" in result.stdout, result.stdout[-300:]
