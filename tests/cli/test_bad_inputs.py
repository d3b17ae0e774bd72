"""Every bad input: the contract's exit code, one sentence on stderr, no traceback, no hang.

Usage errors keep click's form: a `Usage:` line, a `Try '... --help' for help.` line, a blank line
and one `Error: <sentence>` line. Every other error is exactly one `Error: <sentence>` line. With
--json, stdout holds exactly one JSON document: {"error": {"type", "message"}, "exit_code"}.

Most inputs fail before any sandbox starts; those that need one share the session's sandbox.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import pytest

from tests.support import clean_env

BOUND_S = 60  # a bound, not a speed assertion: an input that hangs fails here instead of forever
USAGE, BAD, BACKEND, FAILED = 2, 2, 3, 1


@dataclass
class Bad:
    name: str
    args: list[str]
    code: int
    usage: bool = False  # click's Usage/Try lines come first
    json: bool | str = True  # True: add --json and expect one error document; "inline": args hold it
    stdin: str | None = None
    sandbox: bool = False  # needs the shared sandbox running
    env: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def usage(name, *args, json: bool | str = True):
    return Bad(name, list(args), USAGE, usage=True, json=json)


def bad(name, *args, code=BAD, **kwargs):
    return Bad(name, list(args), code, **kwargs)


EU = '{"detail":{"location":[{"prefix":"eu-"}]}}'
EVENT = '{"detail":{"location":"eu-west"}}'

CASES = [
    # usage errors, as click shows them ------------------------------------------------------------
    usage("unknown-command", "frobnicate"),
    usage("unknown-global-option", "--frobnicate", "status"),
    usage("unknown-option-run", "run", "--bogus"),
    usage("unknown-option-verify", "verify", "event-bus", "--bogus"),
    usage("verify-without-module", "verify"),
    usage("verify-two-modules", "verify", "event-bus", "rules"),
    usage("logs-without-group", "logs"),
    usage("pattern-test-without-args", "pattern", "test"),
    usage("pattern-test-without-event", "pattern", "test", '{"a":[1]}'),
    usage("pattern-explain-without-event", "pattern", "explain", EU),
    usage("pattern-explain-two-events", "pattern", "explain", EU, EVENT, EVENT),
    usage("pattern-unknown-subcommand", "pattern", "frob"),
    usage("sandbox-unknown-subcommand", "sandbox", "frob"),
    usage("tick-zero", "sandbox", "tick", "--minutes", "0"),
    usage("tick-negative", "sandbox", "tick", "--minutes", "-5"),
    usage("tick-not-a-number", "sandbox", "tick", "--minutes", "abc"),
    usage("tick-too-far", "sandbox", "tick", "--minutes", "99999999"),
    usage("tick-without-value", "sandbox", "tick", "--minutes", json=False),
    usage("tick-without-value-json", "sandbox", "tick", "--json", "--minutes", json="inline"),
    usage("region-without-value", "run", "event-bus", "--region", json=False),
    usage("region-without-value-json", "run", "event-bus", "--json", "--region", json="inline"),
    usage("endpoint-without-value", "status", "--endpoint-url", json=False),
    usage("endpoint-without-value-json", "status", "--json", "--endpoint-url", json="inline"),
    usage("profile-without-value", "status", "--profile", json=False),
    usage("profile-without-value-json", "status", "--json", "--profile", json="inline"),
    usage("backend-without-value", "status", "--backend", json=False),
    usage("backend-without-value-json", "status", "--json", "--backend", json="inline"),
    usage("scenarios-without-value", "modules", "--scenarios", json=False),
    usage("scenarios-without-value-json", "modules", "--json", "--scenarios", json="inline"),
    usage("state-dir-without-value", "status", "--state-dir", json=False),
    usage("state-dir-without-value-json", "status", "--json", "--state-dir", json="inline"),
    usage("publish-detail-without-value", "publish", "--detail", json=False),
    usage("publish-detail-without-value-json", "publish", "--json", "--detail", json="inline"),
    usage("publish-unknown-option", "publish", "--colour", "red"),
    usage("cleanup-unknown-argument", "cleanup", "everything"),
    usage("status-extra-argument", "status", "now"),
    usage("modules-extra-argument", "modules", "all"),
    usage("sandbox-start-extra-argument", "sandbox", "start", "now"),
    usage("logs-since-without-value", "logs", "/aws/events/orders", "--since", json=False),
    usage("logs-since-without-value-json", "logs", "/aws/events/orders", "--json", "--since", json="inline"),
    usage("version-with-value", "--version=yes"),
    # bad values, found before anything is sent ------------------------------------------------------
    bad("unknown-module-run", "run", "no-such-module"),
    bad("unknown-module-verify", "verify", "no-such-module"),
    bad("unknown-module-selftest", "selftest", "no-such-module"),
    bad("run-nothing-without-terminal", "run"),
    bad("unknown-backend", "--backend", "azure", "status"),
    bad("endpoint-without-scheme", "--endpoint-url", "localhost:4566", "status"),
    bad("publish-neither-detail-nor-sample", "publish"),
    bad("publish-both-detail-and-sample", "publish", "--detail", "{}", "--sample", "x"),
    bad("publish-unknown-sample", "publish", "--sample", "no-such-sample"),
    bad("publish-detail-not-json", "publish", "--detail", "{nope"),
    bad("publish-detail-not-object", "publish", "--detail", "[1,2]"),
    bad("publish-detail-missing-file", "publish", "--detail", "@/nonexistent/detail.json"),
    bad("logs-since-nonsense", "logs", "/aws/events/orders", "--since", "yesterday"),
    bad("logs-follow-with-json", "logs", "/aws/events/orders", "--follow", "--json", json="inline"),
    bad("pattern-not-json", "pattern", "test", "{nope", EVENT),
    bad("pattern-invalid", "pattern", "test", '{"source":"com.aws.orders"}', EVENT),
    bad("pattern-empty-object", "pattern", "test", "{}", EVENT),
    bad("pattern-missing-file", "pattern", "test", "@/nonexistent/pattern.json", EVENT),
    bad("pattern-file-is-a-directory", "pattern", "test", "@/", EVENT),
    bad("event-not-json", "pattern", "test", EU, "{nope"),
    bad("event-not-object", "pattern", "test", EU, "[1]"),
    bad("event-from-stdin-twice", "pattern", "test", EU, "-", "-", stdin=EVENT),
    bad("explain-invalid-pattern", "pattern", "explain", '{"detail":[]}', EVENT),
    bad("scenarios-missing-file", "modules", "--scenarios", "/nonexistent/scenarios.yaml"),
    # backend problems -----------------------------------------------------------------------------------
    bad("aws-without-credentials", "--backend", "aws", "status", code=BACKEND),
    bad("aws-unknown-profile", "--backend", "aws", "--profile", "no-such-profile", "status", code=BACKEND),
    # needs the sandbox -----------------------------------------------------------------------------------
    bad("logs-unknown-group", "logs", "/aws/events/no-such-group", sandbox=True),
]


@pytest.fixture(scope="module")
def timings(request):
    seen: dict[str, float] = {}
    yield seen
    if seen:
        slowest = max(seen, key=seen.get)
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"\nbad inputs: {len(seen)} runs; slowest {slowest}: {seen[slowest]:.2f} s")


def _stderr_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_one_sentence(case: Bad, stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    assert "Unexpected error" not in stderr, stderr
    lines = _stderr_lines(stderr)
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, f"expected one Error line:\n{stderr}"
    if case.usage:
        assert lines[0].startswith("Usage: workshop"), stderr
        assert lines[1].startswith("Try 'workshop") and lines[1].endswith("--help' for help."), stderr
        assert lines[2:] == errors, stderr
    else:
        assert lines == errors, f"expected exactly one line on stderr:\n{stderr}"
    return errors[0][len("Error: "):]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input(case: Bad, cli, timings, request):
    if case.sandbox:
        request.getfixturevalue("sandbox")
    args = case.args + (["--json"] if case.json is True else [])
    env = clean_env(cli.state_dir, **case.env)
    started = time.monotonic()
    result = cli(*args, input=case.stdin if case.stdin is not None else "", env=env, timeout=BOUND_S)
    timings[case.name] = time.monotonic() - started
    assert result.returncode == case.code, f"exit {result.returncode}\nstdout:{result.stdout}\nstderr:{result.stderr}"
    sentence = assert_one_sentence(case, result.stderr)
    if case.json:
        document = json.loads(result.stdout)  # exactly one document: json.loads refuses trailing data
        assert document["exit_code"] == case.code
        assert document["error"]["message"] == sentence and document["error"]["type"]
    else:
        assert result.stdout == ""


def test_bare_workshop_prints_the_help(cli):
    result = cli()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Usage: workshop" in result.stderr and "Commands:" in result.stderr and "run" in result.stderr


def test_json_when_nothing_is_deployed(cli, fresh):
    result = cli("verify", "event-bus", "--json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)  # one document, whichever form the failure takes
    assert document.get("passed") is False or document["exit_code"] == 1, document


# Ctrl-C at startup: the signal is sent from inside the child at a known point, not after a guessed delay.
_INTERRUPT_WHILE_IMPORTING = """
import importlib.abc, os, signal, sys
class Interrupt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Interrupt())
from workshop import cli
cli.main(sys.argv[1:])
"""

_INTERRUPT_WHILE_BUILDING = """
import os, signal, sys, time
import typer.main
build = typer.main.get_command
def interrupted(app):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
    return build(app)
typer.main.get_command = interrupted
from workshop import cli
cli.main(sys.argv[1:])
"""


@pytest.mark.parametrize("script", [_INTERRUPT_WHILE_IMPORTING, _INTERRUPT_WHILE_BUILDING], ids=["importing", "building"])
@pytest.mark.parametrize("json_out", [False, True], ids=["plain", "json"])
def test_ctrl_c_at_startup_exits_130_without_traceback(script, json_out, tmp_path):
    import subprocess
    import sys

    from tests.support import default_sigint

    args = ["modules"] + (["--json"] if json_out else [])
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                            env=clean_env(tmp_path), timeout=BOUND_S, preexec_fn=default_sigint)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr, result.stderr
    assert "Interrupted" in result.stderr
    if json_out:
        assert json.loads(result.stdout)["exit_code"] == 130
    else:
        assert result.stdout == ""
