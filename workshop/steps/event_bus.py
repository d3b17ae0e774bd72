"""Step kind `event_bus`: a custom event bus (the default bus always exists)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import ownership
from ..ledger import Resource
from . import step_kind
from .plan import ApiCall, Note


@dataclass
class EventBusArgs:
    name: str


@step_kind("event_bus", EventBusArgs)
def plan(ctx, args: EventBusArgs):
    if args.name == "default":
        return [Note("The default event bus always exists", "info")]
    events = ctx.client("events")
    if ctx.found(lambda: events.describe_event_bus(Name=args.name)):
        return [ctx.existing_note("event_bus", args.name, f"Event bus {args.name}")]
    return [ApiCall("events", "create_event_bus", {"Name": args.name, **ownership.tags_param("events", ctx.module_id)}, f"Create event bus {args.name}",
                    records=Resource("event_bus", args.name, {"name": args.name}))]
