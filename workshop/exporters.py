"""One exporter per ledger kind: describe the live resource, return its `Piece`s (see export.py).

An exporter names how to read its resource (`read=`); it is called with what that read found, and
not at all when the resource is gone. Kinds that only change another resource (a target, a policy
statement, a destination, an inline role policy) are exported with the resource they change, as it
is now.
"""

from __future__ import annotations

import json
from typing import Callable

from . import assets
from .export import DIGEST_PARAMETER, PASSWORD_PARAMETER, Piece, logical_id, secret

EXPORTERS: dict[str, Callable] = {}


def exporter(kind: str, read: Callable | None = None):
    """Register `fn(ctx, resource, found, notes)` for a ledger kind, where `found` is what
    `read(ctx, resource)` describes (None: the resource is gone, and nothing is exported)."""
    def register(fn: Callable) -> Callable:
        def export(ctx, r, notes):
            if read is None:
                return fn(ctx, r, None, notes)
            found = ctx.found(lambda: read(ctx, r))
            return [] if found is None else fn(ctx, r, found, notes)

        EXPORTERS[kind] = export
        return fn

    return register


def _copy(source: dict, keys: tuple[str, ...], *into: dict) -> None:
    """The keys `source` has a value for, copied into each of `into` (the template and the request)."""
    for key in keys:
        if source.get(key):
            for target in into:
                target[key] = source[key]


def _piece(logical: str, cfn_type: str, props: dict, service: str, command: str, arn: str | None = None,
           request: dict | None = None, **extra) -> Piece:
    """A resource created by one call: its request is the template's properties unless given."""
    return Piece(logical, cfn_type, props, [(service, command, dict(props) if request is None else request)],
                 [arn] if arn else [], **extra)


def _arn(ctx, service: str, resource: str, sep: str = ":") -> str:
    return f"arn:aws:{service}:{ctx.region}:{ctx.account}{sep}{resource}"


def _document(value):
    return json.loads(value) if isinstance(value, str) else value


def _current(document: dict) -> dict:
    """SNS writes topic policies with the 2008 policy language: the same statements, in today's version."""
    if document.get("Version") == "2008-10-17" and "${" not in json.dumps(document):
        return {**document, "Version": "2012-10-17"}
    return document


# EventBridge ------------------------------------------------------------------------------------
@exporter("event_bus")
def _bus(ctx, r, _, notes):
    name = r.attrs["name"]
    return [_piece(logical_id(name, "Bus"), "AWS::Events::EventBus", {"Name": name}, "events", "create-event-bus",
                   _arn(ctx, "events", f"event-bus/{name}"))]


_TARGET_FIELDS = ("Id", "Arn", "RoleArn", "Input", "InputPath", "InputTransformer", "RetryPolicy", "DeadLetterConfig",
                  "SqsParameters")


@exporter("rule", read=lambda ctx, r: ctx.client("events").describe_rule(Name=r.attrs["name"], EventBusName=r.attrs["bus"]))
def _rule(ctx, r, rule, notes):
    events = ctx.client("events")
    targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=r.attrs["bus"]).get("Targets", [])
    targets = [{k: t[k] for k in _TARGET_FIELDS if k in t} for t in targets]
    props = {"Name": rule["Name"], "EventBusName": r.attrs["bus"], "State": rule.get("State", "ENABLED")}
    request = dict(props)
    _copy(rule, ("Description", "EventPattern", "ScheduleExpression"), props, request)
    if rule.get("EventPattern"):
        props["EventPattern"] = json.loads(rule["EventPattern"])  # a Json property: the object, not its text
    props["Targets"] = [_cfn_target(t) for t in targets]
    calls = [("events", "put-rule", request)]
    if targets:
        calls.append(("events", "put-targets", {"Rule": rule["Name"], "EventBusName": r.attrs["bus"], "Targets": targets}))
    bus = {logical_id(r.attrs["bus"], "Bus")} if r.attrs["bus"] != "default" else set()  # named, not by ARN
    return [Piece(logical_id(r.attrs["bus"], rule["Name"]), "AWS::Events::Rule", props, calls, [rule["Arn"]], bus)]


def _cfn_target(target: dict) -> dict:
    out = dict(target)
    if "InputTransformer" in out:  # CloudFormation's names: InputPathsMap, InputTemplate (the same)
        out["InputTransformer"] = {k: v for k, v in out["InputTransformer"].items() if k in ("InputPathsMap", "InputTemplate")}
    return out


