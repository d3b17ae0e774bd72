"""Least privilege, checked offline: every policy document the planner would create for the scenario
(trust policies, inline role policies, the Orders queue policy, the API Gateway logging fallback,
the logs resource policy) is rendered with the planner's own functions and inspected.

- identity policies pass duo-labs' parliament linter with no findings;
- no Resource is "*"; a wildcard is allowed only where AWS names things we cannot know in advance:
  the log streams of one log group (`...:log-group:NAME:*`), an API destination's ARN suffix
  (`api-destination/NAME/*`), and API Gateway execution log groups (`API-Gateway-Execution-Logs_*`,
  the account-wide logging role's fallback policy only);
- every ARN names this account and region;
- a trust policy lets exactly one service principal assume the role, nothing else.
"""

from __future__ import annotations

import json
import re

import pytest
from parliament import analyze_policy_string
from tests.support import ACCOUNT, REGION

from workshop import assets, scenario
from workshop.steps import iam, logs, messaging, rest_api

ALLOWED_WILDCARDS = [
    re.compile(rf"^arn:aws:logs:{REGION}:{ACCOUNT}:log-group:[^*]+:\*$"),  # the streams of one log group
    re.compile(rf"^arn:aws:events:{REGION}:{ACCOUNT}:api-destination/[^/*]+/\*$"),  # AWS appends a UUID
    re.compile(rf"^arn:aws:logs:{REGION}:{ACCOUNT}:log-group:API-Gateway-Execution-Logs_\*(:\*)?$"),
    re.compile(rf"^arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/events/\*:\*$"),  # the logs resource policy
]


def role_steps():
    return [(m.id, s.args) for m in scenario.load().modules for s in m.steps if s.kind == "iam_role"]


def identity_policies():
    found = []
    for module, args in role_steps():
        for name, document in iam.inline_documents(args, REGION, ACCOUNT).items():
            found.append((f"{module}: {args.name}/{name}", document))
    found.append(("apigateway logging fallback",
                  assets.policy("apigateway-execution-logs", Region=REGION, Account=ACCOUNT)))
    return found


def resource_policies():
    found = []
    for module in scenario.load().modules:
        for step in module.steps:
            if step.kind == "sqs_queue" and step.args.allow_topic:
                found.append((f"queue {step.args.name}", messaging.queue_policy(
                    f"arn:aws:sqs:{REGION}:{ACCOUNT}:{step.args.name}", f"arn:aws:sns:{REGION}:{ACCOUNT}:{step.args.allow_topic}")))
            if step.kind == "logs_resource_policy":
                found.append((f"logs resource policy {step.args.name}", logs.policy_document(
                    f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{step.args.log_group_pattern}:*")))
    return found


def resources_of(document: dict) -> list[str]:
    out = []
    for statement in document["Statement"]:
        assert "NotResource" not in statement and "NotAction" not in statement, statement
        value = statement["Resource"]
        out += value if isinstance(value, list) else [value]
    return out


def test_every_role_step_and_template_is_covered():
    roles = {args.name for _, args in role_steps()}
    assert {"workshop-OrderProcessing", "workshop-InventoryFunction", "workshop-ApiAuthorizer"} <= roles
    used = {p for _, args in role_steps() for p in args.policies} | {"apigateway-execution-logs"}
    assert set(assets.policy_names()) == used, "a policy template nobody uses, or one the test does not see"


@pytest.mark.parametrize("name,document", identity_policies(), ids=lambda v: v if isinstance(v, str) else "")
def test_identity_policy_passes_parliament(name, document):
    findings = analyze_policy_string(json.dumps(document)).findings
    assert findings == [], [(f.issue, f.detail) for f in findings]


@pytest.mark.parametrize("name,document", identity_policies() + resource_policies(), ids=lambda v: v if isinstance(v, str) else "")
def test_resources_name_the_workshops_own(name, document):
    for arn in resources_of(document):
        assert arn != "*", f"{name}: Resource '*'"
        assert f":{REGION}:{ACCOUNT}:" in arn, f"{name}: {arn} does not name this account and region"
        if "*" in arn:
            assert any(p.match(arn) for p in ALLOWED_WILDCARDS), f"{name}: wildcard in {arn}"
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in a for a in actions), f"{name}: wildcard action in {actions}"
        assert statement["Effect"] == "Allow"


@pytest.mark.parametrize("module,args", role_steps(), ids=lambda v: v if isinstance(v, str) else getattr(v, "name", ""))
def test_trust_policy_names_exactly_one_service(module, args):
    document = iam.trust_policy(args.service, ACCOUNT)
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"Service": args.service}
    assert statement["Action"] == "sts:AssumeRole" and statement["Effect"] == "Allow"
    assert re.fullmatch(r"[a-z0-9.-]+\.amazonaws\.com", args.service)


def test_resource_policies_name_exactly_their_services():
    policies = dict(resource_policies())
    (queue,) = policies["queue Orders"]["Statement"]
    assert queue["Principal"] == {"Service": "sns.amazonaws.com"}
    assert queue["Condition"] == {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:Orders"}}
    (logs_statement,) = policies["logs resource policy EventBridgeWorkshopLogs"]["Statement"]
    assert sorted(logs_statement["Principal"]["Service"]) == ["delivery.logs.amazonaws.com", "events.amazonaws.com"]


def test_apigateway_logging_role_is_trusted_by_api_gateway_only():
    document = iam.trust_policy("apigateway.amazonaws.com", ACCOUNT)
    assert [s["Principal"] for s in document["Statement"]] == [{"Service": "apigateway.amazonaws.com"}]
    assert rest_api.MANAGED_LOGS_POLICY == "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


def test_the_checks_can_fail():
    """The linter and the wildcard rule do reject what they should."""
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
    assert [f.issue for f in analyze_policy_string(json.dumps(wide)).findings] == ["RESOURCE_STAR"]
    assert not any(p.match(f"arn:aws:sqs:{REGION}:{ACCOUNT}:*") for p in ALLOWED_WILDCARDS)
    assert not any(p.match(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*") for p in ALLOWED_WILDCARDS)
