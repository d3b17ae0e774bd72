"""Constants and helpers shared by the prerequisites tests (a plain module: conftest is not importable
by name when several test folders have one)."""

from __future__ import annotations

REGION = "us-east-1"
ACCOUNT = "123456789012"
PASSWORD = "myPassword"
BASIC_TOKEN = "bXlVc2VybmFtZTpteVBhc3N3b3Jk"  # base64("myUsername:myPassword")


def deployed_resources(ws) -> dict[str, list[str]]:
    """What exists on the sandbox, by kind, for "nothing is left" assertions."""
    c = ws.client
    return {
        "functions": [f["FunctionName"] for f in c("lambda").list_functions()["Functions"]],
        "queues": [u.rsplit("/", 1)[-1] for u in c("sqs").list_queues().get("QueueUrls", [])],
        "topics": [t["TopicArn"] for t in c("sns").list_topics()["Topics"]],
        "subscriptions": [s["SubscriptionArn"] for s in c("sns").list_subscriptions()["Subscriptions"]],
        "roles": [r["RoleName"] for r in c("iam").list_roles()["Roles"]],
        "apis": [a["name"] for a in c("apigateway").get_rest_apis()["items"]],
        "state_machines": [s["name"] for s in c("stepfunctions").list_state_machines()["stateMachines"]],
        "buses": [b["Name"] for b in c("events").list_event_buses()["EventBuses"] if b["Name"] != "default"],
        "log_groups": [g["logGroupName"] for g in c("logs").describe_log_groups()["logGroups"]],
        "logs_resource_policies": [p["policyName"] for p in c("logs").describe_resource_policies()["resourcePolicies"]],
    }
