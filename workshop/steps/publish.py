"""Step kind `publish`: put a sample event on its bus (the workshop's "Event Generator")."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import WorkshopError
from . import step_kind
from .plan import ApiCall


@dataclass
class PublishArgs:
    sample: str


class EventRefused(WorkshopError):
    """PutEvents answered with an entry error (e.g. the bus does not exist); `code` is AWS's."""

    def __init__(self, code: str, message: str):
        super().__init__(f"EventBridge refused the event: {code}: {message}")
        self.code = code


def put_events_call(ctx, sample_name: str, *, bus: str, source: str, detail_type: str, detail: dict) -> ApiCall:
    def remember(result: dict) -> None:
        entry = result["Entries"][0]
        if "EventId" not in entry:
            raise EventRefused(entry.get("ErrorCode") or "", entry.get("ErrorMessage") or "")
        ctx.published.setdefault(sample_name, []).append(entry["EventId"])
        from .. import published  # so `workshop trace` knows the event and its bus on any backend

        published.record(ctx.backend.scope, entry["EventId"], bus, source, detail_type, detail, sample_name)

    entry = {"EventBusName": bus, "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}
    summary = f"Publish {sample_name} to bus {bus}: {json.dumps(detail)}"
    return ApiCall("events", "put_events", {"Entries": [entry]}, summary, on_result=remember)


@step_kind("publish", PublishArgs, behaviour=True, puts_events=True)
def plan(ctx, args: PublishArgs):
    sample = ctx.sample(args.sample)
    return [put_events_call(ctx, args.sample, bus=sample.bus, source=sample.source,
                            detail_type=sample.detail_type, detail=sample.detail)]
