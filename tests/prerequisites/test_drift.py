"""A second run repairs what drifted on resources workshop created (code, policies, settings), and
only that; a third run changes nothing again."""

from __future__ import annotations

import io
import json
import zipfile

from tests.support import ACCOUNT, REGION


def test_drift_is_repaired_then_left_alone(ws, aws):
    ws.ok("sandbox", "reset")
    ws.ok("run", "prerequisites", "--yes")
    lam, sqs, iam, apigw = aws("lambda"), aws("sqs"), aws("iam"), aws("apigateway")
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'drifted'\n")
    lam.update_function_code(FunctionName="InventoryFunction", ZipFile=other.getvalue())
    lam.update_function_event_invoke_config(FunctionName="InventoryFunction", MaximumRetryAttempts=2)
    url = sqs.get_queue_url(QueueName="Orders")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": []})})
    iam.put_role_policy(RoleName="workshop-OrderProcessing", PolicyName="order-processing", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": "*"}]}))
    (api,) = [a for a in apigw.get_rest_apis()["items"] if a["name"] == "eventbridge-api-destination"]
    apigw.update_stage(restApiId=api["id"], stageName="Prod",
                       patchOperations=[{"op": "replace", "path": "/*/*/logging/loglevel", "value": "ERROR"}])

    repaired = ws("run", "prerequisites", "--yes", "--json")
    assert repaired.returncode == 0, repaired.stderr
    (module,) = json.loads(repaired.stdout)["modules"]
    actions = "\n".join(module["actions"])
    for expected in ("Update the code of Lambda function InventoryFunction", "Update asynchronous invocation of InventoryFunction",
                     "Update the policy of SQS queue Orders", "Update inline policy order-processing",
                     "Turn on execution logging"):
        assert expected in actions, actions
    assert len(module["actions"]) == 5, actions
    policy = iam.get_role_policy(RoleName="workshop-OrderProcessing", PolicyName="order-processing")["PolicyDocument"]
    assert policy["Statement"][0]["Resource"] == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/Orders"

    calm = ws("run", "prerequisites", "--yes", "--json")
    assert calm.returncode == 0, calm.stderr
    assert json.loads(calm.stdout)["modules"][0]["actions"] == []
    assert ws("cleanup", "--yes").returncode == 0
