"""Checks of what is deployed: the bus exists; the rule is on it, enabled, with the right target."""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import Outcome, check_kind


@dataclass
class BusArgs:
    name: str


@check_kind("bus_exists", BusArgs)
def bus_exists(ctx, args: BusArgs) -> Outcome:
    if ctx.found(lambda: ctx.client("events").describe_event_bus(Name=args.name)):
        return Outcome(True, f"event bus {args.name} exists")
    return Outcome(False, f"there is no event bus named {args.name}")


@dataclass
class LogGroupArgs:
    name: str


@check_kind("log_group_exists", LogGroupArgs)
def log_group_exists(ctx, args: LogGroupArgs) -> Outcome:
    groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=args.name).get("logGroups", [])
    if any(g["logGroupName"] == args.name for g in groups):
        return Outcome(True, f"log group {args.name} exists")
    return Outcome(False, f"there is no log group named {args.name}")


@dataclass
class RuleArgs:
    name: str
    bus: str = "default"
    target: str | None = None  # e.g. "log_group:/aws/events/orders", matched against the target ARN's end
    pattern: dict | None = None  # when given, the deployed pattern must equal it
    schedule: str | None = None


@check_kind("rule_deployed", RuleArgs)
def rule_deployed(ctx, args: RuleArgs) -> Outcome:
    events = ctx.client("events")
    rule = ctx.found(lambda: events.describe_rule(Name=args.name, EventBusName=args.bus))
    if not rule:
        return Outcome(False, f"there is no rule {args.name} on bus {args.bus}")
    if rule.get("State") != "ENABLED":
        return Outcome(False, f"rule {args.name} is {rule.get('State')}: a disabled rule delivers nothing")
    if args.pattern is not None and json.loads(rule.get("EventPattern") or "null") != args.pattern:
        return Outcome(False, f"rule {args.name} has pattern {rule.get('EventPattern')}, expected {json.dumps(args.pattern)}")
    if args.schedule is not None and rule.get("ScheduleExpression") != args.schedule:
        return Outcome(False, f"rule {args.name} has schedule {rule.get('ScheduleExpression')!r}, expected {args.schedule!r}")
    if args.target:
        targets = events.list_targets_by_rule(Rule=args.name, EventBusName=args.bus).get("Targets", [])
        wanted = ctx.target_arn_suffix(args.target)
        if not any(t["Arn"].removesuffix(":*").endswith(wanted) or wanted + "/" in t["Arn"] for t in targets):
            have = ", ".join(t["Arn"] for t in targets) or "no targets"
            return Outcome(False, f"rule {args.name} does not target {args.target.split(':', 1)[1]} (it has {have})")
    return Outcome(True, f"rule {args.name} is enabled on bus {args.bus}" + (f" and targets {args.target.split(':', 1)[1]}" if args.target else ""))
