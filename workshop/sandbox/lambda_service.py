"""Lambda in the sandbox: moto keeps the functions' configuration, we keep their code and run it.

- The front's interceptor captures the code of CreateFunction / UpdateFunctionCode (then lets
  moto store the function) and answers Invoke itself: RequestResponse runs the handler now,
  Event queues an asynchronous invocation.
- Asynchronous invocations (Invoke with Event, EventBridge targets) follow the function's
  async invoke config: retries 1 and 2 minutes apart on the sandbox clock, the maximum event
  age, and the on-success / on-failure destinations (event bus, SQS, SNS, Lambda) with AWS's
  invocation record (lambda_destinations.py).
- Every run's log lines land in /aws/lambda/NAME, one log stream per run as a cold start does.
- moto's PutFunctionEventInvokeConfig appends instead of replacing and its Update does a Put;
  the interceptor rewrites those calls so Put replaces and Update merges, as on AWS.

`invoke_sync` is the entry point for other sandbox parts (the API Gateway stand-in's authorizers).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import botocore.exceptions

from .. import policy_documents
from .front import Request, Response
from .lambda_destinations import invocation_record, send as send_to_destination
from .lambda_runtime import Invocation, LambdaRuntime, LambdaRuntimeError
from .service import Service, sandbox_service
from .ids import new_id

log = logging.getLogger("workshop.sandbox.lambda")

DEFAULT_ASYNC_RETRIES = 2
DEFAULT_ASYNC_MAX_AGE_S = 6 * 3600
ASYNC_RETRY_DELAYS_S = (60, 120)  # Lambda waits 1 minute, then 2, between async attempts
LOG_TAIL_BYTES = 4096

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<fn>[^/]+)/invocations/?$")
_CREATE = re.compile(r"^/2015-03-31/functions/?$")
_CODE = re.compile(r"^/2015-03-31/functions/(?P<fn>[^/]+)/code/?$")
_INVOKE_CONFIG = re.compile(r"^/2019-09-25/functions/(?P<fn>[^/]+)/event-invoke-config/?$")
_CONFIG_FIELDS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")


class LambdaServiceError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.status = code, status

    def response(self) -> Response:
        return Response(self.status, json.dumps({"Type": "User", "message": str(self)}).encode(),
                        {"Content-Type": "application/json", "x-amzn-ErrorType": self.code})


@dataclass
class AsyncRequest:
    region: str
    name: str
    function_arn: str  # unqualified
    payload: object
    enqueued_at: datetime
    request_id: str = field(default_factory=new_id)
    attempt: int = 1
    hops: int = 0  # how many Lambda destinations led here
    last: Invocation | None = None


def parse_function(region: str, identifier: str) -> tuple[str, str]:
    """(region, name) from a name, name:qualifier, partial ARN or ARN. Qualifiers run $LATEST."""
    identifier = identifier.strip()
    if identifier.startswith("arn:"):
        parts = identifier.split(":")
        if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
            raise LambdaServiceError("InvalidParameterValueException", f"{identifier} is not a Lambda function ARN.")
        return parts[3] or region, parts[6]
    parts = identifier.split(":")
    if len(parts) >= 3 and parts[1] == "function":  # 123456789012:function:name[:qualifier]
        return region, parts[2]
    return region, parts[0]


@sandbox_service("lambdas")
class LambdaService(Service):
    priority = 20

    def __init__(self, clock, delivery, clients, endpoint_url: str, state_dir: Path | None):
        self.clock = clock
        self.delivery = delivery  # runs async invocations and retries; keeps the counters
        self.clients = clients
        self.endpoint_url = endpoint_url
        base = Path(state_dir) if state_dir else Path(tempfile.mkdtemp(prefix="sandbox-"))
        self.base_dir = base / "lambda"
        self._runtimes: dict[str, LambdaRuntime] = {}
        self._policies: dict[tuple[str, str], str] = {}
        self._known_groups: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # front hooks -----------------------------------------------------------------------------
    def intercept(self, request: Request) -> Response | None:
        if request.service != "lambda" and not request.path.startswith(("/2015-03-31/", "/2019-09-25/")):
            return None
        try:
            if request.method == "POST" and (found := _INVOKE.match(request.path)):
                return self._invoke_api(request, found.group("fn"))
            if request.method == "POST" and _CREATE.match(request.path):
                return self._capture_code(request, request.json().get("FunctionName", ""), request.json().get("Code") or {})
            if request.method == "PUT" and (found := _CODE.match(request.path)):
                body = request.json()
                return None if body.get("DryRun") else self._capture_code(request, found.group("fn"), body)
            if request.method in ("PUT", "POST") and (found := _INVOKE_CONFIG.match(request.path)):
                return self._fix_invoke_config(request, found.group("fn"))
        except LambdaServiceError as exc:
            return exc.response()
        except ValueError:
            return LambdaServiceError("InvalidRequestContentException", "Could not parse request body into json").response()
        return None

    def after_moto(self, request: Request) -> None:
        if request.service != "lambda" or request.method == "GET":
            return
        with self._lock:
            self._policies.clear()  # AddPermission, RemovePermission, DeleteFunction ...
        staged = getattr(request, "_sandbox_lambda_code", None)
        if staged:
            region, name, zip_bytes = staged
            try:
                self._runtime(region).store_code(name, zip_bytes)
            except Exception:  # moto has answered already; the function will say it has no code
                log.exception("could not keep the code of Lambda function %s", name)
                return
            threading.Thread(target=self._prepare, args=(region, name), name=f"lambda-prepare-{name}", daemon=True).start()

    def _prepare(self, region: str, name: str) -> None:
        """The first invocation's process, started while the learner's next steps run."""
        try:
            config = self._configuration(region, name)
            self._runtime(region).prepare(name, **self._run_settings(config))
        except Exception:  # only an optimisation: the first invocation starts its own
            log.debug("could not start a process ahead for %s", name, exc_info=True)

    def _run_settings(self, config: dict) -> dict:
        """What a process of the function runs with, from its configuration: one reading for the
        process started ahead and for each invocation (the spare is used only when they agree)."""
        return {"handler": config.get("Handler", ""), "runtime": config.get("Runtime", ""),
                "environment": (config.get("Environment") or {}).get("Variables") or {},
                "function_arn": config["FunctionArn"], "memory_mb": int(config.get("MemorySize") or 128),
                "aws_endpoint_url": self.endpoint_url}

    def reset(self) -> None:
        with self._lock:
            self._policies.clear()
            self._known_groups.clear()
            runtimes = list(self._runtimes.values())
        for runtime in runtimes:
            runtime.close()  # processes waiting for a function the reset forgot

    def _capture_code(self, request: Request, function: str, code: dict) -> Response | None:
        region, name = parse_function(request.region, function)
        if code.get("ZipFile"):
            try:
                zip_bytes = base64.b64decode(code["ZipFile"], validate=True)
            except ValueError:
                raise LambdaServiceError("InvalidParameterValueException", "ZipFile is not valid base64.") from None
        elif code.get("S3Bucket") and code.get("S3Key"):
            try:
                extra = {"VersionId": code["S3ObjectVersion"]} if code.get("S3ObjectVersion") else {}
                zip_bytes = self.clients("s3", region).get_object(
                    Bucket=code["S3Bucket"], Key=code["S3Key"], **extra)["Body"].read()
            except botocore.exceptions.ClientError as exc:
                raise LambdaServiceError("InvalidParameterValueException", "Error occurred while GetObject. S3 Error Code: "
                                         f"{exc.response['Error']['Code']}.") from None
        else:
            return None  # container images and the like: moto keeps the function, we cannot run it
        if not zipfile.is_zipfile(io.BytesIO(zip_bytes)):
            raise LambdaServiceError("InvalidParameterValueException",
                                     "Could not unzip uploaded file. Please check your file, then try to upload again.")
        # Stored once moto accepted the function (after_moto), so a refused call changes nothing.
        request._sandbox_lambda_code = (region, name, zip_bytes)
        return None

    def _fix_invoke_config(self, request: Request, function: str) -> Response | None:
        lam = self.clients("lambda", request.region)
        qualifier = {"Qualifier": q} if (q := _query_value(request.query, "Qualifier")) else {}
        if request.method == "POST":  # Update: merge into the existing config
            body = request.json()
            if not any(body.get(k) is not None for k in _CONFIG_FIELDS):
                raise LambdaServiceError("InvalidParameterValueException",
                                         "You must specify at least one of error handling or destination setting.")
            current = self._get_invoke_config(lam, function, qualifier)
            if current is None:
                region, name = parse_function(request.region, function)
                raise LambdaServiceError("ResourceNotFoundException", f"The function {self._arn(region, name)}:$LATEST "
                                         "doesn't have an EventInvokeConfig", 404)
            merged = {k: current[k] for k in _CONFIG_FIELDS if k in current}
            merged.update({k: body[k] for k in _CONFIG_FIELDS if body.get(k) is not None})
            request.body = json.dumps(merged).encode()
        try:  # Put replaces; moto would append and keep serving the first config
            lam.delete_function_event_invoke_config(FunctionName=function, **qualifier)
        except botocore.exceptions.ClientError:
            pass
        return None

    @staticmethod
    def _get_invoke_config(lam, function: str, qualifier: dict | None = None) -> dict | None:
        try:
            return lam.get_function_event_invoke_config(FunctionName=function, **(qualifier or {}))
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] in ("ResourceNotFoundException", "404"):
                return None
            raise

    # Invoke API ------------------------------------------------------------------------------
    def _invoke_api(self, request: Request, function: str) -> Response:
        invocation_type = request.headers.get("x-amz-invocation-type", "RequestResponse")
        try:
            event = json.loads(request.body) if request.body.strip() else {}
        except ValueError:
            raise LambdaServiceError("InvalidRequestContentException", "Could not parse request body into json: "
                                     "Could not parse payload into json") from None
        if invocation_type == "Event":
            request_id = self.invoke_async(request.region, function, event)
            return Response(202, b"", {"x-amzn-RequestId": request_id})
        if invocation_type == "DryRun":
            self._configuration(*parse_function(request.region, function))
            return Response(204, b"")
        if invocation_type != "RequestResponse":
            raise LambdaServiceError("InvalidParameterValueException", f"Unsupported InvocationType {invocation_type}.")
        invocation = self.invoke_sync(request.region, function, event)
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST",
                   "x-amzn-RequestId": invocation.request_id}
        if not invocation.ok:
            headers["X-Amz-Function-Error"] = "Unhandled"
        if request.headers.get("x-amz-log-type") == "Tail":
            text = ("\n".join(invocation.log_lines) + "\n").encode()
            headers["X-Amz-Log-Result"] = base64.b64encode(text[-LOG_TAIL_BYTES:]).decode()
        return Response(200, json.dumps(invocation.payload).encode(), headers)

    # running functions -----------------------------------------------------------------------
    def invoke_sync(self, region: str, function: str, event, *, request_id: str | None = None) -> Invocation:
        """Run the function now with `event`; its logs go to /aws/lambda/NAME. Raises
        LambdaServiceError when it cannot run (no such function, no code, unsupported runtime)."""
        region, name = parse_function(region, function)
        config = self._configuration(region, name)
        try:
            invocation = self._runtime(region).invoke(name, **self._run_settings(config), event=event, request_id=request_id,
                                                      timeout_s=float(config.get("Timeout") or 3))
        except LambdaRuntimeError as exc:
            raise LambdaServiceError("InvalidRuntimeException", f"The sandbox cannot run {name}: {exc}", 502) from None
        self.delivery.count("lambda_invocations")
        if not invocation.ok:
            self.delivery.count("lambda_errors")
        self._write_logs(region, name, invocation)
        return invocation

    def invoke_async(self, region: str, function: str, event, *, principal: str | None = None,
                     source: dict | None = None, hops: int = 0) -> str:
        """Queue an asynchronous invocation; returns its request id. With `principal` (a service
        calling, e.g. EventBridge), the function's policy must allow it, as on AWS."""
        region, name = parse_function(region, function)
        config = self._configuration(region, name)
        arn = config["FunctionArn"]
        if principal and not self._permits(region, name, arn, principal, source or {}):
            raise LambdaServiceError("AccessDeniedException", f"The resource policy of {arn} does not let {principal} "
                                     "call lambda:InvokeFunction (add a permission with lambda add_permission).", 403)
        pending = AsyncRequest(region, name, arn, event, self.clock.now(), hops=hops)
        self.delivery.run(lambda at: self._attempt(pending, at), pool="lambda")
        return pending.request_id

    def _attempt(self, pending: AsyncRequest, at: datetime) -> None:
        lam = self.clients("lambda", pending.region)
        try:
            settings = self._get_invoke_config(lam, pending.name) or {}
        except botocore.exceptions.ClientError:
            settings = {}
        max_retries = int(settings.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES))
        max_age = int(settings.get("MaximumEventAgeInSeconds", DEFAULT_ASYNC_MAX_AGE_S))
        destinations = settings.get("DestinationConfig") or {}
        if pending.attempt > 1 and (at - pending.enqueued_at).total_seconds() > max_age:
            self._finish(pending, "EventAgeExceeded", destinations, at)
            return
        try:
            pending.last = self.invoke_sync(pending.region, pending.name, pending.payload, request_id=pending.request_id)
        except LambdaServiceError as exc:  # deleted meanwhile, or cannot run: Lambda drops the event
            log.warning("asynchronous invocation %s of %s dropped: %s", pending.request_id, pending.name, exc)
            self._record_failure(pending, exc.code, str(exc))
            return
        if pending.last.ok:
            self._finish(pending, "Success", destinations, at)
        elif pending.attempt <= min(max_retries, len(ASYNC_RETRY_DELAYS_S)):
            delay = ASYNC_RETRY_DELAYS_S[pending.attempt - 1]
            pending.attempt += 1
            self.delivery.count("lambda_retries")
            self.delivery.call_at(at + timedelta(seconds=delay), lambda when: self._attempt(pending, when), pool="lambda")
        else:
            self._finish(pending, "RetriesExhausted", destinations, at)

    def _finish(self, pending: AsyncRequest, condition: str, destinations: dict, at: datetime) -> None:
        success = condition == "Success"
        if not success:
            last = pending.last
            self._record_failure(pending, last.error_type if last else condition, last.error_message if last else condition)
        destination = (destinations.get("OnSuccess" if success else "OnFailure") or {}).get("Destination")
        if not destination:
            return
        record = invocation_record(pending, condition, at)
        try:
            send_to_destination(self.clients, self.invoke_async, pending, destination, record, success)
            self.delivery.count("lambda_destinations")
        except Exception as exc:  # AWS drops a record it cannot deliver; say so in the log and stats
            log.warning("Lambda destination %s for %s failed: %s", destination, pending.name, exc)
            self.delivery.count("lambda_destination_failures")

    def _record_failure(self, pending: AsyncRequest, code: str | None, message: str | None) -> None:
        self.delivery.record_failure({"event_id": pending.request_id, "rule": None, "target": pending.function_arn,
                                      "error_code": code or "Unhandled", "error_message": message or "",
                                      "attempts": pending.attempt})
        self.delivery.count("lambda_async_failed")

    # helpers ---------------------------------------------------------------------------------
    def _runtime(self, region: str) -> LambdaRuntime:
        with self._lock:
            runtime = self._runtimes.get(region)
            if runtime is None:
                runtime = self._runtimes[region] = LambdaRuntime(self.base_dir / region)
            return runtime

    def _configuration(self, region: str, name: str) -> dict:
        try:
            return self.clients("lambda", region).get_function_configuration(FunctionName=name)
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                raise LambdaServiceError("ResourceNotFoundException", f"Function not found: {self._arn(region, name)}",
                                         404) from None
            raise

    @staticmethod
    def _arn(region: str, name: str) -> str:
        account = os.environ.get("MOTO_ACCOUNT_ID", "123456789012")  # moto's account unless configured
        return f"arn:aws:lambda:{region}:{account}:function:{name}"

    def _permits(self, region: str, name: str, arn: str, principal: str, source: dict) -> bool:
        key = (region, name)
        with self._lock:
            policy = self._policies.get(key)
        if policy is None:
            try:
                policy = self.clients("lambda", region).get_policy(FunctionName=name)["Policy"]
            except botocore.exceptions.ClientError:
                policy = "{}"
            with self._lock:
                self._policies[key] = policy
        return any(policy_documents.allows(policy, service=principal, action="lambda:InvokeFunction", resource=resource,
                                          context=source) for resource in (arn, arn + ":$LATEST"))

    def _write_logs(self, region: str, name: str, invocation: Invocation) -> None:
        """Lambda writes each run's lines to /aws/lambda/NAME; a new stream per run (a cold start)."""
        logs = self.clients("logs", region)
        group = f"/aws/lambda/{name}"
        try:
            if (region, group) not in self._known_groups:
                try:
                    logs.create_log_group(logGroupName=group)
                except botocore.exceptions.ClientError as exc:
                    if exc.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                        raise
                self._known_groups.add((region, group))
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=invocation.log_stream_name)
            except botocore.exceptions.ClientError as exc:
                if exc.response["Error"]["Code"] == "ResourceNotFoundException":  # the group was deleted
                    self._known_groups.discard((region, group))
                    return self._write_logs(region, name, invocation)
                if exc.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                    raise
            now = int(time.time() * 1000)
            logs.put_log_events(logGroupName=group, logStreamName=invocation.log_stream_name,
                                logEvents=[{"timestamp": now, "message": line} for line in invocation.log_lines if line])
        except botocore.exceptions.ClientError as exc:
            log.warning("could not write the logs of %s to %s: %s", name, group, exc)


def _query_value(query: str, key: str) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(query).get(key)
    return values[0] if values else None
