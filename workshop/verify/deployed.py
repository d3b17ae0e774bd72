"""Checks of what is deployed: the bus exists; the rule is on it, enabled, with the right target."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .. import policy_documents
from ..aws import arns
from ..aws.lookups import destination
from . import Outcome, check_kind, existence


@dataclass
class BusArgs:
    name: str


@check_kind("bus_exists", BusArgs)
def bus_exists(ctx, args: BusArgs) -> Outcome:
    found = ctx.found(lambda: ctx.client("events").describe_event_bus(Name=args.name))
    return existence(found, (found or {}).get("Arn", ""), f"there is no event bus named {args.name}")


@dataclass
class LogGroupArgs:
    name: str


@check_kind("log_group_exists", LogGroupArgs)
def log_group_exists(ctx, args: LogGroupArgs) -> Outcome:
    groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=args.name).get("logGroups", [])
    found = next((g for g in groups if g["logGroupName"] == args.name), None)
    return existence(found, (found or {}).get("arn") or f"log group {args.name}", f"there is no log group named {args.name}")


@dataclass
class RuleArgs:
    name: str
    bus: str = "default"
    target: str | None = None  # e.g. "log_group:/aws/events/orders", matched against the target ARN's end
    pattern: dict | None = None  # when given, the deployed pattern must equal it
    schedule: str | None = None
    role: str | None = None  # the IAM role EventBridge assumes for that target


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
    targets = events.list_targets_by_rule(Rule=args.name, EventBusName=args.bus).get("Targets", [])
    matching = targets
    if args.target:
        wanted = ctx.target_arn_suffix(args.target)
        matching = [t for t in targets if t["Arn"].removesuffix(":*").endswith(wanted) or wanted + "/" in t["Arn"]]
        if not matching:
            have = ", ".join(t["Arn"] for t in targets) or "no targets"
            return Outcome(False, f"rule {args.name} does not target {args.target.split(':', 1)[1]} (it has {have})")
        if args.role and not any((t.get("RoleArn") or "").endswith(f":role/{args.role}") for t in matching):
            return Outcome(False, f"rule {args.name}'s target has no role {args.role} (EventBridge needs one to call it)")
    # the evidence: what the rule matches (or when it fires) and the target ARN it sends to
    what = f"schedule {rule['ScheduleExpression']}" if rule.get("ScheduleExpression") else f"pattern {rule.get('EventPattern')}"
    return Outcome(True, f"ENABLED, {what} → {', '.join(t['Arn'] for t in matching) or 'no targets'}")


@dataclass
class LambdaPermissionArgs:
    function: str
    rule: str
    bus: str = "default"


@check_kind("lambda_permission", LambdaPermissionArgs)
def lambda_permission(ctx, args: LambdaPermissionArgs) -> Outcome:
    policy = ctx.found(lambda: ctx.client("lambda").get_policy(FunctionName=args.function))
    return events_granted(ctx, (policy or {}).get("Policy"), "lambda:InvokeFunction", arns.function(ctx, args.function),
                          args.rule, args.bus, f"{args.function}'s resource policy")


def events_granted(ctx, policy, action: str, resource: str, rule: str, bus: str, owner: str) -> Outcome:
    """Whether a resource policy lets EventBridge call `action` on `resource` for the rule (its
    aws:SourceArn); the evidence quotes the statement that grants it."""
    rule_arn = arns.rule(ctx, rule, bus)
    if policy and policy_documents.allows(policy, service="events.amazonaws.com", action=action, resource=resource,
                                          context={"aws:SourceArn": rule_arn}):
        statements = policy_documents.as_list(policy_documents.parse_document(policy).get("Statement"))
        sid = next((st.get("Sid") for st in statements if isinstance(st, dict) and rule_arn in json.dumps(st)), None)
        return Outcome(True, f"{owner}, statement {sid or '(no Sid)'}: events.amazonaws.com may call {action} "
                             f"when aws:SourceArn is {rule_arn}")
    return Outcome(False, f"{owner} does not let events.amazonaws.com call {action} for rule {rule} "
                          "(the console adds this silently)")


@dataclass
class DestinationArgs:
    function: str
    on_success_bus: str


@check_kind("lambda_destination", DestinationArgs)
def lambda_destination(ctx, args: DestinationArgs) -> Outcome:
    config = ctx.found(lambda: ctx.client("lambda").get_function_event_invoke_config(FunctionName=args.function)) or {}
    current = destination(config, "OnSuccess")
    if current == arns.event_bus(ctx, args.on_success_bus):
        return Outcome(True, f"OnSuccess destination {current}")
    return Outcome(False, f"{args.function}'s on-success destination is {current or 'not set'}, expected the {args.on_success_bus} bus")


@dataclass
class TopicArgs:
    topic: str
    rule: str
    bus: str = "default"


@check_kind("topic_allows_events", TopicArgs)
def topic_allows_events(ctx, args: TopicArgs) -> Outcome:
    arn = arns.topic(ctx, args.topic)
    attributes = ctx.found(lambda: ctx.client("sns").get_topic_attributes(TopicArn=arn))
    if not attributes:
        return Outcome(False, f"there is no SNS topic {args.topic}")
    return events_granted(ctx, attributes["Attributes"].get("Policy"), "sns:Publish", arn, args.rule, args.bus,
                          f"topic {args.topic}'s policy")
