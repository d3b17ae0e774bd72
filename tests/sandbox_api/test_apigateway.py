"""The API Gateway stand-in: execute-api URLs of REST APIs created in moto, authorizers, logs."""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
import zipfile

import pytest

from tests.support import REGION

ROLE = "arn:aws:iam::123456789012:role/apigateway-cloudwatch"
GOOD = "Basic " + base64.b64encode(b"myUsername:myPassword").decode()
BAD = "Basic " + base64.b64encode(b"myUsername:wrong").decode()

AUTHORIZER_CODE = '''
def handler(event, context):
    token = (event.get("headers") or {}).get("Authorization")
    effect = "Allow" if token == "Basic bXlVc2VybmFtZTpteVBhc3N3b3Jk" else "Deny"
    return {"principalId": "myUsername",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
'''


def call(url, method="POST", body=b'{"hello": "world"}', headers=None):
    request = urllib.request.Request(url, data=body if method != "GET" else None, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def make_api(aws, unique, *, authorizer_arn=None, logging="INFO", trace=True, integration=None):
    """A REST API like the workshop's: POST / → MOCK 200, optionally a REQUEST authorizer, stage Prod."""
    apigw = aws("apigateway")
    api_id = apigw.create_rest_api(name=f"eventbridge-api-destination-{unique}",
                                   endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    method = {"authorizationType": "NONE"}
    if authorizer_arn:
        authorizer = apigw.create_authorizer(
            restApiId=api_id, name="basic-auth", type="REQUEST", identitySource="method.request.header.Authorization",
            authorizerUri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{authorizer_arn}/invocations",
            authorizerResultTtlInSeconds=0)
        method = {"authorizationType": "CUSTOM", "authorizerId": authorizer["id"]}
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", **method)
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="POST",
                          **(integration or {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}))
    apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200",
                                   responseTemplates={"application/json": '{"received": true}'})
    apigw.create_deployment(restApiId=api_id, stageName="Prod")
    operations = []
    if logging:
        operations.append({"op": "replace", "path": "/*/*/logging/loglevel", "value": logging})
        operations.append({"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true" if trace else "false"})
    if operations:
        apigw.update_stage(restApiId=api_id, stageName="Prod", patchOperations=operations)
    apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ROLE}])
    return api_id


def local_url(sandbox, api_id, stage="Prod", path=""):
    return f"{sandbox.endpoint_url}/_aws/execute-api/{api_id}/{stage}/{path}"


def execution_log(aws, api_id, stage="Prod"):
    logs = aws("logs")
    group = f"API-Gateway-Execution-Logs_{api_id}/{stage}"
    try:
        events = logs.filter_log_events(logGroupName=group)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [e["message"] for e in sorted(events, key=lambda e: (e["timestamp"], e.get("ingestionTime", 0)))]


def by_request(lines):
    grouped: dict[str, list[str]] = {}
    for line in lines:
        request_id, _, message = line[1:].partition(") ")
        grouped.setdefault(request_id, []).append(message)
    return grouped


# -- without Lambda ---------------------------------------------------------------------------


def test_mock_integration_answers_with_its_status_and_template(aws, sandbox, unique):
    api_id = make_api(aws, unique)
    status, body, headers = call(local_url(sandbox, api_id))
    assert status == 200
    assert json.loads(body) == {"received": True}
    assert headers.get("x-amzn-RequestId")


def test_a_change_to_the_api_is_seen_by_the_next_request(aws, sandbox, unique):
    apigw = aws("apigateway")
    api_id = make_api(aws, unique, logging=None)
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    assert call(local_url(sandbox, api_id))[:2] == (200, b'{"received": true}')
    assert call(local_url(sandbox, api_id))[:2] == (200, b'{"received": true}')  # answered from what was kept
    apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200",
                                   responseTemplates={"application/json": '{"received": "again"}'})
    assert call(local_url(sandbox, api_id))[:2] == (200, b'{"received": "again"}')
    apigw.delete_method(restApiId=api_id, resourceId=root, httpMethod="POST")
    assert call(local_url(sandbox, api_id))[0] == 403
    apigw.delete_stage(restApiId=api_id, stageName="Prod")
    assert call(local_url(sandbox, api_id))[:2] == (403, b'{"message":"Forbidden"}')


