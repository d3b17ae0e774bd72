"""What steps and checks see: clients for the chosen backend, the scenario, what was published."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from .aws import errors
from .steps.plan import Note

SETTLED_WAIT_S = 1.0  # how long one question to the sandbox may wait for its deliveries to end


@dataclass
class Context:
    backend: object
    ui: object
    scenario: object
    dry_run: bool = False
    adopt: bool = False  # --adopt: take over same-name resources workshop did not create
    module_id: str = ""
    deadline_s: float = 15.0
    published: dict[str, list[str]] = field(default_factory=dict)  # sample name -> event ids
    patterns: dict[str, dict] = field(default_factory=dict)  # challenge id -> the learner's pattern
    seen: dict[str, list] = field(default_factory=dict)  # what checks read (and deleted) from queues
    publish_errors: dict[str, object] = field(default_factory=dict)  # sample name -> the Outcome of its checks
    replays: dict[str, list[str]] = field(default_factory=dict)  # archive -> the replays started, in order
    started_ms: int = field(default_factory=lambda: int(time.time() * 1000) - 60_000)
    last_look_settled: bool = False  # the check's last question to settled() was answered yes (see within())

    def client(self, service: str):
        return self.backend.client(service)

    @property
    def region(self) -> str:
        return self.backend.region

    @property
    def account(self) -> str:
        return self.backend.account

    def announce(self, message: str) -> None:
        """A check says what it is waiting for (a schedule's next firing); the UI renders it."""
        if self.ui is not None:
            self.ui.say(f"  {message}")

    def settled(self) -> bool:
        """True when nothing published can still arrive anywhere: on the sandbox, every delivery done,
        no retry waiting and no state machine running, so a failing look now is the last word. Other
        backends cannot say (False): their checks wait out the deadline."""
        self.last_look_settled = self.backend.settle(SETTLED_WAIT_S, retries=True)
        return self.last_look_settled

    def within(self) -> str:
        """How long a failing behaviour check looked, as its detail says it."""
        if self.last_look_settled:
            return "by the time everything published had been delivered"
        return f"within {self.deadline_s:.0f}s"

    def found(self, call: Callable[[], dict]) -> dict | None:
        """The call's answer, or None when AWS says the thing does not exist."""
        return errors.found(call)

    def ours(self, kind: str, name: str) -> bool:
        """A child that takes no tags (a target, a subscription, a statement) is workshop's when the
        ledger records it."""
        return self.backend.ledger.has(kind, name)

    def ours_tagged(self, kind: str, name: str, tags) -> bool:
        """A resource that takes tags is workshop's when it carries the mark (a record alone proves
        nothing: someone may have made a same-name one since), or when --adopt took it over."""
        from . import ownership

        if ownership.marked(tags):
            return True
        record = self.backend.ledger.get(kind, name)
        return bool(record and record.attrs.get("adopted"))

    def foreign(self, label: str, why: str, *, adoptable: bool = True, reason: str = "") -> None:
        """A same-name resource workshop did not make and would have to change: stop, unless --adopt
        takes it over (then the caller records what it is now, so cleanup can put it back)."""
        from .ownership import ForeignResource

        if not (self.adopt and adoptable):
            raise ForeignResource(label, why, adoptable, reason)

    def existing_note(self, kind: str, name: str, label: str) -> Note:
        if self.backend.ledger.has(kind, name):
            return Note(f"{label} is already in place", "exists")
        return Note(f"{label} already existed: used, not created (cleanup will leave it)", "info")

    def sample(self, name: str):
        try:
            return self.scenario.samples[name]
        except KeyError:
            from .errors import BadInput

            raise BadInput(f"Unknown sample '{name}': choose one of {', '.join(sorted(self.scenario.samples))}.") from None

    def pattern_for(self, challenge_id: str) -> dict:
        if challenge_id in self.patterns:
            return self.patterns[challenge_id]
        return self.scenario.challenge(challenge_id).solution

    def target_arn_suffix(self, spec: str) -> str:
        """'log_group:/aws/events/orders' -> the end of that target's ARN."""
        kind, _, name = spec.partition(":")
        return {
            "log_group": f":log-group:{name}",
            "sqs_queue": f":{name}",
            "sns_topic": f":{name}",
            "state_machine": f":stateMachine:{name}",
            "lambda_function": f":function:{name}",
            "api_destination": f":api-destination/{name}",
            "event_bus": f":event-bus/{name}",
        }.get(kind, name)
