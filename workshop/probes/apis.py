"""Probes of HTTP: a REST API behind a Lambda authorizer at a local URL, its execution logs, and an
API destination calling a receiver on this machine."""

from __future__ import annotations

import base64
import uuid

from ..http_receiver import Receiver, post_status
from ..outputs import URL_FORMS, local_api_url
from .delivery import deliver
from .support import AUTHORIZER, Probe, wait_for


def rest_api(run: Probe) -> None:
    """A REST API behind a REQUEST authorizer, its stage logged; which local URL form serves it."""
    apigw, lam = run.client("apigateway"), run.client("lambda")
    secret = uuid.uuid4().hex
    authorizer_fn = run.function("authorizer", AUTHORIZER.replace(b"%s", secret.encode()), run.shared["role"])
    api = apigw.create_rest_api(name=run.prefix, endpointConfiguration={"types": ["REGIONAL"]})["id"]
    run.later(lambda: apigw.delete_rest_api(restApiId=api))
    lam.add_permission(FunctionName=authorizer_fn, StatementId="doctor", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{run.region}:{run.account}:{api}/*")
    uri = f"arn:aws:apigateway:{run.region}:lambda:path/2015-03-31/functions/{authorizer_fn}/invocations"
    authorizer = apigw.create_authorizer(restApiId=api, name="doctor", type="REQUEST", authorizerUri=uri,
                                         identitySource="method.request.header.Authorization",
                                         authorizerResultTtlInSeconds=0)["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")
    where = {"restApiId": api, "resourceId": root, "httpMethod": "POST"}
    apigw.put_method(**where, authorizationType="CUSTOM", authorizerId=authorizer)
    apigw.put_method_response(**where, statusCode="200")
    apigw.put_integration(**where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_integration_response(**where, statusCode="200", responseTemplates={"application/json": '{"ok": true}'})
    apigw.create_deployment(restApiId=api, stageName="probe")
    apigw.update_stage(restApiId=api, stageName="probe", patchOperations=[
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"}])
    run.later(lambda: run._drop_log_group(f"API-Gateway-Execution-Logs_{api}/probe"))
    _account_logging_role(run, apigw)

    answers = {}
    for form in URL_FORMS:
        url = local_api_url(run.backend.endpoint_url, api, "probe", form)
        good = _post(url, {"Authorization": f"Basic {secret}"})
        bad = _post(url, {"Authorization": "Basic not-it"})
        answers[form] = (url, good, bad)
        if good == 200 and bad in (401, 403):
            run.url_form = form
            break
    if run.url_form:
        url, good, bad = answers[run.url_form]
        run.say("rest_api_url", True, f"{url.replace(run.backend.endpoint_url, '{endpoint}')} answered 200 to the "
                                      f"authorizer's credentials and {bad} to others")
    else:
        said = "; ".join(f"{u.replace(run.backend.endpoint_url, '{endpoint}')} answered {g} (right) / {b} (wrong)"
                         for u, g, b in answers.values())
        run.say("rest_api_url", False, f"no local URL served the API through its authorizer: {said}")
    run.shared["api"] = answers.get(run.url_form, [None])[0] if run.url_form else None

    def logged() -> bool:
        return bool(run.log_messages(f"API-Gateway-Execution-Logs_{api}/probe"))

    if not run.url_form:
        run.say("apigw_execution_logs", None, "not probed: no request reached the API")
    elif wait_for(logged, 5.0, 0.5):
        run.say("apigw_execution_logs", True, "a request's execution log arrived in API-Gateway-Execution-Logs_{api}/{stage}")
    else:
        run.say("apigw_execution_logs", False, "stage logging is on, yet no execution log group or line appeared")


def _account_logging_role(run: Probe, apigw) -> None:
    """Execution logs need the account's API Gateway CloudWatch role: set one for the probe if none."""
    try:
        current = apigw.get_account().get("cloudwatchRoleArn")
    except Exception:
        return
    if current:
        return
    apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": run.shared["role"]}])
    run.later(lambda: apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ""}]))


def _post(url: str, headers: dict) -> int | str:
    return post_status(url, headers, b'{"probe": true}')


def api_destination(run: Probe) -> None:
    """EventBridge calls a receiver on this machine: the event must arrive as the body, with Basic auth."""
    events = run.client("events")
    password = uuid.uuid4().hex
    with Receiver() as receiver:
        connection = events.create_connection(Name=f"{run.prefix}", AuthorizationType="BASIC", AuthParameters={
            "BasicAuthParameters": {"Username": "doctor", "Password": password}})["ConnectionArn"]
        run.later(lambda: events.delete_connection(Name=run.prefix))
        destination = events.create_api_destination(Name=run.prefix, ConnectionArn=connection,
                                                    InvocationEndpoint=receiver.url, HttpMethod="POST")["ApiDestinationArn"]
        run.later(lambda: events.delete_api_destination(Name=run.prefix))
        expected = "Basic " + base64.b64encode(f"doctor:{password}".encode()).decode()

        def arrived(event_id: str) -> bool:
            return any(event_id in r["body"] and r["authorization"] == expected for r in receiver.requests)

        deliver(run, "deliver_api_destination", "apidest", lambda: {"Arn": destination, "RoleArn": run.shared["role"]},
                 arrived, "an API destination")
        if run.results["deliver_api_destination"].supported is False and receiver.requests:
            first = receiver.requests[0]
            run.say("deliver_api_destination", False, "the API destination was called, but "
                    + ("without the event as its body" if not any(r["body"].strip() for r in receiver.requests)
                       else "without the connection's Basic auth" if first["authorization"] != expected else "not with this event"))