def test_routing_errors_look_like_api_gateway(aws, sandbox, unique):
    api_id = make_api(aws, unique, logging=None)
    assert call(local_url(sandbox, api_id), method="GET")[:2] == (403, b'{"message":"Missing Authentication Token"}')
    assert call(local_url(sandbox, api_id, path="nothing/here"))[0] == 403
    assert call(local_url(sandbox, api_id, stage="Dev"))[:2] == (403, b'{"message":"Forbidden"}')
    assert call(local_url(sandbox, "nosuchapi"))[0] == 404


def test_host_header_reaches_the_api(aws, sandbox, unique):
    api_id = make_api(aws, unique, logging=None)
    status, body, _ = call(f"{sandbox.endpoint_url}/Prod/",
                           headers={"Host": f"{api_id}.execute-api.{REGION}.amazonaws.com"})
    assert status == 200 and json.loads(body) == {"received": True}


def test_status_lists_local_urls(aws, sandbox, unique):
    api_id = make_api(aws, unique, logging=None)
    apis = sandbox.control.apis()
    [entry] = [a for a in apis if a["id"] == api_id]
    assert entry["name"] == f"eventbridge-api-destination-{unique}" and entry["stage"] == "Prod"
    assert entry["local_url"] == local_url(sandbox, api_id)
    assert entry["aws_url"] == f"https://{api_id}.execute-api.{REGION}.amazonaws.com/Prod/"
    assert call(entry["local_url"])[0] == 200


def test_execution_log_lines_with_data_trace(aws, sandbox, unique):
    api_id = make_api(aws, unique)
    body = json.dumps({"order": unique}).encode()
    assert call(local_url(sandbox, api_id), body=body)[0] == 200
    [(request_id, lines)] = by_request(execution_log(aws, api_id)).items()
    text = "\n".join(lines)
    assert lines[0].startswith("Extended Request Id: ")
    assert f"Verifying Usage Plan for request: {request_id}. API Key:  API Stage: {api_id}/Prod" in lines
    assert f"Starting execution for request: {request_id}" in lines
    assert "HTTP Method: POST, Resource Path: /" in lines
    assert f"Method request body before transformations: {body.decode()}" in lines
    assert 'Method response body after transformations: {"received": true}' in lines
    assert lines[-1] == "Method completed with status: 200"
    assert "Authorizer" not in text


def test_info_without_data_trace_logs_no_bodies(aws, sandbox, unique):
    api_id = make_api(aws, unique, trace=False)
    assert call(local_url(sandbox, api_id), body=json.dumps({"order": unique}).encode())[0] == 200
    lines = execution_log(aws, api_id)
    assert any(line.endswith("Method completed with status: 200") for line in lines)
    assert not any(unique in line for line in lines)


def test_no_execution_logs_without_the_account_cloudwatch_role(aws, sandbox, unique):
    api_id = make_api(aws, unique)
    apigw = aws("apigateway")
    apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ""}])
    try:
        assert call(local_url(sandbox, api_id))[0] == 200
        assert execution_log(aws, api_id) == []
    finally:
        apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ROLE}])


def test_http_proxy_integration_forwards_the_request(aws, sandbox, receiver, unique):
    api_id = make_api(aws, unique, logging=None, integration={
        "type": "HTTP_PROXY", "integrationHttpMethod": "POST", "uri": receiver.url + "/backend"})
    status, body, _ = call(local_url(sandbox, api_id) + "?x=1", body=b'{"n": 1}', headers={"X-Trace": unique})
    assert status == 200 and json.loads(body) == {"ok": True}
    [got] = receiver.on("/backend")
    assert got["body"] == b'{"n": 1}' and got["headers"]["x-trace"] == unique and got["query"] == "x=1"


# -- with the Lambda authorizer ---------------------------------------------------------------


