"""What a backend can do, as the workshop's checks need it: one named capability per row.

`workshop doctor` finds the answers with small probes (`workshop/probes/`, and the probes check
kinds declare with the capabilities they add: `verify.capability`) and caches them per backend in
the state dir. Checks name the capabilities they need, and a check whose backend lacks
one is `unsupported`, with the reason, before any waiting. The sandbox is built to do all of it and
AWS does all of it by definition, so neither needs probing before a run; an endpoint is probed the
first time it is used (or whenever `workshop doctor` runs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .paths import read_json, state_dir, write_json_atomic

# name -> what the row says, in the order `doctor` prints them; a check kind may declare more
# (`verify.capability`), added after these by `_declared` below.
NAMES: dict[str, str] = {
    "custom_bus": "custom event buses and PutEvents",
    "deliver_logs": "delivery to a CloudWatch Logs log group",
    "deliver_sqs": "delivery to an SQS queue",
    "deliver_sns": "delivery to an SNS topic, and SNS to SQS",
    "deliver_stepfunctions": "delivery to a Step Functions state machine",
    "deliver_lambda": "delivery to a Lambda function",
    "deliver_api_destination": "delivery to an API destination (with its body and Basic auth)",
    "sfn_runs": "running state machines",
    "sfn_put_events": "the events:putEvents integration of state machines",
    "lambda_runs": "running Lambda function code",
    "lambda_on_success": "Lambda on-success destinations",
    "lambda_on_failure": "Lambda on-failure destinations",
    "schedules": "firing schedule rules",
    "rest_api_url": "a reachable URL for REST APIs with a Lambda authorizer",
    "apigw_execution_logs": "API Gateway execution logs",
    "archive_replay": "archives, and replays to the rules they name",
    "scheduler_fires": "EventBridge Scheduler schedules firing their targets",
}

CACHE_VERSION = 3  # 3: the later modules' rows


@dataclass
class Capability:
    name: str
    supported: bool | None  # None: not known (not probed, or the probe itself could not run)
    reason: str = ""  # why not, or what proved it

    def as_json(self) -> dict:
        return {"name": self.name, "description": NAMES.get(self.name, self.name), "supported": self.supported,
                "reason": self.reason}


@dataclass
class Capabilities:
    backend: str  # what was probed, as `Backend.describe()` says it
    rows: dict[str, Capability] = field(default_factory=dict)
    probed_at: float = 0.0
    notes: list[str] = field(default_factory=list)  # what the probes found out on the way (e.g. "a moto server")
    url_form: str = ""  # how this backend serves a REST API's stage (see outputs.api_url)

    def lacks(self, needs) -> list[Capability]:
        """The needed capabilities this backend is known not to have (unknown ones are tried)."""
        return [self.rows[n] for n in needs if n in self.rows and self.rows[n].supported is False]

    def as_json(self) -> dict:
        return {"backend": self.backend, "probed_at": self.probed_at, "notes": self.notes, "url_form": self.url_form,
                "capabilities": [self.rows[n].as_json() for n in NAMES if n in self.rows]}

    @classmethod
    def from_json(cls, data: dict) -> "Capabilities":
        rows = {r["name"]: Capability(r["name"], r.get("supported"), r.get("reason", ""))
                for r in data.get("capabilities", []) if r.get("name") in NAMES}
        return cls(data.get("backend", ""), rows, data.get("probed_at", 0.0), list(data.get("notes", [])),
                   data.get("url_form", ""))

    def reasons(self, needs) -> str:
        missing = self.lacks(needs)
        return "; ".join(f"{NAMES[c.name]}: {c.reason}" if c.reason else NAMES[c.name] for c in missing)


def _declared() -> None:
    from .verify import CAPABILITIES

    for declared in CAPABILITIES.values():
        NAMES.setdefault(declared.name, declared.description)


_declared()


def everything(backend: str, why: str) -> Capabilities:
    return Capabilities(backend, {n: Capability(n, True, why) for n in NAMES}, time.time())


def _path(scope):
    return state_dir() / "capabilities" / f"{scope.slug}.json"


def cached(scope) -> Capabilities | None:
    data = read_json(_path(scope), None)
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return None
    return Capabilities.from_json(data)


def store(scope, capabilities: Capabilities) -> None:
    write_json_atomic(_path(scope), dict(capabilities.as_json(), version=CACHE_VERSION))


def forget(scope) -> None:
    _path(scope).unlink(missing_ok=True)


def for_backend(backend, ui=None) -> Capabilities:
    """What the checks may count on: the sandbox and AWS without probing; an endpoint from the
    cache, or probed now (saying so) the first time it is used."""
    kind = backend.choice.kind
    if kind == "sandbox":
        return everything(backend.describe(), "the sandbox delivers to every target the workshop uses")
    if kind == "aws":
        return everything(backend.describe(), "AWS")
    from . import probes

    for note in probes.moto_switch(backend):  # a restarted moto server has it off again: every run sets it
        if ui is not None and note.startswith("set moto"):
            ui.say(f"[dim]Note: {note}.[/]")
    known = cached(backend.scope)
    if known is not None:
        return known
    if ui is not None:
        ui.say(f"[dim]Finding out what {backend.describe()} can do, once (`workshop doctor` shows it; about a minute)...[/]")
    return probe_and_store(backend)


def probe_and_store(backend) -> Capabilities:
    from . import probes

    found = probes.probe(backend)
    store(backend.scope, found)
    return found