@exporter("archive", read=lambda ctx, r: ctx.client("events").describe_archive(ArchiveName=r.attrs["name"]))
def _archive(ctx, r, archive, notes):
    props = {"ArchiveName": archive["ArchiveName"], "SourceArn": archive["EventSourceArn"],
             "RetentionDays": int(archive.get("RetentionDays") or 0)}
    request = {"ArchiveName": archive["ArchiveName"], "EventSourceArn": archive["EventSourceArn"],
               "RetentionDays": props["RetentionDays"]}
    # The pattern as JSON text, which CloudFormation also takes for a Json property (moto's Archive takes only text).
    _copy(archive, ("EventPattern", "Description"), props, request)
    return [_piece(logical_id(archive["ArchiveName"]), "AWS::Events::Archive", props, "events", "create-archive",
                   archive["ArchiveArn"], request)]


@exporter("connection", read=lambda ctx, r: ctx.client("events").describe_connection(Name=r.attrs["name"]))
def _connection(ctx, r, described, notes):
    basic = (described.get("AuthParameters") or {}).get("BasicAuthParameters") or {}
    auth = {"BasicAuthParameters": {"Username": basic.get("Username", ""), "Password": secret(PASSWORD_PARAMETER)}}
    props = {"Name": described["Name"], "AuthorizationType": described.get("AuthorizationType", "BASIC"), "AuthParameters": auth}
    return [_piece(logical_id(described["Name"]), "AWS::Events::Connection", props, "events", "create-connection",
                   described["ConnectionArn"])]


@exporter("api_destination", read=lambda ctx, r: ctx.client("events").describe_api_destination(Name=r.attrs["name"]))
def _api_destination(ctx, r, described, notes):
    props = {k: described[k] for k in ("Name", "ConnectionArn", "InvocationEndpoint", "HttpMethod")}
    _copy(described, ("InvocationRateLimitPerSecond",), props)
    notes.append("The API destination calls the REST API by its URL as it was; point InvocationEndpoint at your own API.")
    return [_piece(logical_id(described["Name"]), "AWS::Events::ApiDestination", props, "events", "create-api-destination",
                   described["ApiDestinationArn"])]


# logs -------------------------------------------------------------------------------------------
@exporter("log_group")
def _log_group(ctx, r, _, notes):
    name = r.attrs["name"]
    if name.startswith("API-Gateway-Execution-Logs_"):
        notes.append("API Gateway names its execution log group after the API's id and creates it itself: not exported.")
        return []
    return [_piece(logical_id("LogGroup", name), "AWS::Logs::LogGroup", {"LogGroupName": name}, "logs", "create-log-group",
                   _arn(ctx, "logs", f"log-group:{name}"), {"logGroupName": name})]


def _logs_policy_named(ctx, r):
    policies = ctx.client("logs").describe_resource_policies().get("resourcePolicies", [])
    return next((p for p in policies if p["policyName"] == r.attrs["name"]), None)


@exporter("logs_resource_policy", read=_logs_policy_named)
def _logs_policy(ctx, r, found, notes):
    props = {"PolicyName": found["policyName"], "PolicyDocument": found["policyDocument"]}
    return [_piece(logical_id(found["policyName"]), "AWS::Logs::ResourcePolicy", props, "logs", "put-resource-policy",
                   request={"policyName": found["policyName"], "policyDocument": found["policyDocument"]})]


# IAM --------------------------------------------------------------------------------------------
@exporter("iam_role", read=lambda ctx, r: ctx.client("iam").get_role(RoleName=r.attrs["name"])["Role"])
def _role(ctx, r, role, notes):
    iam = ctx.client("iam")
    name = role["RoleName"]
    trust = _document(role["AssumeRolePolicyDocument"])
    policies = [{"PolicyName": p, "PolicyDocument": _document(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])}
                for p in iam.list_role_policies(RoleName=name).get("PolicyNames", [])]
    managed = [a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=name).get("AttachedPolicies", [])]
    props = {"RoleName": name, "AssumeRolePolicyDocument": trust}
    _copy(role, ("Description",), props)
    if policies:
        props["Policies"] = policies
    if managed:
        props["ManagedPolicyArns"] = managed
    calls = [("iam", "create-role", {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(trust),
                                     **({"Description": role["Description"]} if role.get("Description") else {})})]
    calls += [("iam", "put-role-policy", {"RoleName": name, "PolicyName": p["PolicyName"],
                                          "PolicyDocument": json.dumps(p["PolicyDocument"])}) for p in policies]
    calls += [("iam", "attach-role-policy", {"RoleName": name, "PolicyArn": arn}) for arn in managed]
    return [Piece(logical_id(name, "Role"), "AWS::IAM::Role", props, calls, [role["Arn"]])]