def create_authorizer_function(aws, name, *, permitted=True):
    import botocore.exceptions

    iam = aws("iam")
    try:
        role = iam.create_role(RoleName="basic-auth-authorizer-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    except botocore.exceptions.ClientError:
        role = iam.get_role(RoleName="basic-auth-authorizer-role")["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", AUTHORIZER_CODE)
    function = aws("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                             Handler="app.handler", Code={"ZipFile": buffer.getvalue()}, Timeout=10)
    if permitted:  # what the workshop's template does: API Gateway may invoke the authorizer
        aws("lambda").add_permission(FunctionName=name, StatementId="apigateway", Action="lambda:InvokeFunction",
                                     Principal="apigateway.amazonaws.com",
                                     SourceArn=f"arn:aws:execute-api:{REGION}:123456789012:*/authorizers/*")
    return function["FunctionArn"]


@pytest.fixture(scope="module")
def authorizer_arn(aws, sandbox):
    return create_authorizer_function(aws, "basic-auth-authorizer")


def test_request_authorizer_allows_denies_and_rejects(aws, sandbox, unique, authorizer_arn):
    api_id = make_api(aws, unique, authorizer_arn=authorizer_arn)
    url = local_url(sandbox, api_id)
    assert call(url, headers={"Authorization": GOOD})[0] == 200
    status, body, _ = call(url, headers={"Authorization": BAD})
    assert status == 403
    assert json.loads(body) == {"Message": "User is not authorized to access this resource with an explicit deny"}
    status, body, _ = call(url)
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})

    requests = by_request(execution_log(aws, api_id))
    assert len(requests) == 3
    outcomes = {lines[-1]: lines for lines in requests.values()}
    allowed = outcomes["Method completed with status: 200"]
    assert any(line.startswith("Starting authorizer: ") for line in allowed)
    assert any(line.startswith("Authorizer result body before parsing: ") and '"Allow"' in line for line in allowed)
    assert "Using valid authorizer policy for principal: ****ername" in allowed
    assert "Successfully completed authorizer execution" in allowed
    denied = outcomes["Method completed with status: 403"]
    assert "Successfully completed authorizer execution" in denied
    assert not any(line.startswith("Starting execution") for line in denied)
    assert any(line.startswith("Unauthorized request: ") for line in outcomes["Method completed with status: 401"])
    everything = "\n".join(execution_log(aws, api_id))
    assert GOOD.split()[1] not in everything and BAD.split()[1] not in everything  # credentials are masked


def test_eventbridge_to_api_destination_to_the_workshop_api(aws, sandbox, unique, authorizer_arn,
                                                             wait_until):
    api_id = make_api(aws, unique, authorizer_arn=authorizer_arn)
    events = aws("events")
    connection = events.create_connection(Name=f"basic-auth-connection-{unique}", AuthorizationType="BASIC",
                                          AuthParameters={"BasicAuthParameters": {"Username": "myUsername",
                                                                                  "Password": "myPassword"}})
    destination = events.create_api_destination(
        Name=f"api-destination-{unique}", ConnectionArn=connection["ConnectionArn"], HttpMethod="POST",
        InvocationEndpoint=f"https://{api_id}.execute-api.{REGION}.amazonaws.com/Prod/")
    bus = f"Orders-{unique}"
    events.create_event_bus(Name=bus)
    events.put_rule(Name="OrdersEventsRule", EventBusName=bus, EventPattern=json.dumps({"source": ["com.aws.orders"]}))
    events.put_targets(Rule="OrdersEventsRule", EventBusName=bus, Targets=[{
        "Id": "api", "Arn": destination["ApiDestinationArn"], "RoleArn": "arn:aws:iam::123456789012:role/x"}])
    answer = events.put_events(Entries=[{"EventBusName": bus, "Source": "com.aws.orders",
                                         "DetailType": "Order Notification",
                                         "Detail": json.dumps({"category": "lab-supplies", "value": 415,
                                                               "location": "us-east"})}])
    event_id = answer["Entries"][0]["EventId"]

    def completed():
        for lines in by_request(execution_log(aws, api_id)).values():
            if any(event_id in line for line in lines) and lines[-1].startswith("Method completed"):
                return lines
        return None

    lines = wait_until(completed, timeout=20)
    assert lines, f"no execution log for event {event_id}"
    assert "Successfully completed authorizer execution" in lines
    assert lines[-1] == "Method completed with status: 200"


def test_authorizer_without_lambda_permission_is_a_configuration_error(aws, sandbox, unique):
    function_arn = create_authorizer_function(aws, f"unpermitted-authorizer-{unique}", permitted=False)
    api_id = make_api(aws, unique, authorizer_arn=function_arn)
    status, body, _ = call(local_url(sandbox, api_id), headers={"Authorization": GOOD})
    assert (status, json.loads(body)) == (500, {"message": None})
    lines = execution_log(aws, api_id)
    assert any(line.endswith("Execution failed due to configuration error: Invalid permissions on Lambda function")
               for line in lines)
    assert lines[-1].endswith("Method completed with status: 500")


