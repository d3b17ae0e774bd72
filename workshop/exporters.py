"""One exporter per ledger kind: describe the live resource, return its `Piece`s (see export.py).

Kinds that only change another resource (a target, a policy statement, a destination, an inline
role policy) are exported with the resource they change, as it is now.
"""

from __future__ import annotations

import json
from typing import Callable

from . import assets
from .export import DIGEST_PARAMETER, PASSWORD_PARAMETER, Piece, logical_id, secret

EXPORTERS: dict[str, Callable] = {}


def exporter(kind: str):
    def register(fn: Callable) -> Callable:
        EXPORTERS[kind] = fn
        return fn

    return register


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
def _bus(ctx, r, notes):
    name = r.attrs["name"]
    return [Piece(logical_id(name, "Bus"), "AWS::Events::EventBus", {"Name": name},
                  [("events", "create-event-bus", {"Name": name})], [_arn(ctx, "events", f"event-bus/{name}")])]


_TARGET_FIELDS = ("Id", "Arn", "RoleArn", "Input", "InputPath", "InputTransformer", "RetryPolicy", "DeadLetterConfig",
                  "SqsParameters")


@exporter("rule")
def _rule(ctx, r, notes):
    events = ctx.client("events")
    rule = ctx.found(lambda: events.describe_rule(Name=r.attrs["name"], EventBusName=r.attrs["bus"]))
    if rule is None:
        return []
    targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=r.attrs["bus"]).get("Targets", [])
    targets = [{k: t[k] for k in _TARGET_FIELDS if k in t} for t in targets]
    props = {"Name": rule["Name"], "EventBusName": r.attrs["bus"], "State": rule.get("State", "ENABLED")}
    request = dict(props)
    if rule.get("Description"):
        props["Description"] = request["Description"] = rule["Description"]
    if rule.get("EventPattern"):
        props["EventPattern"] = json.loads(rule["EventPattern"])
        request["EventPattern"] = rule["EventPattern"]
    if rule.get("ScheduleExpression"):
        props["ScheduleExpression"] = request["ScheduleExpression"] = rule["ScheduleExpression"]
    if r.attrs["bus"] != "default":
        props["EventBusName"] = r.attrs["bus"]
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


@exporter("archive")
def _archive(ctx, r, notes):
    archive = ctx.found(lambda: ctx.client("events").describe_archive(ArchiveName=r.attrs["name"]))
    if archive is None:
        return []
    props = {"ArchiveName": archive["ArchiveName"], "SourceArn": archive["EventSourceArn"],
             "RetentionDays": int(archive.get("RetentionDays") or 0)}
    request = {"ArchiveName": archive["ArchiveName"], "EventSourceArn": archive["EventSourceArn"],
               "RetentionDays": props["RetentionDays"]}
    if archive.get("EventPattern"):
        # JSON text, which CloudFormation also takes for a Json property (moto's Archive takes only text)
        props["EventPattern"] = request["EventPattern"] = archive["EventPattern"]
    if archive.get("Description"):
        props["Description"] = request["Description"] = archive["Description"]
    return [Piece(logical_id(archive["ArchiveName"]), "AWS::Events::Archive", props, [("events", "create-archive", request)],
                  [archive["ArchiveArn"]])]


@exporter("connection")
def _connection(ctx, r, notes):
    described = ctx.found(lambda: ctx.client("events").describe_connection(Name=r.attrs["name"]))
    if described is None:
        return []
    basic = (described.get("AuthParameters") or {}).get("BasicAuthParameters") or {}
    auth = {"BasicAuthParameters": {"Username": basic.get("Username", ""), "Password": secret(PASSWORD_PARAMETER)}}
    props = {"Name": described["Name"], "AuthorizationType": described.get("AuthorizationType", "BASIC"), "AuthParameters": auth}
    return [Piece(logical_id(described["Name"]), "AWS::Events::Connection", props, [("events", "create-connection", dict(props))],
                  [described["ConnectionArn"]])]


@exporter("api_destination")
def _api_destination(ctx, r, notes):
    described = ctx.found(lambda: ctx.client("events").describe_api_destination(Name=r.attrs["name"]))
    if described is None:
        return []
    props = {"Name": described["Name"], "ConnectionArn": described["ConnectionArn"],
             "InvocationEndpoint": described["InvocationEndpoint"], "HttpMethod": described["HttpMethod"]}
    if described.get("InvocationRateLimitPerSecond"):
        props["InvocationRateLimitPerSecond"] = described["InvocationRateLimitPerSecond"]
    notes.append("The API destination calls the REST API by its URL as it was; point InvocationEndpoint at your own API.")
    return [Piece(logical_id(described["Name"]), "AWS::Events::ApiDestination", props,
                  [("events", "create-api-destination", dict(props))], [described["ApiDestinationArn"]])]


