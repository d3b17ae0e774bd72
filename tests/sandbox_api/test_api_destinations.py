"""API destination targets: real HTTP requests with the connection's auth, over loopback."""

from __future__ import annotations

import base64
import json
import time
import urllib.request

ROLE = "arn:aws:iam::123456789012:role/invoke-api-destination"
SECRET = "s3cr3t-Pa55"


def wire(aws, unique, endpoint, auth_type="BASIC", auth=None, *, rate=None, http_parameters=None,
         method="POST", retry=None):
    """Connection + API destination + bus + rule → destination; returns the bus name."""
    events = aws("events")
    auth = auth or {"BasicAuthParameters": {"Username": "alice", "Password": SECRET}}
    connection = events.create_connection(Name=f"conn-{unique}", AuthorizationType=auth_type, AuthParameters=auth)
    params = dict(Name=f"dest-{unique}", ConnectionArn=connection["ConnectionArn"], InvocationEndpoint=endpoint,
                  HttpMethod=method)
    if rate:
        params["InvocationRateLimitPerSecond"] = rate
    destination = events.create_api_destination(**params)
    bus = f"bus-{unique}"
    events.create_event_bus(Name=bus)
    events.put_rule(Name=f"rule-{unique}", EventBusName=bus, EventPattern=json.dumps({"source": ["com.aws.orders"]}))
    target = {"Id": "api", "Arn": destination["ApiDestinationArn"], "RoleArn": ROLE}
    if http_parameters:
        target["HttpParameters"] = http_parameters
    if retry:
        target["RetryPolicy"] = retry
    events.put_targets(Rule=f"rule-{unique}", EventBusName=bus, Targets=[target])
    return bus


def publish(aws, bus, count=1, detail=None):
    entries = [{"EventBusName": bus, "Source": "com.aws.orders", "DetailType": "Order Notification",
                "Detail": json.dumps(detail or {"category": "lab-supplies", "value": 415, "n": n})}
               for n in range(count)]
    ids = []
    for start in range(0, len(entries), 10):
        answer = aws("events").put_events(Entries=entries[start:start + 10])
        assert answer["FailedEntryCount"] == 0, answer
        ids.extend(e["EventId"] for e in answer["Entries"])
    return ids


def stats(sandbox):
    return sandbox.stats()


def test_basic_auth_post_carries_event_headers_query_and_path(aws, sandbox, receiver, unique):
    bus = wire(aws, unique, receiver.url + "/orders/*/in", http_parameters={
        "PathParameterValues": ["eu west"],
        "HeaderParameters": {"X-Team": "orders"},
        "QueryStringParameters": {"source": "eventbridge"},
    })
    [event_id] = publish(aws, bus)
    [got] = receiver.wait_for("/orders/eu%20west/in", 1)
    assert got["method"] == "POST"
    event = json.loads(got["body"])
    assert event["id"] == event_id and event["detail"]["category"] == "lab-supplies"
    assert event["detail-type"] == "Order Notification" and event["account"]
    headers = got["headers"]
    assert headers["content-type"].startswith("application/json")
    assert headers["authorization"] == "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert headers["user-agent"] == "Amazon/EventBridge/ApiDestinations"
    assert headers["x-team"] == "orders"
    assert got["query"] == "source=eventbridge"


def test_api_key_auth_and_connection_parameters_win_over_target(aws, receiver, unique):
    auth = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "key-" + unique},
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "X-Team", "Value": "from-connection", "IsValueSecret": False}],
                "QueryStringParameters": [{"Key": "token", "Value": "q-secret", "IsValueSecret": True}]}}
    bus = wire(aws, unique, receiver.url + "/hook", "API_KEY", auth,
               http_parameters={"HeaderParameters": {"X-Team": "from-target", "X-Other": "kept"}})
    publish(aws, bus)
    [got] = receiver.wait_for("/hook", 1)
    assert got["headers"]["x-api-key"] == "key-" + unique
    assert "authorization" not in got["headers"]
    assert got["headers"]["x-team"] == "from-connection"
    assert got["headers"]["x-other"] == "kept"
    assert got["query"] == "token=q-secret"