def test_token_authorizer_gets_the_token_and_method_arn(aws, sandbox, unique, authorizer_arn):
    apigw = aws("apigateway")
    api_id = make_api(aws, unique)
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    orders = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="orders")["id"]
    item = apigw.create_resource(restApiId=api_id, parentId=orders, pathPart="{id}")["id"]
    authorizer = apigw.create_authorizer(
        restApiId=api_id, name="token", type="TOKEN", identitySource="method.request.header.Authorization",
        identityValidationExpression="^Basic .+$",
        authorizerUri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{TOKEN_FUNCTION_ARN(aws)}/invocations")
    # moto 5.2.5 drops identityValidationExpression on create (a typo in its model); set it by update
    apigw.update_authorizer(restApiId=api_id, authorizerId=authorizer["id"], patchOperations=[
        {"op": "replace", "path": "/identityValidationExpression", "value": "^Basic .+$"}])
    apigw.put_method(restApiId=api_id, resourceId=item, httpMethod="ANY", authorizationType="CUSTOM",
                     authorizerId=authorizer["id"])
    apigw.put_integration(restApiId=api_id, resourceId=item, httpMethod="ANY", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 202}'})
    apigw.put_integration_response(restApiId=api_id, resourceId=item, httpMethod="ANY", statusCode="202",
                                   selectionPattern="2\\d{2}")
    url = local_url(sandbox, api_id, path="orders/42")
    assert call(url, method="PUT", headers={"Authorization": GOOD})[0] == 202
    assert call(url, method="PUT", headers={"Authorization": BAD})[0] == 403
    assert call(url, method="PUT", headers={"Authorization": "Bearer nope"})[0] == 401  # fails the validation expression
    text = "\n".join(execution_log(aws, api_id))
    assert "/Prod/PUT/orders/42" in text and "HTTP Method: PUT, Resource Path: /orders/42" in text


TOKEN_CODE = '''
def handler(event, context):
    assert event["type"] == "TOKEN" and set(event) == {"type", "authorizationToken", "methodArn"}
    effect = "Allow" if event["authorizationToken"] == "Basic bXlVc2VybmFtZTpteVBhc3N3b3Jk" else "Deny"
    return {"principalId": "user", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
'''
_token_arn: list[str] = []


def TOKEN_FUNCTION_ARN(aws):
    if not _token_arn:
        global AUTHORIZER_CODE
        saved, AUTHORIZER_CODE = AUTHORIZER_CODE, TOKEN_CODE
        try:
            _token_arn.append(create_authorizer_function(aws, "token-authorizer"))
        finally:
            AUTHORIZER_CODE = saved
    return _token_arn[0]


PROXY_CODE = '''
import json

def handler(event, context):
    return {"statusCode": 201, "headers": {"X-Order": event["pathParameters"]["id"]},
            "body": json.dumps({"path": event["path"], "resource": event["resource"], "body": event["body"],
                                "query": event["queryStringParameters"], "stage": event["requestContext"]["stage"]})}
'''


def test_lambda_proxy_integration(aws, sandbox, unique):
    global AUTHORIZER_CODE
    saved, AUTHORIZER_CODE = AUTHORIZER_CODE, PROXY_CODE
    try:
        function_arn = create_authorizer_function(aws, f"orders-proxy-{unique}", permitted=False)
    finally:
        AUTHORIZER_CODE = saved
    aws("lambda").add_permission(FunctionName=function_arn, StatementId="apigw", Action="lambda:InvokeFunction",
                                 Principal="apigateway.amazonaws.com",
                                 SourceArn=f"arn:aws:execute-api:{REGION}:123456789012:*/*/*/*")
    apigw = aws("apigateway")
    api_id = make_api(aws, unique, logging=None)
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    proxy = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{id+}")["id"]
    apigw.put_method(restApiId=api_id, resourceId=proxy, httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=proxy, httpMethod="ANY", type="AWS_PROXY",
                          integrationHttpMethod="POST",
                          uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations")
    status, body, headers = call(local_url(sandbox, api_id, path="orders/7?full=yes"), body=b'{"n": 7}')
    assert status == 201 and headers.get("X-Order") == "orders/7"
    assert json.loads(body) == {"path": "/orders/7", "resource": "/{id+}", "body": '{"n": 7}',
                                "query": {"full": "yes"}, "stage": "Prod"}
    assert call(local_url(sandbox, api_id))[0] == 200  # the root still goes to its MOCK


def test_credentials_never_reach_the_sandbox_log(sandbox):
    # Last in this file: every request above carried Basic credentials through the sandbox.
    text = sandbox.log_path.read_text(errors="replace")
    for secret in (GOOD.split()[1], BAD.split()[1], "myPassword", "s3cr3t-Pa55", "client-secret-1"):
        assert secret not in text