# SQS and SNS ------------------------------------------------------------------------------------
@exporter("sqs_queue", read=lambda ctx, r: ctx.client("sqs").get_queue_url(QueueName=r.attrs["name"]))
def _queue(ctx, r, found, notes):
    sqs = ctx.client("sqs")
    name = r.attrs["name"]
    queue_id = logical_id(name, "Queue")
    pieces = [_piece(queue_id, "AWS::SQS::Queue", {"QueueName": name}, "sqs", "create-queue", _arn(ctx, "sqs", name))]
    policy = sqs.get_queue_attributes(QueueUrl=found["QueueUrl"], AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
    if policy:
        pieces.append(_piece(logical_id(name, "QueuePolicy"), "AWS::SQS::QueuePolicy",
                             {"Queues": [{"Ref": queue_id}], "PolicyDocument": json.loads(policy)}, "sqs", "set-queue-attributes",
                             request={"QueueUrl": found["QueueUrl"], "Attributes": {"Policy": policy}}))
    return pieces


@exporter("sns_topic", read=lambda ctx, r: ctx.client("sns").get_topic_attributes(TopicArn=r.attrs["arn"])["Attributes"])
def _topic(ctx, r, attributes, notes):
    name, arn = r.attrs["name"], r.attrs["arn"]
    topic_id = logical_id(name, "Topic")
    pieces = [_piece(topic_id, "AWS::SNS::Topic", {"TopicName": name}, "sns", "create-topic", arn, {"Name": name})]
    policy = attributes.get("Policy")
    if policy and json.loads(policy).get("Statement"):
        pieces.append(_piece(logical_id(name, "TopicPolicy"), "AWS::SNS::TopicPolicy",
                             {"Topics": [arn], "PolicyDocument": _current(json.loads(policy))}, "sns", "set-topic-attributes",
                             request={"TopicArn": arn, "AttributeName": "Policy", "AttributeValue": policy},
                             depends_on={topic_id}))
    return pieces


def _subscription_attributes(ctx, r):
    arn = r.attrs.get("arn")
    return ctx.client("sns").get_subscription_attributes(SubscriptionArn=arn)["Attributes"] if arn else None


@exporter("sns_subscription", read=_subscription_attributes)
def _subscription(ctx, r, a, notes):
    props = {"TopicArn": a["TopicArn"], "Protocol": a.get("Protocol", "sqs"), "Endpoint": a["Endpoint"],
             "RawMessageDelivery": a.get("RawMessageDelivery", "false") == "true"}
    request = {"TopicArn": a["TopicArn"], "Protocol": props["Protocol"], "Endpoint": a["Endpoint"], "ReturnSubscriptionArn": True,
               "Attributes": {"RawMessageDelivery": a.get("RawMessageDelivery", "false")}}
    if a.get("FilterPolicy"):
        props["FilterPolicy"] = json.loads(a["FilterPolicy"])
        props["FilterPolicyScope"] = a.get("FilterPolicyScope") or "MessageAttributes"
        request["Attributes"].update({"FilterPolicy": a["FilterPolicy"], "FilterPolicyScope": props["FilterPolicyScope"]})
    return [_piece(logical_id(r.attrs["queue"], "Subscription"), "AWS::SNS::Subscription", props, "sns", "subscribe",
                   request=request)]


# Lambda -----------------------------------------------------------------------------------------
def _source_folder(ctx, function: str) -> str | None:
    for module in ctx.scenario.modules:
        for step in module.steps:
            if step.kind == "lambda_function" and step.args.name == function:
                return step.args.code
    return None


def _inline_code(folder: str):
    """The function's single source file, inline; the authorizer's digest becomes a parameter."""
    source = (assets.path("lambda", folder) / "app.py").read_text()
    if assets.DIGEST_PLACEHOLDER in source:
        before, _, after = source.partition(assets.DIGEST_PLACEHOLDER)
        return {"Fn::Join": ["", [before, secret(DIGEST_PARAMETER), after]]}
    return source


@exporter("lambda_function", read=lambda ctx, r: ctx.client("lambda").get_function_configuration(FunctionName=r.attrs["name"]))
def _function(ctx, r, config, notes):
    lam = ctx.client("lambda")
    name = r.attrs["name"]
    folder = _source_folder(ctx, name)
    props = {"FunctionName": name, "Runtime": config["Runtime"], "Role": config["Role"], "Timeout": config.get("Timeout", 3),
             "MemorySize": config.get("MemorySize", 128)}
    _copy(config, ("Description",), props)
    calls = []
    if folder:
        props["Handler"] = "index." + config["Handler"].split(".", 1)[-1]  # inline code is index.py
        props["Code"] = {"ZipFile": _inline_code(folder)}
        calls.append(("lambda", "create-function", {
            "FunctionName": name, "Runtime": config["Runtime"], "Role": config["Role"], "Handler": config["Handler"],
            "Timeout": props["Timeout"], "MemorySize": props["MemorySize"],
            "Code": {"ZipFile": f"<the bytes of {name}.zip: zip -j {name}.zip workshop/assets/lambda/{folder}/app.py>"}}))
    pieces = [Piece(logical_id(name, "Function"), "AWS::Lambda::Function", props, calls, [config["FunctionArn"]])]
    invoke = ctx.found(lambda: lam.get_function_event_invoke_config(FunctionName=name))
    if invoke:
        settings = {k: invoke[k] for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds") if k in invoke}
        destinations = {k: v for k, v in (invoke.get("DestinationConfig") or {}).items() if (v or {}).get("Destination")}
        cfn = {"FunctionName": name, "Qualifier": "$LATEST", **settings}
        if destinations:
            cfn["DestinationConfig"] = destinations
        request = {"FunctionName": name, **settings}
        _copy(cfn, ("DestinationConfig",), request)
        pieces.append(_piece(logical_id(name, "InvokeConfig"), "AWS::Lambda::EventInvokeConfig", cfn, "lambda",
                             "put-function-event-invoke-config", request=request, depends_on={logical_id(name, "Function")}))
    return pieces


def _permission_statement(ctx, r):
    policy = ctx.client("lambda").get_policy(FunctionName=r.attrs["function"])
    return next((s for s in json.loads(policy["Policy"]).get("Statement", []) if s.get("Sid") == r.attrs["statement_id"]), None)


@exporter("lambda_permission", read=_permission_statement)
def _permission(ctx, r, statement, notes):
    function, sid = r.attrs["function"], r.attrs["statement_id"]
    principal = statement.get("Principal", {})
    principal = principal.get("Service", principal.get("AWS")) if isinstance(principal, dict) else principal
    source = next(iter(((statement.get("Condition") or {}).get("ArnLike") or {}).values()), None)
    props = {"FunctionName": function, "Action": "lambda:InvokeFunction", "Principal": principal}
    if source:
        props["SourceArn"] = source
    return [_piece(logical_id(function, sid), "AWS::Lambda::Permission", props, "lambda", "add-permission",
                   request={**props, "StatementId": sid}, depends_on={logical_id(function, "Function")})]


# Step Functions, Scheduler, API Gateway -----------------------------------------------------------
def _machine_arn(ctx, r) -> str:
    return r.attrs.get("arn") or _arn(ctx, "states", f"stateMachine:{r.attrs['name']}")


@exporter("state_machine", read=lambda ctx, r: ctx.client("stepfunctions").describe_state_machine(stateMachineArn=_machine_arn(ctx, r)))
def _state_machine(ctx, r, described, notes):
    props = {"StateMachineName": described["name"], "RoleArn": described["roleArn"], "DefinitionString": described["definition"],
             "StateMachineType": described.get("type", "STANDARD")}
    request = {"name": described["name"], "roleArn": described["roleArn"], "definition": described["definition"],
               "type": props["StateMachineType"]}
    return [_piece(logical_id(described["name"], "StateMachine"), "AWS::StepFunctions::StateMachine", props,
                   "stepfunctions", "create-state-machine", _machine_arn(ctx, r), request)]


@exporter("schedule", read=lambda ctx, r: ctx.client("scheduler").get_schedule(Name=r.attrs["name"], GroupName=r.attrs["group"]))
def _schedule(ctx, r, schedule, notes):
    target = {k: schedule["Target"][k] for k in ("Arn", "RoleArn", "Input", "EventBridgeParameters", "SqsParameters")
              if schedule["Target"].get(k)}
    props = {"Name": schedule["Name"], "GroupName": schedule.get("GroupName") or "default",
             "ScheduleExpression": schedule["ScheduleExpression"],
             "ScheduleExpressionTimezone": schedule.get("ScheduleExpressionTimezone") or "UTC",
             "FlexibleTimeWindow": schedule.get("FlexibleTimeWindow") or {"Mode": "OFF"},
             "State": schedule.get("State") or "ENABLED", "Target": target}
    _copy(schedule, ("Description",), props)
    if schedule.get("EndDate"):
        props["EndDate"] = schedule["EndDate"].strftime("%Y-%m-%dT%H:%M:%SZ")
    return [_piece(logical_id(schedule["Name"], "Schedule"), "AWS::Scheduler::Schedule", props, "scheduler", "create-schedule",
                   schedule["Arn"])]


@exporter("rest_api")
def _rest_api(ctx, r, _, notes):
    notes.append("The REST API behind the API destination (Lambda authorizer, mock integration, Prod stage) is "
                 "not exported: `workshop run prerequisites` builds it.")
    return []


@exporter("apigateway_account")
def _apigateway_account(ctx, r, _, notes):
    notes.append("API Gateway's CloudWatch Logs role is an account-wide setting: not exported.")
    return []
