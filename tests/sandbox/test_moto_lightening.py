"""What `moto_backends.lighten_moto` changes in moto, and that a moto upgrade has not moved it.

moto's Step Functions interpreter must load without EC2 (its instance types cost over a second
of the sandbox's CPU), and every SNS subscription must sign with the process's one key, in a way
a subscriber can still verify.
"""

from __future__ import annotations

import base64
import inspect
import json
import os
import subprocess
import sys

from tests.support import ACCOUNT, REGION, unique

_LOAD_STEP_FUNCTIONS = """
import sys
from workshop.sandbox.moto_backends import lighten_moto
lighten_moto()
import moto.stepfunctions.parser.models
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_batch
from moto.batch.utils import JobStatus
assert state_task_service_batch.JobStatus is JobStatus
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_events
import inspect, boto3
from workshop.sandbox.moto_backends import botocore_session
kept = state_task_service_events.boto_client_for
assert kept.kept and "boto3.client(" in inspect.getsource(kept.moto_s)  # moto's, on boto3's default session
first = kept("us-east-1", "events")
assert kept("us-east-1", "events") is first and kept("eu-west-1", "events") is not first
assert boto3.DEFAULT_SESSION._session is botocore_session()
print(sorted(name for name in sys.modules if name.split(".")[:2] in (["moto", "ec2"], ["moto", "batch"])))
import moto.batch  # the real package still loads in full when something asks for it
print(type(moto.batch.batch_backends).__name__, "moto.ec2" in sys.modules)
"""


def test_step_functions_load_without_ec2_keep_their_clients_and_batch_still_loads_whole():
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([sys.executable, "-c", _LOAD_STEP_FUNCTIONS], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    spared, whole = result.stdout.strip().splitlines()
    # Only the batch enum module and its exceptions: no moto.ec2 and no moto.batch package yet.
    assert json.loads(spared.replace("'", '"')) == ["moto.batch.exceptions", "moto.batch.utils"]
    assert whole == "BackendDict True"


_LOAD_API_GATEWAY = """
import sys
from workshop.sandbox.moto_backends import lighten_moto
lighten_moto()
from moto.apigateway.models import apigateway_backends
print("jsonschema" in sys.modules, "openapi_spec_validator.shortcuts" in sys.modules)
backend = apigateway_backends["123456789012"]["us-east-1"]
info = {"title": "t", "description": "d", "version": "1"}
try:
    backend.import_rest_api({"openapi": "3.0.0", "info": info, "paths": {"/": {"get": {"responses": "no"}}}}, True)
except Exception as exc:
    print(type(exc).__name__, exc.message)
print(backend.import_rest_api({"openapi": "3.0.0", "info": info, "paths": {}}, True).name)
import openapi_spec_validator
print(getattr(openapi_spec_validator, "stands_in", False), "openapi_spec_validator.shortcuts" in sys.modules)
"""


def test_api_gateway_loads_without_openapi_validator_until_a_document_is_checked_as_before():
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([sys.executable, "-c", _LOAD_API_GATEWAY], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines() == [
        "False False",  # loaded without the validator
        "InvalidOpenAPIDocumentException Failed to parse the uploaded OpenAPI document due to: 'no' is not of type 'object'",
        "t",  # a valid document is imported
        "False True",  # the real package now, for every import
    ]


def test_moto_sns_still_takes_its_signing_key_from_private_key():
    from moto.sns.models import Subscription

    source = inspect.getsource(Subscription.get_post_data)
    assert "self.private_key()" in source and "key.sign(" in source and "_message_public_keys[key_name]" in source


def test_every_subscription_signs_with_the_one_key_and_the_signature_verifies():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from moto.sns.models import sns_backends
    from moto.sqs.models import sqs_backends

    from workshop.sandbox.moto_backends import lighten_moto, sns_signing_key

    lighten_moto()
    sns, sqs = sns_backends[ACCOUNT][REGION], sqs_backends[ACCOUNT][REGION]
    topic = sns.create_topic(unique("signed"))
    queues = [sqs.create_queue(unique("signed")) for _ in range(2)]
    try:
        subscriptions = [sns.subscribe(topic.arn, q.queue_arn, "sqs") for q in queues]
        assert subscriptions[0].private_key() is subscriptions[1].private_key() is sns_signing_key()
        sns.publish("hello", arn=topic.arn)
        for queue in queues:
            (message,) = sqs.receive_message(queue.name, 10, 0, 30)
            envelope = json.loads(message.body)
            pem = sns_backends[ACCOUNT][REGION]._message_public_keys[envelope["SigningCertURL"].rsplit("/", 1)[1]]
            certificate = x509.load_pem_x509_certificate(pem)
            signed = "".join(f"{k}\n{envelope[k]}\n" for k in ("Message", "MessageId", "Timestamp", "TopicArn", "Type"))
            certificate.public_key().verify(base64.b64decode(envelope["Signature"]), signed.encode(), padding.PKCS1v15(),
                                            hashes.SHA256())  # raises when it does not verify
    finally:
        sns.delete_topic(topic.arn)
        for queue in queues:
            sqs.delete_queue(queue.name)


def test_moto_reads_its_models_through_one_loader_that_lists_the_services_once():
    from moto.core import utils

    from workshop.sandbox.moto_backends import lighten_moto

    lighten_moto()
    assert utils._load_service_model.shared
    events = utils._load_service_model("events", "service-2")
    assert events["metadata"]["serviceId"] == "EventBridge"
    assert "ListRules" in utils._load_service_model("events", "paginators-1")["pagination"]
    assert utils.get_service_model("sqs").service_name == "sqs"  # what moto builds from them, as before
