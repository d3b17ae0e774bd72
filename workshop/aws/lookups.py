"""Finding the workshop's resources by name, as steps, checks and the CLI all need to.

`where` is anything with `.client(service)` and `.region` / `.account`: a Context or a Backend.
Each lookup answers None (or raises LookupError) when the resource is not there.
"""

from __future__ import annotations

from . import arns
from .errors import found, is_not_found


def api_url(api_id: str, region: str, stage: str = "Prod") -> str:
    """The AWS-shaped invoke URL of a REST API stage."""
    return f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/"


def execution_log_group(api_id: str, stage: str = "Prod") -> str:
    """Where API Gateway writes a stage's execution logs."""
    return f"API-Gateway-Execution-Logs_{api_id}/{stage}"


def find_api(where, name: str) -> dict | None:
    """The REST API named `name` (the first one, as the console lists them)."""
    apigw = where.client("apigateway")
    for page in apigw.get_paginator("get_rest_apis").paginate():
        for item in page.get("items", []):
            if item.get("name") == name:
                return item
    return None


def root_resource_id(where, api: dict) -> str:
    if api.get("rootResourceId"):
        return api["rootResourceId"]
    for page in where.client("apigateway").get_paginator("get_resources").paginate(restApiId=api["id"]):
        for item in page.get("items", []):
            if item.get("path") == "/":
                return item["id"]
    raise LookupError(f"REST API {api['id']} has no root resource")


def queue_url(where, name: str) -> str | None:
    answer = found(lambda: where.client("sqs").get_queue_url(QueueName=name))
    return answer["QueueUrl"] if answer else None


def find_subscription(where, topic: str, queue: str) -> dict | None:
    """The confirmed SQS subscription of queue `queue` to topic `topic` (both by name)."""
    import botocore.exceptions

    endpoint = arns.queue(where, queue)
    try:
        pages = where.client("sns").get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arns.topic(where, topic))
        for page in pages:
            for sub in page.get("Subscriptions", []):
                if sub.get("Protocol") == "sqs" and sub.get("Endpoint") == endpoint and sub["SubscriptionArn"].startswith("arn:"):
                    return sub
    except botocore.exceptions.ClientError as exc:
        if is_not_found(exc):
            return None
        raise
    return None


def subscription_filter(where, topic: str, queue: str) -> tuple[dict | None, str]:
    """The filter policy (None when there is none) and its scope of queue `queue`'s subscription to `topic`."""
    import json

    existing = find_subscription(where, topic, queue)
    if existing is None:
        return None, ""
    attributes = where.client("sns").get_subscription_attributes(SubscriptionArn=existing["SubscriptionArn"]).get("Attributes", {})
    policy = attributes.get("FilterPolicy")
    return (json.loads(policy) if policy else None), attributes.get("FilterPolicyScope") or "MessageAttributes"


def log_events(where, group: str, since_ms: int = 0, limit: int = 10_000) -> list[dict]:
    """A log group's events since `since_ms` (at most about `limit`); none when the group does not exist."""
    import botocore.exceptions

    events, pages = [], where.client("logs").get_paginator("filter_log_events").paginate(logGroupName=group, startTime=since_ms)
    try:
        for page in pages:
            events.extend(page.get("events", []))
            if len(events) >= limit:
                break
    except botocore.exceptions.ClientError as exc:
        if is_not_found(exc):
            return []
        raise
    return events


def destination(invoke_config: dict | None, outcome: str) -> str | None:
    """The ARN a function's async invoke config sends `outcome` ("OnSuccess" / "OnFailure") to."""
    return (((invoke_config or {}).get("DestinationConfig") or {}).get(outcome) or {}).get("Destination")


def dangling_role(where, arn: str) -> bool:
    """True when an IAM role ARN of this account names a role that does not exist."""
    name = arn.rsplit("/", 1)[-1]
    if f":{where.account}:" not in arn:
        return False  # another account's role: not ours to look up
    return found(lambda: where.client("iam").get_role(RoleName=name)) is None
