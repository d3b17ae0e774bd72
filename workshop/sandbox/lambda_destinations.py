"""Where an asynchronous Lambda invocation's outcome goes: the invocation record Lambda sends to
the function's on-success / on-failure destination, and the sending of it."""

from __future__ import annotations

import json
from datetime import datetime

MAX_DESTINATION_HOPS = 16  # a Lambda destination that invokes itself must not loop forever


def invocation_record(pending, condition: str, at: datetime) -> dict:
    """The execution record Lambda sends to a destination (`pending`: a lambda_service.AsyncRequest)."""
    record = {
        "version": "1.0",
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
        "requestContext": {"requestId": pending.request_id, "functionArn": pending.function_arn + ":$LATEST",
                           "condition": condition, "approximateInvokeCount": pending.attempt},
        "requestPayload": pending.payload,
    }
    if pending.last is not None:
        response = {"statusCode": 200, "executedVersion": "$LATEST"}
        if not pending.last.ok:
            response["functionError"] = "Unhandled"
        record["responseContext"] = response
        record["responsePayload"] = pending.last.payload
    return record


def send(clients, invoke_async, pending, destination: str, record: dict, success: bool) -> None:
    """Send the record to the destination ARN: an event bus, an SQS queue, an SNS topic or a function."""
    parts = destination.split(":", 5)
    service, region = parts[2], parts[3] or pending.region
    body = json.dumps(record)
    if service == "events":
        answer = clients("events", region).put_events(Entries=[{
            "EventBusName": destination, "Source": "lambda",
            "DetailType": "Lambda Function Invocation Result - " + ("Success" if success else "Failure"),
            "Detail": body, "Resources": [destination, pending.function_arn + ":$LATEST"]}])
        if answer.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents refused the record: {answer['Entries'][0]}")
    elif service == "sqs":
        sqs = clients("sqs", region)
        url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=body)
    elif service == "sns":
        clients("sns", region).publish(TopicArn=destination, Message=body)
    elif service == "lambda":
        if pending.hops >= MAX_DESTINATION_HOPS:
            raise RuntimeError(f"stopped a chain of {MAX_DESTINATION_HOPS} Lambda destinations (a loop?)")
        invoke_async(region, destination, record, hops=pending.hops + 1)
    else:
        raise RuntimeError(f"the sandbox does not deliver to {service} destinations")
