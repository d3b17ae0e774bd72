"""Behaviour check: the published event arrived in a log group (found by its event id)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..aws.errors import is_not_found
from . import Outcome, check_kind, poll, published


@dataclass
class LogEventArgs:
    log_group: str
    sample: str


def events_in(ctx, group: str, since_ms: int = 0, limit: int = 10_000) -> list[dict]:
    import botocore.exceptions

    logs = ctx.client("logs")
    found, kwargs = [], {"logGroupName": group, "startTime": since_ms}
    try:
        for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
            found.extend(page.get("events", []))
            if len(found) >= limit:
                break
    except botocore.exceptions.ClientError as exc:
        if is_not_found(exc):
            return []
        raise
    return found


@check_kind("log_event", LogEventArgs)
@published
def log_event(ctx, args: LogEventArgs, ids: list[str]) -> Outcome:

    def probe() -> Outcome:
        messages = [e["message"] for e in events_in(ctx, args.log_group, ctx.started_ms)]
        for message in messages:
            try:
                event = json.loads(message)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("id") in ids:
                return Outcome(True, f"event {event['id']} arrived in {args.log_group}")
        return Outcome(False, f"event {ids[-1]} did not arrive in {args.log_group} within {ctx.deadline_s:.0f}s "
                              f"({len(messages)} other event(s) there)")

    return poll(probe, ctx.deadline_s)
