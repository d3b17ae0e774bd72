"""Warm moto's services at start, in the background, before the first command needs them.

moto builds each service's backend (and loads its botocore model and region list) on the first
request for it: a second or more for Step Functions and API Gateway here, paid in the middle of
a learner's `run`. The sandbox answers at once and meanwhile sends each service the workshop uses
one read request, in process, through moto alone. A request that arrives first just waits for
the same work.
"""

from __future__ import annotations

import logging
import threading

from .front import Request

log = logging.getLogger("workshop.sandbox.warmup")

_FORM = "application/x-www-form-urlencoded; charset=utf-8"
# (service as signed, method, path, X-Amz-Target or form body, content type): one cheap read each,
# in the order a run first needs them (STS, then what the prerequisites touch). Step Functions is
# the dearest by far (moto's interpreter imports its EC2 and Batch code): it comes last, so that
# the first calls do not wait behind it.
_READS = [
    ("sts", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", _FORM),
    ("apigateway", "GET", "/restapis", "", ""),
    ("iam", "POST", "/", "Action=ListRoles&Version=2010-05-08", _FORM),
    ("sns", "POST", "/", "Action=ListTopics&Version=2010-03-31", _FORM),
    ("sqs", "POST", "/", "AmazonSQS.ListQueues", "application/x-amz-json-1.0"),
    ("logs", "POST", "/", "Logs_20140328.DescribeLogGroups", "application/x-amz-json-1.1"),
    ("events", "POST", "/", "AWSEvents.ListEventBuses", "application/x-amz-json-1.1"),
    ("lambda", "GET", "/2015-03-31/functions/", "", ""),
    ("states", "POST", "/", "AWSStepFunctions.ListStateMachines", "application/x-amz-json-1.0"),
]


def warm_in_background(ask_moto, region: str, clients=None, self_services: tuple[str, ...] = ()) -> threading.Thread:
    """Start the warm-up thread: moto's services, then the sandbox's own clients of `self_services`."""
    thread = threading.Thread(target=warm, args=(ask_moto, region, clients, self_services), name="warmup", daemon=True)
    thread.start()
    return thread


def warm(ask_moto, region: str, clients=None, self_services: tuple[str, ...] = ()) -> None:
    for service, method, path, call, content_type in _READS:
        target = call if content_type.startswith("application/x-amz-json") else ""
        body = b"{}" if target else call.encode()
        headers = {"host": "127.0.0.1", "authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/"
                   f"{service}/aws4_request, SignedHeaders=host, Signature=0"}
        if target:
            headers["x-amz-target"] = target
        if content_type:
            headers["content-type"] = content_type
        request = Request(method, path, "", headers, body if method == "POST" else b"", region=region,
                          service=service, target=target)
        try:
            ask_moto(request)
        except Exception:  # a warm-up is an optimisation: the real request will say what is wrong
            log.debug("warming %s failed", service, exc_info=True)
    for service in self_services:
        try:
            clients(service, region)
        except Exception:
            log.debug("creating the %s client failed", service, exc_info=True)
    from .moto_backends import sns_signing_key

    sns_signing_key()  # SNS's first notification need not wait for it
    import gc

    gc.freeze()  # what the warm-up loaded lives as long as the process: full collections skip it
