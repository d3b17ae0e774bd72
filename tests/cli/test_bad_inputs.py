"""Every bad input: the contract's exit code, one sentence on stderr, no traceback, no hang.

Usage errors keep click's form: a `Usage:` line, a `Try '... --help' for help.` line, a blank line
and one `Error: <sentence>` line. Every other error is exactly one `Error: <sentence>` line. With
--json, stdout holds exactly one JSON document: {"error": {"type", "message"}, "exit_code"}.

Most inputs fail before any sandbox starts; those that need one share the session's sandbox.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support import clean_env

DEFAULT_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios.yaml"
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
    usage("unknown-backend", "--backend", "azure", "status"),  # a choice: click names the ones there are
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
    bad("unknown-backend-env", "status", env={"WORKSHOP_BACKEND": "azure"}),
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
    # limits, as EventBridge's, checked before anything is sent ---------------------------------------------
    bad("publish-empty-source", "publish", "--source", "", "--detail", "{}"),
    bad("publish-long-source", "publish", "--source", "s" * 257, "--detail", "{}"),
    bad("publish-aws-source", "publish", "--source", "aws.orders", "--detail", "{}"),
    bad("publish-empty-detail-type", "publish", "--detail-type", "", "--detail", "{}"),
    bad("publish-long-detail-type", "publish", "--detail-type", "t" * 10_000, "--detail", "{}"),
    bad("publish-empty-bus", "publish", "--bus", "", "--detail", "{}"),
    bad("publish-bad-bus-name", "publish", "--bus", "no such bus!", "--detail", "{}"),
    bad("publish-long-bus-name", "publish", "--bus", "b" * 300, "--detail", "{}"),
    bad("publish-sample-empty-source", "publish", "--sample", "FIRST_SAMPLE", "--source", ""),
    bad("publish-detail-infinity", "publish", "--detail", '{"value": Infinity}'),
    bad("publish-detail-nan", "publish", "--detail", '{"value": NaN}'),
    bad("publish-detail-negative-infinity", "publish", "--detail", '{"value": -Infinity}'),
    bad("publish-detail-string", "publish", "--detail", '"just text"'),
    bad("publish-detail-null", "publish", "--detail", "null"),
    bad("publish-detail-empty", "publish", "--detail", ""),
    bad("publish-detail-empty-stdin", "publish", "--detail", "-", stdin=""),
    bad("publish-detail-300kb", "publish", "--detail", "@FILES/big-detail.json"),
    bad("publish-detail-just-under-limit-with-envelope", "publish", "--detail", "@FILES/near-limit-detail.json"),
    bad("publish-detail-not-utf8", "publish", "--detail", "@FILES/latin1.json"),
    bad("publish-detail-nested-5000", "publish", "--detail", "@FILES/deep.json"),
    bad("publish-detail-directory", "publish", "--detail", "@FILES"),
    bad("pattern-infinity", "pattern", "test", '{"detail":{"v":[Infinity]}}', EVENT),
    bad("pattern-nan", "pattern", "test", '{"detail":{"v":[{"numeric":[">",NaN]}]}}', EVENT),
    bad("pattern-top-level-array", "pattern", "test", "[1]", EVENT),
    bad("pattern-top-level-string", "pattern", "test", '"x"', EVENT),
    bad("pattern-null", "pattern", "test", "null", EVENT),
    bad("pattern-empty", "pattern", "test", "", EVENT),
    bad("pattern-empty-stdin", "pattern", "test", "-", EVENT, stdin=""),
    bad("pattern-not-utf8", "pattern", "test", "@FILES/latin1.json", EVENT),
    bad("pattern-nested-5000", "pattern", "test", "@FILES/deep.json", EVENT),
    bad("pattern-nested-900", "pattern", "test", "@FILES/deep900.json", EVENT),
    bad("pattern-300kb", "pattern", "test", "@FILES/big-detail.json", EVENT),
    bad("pattern-longer-than-aws-allows", "pattern", "test", "@FILES/long-pattern.json", EVENT),
    bad("pattern-wildcard-too-complex", "pattern", "test", '{"detail":{"a":[{"wildcard":"*a*a*a*a*a*a*a*a*a*a*a*a*b"}]}}', EVENT),
    bad("pattern-unknown-operator", "pattern", "test", '{"detail":{"a":[{"fuzzy":"x"}]}}', EVENT),
    bad("pattern-numeric-wrong-shape", "pattern", "test", '{"detail":{"a":[{"numeric":[">"]}]}}', EVENT),
    bad("pattern-empty-array", "pattern", "test", '{"detail":{"a":[]}}', EVENT),
    bad("event-infinity", "pattern", "test", EU, '{"detail":{"v":Infinity}}'),
    bad("event-null", "pattern", "test", EU, "null"),
    bad("event-not-utf8", "pattern", "test", EU, "@FILES/latin1.json"),
    bad("event-nested-5000", "pattern", "test", EU, "@FILES/deep.json"),
    bad("event-300kb", "pattern", "test", EU, "@FILES/big-detail.json"),
    bad("event-missing-file", "pattern", "test", EU, "@FILES/absent.json"),
    bad("event-detail-only-not-object", "pattern", "test", EU, "--detail", "[1]"),
    bad("explain-event-not-object", "pattern", "explain", EU, "[1]"),
    bad("explain-not-utf8", "pattern", "explain", "@FILES/latin1.json", EVENT),
    bad("explain-nested-5000", "pattern", "explain", EU, "@FILES/deep.json"),
    bad("explain-infinity", "pattern", "explain", EU, '{"detail":{"v":-Infinity}}'),
    bad("logs-since-before-1970", "logs", "/aws/events/orders", "--since", "999999999999d"),
    bad("logs-since-negative", "logs", "/aws/events/orders", "--since", "-5m"),
    bad("logs-since-fraction", "logs", "/aws/events/orders", "--since", "1.5h"),
    bad("logs-since-unit-unknown", "logs", "/aws/events/orders", "--since", "3w"),
    usage("tick-one-past-the-limit", "sandbox", "tick", "--minutes", "44641"),
    # regions: only AWS's, before any request ----------------------------------------------------------------
    bad("region-unknown", "--region", "xx-fake-9", "status"),
    bad("region-with-space", "--region", "bad region!", "status"),
    bad("region-with-newline", "--region", "us-east-1\nx", "status"),
    bad("region-upper-case", "--region", "US-EAST-1", "status"),
    bad("region-empty", "--region", "", "status"),
    bad("region-unknown-run", "run", "event-bus", "--region", "xx-fake-9"),
    bad("region-unknown-selftest", "--region", "xx-fake-9", "selftest", "event-bus"),
    bad("region-unknown-modules", "--region", "mars-north-1", "modules"),
    bad("region-unknown-publish", "--region", "xx-fake-9", "publish", "--detail", "{}"),
    bad("region-unknown-logs", "--region", "xx-fake-9", "logs", "/aws/events/orders"),
    bad("region-unknown-in-environment", "status", env={"AWS_REGION": "xx-fake-9"}),
    bad("region-unknown-in-default-environment", "status", env={"AWS_DEFAULT_REGION": "moon-1"}),
    bad("region-unknown-for-aws", "--backend", "aws", "--region", "xx-fake-9", "status"),
    # endpoints ---------------------------------------------------------------------------------------------------
    bad("endpoint-no-host", "--endpoint-url", "http://", "status"),
    bad("endpoint-broken-ipv6", "--endpoint-url", "http://[::1", "status"),
    bad("endpoint-port-out-of-range", "--endpoint-url", "http://127.0.0.1:99999", "status"),
    bad("endpoint-port-not-a-number", "--endpoint-url", "http://127.0.0.1:abc", "status"),
    bad("endpoint-ftp", "--endpoint-url", "ftp://127.0.0.1:21", "status"),
    bad("endpoint-with-space", "--endpoint-url", "http://local host:4566", "status"),
    bad("endpoint-empty", "--endpoint-url", "", "status"),
    bad("endpoint-in-environment", "status", env={"AWS_ENDPOINT_URL": "http://"}),
    bad("endpoint-unreachable", "--endpoint-url", "ENDPOINT/closed", "status", code=BACKEND),
    bad("endpoint-answers-html", "--endpoint-url", "ENDPOINT/html", "status", code=BACKEND),
    bad("endpoint-answers-500", "--endpoint-url", "ENDPOINT/500", "status", code=BACKEND),
    bad("endpoint-answers-503-json", "--endpoint-url", "ENDPOINT/503", "status", code=BACKEND),
    bad("endpoint-answers-without-result", "--endpoint-url", "ENDPOINT/empty", "status", code=BACKEND),
    bad("endpoint-answers-html-to-run", "--endpoint-url", "ENDPOINT/html", "run", "event-bus", "--yes", code=BACKEND),
    bad("endpoint-answers-html-to-logs", "--endpoint-url", "ENDPOINT/html", "logs", "/aws/events/orders", code=BACKEND),
    # scenario files: loaded safely, errors name file:line, before any call ----------------------------------------
    bad("scenarios-anchor-bomb", "--scenarios", "FILES/bomb.yaml", "run", "--all", "--yes"),
    bad("scenarios-recursive-alias", "--scenarios", "FILES/recursive.yaml", "modules"),
    bad("scenarios-nested-3000", "--scenarios", "FILES/deep.yaml", "modules"),
    bad("scenarios-nested-100", "--scenarios", "FILES/deep100.yaml", "modules"),
    bad("scenarios-control-character", "--scenarios", "FILES/control.yaml", "modules"),
    bad("scenarios-unhashable-key", "--scenarios", "FILES/unhashable.yaml", "modules"),
    bad("scenarios-unhashable-module-key", "--scenarios", "FILES/unhashable-module.yaml", "modules"),
    bad("scenarios-not-utf8", "--scenarios", "FILES/latin1.yaml", "modules"),
    bad("scenarios-without-credentials", "--scenarios", "FILES/no-credentials.yaml", "run", "--all", "--yes"),
    bad("scenarios-module-requires-itself", "--scenarios", "FILES/requires-itself.yaml", "run", "rules", "--yes"),
    bad("scenarios-requires-cycle", "--scenarios", "FILES/requires-cycle.yaml", "run", "rules", "--yes"),
    bad("scenarios-too-large", "--scenarios", "FILES/huge.yaml", "modules"),
    bad("scenarios-invalid-rule-pattern", "--scenarios", "FILES/invalid-rule-pattern.yaml", "run", "--all", "--yes"),
    bad("scenarios-invalid-solution", "--scenarios", "FILES/invalid-solution.yaml", "run", "--all", "--yes"),
    bad("scenarios-python-tag", "--scenarios", "FILES/python-tag.yaml", "modules"),
    bad("scenarios-impossible-date", "--scenarios", "FILES/bad-date.yaml", "modules"),
    bad("scenarios-empty", "--scenarios", "FILES/empty.yaml", "modules"),
    bad("scenarios-a-list", "--scenarios", "FILES/a-list.yaml", "modules"),
    bad("scenarios-broken-yaml", "--scenarios", "FILES/broken.yaml", "modules"),
    bad("scenarios-directory", "--scenarios", "FILES", "modules"),
    bad("scenarios-binary", "--scenarios", "FILES/binary.yaml", "modules"),
    # backend problems -----------------------------------------------------------------------------------
    bad("aws-without-credentials", "--backend", "aws", "status", code=BACKEND),
    bad("aws-unknown-profile", "--backend", "aws", "--profile", "no-such-profile", "status", code=BACKEND),
    # needs the sandbox -----------------------------------------------------------------------------------
    bad("logs-unknown-group", "logs", "/aws/events/no-such-group", sandbox=True),
    bad("logs-empty-group-name", "logs", "", sandbox=True),
    bad("publish-to-missing-bus", "publish", "--bus", "NoSuchBus", "--detail", "{}", sandbox=True),
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


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """The bad files the table reads: too big, not UTF-8, too deep, and broken scenario files."""
    root = tmp_path_factory.mktemp("bad-inputs")
    (root / "big-detail.json").write_text(json.dumps({"blob": "x" * 300_000}))
    (root / "near-limit-detail.json").write_text(json.dumps({"blob": "x" * (256 * 1024 - 40)}))
    (root / "latin1.json").write_bytes('{"city": "Orléans"}'.encode("latin-1"))
    (root / "deep.json").write_text('{"a":' * 5000 + "1" + "}" * 5000)
    (root / "deep900.json").write_text('{"detail":' + '{"a":' * 900 + "[1]" + "}" * 900 + "}")
    (root / "long-pattern.json").write_text(json.dumps({"detail": {"a": ["x" * 60] * 60}}))
    scenario = DEFAULT_SCENARIOS.read_text()
    (root / "bomb.yaml").write_text("\n".join(
        ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]) + "\nmodules: []\n")
    (root / "recursive.yaml").write_text("a: &a [*a]\nmodules: []\n")
    (root / "deep.yaml").write_text("modules: " + "[" * 3000 + "]" * 3000 + "\n")
    (root / "deep100.yaml").write_text("modules: " + "[" * 100 + "]" * 100 + "\n")
    (root / "control.yaml").write_text(scenario.replace("modules:", "modules:\x07", 1))
    (root / "unhashable.yaml").write_text("? [a, b]\n: 1\nmodules: []\n")
    (root / "unhashable-module.yaml").write_text("modules:\n  - {id: x, [1, 2]: y}\n")
    (root / "latin1.yaml").write_bytes(scenario.replace("modules:", "# Orléans\nmodules:", 1).encode("latin-1", "replace"))
    no_credentials = re.sub(r"(?ms)^credentials:.*?(?=^\S)", "", scenario)
    assert "credentials:" not in no_credentials.split("modules:")[0]
    (root / "no-credentials.yaml").write_text(no_credentials)
    (root / "requires-itself.yaml").write_text(scenario.replace("    requires: [event-bus]\n", "    requires: [rules]\n", 1))
    cycle = scenario.replace("    requires: [event-bus]\n", "    requires: [step-functions]\n", 1)
    cycle = cycle.replace("  - id: step-functions\n", "  - id: step-functions\n    requires: [rules]\n", 1)
    cycle = re.sub(r"(  - id: step-functions\n    requires: \[rules\]\n(?:    (?!requires).*\n)*?)    requires: .*\n", r"\1", cycle, count=1)
    (root / "requires-cycle.yaml").write_text(cycle)
    invalid_rule = scenario.replace("pattern: {source: [com.aws.orders]}", "pattern: {source: com.aws.orders}", 1)
    invalid_solution = re.sub(r"solution: \{.*\}", "solution: {source: []}", scenario, count=1)
    assert invalid_rule != scenario and invalid_solution != scenario
    (root / "invalid-rule-pattern.yaml").write_text(invalid_rule)
    (root / "invalid-solution.yaml").write_text(invalid_solution)
    (root / "huge.yaml").write_text(scenario + "\n#" + "x" * 2_000_000 + "\n")
    (root / "python-tag.yaml").write_text("modules: !!python/object/apply:os.system ['true']\n")
    (root / "bad-date.yaml").write_text("modules: 2024-13-45\n")
    (root / "empty.yaml").write_text("")
    (root / "a-list.yaml").write_text("- modules\n")
    (root / "broken.yaml").write_text("modules: [\n")
    (root / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    return root


class _NotAws(BaseHTTPRequestHandler):
    """An HTTP endpoint that is not AWS: HTML pages, 5xx, answers without AWS's result keys."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind = self.path.strip("/").split("/")[0]
        status, content_type, body = {
            "html": (200, "text/html", b"<html><body><h1>Welcome to nginx!</h1></body></html>"),
            "500": (500, "text/html", b"<html><body>Internal Server Error</body></html>"),
            "503": (503, "application/json", b'{"oops": true}'),
            "empty": (200, "text/xml", b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"/>'),
        }.get(kind, (404, "text/plain", b"not here"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_DELETE = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def endpoint() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotAws)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _resolve(text: str, files: Path, endpoint: str) -> str:
    text = text.replace("ENDPOINT/closed", f"http://127.0.0.1:{_closed_port()}").replace("ENDPOINT", endpoint)
    return text.replace("FILES", str(files)).replace("FIRST_SAMPLE", _first_sample())


def _first_sample() -> str:
    from workshop import scenario

    return sorted(scenario.load().samples)[0]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input(case: Bad, cli, timings, request, files, endpoint):
    if case.sandbox:
        request.getfixturevalue("sandbox")
    args = [_resolve(a, files, endpoint) for a in case.args] + (["--json"] if case.json is True else [])
    env = clean_env(cli.state_dir, **{k: _resolve(v, files, endpoint) for k, v in case.env.items()})
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


def test_wildcards_against_a_long_value_answer_within_the_bound(cli):
    """The hang of issue 11: each `*` was a backtracking `.*`; now it is a plain no-match, exit 1."""
    event = json.dumps({"detail": {"a": "a" * 200_000}})
    result = cli("pattern", "test", '{"detail":{"a":[{"wildcard":"*a*a*a*b"}]}}', "-", "--json", input=event, timeout=BOUND_S)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["matched"] is False


def test_an_endpoint_that_never_answers_fails_naming_it(cli):
    """It accepts the connection (the kernel does, into the listen backlog) and never says a word."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = cli("--endpoint-url", url, "status", "--json", timeout=120)
        seconds = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    message = assert_one_sentence(Bad("silent", [], 3), result.stderr)
    assert url in message and "never answered" in message
    assert json.loads(result.stdout)["exit_code"] == 3
    print(f"silent endpoint: exit 3 after {seconds:.1f} s")


def test_ctrl_d_at_a_prompt_is_handled_like_ctrl_c(tmp_path):
    """On a terminal, `workshop run` asks which module; Ctrl-D there ends the run as Ctrl-C does."""
    import sys

    import pexpect

    child = pexpect.spawn(sys.executable, ["-m", "workshop.cli", "run"], env=clean_env(tmp_path), encoding="utf-8",
                          timeout=BOUND_S, dimensions=(40, 120))
    try:
        child.expect("Which module")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 130, child.before
    # as Ctrl-C at a prompt: how to take it up again
    assert "Traceback" not in child.before and "Stopped at the prompt; `workshop run` asks again." in child.before
