"""Behaviour check: the published event arrived in a log group (found by its event id)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..aws.lookups import log_events
from . import Outcome, brief, check_kind, poll, published


@dataclass
class LogEventArgs:
    log_group: str
    sample: str


@check_kind("log_event", LogEventArgs, needs=("custom_bus", "deliver_logs"))
@published
def log_event(ctx, args: LogEventArgs, ids: list[str]) -> Outcome:

    def probe() -> Outcome:
        logged = log_events(ctx, args.log_group, ctx.started_ms)
        messages = [e["message"] for e in logged]
        for found in logged:
            try:
                event = json.loads(found["message"])
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("id") in ids:  # the evidence: what the log event holds
                return Outcome(True, f"event {event['id']} logged: {event.get('detail-type')} {brief(event.get('detail'))}")
        return Outcome(False, f"event {ids[-1]} did not arrive in {args.log_group} {ctx.within()} "
                              f"({len(messages)} other event(s) there)")

    return poll(probe, ctx.deadline_s, settled=ctx.settled)
