"""Names the tool does not own: a queue Orders that exists with another policy, and an API Gateway
account that already has a CloudWatch Logs role. Both are used, said so, never changed or deleted."""

from __future__ import annotations

import json

from tests.support import ACCOUNT, REGION, deployed_resources


def test_existing_queue_and_logging_role_are_used_and_left_alone(ws, aws):
    ws.ok("sandbox", "reset")
    sqs, iam, apigw = aws("sqs"), aws("iam"), aws("apigateway")
    theirs = {"Version": "2012-10-17", "Statement": [{
        "Sid": "SomeoneElses", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:Orders",
        "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:SomeoneElsesTopic"}}}]}
    url = sqs.create_queue(QueueName="Orders", Attributes={"Policy": json.dumps(theirs)})["QueueUrl"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    role_arn = iam.create_role(RoleName="their-apigateway-logs", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}])

    result = ws("run", "prerequisites", "--yes")
    assert result.returncode == 0, result.stderr
    assert "SQS queue Orders already existed: used, not created (cleanup will leave it)" in result.stderr
    assert "SQS queue Orders is not workshop's and its policy is different: used as it is, not changed" in result.stderr
    assert f"already has a CloudWatch Logs role ({role_arn}): reused and left alone" in result.stderr
    keys = ws.ledger_keys()
    assert ("sqs_queue", "Orders") not in keys and ("apigateway_account", "cloudwatchRoleArn") not in keys
    assert ("iam_role", "workshop-apigateway-cloudwatch") not in keys
    policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    assert json.loads(policy) == theirs

    cleanup = ws("cleanup", "--yes")
    assert cleanup.returncode == 0, cleanup.stderr
    left = deployed_resources(aws)
    assert left["queues"] == ["Orders"] and left["roles"] == ["their-apigateway-logs"]
    assert {k: v for k, v in left.items() if k not in ("queues", "roles")} == {k: [] for k in left if k not in ("queues", "roles")}
    assert json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]) == theirs
    assert apigw.get_account()["cloudwatchRoleArn"] == role_arn
