"""Step kinds `log_group` and `logs_resource_policy`.

EventBridge can only write into a log group that a CloudWatch Logs resource policy opens to it.
The console adds one silently; we add (or reuse) one explicitly. A region holds at most 10 such
policies, so we look for one that already allows what we need before writing our own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .. import policy_documents
from .. import ownership
from ..aws import arns
from ..ledger import Resource
from . import step_kind
from .plan import ApiCall, Note, Record

NEEDED_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
SERVICES = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]


@dataclass
class LogGroupArgs:
    name: str
    retention_days: int | None = None


@step_kind("log_group", LogGroupArgs)
def plan_log_group(ctx, args: LogGroupArgs):
    logs = ctx.client("logs")
    found = logs.describe_log_groups(logGroupNamePrefix=args.name).get("logGroups", [])
    if any(g["logGroupName"] == args.name for g in found):
        return [ctx.existing_note("log_group", args.name, f"Log group {args.name}")]
    calls = [ApiCall("logs", "create_log_group", {"logGroupName": args.name, **ownership.tags_param("logs", ctx.module_id)}, f"Create log group {args.name}",
                     records=Resource("log_group", args.name, {"name": args.name}))]
    if args.retention_days:
        calls.append(ApiCall("logs", "put_retention_policy", {"logGroupName": args.name, "retentionInDays": args.retention_days},
                             f"Keep {args.name} for {args.retention_days} days"))
    return calls


@dataclass
class LogsResourcePolicyArgs:
    name: str
    log_group_pattern: str  # e.g. /aws/events/*


def policy_document(resource_arn: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "EventBridgeToCloudWatchLogs",
            "Effect": "Allow",
            "Principal": {"Service": SERVICES},
            "Action": list(NEEDED_ACTIONS),
            "Resource": resource_arn,
        }],
    }


def allows(document: dict, group_arn: str) -> bool:
    """Does an existing policy already let EventBridge write into this log group?"""
    return all(policy_documents.allows(document, service="events.amazonaws.com", action=action, resource=group_arn)
               for action in NEEDED_ACTIONS)


@step_kind("logs_resource_policy", LogsResourcePolicyArgs)
def plan_resource_policy(ctx, args: LogsResourcePolicyArgs):
    logs = ctx.client("logs")
    resource = arns.log_group(ctx, args.log_group_pattern) + ":*"
    probe = arns.log_group(ctx, args.log_group_pattern.replace("*", "x"))
    existing = logs.describe_resource_policies().get("resourcePolicies", [])
    for policy in existing:
        if allows(json.loads(policy["policyDocument"]), probe):
            if policy["policyName"] == args.name:
                return [ctx.existing_note("logs_resource_policy", args.name, f"Logs resource policy {args.name}")]
            return [Note(f"Logs resource policy {policy['policyName']} already lets EventBridge write to {args.log_group_pattern}: reused", "exists")]
    same_name = next((p for p in existing if p["policyName"] == args.name), None)
    put = {"policyName": args.name, "policyDocument": json.dumps(policy_document(resource))}
    summary = f"Let EventBridge write to {args.log_group_pattern} (logs resource policy {args.name})"
    if same_name and not ctx.ours("logs_resource_policy", args.name):
        ctx.foreign(f"Logs resource policy {args.name}", "it is not in workshop's ledger and does not let EventBridge write there")
        return [Record(Resource("logs_resource_policy", args.name, {"name": args.name, "adopted": same_name["policyDocument"]}),
                       f"Record logs resource policy {args.name} as it is now: cleanup puts it back"),
                ApiCall("logs", "put_resource_policy", put, summary + " (--adopt)")]
    if len(existing) >= 10 and not same_name:
        return [Note("This region already has 10 CloudWatch Logs resource policies (the limit) and none lets EventBridge "
                     f"write to {args.log_group_pattern}; delivery to log groups will fail until one does", "warn")]
    return [ApiCall("logs", "put_resource_policy", put, summary, records=Resource("logs_resource_policy", args.name, {"name": args.name}))]
