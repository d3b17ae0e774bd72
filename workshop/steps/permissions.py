"""Step kinds that let one service call another: a Lambda permission for a rule, an SNS topic
policy statement for EventBridge, and a Lambda function's on-success destination.

Each changes a resource that may not be ours, so each records exactly its own change, and cleanup
undoes that change only (the statement, the permission, the destination) and nothing around it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..aws import arns
from ..aws.lookups import destination
from ..ledger import Resource
from ..policy_documents import events_grant, has_sid
from . import resources, step_kind
from .lambda_function import kept_settings, put_invoke_config
from .resources import answer
from .plan import ApiCall, Custom, Note


@dataclass
class LambdaPermissionArgs:
    function: str
    rule: str
    bus: str = "default"


def invoke_permission(ctx, function: str, sid: str, principal: str, source_arn: str, summary: str, label: str) -> list:
    """lambda:InvokeFunction for one service principal from one source ARN. A statement that already
    grants that source (whatever its Sid) is used as it is; our own Sid granting another source is
    replaced."""
    policy = ctx.found(lambda: ctx.client("lambda").get_policy(FunctionName=function))
    statements = json.loads(policy["Policy"]).get("Statement", []) if policy else []
    for statement in statements:
        condition = (statement.get("Condition") or {}).get("ArnLike") or {}
        if (condition.get("AWS:SourceArn") or condition.get("aws:SourceArn")) == source_arn:
            return [ctx.existing_note("lambda_permission", f"{function}/{statement['Sid']}", label)]
    add = ApiCall("lambda", "add_permission",
                  {"FunctionName": function, "StatementId": sid, "Action": "lambda:InvokeFunction",
                   "Principal": principal, "SourceArn": source_arn},
                  summary, records=Resource("lambda_permission", f"{function}/{sid}", {"function": function, "statement_id": sid}))
    if any(statement.get("Sid") == sid for statement in statements):
        if not ctx.ours("lambda_permission", f"{function}/{sid}"):
            ctx.foreign(f"Permission {sid} on Lambda function {function}", "it is not in workshop's ledger and allows another source",
                        adoptable=False, reason="a resource-policy statement someone else wrote is never replaced")
        return [ApiCall("lambda", "remove_permission", {"FunctionName": function, "StatementId": sid},
                        f"Remove the outdated permission {sid} from {function}"), add]
    return [add]


@step_kind("lambda_permission", LambdaPermissionArgs)
def plan_lambda_permission(ctx, args: LambdaPermissionArgs):
    return invoke_permission(ctx, args.function, f"workshop-{args.rule}", "events.amazonaws.com",
                             arns.rule(ctx, args.rule, args.bus), f"Let rule {args.rule} invoke {args.function}",
                             f"Permission for {args.rule} to invoke {args.function}")


@dataclass
class TopicPolicyArgs:
    topic: str
    rule: str
    bus: str = "default"


def _topic_policy(ctx, topic_arn: str) -> dict:
    """The topic's policy; an empty one while the topic does not exist yet (an earlier step creates
    it: --dry-run plans without it; a real run that lacks it fails at SetTopicAttributes, saying so)."""
    found = ctx.found(lambda: ctx.client("sns").get_topic_attributes(TopicArn=topic_arn))
    attributes = (found or {}).get("Attributes", {})
    return json.loads(attributes.get("Policy") or '{"Version": "2012-10-17", "Statement": []}')


@step_kind("topic_policy_for_events", TopicPolicyArgs)
def plan_topic_policy(ctx, args: TopicPolicyArgs):
    """The console silently adds this statement when a rule targets a topic; here it is explicit."""
    topic_arn = arns.topic(ctx, args.topic)
    sid = f"workshop-{args.rule}"
    policy = _topic_policy(ctx, topic_arn)
    if has_sid(policy, sid):
        return [ctx.existing_note("topic_policy_statement", f"{args.topic}/{sid}", f"Topic {args.topic}'s statement for {args.rule}")]
    policy.setdefault("Statement", []).append(events_grant(sid, "sns:Publish", topic_arn, arns.rule(ctx, args.rule, args.bus)))
    return [ApiCall("sns", "set_topic_attributes", {"TopicArn": topic_arn, "AttributeName": "Policy", "AttributeValue": json.dumps(policy)},
                    f"Let rule {args.rule} publish to topic {args.topic} (topic policy statement {sid})",
                    records=Resource("topic_policy_statement", f"{args.topic}/{sid}", {"topic_arn": topic_arn, "sid": sid}))]


@dataclass
class DestinationArgs:
    function: str
    on_success_bus: str


@step_kind("lambda_destination", DestinationArgs)
def plan_destination(ctx, args: DestinationArgs):
    bus_arn = arns.event_bus(ctx, args.on_success_bus)
    config = ctx.found(lambda: ctx.client("lambda").get_function_event_invoke_config(FunctionName=args.function)) or {}
    current = destination(config, "OnSuccess")
    if current == bus_arn:
        return [ctx.existing_note("lambda_destination", args.function, f"{args.function}'s on-success destination")]
    if current:
        return [Note(f"{args.function} already sends successes to {current}: left as it is", "warn")]
    destinations = dict(config.get("DestinationConfig") or {})
    destinations["OnSuccess"] = {"Destination": bus_arn}
    return [put_invoke_config({"FunctionName": args.function, **kept_settings(config), "DestinationConfig": destinations},
                              f"Send {args.function}'s successful results to the {args.on_success_bus} bus",
                              records=Resource("lambda_destination", args.function, {"function": args.function, "destination": bus_arn}))]


def _remove_on_success(resource: Resource) -> list[Custom]:
    function = resource.attrs["function"]

    def run(client):
        import botocore.exceptions

        lam = client("lambda")
        try:
            config = lam.get_function_event_invoke_config(FunctionName=function)
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return  # no settings (or no function) left: nothing to remove
            raise
        destinations = {k: v for k, v in (config.get("DestinationConfig") or {}).items() if k != "OnSuccess" and v}
        put_invoke_config({"FunctionName": function, **kept_settings(config), "DestinationConfig": destinations}, "").run(client)

    return [Custom("lambda", f"Remove {function}'s on-success destination", run)]


def _remove_statement(resource: Resource) -> list[Custom]:
    topic_arn, sid = resource.attrs["topic_arn"], resource.attrs["sid"]

    def run(client):
        sns = client("sns")
        policy = json.loads(sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"].get("Policy") or "{}")
        kept = [s for s in policy.get("Statement", []) if s.get("Sid") != sid]
        if len(kept) != len(policy.get("Statement", [])):
            policy["Statement"] = kept
            sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=json.dumps(policy))

    return [Custom("sns", f"Remove statement {sid} from the policy of {topic_arn.rsplit(':', 1)[-1]}", run)]


# finding an interrupted change again: none of these take tags, so ours is exactly what we asked for
def _find_statement(backend, r: Resource) -> dict | None:
    found = answer(lambda: backend.client("sns").get_topic_attributes(TopicArn=r.attrs["topic_arn"]))
    policy = json.loads((found or {}).get("Attributes", {}).get("Policy") or "{}")
    return {} if any(s.get("Sid") == r.attrs["sid"] for s in policy.get("Statement", [])) else None


def _find_permission(backend, r: Resource) -> dict | None:
    found = answer(lambda: backend.client("lambda").get_policy(FunctionName=r.attrs["function"]))
    statements = json.loads(found["Policy"]).get("Statement", []) if found else []
    return {} if any(s.get("Sid") == r.attrs["statement_id"] for s in statements) else None


def _find_destination(backend, r: Resource) -> dict | None:
    config = answer(lambda: backend.client("lambda").get_function_event_invoke_config(FunctionName=r.attrs["function"])) or {}
    current = ((config.get("DestinationConfig") or {}).get("OnSuccess") or {}).get("Destination")
    return {} if current and current == r.attrs.get("destination") else None


def _find_named(operation: str):
    def find(backend, r: Resource) -> dict | None:
        return {} if answer(lambda: getattr(backend.client("events"), operation)(Name=r.attrs["name"])) else None

    return find


resources.register("topic_policy_statement", resources.Kind("topic policy statement", _remove_statement, find=_find_statement,
                                                                    uses=("sns_topic",), lane=lambda r: f"sns policy {r.attrs['topic_arn']}"))


resources.register("lambda_permission", resources.Kind("Lambda permission", lambda r: [ApiCall(
    "lambda", "remove_permission", {"FunctionName": r.attrs["function"], "StatementId": r.attrs["statement_id"]},
    f"Remove permission {r.attrs['statement_id']} from {r.attrs['function']}")], find=_find_permission,
    uses=("lambda_function",)))
resources.register("lambda_destination", resources.Kind("Lambda destination", _remove_on_success, find=_find_destination,
                                                                uses=("lambda_function", "event_bus"),
                                                                lane=resources.async_settings_lane))
resources.register("connection", resources.Kind("connection", lambda r: [ApiCall(
    "events", "delete_connection", {"Name": r.attrs["name"]}, f"Delete connection {r.attrs['name']}")],
    find=_find_named("describe_connection")))


def _delete_api_destination(r: Resource) -> list[ApiCall]:
    if r.attrs.get("adopted"):
        return [ApiCall("events", "update_api_destination", {"Name": r.attrs["name"], **r.attrs["adopted"]},
                        f"Put API destination {r.attrs['name']} back as it was before workshop took it over")]
    return [ApiCall("events", "delete_api_destination", {"Name": r.attrs["name"]}, f"Delete API destination {r.attrs['name']}")]


resources.register("api_destination", resources.Kind("API destination", _delete_api_destination,
                                                     find=_find_named("describe_api_destination"), uses=("connection",)))
