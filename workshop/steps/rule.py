"""Step kinds `rule` (a rule on a bus, pattern or schedule, and its targets) and `account_rule`.

A rule and each of its targets are separate ledger entries: if the rule existed before the tool
ran, cleanup removes only the targets the tool added to it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from .. import assets, ownership
from ..aws import arns
from ..ledger import Resource
from . import step_kind
from .plan import ApiCall, Record


@dataclass
class TargetSpec:
    id: str
    # exactly one of these names what the target is
    log_group: str | None = None
    sqs_queue: str | None = None
    sns_topic: str | None = None
    state_machine: str | None = None
    lambda_function: str | None = None
    api_destination: str | None = None
    event_bus: str | None = None
    role: str | None = None  # IAM role name EventBridge assumes (Step Functions, API destinations)
    input: Any = None
    input_path: str | None = None

    KINDS = ("log_group", "sqs_queue", "sns_topic", "state_machine", "lambda_function", "api_destination", "event_bus")

    def __post_init_yaml__(self):
        given = [k for k in self.KINDS if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(f"a target needs exactly one of {', '.join(k.replace('_', '-') for k in self.KINDS)} (got {len(given)})")

    @property
    def kind(self) -> str:
        return next(k for k in self.KINDS if getattr(self, k))

    @property
    def ref(self) -> str:
        return getattr(self, self.kind)


@dataclass
class RuleArgs:
    name: str
    bus: str = "default"
    description: str = ""
    pattern: Any = None  # the event pattern, as data
    challenge: str | None = None  # the pattern comes from this challenge (the learner's, or its solution)
    schedule: str | None = None
    state: str = "ENABLED"
    targets: list[TargetSpec] = field(default_factory=list)

    def __post_init_yaml__(self):
        sources = [x for x in (self.pattern, self.challenge, self.schedule) if x is not None]
        if len(sources) != 1:
            raise ValueError("a rule needs exactly one of pattern, challenge or schedule")
        if self.state not in ("ENABLED", "DISABLED"):
            raise ValueError("state must be ENABLED or DISABLED")
        if self.pattern is not None:  # refused at load time, before any call, as PutRule would refuse it
            from .. import patterns

            patterns.validate(self.pattern)


def target_arn(ctx, spec: TargetSpec) -> str:
    built = {"log_group": arns.log_group, "sqs_queue": arns.queue, "sns_topic": arns.topic,
             "state_machine": arns.state_machine, "lambda_function": arns.function, "event_bus": arns.event_bus}
    if spec.kind in built:
        return built[spec.kind](ctx, getattr(spec, spec.kind))
    try:
        return ctx.client("events").describe_api_destination(Name=spec.api_destination)["ApiDestinationArn"]
    except Exception:
        if ctx.dry_run:
            return f"<ARN of API destination {spec.api_destination}>"
        raise


def target_params(ctx, spec: TargetSpec) -> dict:
    params: dict[str, Any] = {"Id": spec.id, "Arn": target_arn(ctx, spec)}
    if spec.role:
        params["RoleArn"] = arns.role(ctx, spec.role)
    if spec.input is not None:
        params["Input"] = spec.input if isinstance(spec.input, str) else json.dumps(spec.input)
    if spec.input_path:
        params["InputPath"] = spec.input_path
    return params


def rule_pattern(ctx, args: RuleArgs) -> dict | None:
    if args.challenge:
        return ctx.pattern_for(args.challenge)
    return args.pattern


def _same_pattern(deployed: str | None, wanted: dict | None) -> bool:
    if deployed is None or wanted is None:
        return deployed is None and wanted is None
    return json.loads(deployed) == wanted


def _show(ctx, args: RuleArgs) -> None:
    """The pattern deployed (the learner's own for a challenge) and where the rule sends what it matches."""
    pattern = ctx.pattern_for(args.challenge) if args.challenge else args.pattern
    ctx.ui.show_rule(pattern, args.schedule, [f"{t.kind.replace('_', ' ')} {t.ref}" for t in args.targets])


@step_kind("rule", RuleArgs, challenge=True, show=_show)
def plan(ctx, args: RuleArgs):
    events = ctx.client("events")
    pattern = rule_pattern(ctx, args)
    wanted = {"Name": args.name, "EventBusName": args.bus, "State": args.state}
    if args.description:
        wanted["Description"] = args.description
    if pattern is not None:
        wanted["EventPattern"] = json.dumps(pattern)
    if args.schedule:
        wanted["ScheduleExpression"] = args.schedule
    on = f" on bus {args.bus}"
    key = f"{args.bus}/{args.name}"
    instructions = []
    existing = ctx.found(lambda: events.describe_rule(Name=args.name, EventBusName=args.bus))
    if not existing:
        instructions.append(ApiCall("events", "put_rule", {**wanted, **ownership.tags_param("events", ctx.module_id)},
                                    f"Create rule {args.name}{on}",
                                    records=Resource("rule", key, {"name": args.name, "bus": args.bus})))
    elif (not _same_pattern(existing.get("EventPattern"), pattern) or existing.get("ScheduleExpression") != args.schedule
          or existing.get("State") != args.state or existing.get("Description", "") != args.description):
        tags = events.list_tags_for_resource(ResourceARN=existing["Arn"]).get("Tags")
        if ctx.ours_tagged("rule", key, tags):
            instructions.append(ApiCall("events", "put_rule", wanted, f"Update rule {args.name}{on}"))
        else:
            ctx.foreign(f"Rule {args.name}{on}", "it has no workshop:tool tag and another pattern or settings")
            previous = {k: existing[k] for k in ("EventPattern", "ScheduleExpression", "State", "Description") if existing.get(k)}
            instructions += [Record(Resource("rule", key, {"name": args.name, "bus": args.bus, "adopted": previous}),
                                    f"Record rule {args.name} as it is now: cleanup puts it back"),
                             ApiCall("events", "put_rule", wanted, f"Take over rule {args.name}{on} (--adopt)")]
    else:
        instructions.append(ctx.existing_note("rule", key, f"Rule {args.name}{on}"))

    deployed = {}
    if existing:
        for page in events.get_paginator("list_targets_by_rule").paginate(Rule=args.name, EventBusName=args.bus):
            deployed.update({t["Id"]: t for t in page.get("Targets", [])})
    for spec in args.targets:
        params = target_params(ctx, spec)
        current = deployed.get(spec.id)
        target_key = f"{key}/{spec.id}"
        if current and all(current.get(k) == v for k, v in params.items()):
            instructions.append(ctx.existing_note("target", target_key, f"Target {spec.id} of {args.name}"))
            continue
        if current and not ctx.ours("target", target_key):
            ctx.foreign(f"Target {spec.id} of rule {args.name}{on}", "it is not in workshop's ledger and points elsewhere")
            instructions += [Record(Resource("target", target_key, {"rule": args.name, "bus": args.bus, "id": spec.id,
                                                                    "adopted": current}),
                                    f"Record target {spec.id} of {args.name} as it is now: cleanup puts it back"),
                             ApiCall("events", "put_targets", {"Rule": args.name, "EventBusName": args.bus, "Targets": [params]},
                                     f"Take over target {spec.id} of rule {args.name} (--adopt)", on_result=_raise_failed_targets)]
            continue
        instructions.append(ApiCall(
            "events", "put_targets", {"Rule": args.name, "EventBusName": args.bus, "Targets": [params]},
            f"{'Update' if current else 'Add'} target {spec.kind.replace('_', ' ')} {spec.ref} to rule {args.name}",
            records=Resource("target", f"{args.bus}/{args.name}/{spec.id}",
                             {"rule": args.name, "bus": args.bus, "id": spec.id, "arn": params["Arn"]}),
            on_result=_raise_failed_targets,
        ))
    return instructions


def _raise_failed_targets(result: dict) -> None:
    if result.get("FailedEntryCount"):
        failed = result["FailedEntries"][0]
        from ..errors import WorkshopError

        raise WorkshopError(f"EventBridge refused target {failed.get('TargetId')}: {failed.get('ErrorMessage')}")


@step_kind("account_rule", RuleArgs)
def plan_account_rule(ctx, args: RuleArgs):
    """The `rule` kind with `${Account}` / `${Region}` filled into its pattern, for InventoryDevRule's
    `{"account": ["<this account id>"]}`."""
    values = {"Account": ctx.account, "Region": ctx.region}
    return plan(ctx, dataclasses.replace(args, pattern=assets.render(args.pattern, values)))