def test_describe_connection_never_returns_secrets(aws, unique):
    events = aws("events")
    events.create_connection(Name=f"conn-{unique}", AuthorizationType="BASIC", AuthParameters={
        "BasicAuthParameters": {"Username": "alice", "Password": SECRET},
        "InvocationHttpParameters": {"HeaderParameters": [
            {"Key": "X-Secret", "Value": "hidden-value", "IsValueSecret": True},
            {"Key": "X-Plain", "Value": "shown", "IsValueSecret": False}]}})
    described = events.describe_connection(Name=f"conn-{unique}")
    text = json.dumps(described, default=str)
    assert SECRET not in text and "hidden-value" not in text
    assert described["AuthParameters"]["BasicAuthParameters"] == {"Username": "alice"}
    assert {"Key": "X-Plain", "Value": "shown", "IsValueSecret": False} in \
        described["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"]


def test_no_header_or_other_api_returns_a_stored_secret(aws, sandbox, unique):
    events = aws("events")
    events.create_connection(Name=f"conn-{unique}", AuthorizationType="BASIC", AuthParameters={
        "BasicAuthParameters": {"Username": "alice", "Password": SECRET}})
    events.update_connection(Name=f"conn-{unique}", AuthParameters={
        "InvocationHttpParameters": {"HeaderParameters": [{"Key": "X-Secret", "Value": "hidden-" + unique,
                                                           "IsValueSecret": True}]}})
    secrets = ["hidden-" + unique, SECRET, base64.b64encode(f"alice:{SECRET}".encode()).decode()]
    # The header the sandbox once honoured to read moto's unredacted answer.
    request = urllib.request.Request(sandbox.endpoint_url + "/", method="POST", data=json.dumps(
        {"Name": f"conn-{unique}"}).encode(), headers={
        "X-Amz-Target": "AWSEvents.DescribeConnection", "Content-Type": "application/x-amz-json-1.1",
        "x-workshop-raw-describe": "1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/events/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        raw = answer.read().decode()
    assert f"conn-{unique}" in raw and "alice" in raw  # it answered about this connection ...
    answers = [raw, json.dumps(events.describe_connection(Name=f"conn-{unique}"), default=str)]
    # ... and the Secrets Manager secret moto keeps for each connection holds no secret either.
    secretsmanager = aws("secretsmanager")
    names = [s["Name"] for s in secretsmanager.list_secrets()["SecretList"] if f"conn-{unique}" in s["Name"]]
    assert names
    answers += [secretsmanager.get_secret_value(SecretId=name)["SecretString"] for name in names]
    assert "X-Secret" in answers[1]  # the merged update is what is shown, without its value
    for answer in answers:
        for secret in secrets:
            assert secret not in answer


def test_update_connection_changes_the_credentials_sent(aws, receiver, unique):
    bus = wire(aws, unique, receiver.url + "/hook")
    aws("events").update_connection(Name=f"conn-{unique}", AuthorizationType="BASIC", AuthParameters={
        "BasicAuthParameters": {"Username": "bob", "Password": "n3w-" + unique}})
    publish(aws, bus)
    [got] = receiver.wait_for("/hook", 1)
    assert got["headers"]["authorization"] == "Basic " + base64.b64encode(f"bob:n3w-{unique}".encode()).decode()


def test_oauth_client_credentials_token_is_fetched_once_and_sent_as_bearer(aws, receiver, unique):
    receiver.routes["/oauth/token"] = (200, {"access_token": "tok-" + unique, "token_type": "bearer", "expires_in": 3600})
    auth = {"OAuthParameters": {
        "AuthorizationEndpoint": receiver.url + "/oauth/token", "HttpMethod": "POST",
        "ClientParameters": {"ClientID": "client-1", "ClientSecret": "client-secret-1"},
        "OAuthHttpParameters": {"BodyParameters": [{"Key": "audience", "Value": "orders", "IsValueSecret": False}]}}}
    bus = wire(aws, unique, receiver.url + "/hook", "OAUTH_CLIENT_CREDENTIALS", auth)
    publish(aws, bus, count=3)
    got = receiver.wait_for("/hook", 3)
    assert len(got) == 3
    assert {r["headers"]["authorization"] for r in got} == {"Bearer tok-" + unique}
    [token_request] = receiver.on("/oauth/token")
    assert token_request["headers"]["authorization"] == "Basic " + base64.b64encode(b"client-1:client-secret-1").decode()
    assert b"audience=orders" in token_request["body"] and b"grant_type=client_credentials" in token_request["body"]


def test_rate_limit_spaces_deliveries(aws, receiver, unique):
    bus = wire(aws, unique, receiver.url + "/slow", rate=5)
    count = 10
    publish(aws, bus, count=count)
    got = receiver.wait_for("/slow", count, timeout=20)
    assert len(got) == count
    times = sorted(r["at"] for r in got)
    # 10 requests at 5/s, one slot every 0.2 s: the last comes at least ~1.8 s after the first.
    assert times[-1] - times[0] >= (count - 1) / 5 * 0.8
    assert len({json.loads(r["body"])["id"] for r in got}) == count


def test_server_errors_are_retried_client_errors_are_not(aws, sandbox, receiver, unique, wait_until):
    receiver.statuses = [500, 503]  # then 200
    bus = wire(aws, unique, receiver.url + "/flaky")
    [event_id] = publish(aws, bus)
    got = receiver.wait_for("/flaky", 3)
    assert [json.loads(r["body"])["id"] for r in got] == [event_id] * 3
    time.sleep(1.0)  # no fourth attempt after the success
    assert len(receiver.on("/flaky")) == 3

    other = unique[::-1]
    receiver.routes["/gone"] = (404, {"message": "no such thing"})
    bus = wire(aws, other, receiver.url + "/gone")
    [event_id] = publish(aws, bus)
    assert len(receiver.wait_for("/gone", 1)) == 1
    failure = wait_until(lambda: [f for f in stats(sandbox)["failures"] if f["event_id"] == event_id])
    assert failure and failure[0]["attempts"] == 1 and "404" in failure[0]["error_message"]
    assert len(receiver.on("/gone")) == 1


def test_exhausted_retries_go_to_the_dead_letter_queue(aws, receiver, unique, wait_until):
    receiver.routes["/down"] = (502, {"message": "bad gateway"})
    sqs = aws("sqs")
    queue = sqs.create_queue(QueueName=f"dlq-{unique}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = wire(aws, unique, receiver.url + "/down", retry={"MaximumRetryAttempts": 1})
    events = aws("events")
    [target] = events.list_targets_by_rule(Rule=f"rule-{unique}", EventBusName=bus)["Targets"]
    target["DeadLetterConfig"] = {"Arn": arn}
    events.put_targets(Rule=f"rule-{unique}", EventBusName=bus, Targets=[target])
    [event_id] = publish(aws, bus)

    def dead_lettered():
        return sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"], WaitTimeSeconds=1).get("Messages")

    messages = wait_until(dead_lettered, timeout=15)
    assert messages and json.loads(messages[0]["Body"])["id"] == event_id
    assert len(receiver.on("/down")) == 2  # the first attempt and one retry


def test_secrets_never_reach_the_sandbox_log(aws, sandbox, receiver, unique):
    receiver.routes["/denied"] = (403, {"message": "no"})
    bus = wire(aws, unique, receiver.url + "/denied")
    publish(aws, bus)
    receiver.wait_for("/denied", 1)
    sandbox.wait_idle(timeout=10)
    text = sandbox.log_path.read_text(errors="replace")
    assert "/denied" in text  # the failure is logged ...
    assert SECRET not in text and base64.b64encode(f"alice:{SECRET}".encode()).decode() not in text  # ... not the secret