# logs -------------------------------------------------------------------------------------------
@exporter("log_group")
def _log_group(ctx, r, notes):
    name = r.attrs["name"]
    if name.startswith("API-Gateway-Execution-Logs_"):
        notes.append("API Gateway names its execution log group after the API's id and creates it itself: not exported.")
        return []
    return [Piece(logical_id("LogGroup", name), "AWS::Logs::LogGroup", {"LogGroupName": name},
                  [("logs", "create-log-group", {"logGroupName": name})], [_arn(ctx, "logs", f"log-group:{name}")])]


@exporter("logs_resource_policy")
def _logs_policy(ctx, r, notes):
    policies = ctx.client("logs").describe_resource_policies().get("resourcePolicies", [])
    found = next((p for p in policies if p["policyName"] == r.attrs["name"]), None)
    if found is None:
        return []
    props = {"PolicyName": found["policyName"], "PolicyDocument": found["policyDocument"]}
    return [Piece(logical_id(found["policyName"]), "AWS::Logs::ResourcePolicy", props,
                  [("logs", "put-resource-policy", {"policyName": found["policyName"], "policyDocument": found["policyDocument"]})])]


# IAM --------------------------------------------------------------------------------------------
@exporter("iam_role")
def _role(ctx, r, notes):
    iam = ctx.client("iam")
    role = ctx.found(lambda: iam.get_role(RoleName=r.attrs["name"]))
    if role is None:
        return []
    role = role["Role"]
    name = role["RoleName"]
    trust = _document(role["AssumeRolePolicyDocument"])
    policies = [{"PolicyName": p, "PolicyDocument": _document(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])}
                for p in iam.list_role_policies(RoleName=name).get("PolicyNames", [])]
    managed = [a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=name).get("AttachedPolicies", [])]
    props = {"RoleName": name, "AssumeRolePolicyDocument": trust}
    if role.get("Description"):
        props["Description"] = role["Description"]
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
@exporter("sqs_queue")
def _queue(ctx, r, notes):
    sqs = ctx.client("sqs")
    found = ctx.found(lambda: sqs.get_queue_url(QueueName=r.attrs["name"]))
    if found is None:
        return []
    name = r.attrs["name"]
    queue_id = logical_id(name, "Queue")
    arn = _arn(ctx, "sqs", name)
    pieces = [Piece(queue_id, "AWS::SQS::Queue", {"QueueName": name}, [("sqs", "create-queue", {"QueueName": name})], [arn])]
    policy = sqs.get_queue_attributes(QueueUrl=found["QueueUrl"], AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
    if policy:
        pieces.append(Piece(logical_id(name, "QueuePolicy"), "AWS::SQS::QueuePolicy",
                            {"Queues": [{"Ref": queue_id}], "PolicyDocument": json.loads(policy)},
                            [("sqs", "set-queue-attributes", {"QueueUrl": found["QueueUrl"], "Attributes": {"Policy": policy}})]))
    return pieces


@exporter("sns_topic")
def _topic(ctx, r, notes):
    sns = ctx.client("sns")
    attributes = ctx.found(lambda: sns.get_topic_attributes(TopicArn=r.attrs["arn"]))
    if attributes is None:
        return []
    name, arn = r.attrs["name"], r.attrs["arn"]
    topic_id = logical_id(name, "Topic")
    pieces = [Piece(topic_id, "AWS::SNS::Topic", {"TopicName": name}, [("sns", "create-topic", {"Name": name})], [arn])]
    policy = attributes["Attributes"].get("Policy")
    if policy and json.loads(policy).get("Statement"):
        pieces.append(Piece(logical_id(name, "TopicPolicy"), "AWS::SNS::TopicPolicy",
                            {"Topics": [arn], "PolicyDocument": _current(json.loads(policy))},
                            [("sns", "set-topic-attributes", {"TopicArn": arn, "AttributeName": "Policy", "AttributeValue": policy})],
                            depends_on={topic_id}))
    return pieces


@exporter("sns_subscription")
def _subscription(ctx, r, notes):
    arn = r.attrs.get("arn")
    attributes = ctx.found(lambda: ctx.client("sns").get_subscription_attributes(SubscriptionArn=arn)) if arn else None
    if attributes is None:
        return []
    a = attributes["Attributes"]
    props = {"TopicArn": a["TopicArn"], "Protocol": a.get("Protocol", "sqs"), "Endpoint": a["Endpoint"],
             "RawMessageDelivery": a.get("RawMessageDelivery", "false") == "true"}
    request = {"TopicArn": a["TopicArn"], "Protocol": props["Protocol"], "Endpoint": a["Endpoint"], "ReturnSubscriptionArn": True,
               "Attributes": {"RawMessageDelivery": a.get("RawMessageDelivery", "false")}}
    if a.get("FilterPolicy"):
        props["FilterPolicy"] = json.loads(a["FilterPolicy"])
        props["FilterPolicyScope"] = a.get("FilterPolicyScope") or "MessageAttributes"
        request["Attributes"].update({"FilterPolicy": a["FilterPolicy"], "FilterPolicyScope": props["FilterPolicyScope"]})
    return [Piece(logical_id(r.attrs["queue"], "Subscription"), "AWS::SNS::Subscription", props, [("sns", "subscribe", request)])]


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


@exporter("lambda_function")
def _function(ctx, r, notes):
    lam = ctx.client("lambda")
    name = r.attrs["name"]
    config = ctx.found(lambda: lam.get_function_configuration(FunctionName=name))
    if config is None:
        return []
    folder = _source_folder(ctx, name)
    props = {"FunctionName": name, "Runtime": config["Runtime"], "Role": config["Role"], "Timeout": config.get("Timeout", 3),
             "MemorySize": config.get("MemorySize", 128)}
    if config.get("Description"):
        props["Description"] = config["Description"]
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
        pieces.append(Piece(logical_id(name, "InvokeConfig"), "AWS::Lambda::EventInvokeConfig", cfn,
                            [("lambda", "put-function-event-invoke-config",
                              {"FunctionName": name, **settings, **({"DestinationConfig": destinations} if destinations else {})})],
                            depends_on={logical_id(name, "Function")}))
    return pieces


@exporter("lambda_permission")
def _permission(ctx, r, notes):
    function, sid = r.attrs["function"], r.attrs["statement_id"]
    policy = ctx.found(lambda: ctx.client("lambda").get_policy(FunctionName=function))
    statement = next((s for s in json.loads(policy["Policy"]).get("Statement", []) if s.get("Sid") == sid), None) if policy else None
    if statement is None:
        return []
    principal = statement.get("Principal", {})
    principal = principal.get("Service", principal.get("AWS")) if isinstance(principal, dict) else principal
    source = next(iter(((statement.get("Condition") or {}).get("ArnLike") or {}).values()), None)
    props = {"FunctionName": function, "Action": "lambda:InvokeFunction", "Principal": principal}
    if source:
        props["SourceArn"] = source
    return [Piece(logical_id(function, sid), "AWS::Lambda::Permission", props,
                  [("lambda", "add-permission", {**props, "StatementId": sid})],
                  depends_on={logical_id(function, "Function")})]


# Step Functions, Scheduler, API Gateway -----------------------------------------------------------
@exporter("state_machine")
def _state_machine(ctx, r, notes):
    sfn = ctx.client("stepfunctions")
    arn = r.attrs.get("arn") or _arn(ctx, "states", f"stateMachine:{r.attrs['name']}")
    described = ctx.found(lambda: sfn.describe_state_machine(stateMachineArn=arn))
    if described is None:
        return []
    props = {"StateMachineName": described["name"], "RoleArn": described["roleArn"], "DefinitionString": described["definition"],
             "StateMachineType": described.get("type", "STANDARD")}
    request = {"name": described["name"], "roleArn": described["roleArn"], "definition": described["definition"],
               "type": props["StateMachineType"]}
    return [Piece(logical_id(described["name"], "StateMachine"), "AWS::StepFunctions::StateMachine", props,
                  [("stepfunctions", "create-state-machine", request)], [arn])]


@exporter("schedule")
def _schedule(ctx, r, notes):
    schedule = ctx.found(lambda: ctx.client("scheduler").get_schedule(Name=r.attrs["name"], GroupName=r.attrs["group"]))
    if schedule is None:
        return []
    target = {k: schedule["Target"][k] for k in ("Arn", "RoleArn", "Input", "EventBridgeParameters", "SqsParameters")
              if schedule["Target"].get(k)}
    props = {"Name": schedule["Name"], "GroupName": schedule.get("GroupName") or "default",
             "ScheduleExpression": schedule["ScheduleExpression"],
             "ScheduleExpressionTimezone": schedule.get("ScheduleExpressionTimezone") or "UTC",
             "FlexibleTimeWindow": schedule.get("FlexibleTimeWindow") or {"Mode": "OFF"},
             "State": schedule.get("State") or "ENABLED", "Target": target}
    if schedule.get("Description"):
        props["Description"] = schedule["Description"]
    request = dict(props)
    if schedule.get("EndDate"):
        props["EndDate"] = schedule["EndDate"].strftime("%Y-%m-%dT%H:%M:%SZ")
        request["EndDate"] = props["EndDate"]
    return [Piece(logical_id(schedule["Name"], "Schedule"), "AWS::Scheduler::Schedule", props,
                  [("scheduler", "create-schedule", request)], [schedule["Arn"]])]


@exporter("rest_api")
def _rest_api(ctx, r, notes):
    notes.append("The REST API behind the API destination (Lambda authorizer, mock integration, Prod stage) is "
                 "not exported: `workshop run prerequisites` builds it.")
    return []


@exporter("apigateway_account")
def _apigateway_account(ctx, r, notes):
    notes.append("API Gateway's CloudWatch Logs role is an account-wide setting: not exported.")
    return []
