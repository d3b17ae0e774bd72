"""Requests the sandbox must survive: a region AWS does not have, and faults in every protocol.

A request signed for an unknown region used to reach moto, whose KeyError then broke every later
`sandbox tick` (in every region) and filled the log with a traceback a second. The fault switch
now names REST-JSON operations (Lambda, API Gateway) as it names JSON and query ones.
"""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support import REGION


def _client(sb, service: str, region: str = REGION):
    return boto3.session.Session().client(
        service, region_name=region, endpoint_url=sb.endpoint_url, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(retries={"mode": "standard", "max_attempts": 1}))


@pytest.fixture
def no_faults(sb):
    yield sb
    sb.faults(throttle=0.0, error=0.0, deny=0.0, delay=0.0, operations=[])


@pytest.mark.parametrize("service, call", [
    ("events", lambda c: c.describe_event_bus(Name="default")),
    ("sts", lambda c: c.get_caller_identity()),
    ("lambda", lambda c: c.list_functions()),
    ("apigateway", lambda c: c.get_rest_apis()),
])
def test_an_unknown_region_is_refused_and_leaves_the_sandbox_working(sb, service, call):
    log_before = sb.log_path.stat().st_size if sb.log_path.exists() else 0
    with pytest.raises(ClientError) as caught:
        call(_client(sb, service, region="xx-fake-9"))
    assert caught.value.response["Error"]["Code"] == "InvalidRegion"
    assert "xx-fake-9" in caught.value.response["Error"]["Message"]
    assert sb.tick(1)["to"], "the clock still moves"
    _client(sb, "events").describe_event_bus(Name="default")
    time.sleep(1.2)  # the schedule loop runs every second: it must not trip over the region
    log = sb.log_path.read_bytes()[log_before:] if sb.log_path.exists() else b""
    assert b"Traceback" not in log and b"xx-fake-9" not in log


@pytest.mark.parametrize("service, operation, call", [
    ("apigateway", "CreateRestApi", lambda c: c.create_rest_api(name="held")),
    ("apigateway", "GetRestApis", lambda c: c.get_rest_apis()),
    ("lambda", "ListFunctions", lambda c: c.list_functions()),
    ("lambda", "GetFunction", lambda c: c.get_function(FunctionName="nope")),
    ("events", "ListEventBuses", lambda c: c.list_event_buses()),  # JSON
    ("sns", "ListTopics", lambda c: c.list_topics()),  # query
])
def test_faults_name_operations_in_every_protocol(no_faults, service, operation, call):
    sb = no_faults
    client = _client(sb, service)
    sb.faults(error=1.0, operations=[operation])
    with pytest.raises(ClientError) as caught:
        call(client)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    sb.faults(error=0.0, deny=1.0, operations=[operation])
    with pytest.raises(ClientError) as caught:
        call(client)
    assert "AccessDenied" in caught.value.response["Error"]["Code"]
    sb.faults(deny=0.0, operations=[])


def test_a_delay_holds_a_rest_operation(no_faults):
    sb = no_faults
    apigateway = _client(sb, "apigateway")
    sb.faults(delay=1.5, operations=["CreateRestApi"])
    started = time.monotonic()
    api = apigateway.create_rest_api(name="held-api")
    held = time.monotonic() - started
    apigateway.delete_rest_api(restApiId=api["id"])
    assert held >= 1.5, f"CreateRestApi answered after {held:.2f}s"  # held at least as long as asked


def test_a_fault_on_one_rest_operation_leaves_the_others_alone(no_faults):
    sb = no_faults
    apigateway, lambdas = _client(sb, "apigateway"), _client(sb, "lambda")
    sb.faults(error=1.0, operations=["CreateRestApi", "GetFunction"])
    assert isinstance(apigateway.get_rest_apis()["items"], list)
    assert isinstance(lambdas.list_functions()["Functions"], list)
    with pytest.raises(ClientError):
        apigateway.create_rest_api(name="refused")
