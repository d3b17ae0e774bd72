"""`workshop trace EVENT_ID`: one event's journey as a tree.

The bus; every rule on it, matched or not, with the pattern engine's reason; for each matched
rule, each target's delivery and its evidence (evidence.py); and onward hops when a target put
events back on a bus, traced the same way. On the sandbox the data plane's journal says when each
delivery happened or failed (and with which error code); elsewhere the tree is built from what the
APIs show, and each hop the APIs cannot show says so.
"""

from __future__ import annotations

import json
import time

from . import evidence as ev
from . import patterns, published
from .errors import BadInput
from .render import failing_reasons

MAX_DEPTH = 4
NOT_REPORTED = ("EventBridge's API does not report one event's delivery: a failure shows only in the rule's "
                "FailedInvocations metric or the target's dead-letter queue")


class Tracer:
    def __init__(self, backend, evidence: bool = True):
        self.backend = backend
        self.sandbox = backend.choice.is_sandbox
        self.evidence = evidence  # False: the compact form after a publish (rules and deliveries only)

    # finding the event -------------------------------------------------------------------------
    def journal(self, event_id: str) -> dict:
        if not self.sandbox:
            return {"entries": [], "onward": []}
        return self.backend.sandbox_control().journal(event_id)

    def locate(self, event_id: str) -> tuple[dict, str, str | None]:
        """(the event as delivered, its bus, when it was accepted) or BadInput."""
        accepted = [e for e in self.journal(event_id)["entries"] if e["kind"] == "accepted"]
        if accepted:
            return accepted[0]["event"], accepted[0]["bus"], accepted[0]["at"]
        record = published.find(self.backend.scope, event_id)
        if record is None:
            where = "the sandbox has not seen it" if self.sandbox else "workshop did not publish it here"
            raise BadInput(f"No event {event_id} to trace in {self.backend.describe()}: {where}. "
                           "Trace an id printed by `workshop publish`, `run` or `verify`.")
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record["published_at"]))
        return self._envelope(event_id, record, when), record["bus"], when

    def _envelope(self, event_id: str, known: dict, when: str) -> dict:
        return {"version": "0", "id": event_id, "detail-type": known.get("detail-type"), "source": known.get("source"),
                "account": self.backend.account, "time": when, "region": self.backend.region, "resources": [],
                "detail": known.get("detail") or {}}

    # the tree ----------------------------------------------------------------------------------
    def trace(self, event_id: str, *, wait: bool = True) -> dict:
        if wait:
            self.backend.settle()
        event, bus, at = self.locate(event_id)
        return self._node(event, bus, at, depth=0, seen=set())

    def _node(self, event: dict, bus: str, at: str | None, depth: int, seen: set) -> dict:
        seen.add((event["id"], bus))
        journal = self.journal(event["id"])
        node = {"event_id": event["id"], "bus": bus, "at": at, "source": event.get("source"),
                "detail-type": event.get("detail-type"), "detail": event.get("detail"), "rules": [],
                "visibility": "sandbox journal" if self.sandbox else "service APIs"}
        since_ms = int(time.time() * 1000) - 3600_000
        for rule in self._rules(bus):
            node["rules"].append(self._rule(rule, event, bus, journal, since_ms, depth, seen))
        return node

    def _rules(self, bus: str) -> list[dict]:
        """A bus's rules, read again only once this command has changed something of EventBridge."""
        events = self.backend.client("events")
        return self.backend.remembered("events", ("rules", bus), lambda: [
            rule for page in events.get_paginator("list_rules").paginate(EventBusName=bus) for rule in page.get("Rules", [])])

    def _targets(self, rule: str, bus: str) -> list[dict]:
        """Asked only for a rule that takes the event: the others show no targets."""
        events = self.backend.client("events")
        return self.backend.remembered("events", ("targets", bus, rule), lambda: events.list_targets_by_rule(
            Rule=rule, EventBusName=bus).get("Targets", []))

    def _rule(self, rule: dict, event: dict, bus: str, journal: dict, since_ms: int, depth: int, seen: set) -> dict:
        entry = {"name": rule["Name"], "state": rule.get("State"), "pattern": None, "matched": False, "reason": "",
                 "targets": []}
        if not rule.get("EventPattern"):
            entry["schedule"] = rule.get("ScheduleExpression")
            if rule["Arn"] not in (event.get("resources") or []):
                entry["reason"] = "a schedule rule: it fires on its schedule, not on events"
                return entry
            entry.update(matched=True, reason=f"its schedule {entry['schedule']} fired this event")
        else:
            entry["pattern"] = json.loads(rule["EventPattern"])
            explanation = patterns.explain(entry["pattern"], event)
            entry["matched"] = explanation.matched
            entry["reason"] = (explanation.summary or "every condition holds") if explanation.matched else failing_reasons(explanation)
            if not explanation.matched:
                return entry
        if rule.get("State") != "ENABLED":
            entry["reason"] = "the pattern matches, but the rule is disabled: nothing is delivered"
            from .hints import pasteable

            entry["hint"] = pasteable(f"Enable it: `aws events enable-rule --name {rule['Name']} --event-bus-name {bus}`", self.backend)
            return entry
        for target in self._targets(rule["Name"], bus):
            entry["targets"].append(self._target(rule["Name"], target, event, journal, since_ms, depth, seen))
        return entry

    def _target(self, rule: str, target: dict, event: dict, journal: dict, since_ms: int, depth: int, seen: set) -> dict:
        kind, name = ev.target_kind(target["Arn"])
        if not self.evidence:
            delivery = self._delivery(rule, target, journal, ev.Evidence()) if self.sandbox else \
                {"status": "routed", "note": f"`workshop trace {event['id']}` shows its delivery"}
            return {"id": target.get("Id"), "arn": target["Arn"], "kind": kind, "name": name, "delivery": delivery,
                    "evidence": None, "onward": []}
        found = self._evidence(kind, name, target["Arn"], event, since_ms)
        delivery = self._delivery(rule, target, journal, found)
        out = {"id": target.get("Id"), "arn": target["Arn"], "kind": kind, "name": name, "delivery": delivery,
               "evidence": found.found, "onward": []}
        if found.note and not found.found:
            out["note"] = found.note
        hops = list(found.onward)
        if kind == "bus":
            hops.append({"event_id": event["id"], "bus": name, "event": event, "via": f"rule {rule}"})
        if kind == "lambda":
            hops += self._destination_hops(name, event, journal)
        for hop in hops:
            out["onward"].append(self._onward(hop, depth, seen))
        return out

    def _evidence(self, kind: str, name: str, arn: str, event: dict, since_ms: int) -> ev.Evidence:
        try:
            if kind == "logs":
                return ev.from_logs(self.backend, name, event, since_ms)
            if kind == "sqs":
                return ev.peek_queue(self.backend, name, event["id"])
            if kind == "sns":
                return ev.from_topic(self.backend, arn, event)
            if kind == "states":
                return ev.from_state_machine(self.backend, arn, event)
            if kind == "lambda":
                return ev.from_function(self.backend, name, event, since_ms)
            if kind == "api-destination":
                return ev.from_api_destination(self.backend, name, event, since_ms)
            if kind == "bus":
                return ev.Evidence(note="the event goes on to another bus (below)")
        except Exception as exc:  # evidence is a view: one unreadable hop must not hide the others
            import botocore.exceptions

            if not isinstance(exc, (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)):
                raise
            return ev.Evidence(note=f"could not read it: {exc}")
        return ev.Evidence(note=f"workshop cannot read back what a {kind} target received")

    def _delivery(self, rule: str, target: dict, journal: dict, found: ev.Evidence) -> dict:
        if self.sandbox:
            mine = [e for e in journal["entries"] if e.get("rule") == rule and e.get("target") == target["Arn"]]
            failed = [e for e in mine if e["kind"] == "failed"]
            if failed:
                last = failed[-1]
                return {"status": "failed", "at": last["at"], "attempts": last.get("attempts"),
                        "error_code": last.get("error_code"), "error_message": last.get("error_message")}
            delivered = [e for e in mine if e["kind"] == "delivered"]
            if delivered:
                result = {"status": "delivered", "at": delivered[-1]["at"], "attempts": delivered[-1].get("attempt")}
                if found.failed:
                    result.update(status="target failed", error_message=found.failed)
                return result
            return {"status": "pending", "note": "not delivered yet (retrying, or still in flight)"}
        if found.failed:
            return {"status": "target failed", "error_message": found.failed, "at": (found.found or {}).get("at")}
        if found.found:
            return {"status": "delivered", "at": found.found.get("at")}
        return {"status": "not seen", "note": NOT_REPORTED}

    def _destination_hops(self, function: str, event: dict, journal: dict) -> list[dict]:
        """The record a function's on-success/on-failure destination bus received for this event."""
        hops = []
        for condition, arn in ev.destinations(self.backend, function).items():
            kind, name = ev.target_kind(arn)
            if kind != "bus":
                continue
            record = next((e for e in journal["onward"] if e["bus"] == name), None)
            if record is not None:
                hops.append({"event_id": record["event_id"], "bus": name, "event": record["event"], "at": record["at"],
                             "via": f"{function}'s {condition} destination"})
            elif not self.sandbox:
                hops.append({"event_id": None, "bus": name, "via": f"{function}'s {condition} destination",
                             "note": "Lambda does not report the destination record's event id: see the "
                                     f"rules on bus {name} (e.g. a log-group target) for it"})
        return hops

    def _onward(self, hop: dict, depth: int, seen: set) -> dict:
        if not hop.get("event_id"):
            return {"via": hop.get("via"), "bus": hop.get("bus"), "note": hop.get("note", "")}
        if depth + 1 >= MAX_DEPTH or (hop["event_id"], hop["bus"]) in seen:
            return {"event_id": hop["event_id"], "bus": hop["bus"], "via": hop.get("via"), "note": "not followed further"}
        event, at = hop.get("event"), hop.get("at")
        if self.sandbox and (event is None or "id" not in event):
            accepted = [e for e in self.journal(hop["event_id"])["entries"] if e["kind"] == "accepted" and e["bus"] == hop["bus"]]
            if accepted:
                event, at = accepted[0]["event"], accepted[0]["at"]
        if event is None:
            return {"event_id": hop["event_id"], "bus": hop["bus"], "via": hop.get("via"), "note": "its content is not known"}
        if "id" not in event:
            event = self._envelope(hop["event_id"], event, at or "")
        node = self._node(event, hop["bus"], at, depth + 1, seen)
        node["via"] = hop.get("via")
        return node
