"""Running Python Lambda handlers locally: results, errors, timeouts, logs and environment."""

import hashlib
import io
import re
import threading
import time
import zipfile

import pytest

from workshop.sandbox.lambda_runtime import LambdaCodeError, LambdaRuntime, LambdaRuntimeError

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:{name}"

APP = '''
import json, os, sys, time

def detail(event, context):
    return event["detail"]

def fail(event, context):
    raise ValueError("bad order: " + event["id"])

def slow(event, context):
    print("going to sleep", flush=True)
    time.sleep(30)
    return "never"

def chatty(event, context):
    print("hello from print")
    print("to stderr", file=sys.stderr)
    import logging
    logging.getLogger().warning("a warning")
    return {"remaining_ok": 0 < context.get_remaining_time_in_millis() <= 5000}

def env(event, context):
    keys = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION", "_HANDLER", "LAMBDA_TASK_ROOT",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL", "ORDERS_BUS",
            "PARENT_ONLY", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
    return {"env": {k: os.environ.get(k) for k in keys}, "cwd": os.getcwd(),
            "context": {"function_name": context.function_name, "function_version": context.function_version,
                        "invoked_function_arn": context.invoked_function_arn,
                        "memory_limit_in_mb": context.memory_limit_in_mb, "aws_request_id": context.aws_request_id,
                        "log_group_name": context.log_group_name, "log_stream_name": context.log_stream_name}}

def boto(event, context):
    import boto3
    session = boto3.session.Session()
    client = session.client("events")
    return {"endpoint": client.meta.endpoint_url, "region": session.region_name,
            "key": session.get_credentials().access_key}

def not_json(event, context):
    return {1, 2}

def exits(event, context):
    os._exit(3)

CALLS = []

def process(event, context):
    CALLS.append(1)  # a process runs one invocation: this never counts past one
    return {"pid": os.getpid(), "calls": len(CALLS), "bus": os.environ.get("ORDERS_BUS")}

def noisy(event, context):
    for i in range(200000):
        print("x" * 50)
    return "done"
'''


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


@pytest.fixture
def runtime(tmp_path):
    rt = LambdaRuntime(tmp_path / "lambda")
    rt.store_code("orders", make_zip({"app.py": APP, "pkg/handlers/inventory.py":
                                      "def handler(event, context):\n    return {'from': __name__, 'got': event}\n"}))
    yield rt
    rt.close()


def invoke(rt, handler, event=None, name="orders", **kwargs):
    kwargs.setdefault("timeout_s", 5)
    kwargs.setdefault("environment", {})
    return rt.invoke(name, handler=handler, runtime="python3.12", event=event if event is not None else {},
                     function_arn=ARN.format(name=name), **kwargs)


def test_handler_result_is_the_payload(runtime):
    event = {"source": "com.aws.orders", "detail": {"OrderId": "new_id", "OrderDetails": {"value": 1200}}}
    result = invoke(runtime, "app.detail", event, request_id="req-1")
    assert result.ok and not result.timed_out
    assert result.payload == {"OrderId": "new_id", "OrderDetails": {"value": 1200}}
    assert result.request_id == "req-1"
    assert result.error_type is None and result.stack_trace == []


def test_exception_becomes_a_lambda_error(runtime):
    result = invoke(runtime, "app.fail", {"id": "42"}, request_id="req-2")
    assert not result.ok and not result.timed_out
    assert result.error_type == "ValueError"
    assert result.error_message == "bad order: 42"
    assert result.payload == {"errorMessage": "bad order: 42", "errorType": "ValueError", "requestId": "req-2",
                              "stackTrace": result.stack_trace}
    # Lambda's stackTrace: the user's frames only, with the code shown under /var/task.
    assert len(result.stack_trace) == 1
    assert result.stack_trace[0].startswith('  File "/var/task/app.py", line 8, in fail\n')
    assert any(line.startswith("[ERROR] ValueError: bad order: 42\nTraceback (most recent call last):")
               for line in result.log_lines)


def test_timeout_kills_the_function(runtime):
    started = time.monotonic()
    result = invoke(runtime, "app.slow", timeout_s=1)
    elapsed = time.monotonic() - started
    assert result.timed_out and not result.ok
    assert result.error_type == "Sandbox.Timedout"
    assert result.error_message == f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds"
    assert elapsed < 15  # bounded: nowhere near the handler's 30 s sleep
    assert "going to sleep" in result.log_lines  # output before the kill is kept
    assert any(line.endswith(f"{result.request_id} Task timed out after 1.00 seconds") for line in result.log_lines)
    assert result.log_lines[-1].endswith("Status: timeout")
    assert result.duration_ms == 1000


def test_print_and_logging_become_log_lines(runtime):
    result = invoke(runtime, "app.chatty", request_id="req-3")
    assert result.ok and result.payload == {"remaining_ok": True}
    lines = result.log_lines
    assert lines[0] == "START RequestId: req-3 Version: $LATEST"
    assert "hello from print" in lines and "to stderr" in lines
    assert any(re.fullmatch(r"\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-3\ta warning", line)
               for line in lines)
    assert lines[-2] == "END RequestId: req-3"
    assert re.fullmatch(r"REPORT RequestId: req-3\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
                        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms", lines[-1]), \
        lines[-1]


def test_invoke_with_memory_size(runtime):
    result = invoke(runtime, "app.chatty", memory_mb=256)
    assert "Memory Size: 256 MB" in result.log_lines[-1]


def test_environment_and_context(runtime, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    monkeypatch.setenv("PARENT_ONLY", "leak")
    result = invoke(runtime, "app.env", request_id="req-4", memory_mb=512,
                    environment={"ORDERS_BUS": "Orders", "AWS_REGION": "ignored"},
                    aws_endpoint_url="http://127.0.0.1:4566")
    assert result.ok, result.payload
    env, context = result.payload["env"], result.payload["context"]
    assert env["ORDERS_BUS"] == "Orders"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "orders"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"  # from the ARN; reserved wins
    assert env["_HANDLER"] == "app.env"
    assert env["LAMBDA_TASK_ROOT"] == result.payload["cwd"]
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert env["AWS_ACCESS_KEY_ID"] != "AKIAREALKEY" and env["AWS_SECRET_ACCESS_KEY"]
    assert env["AWS_PROFILE"] is None and env["PARENT_ONLY"] is None
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert context == {
        "function_name": "orders", "function_version": "$LATEST", "invoked_function_arn": ARN.format(name="orders"),
        "memory_limit_in_mb": "512", "aws_request_id": "req-4", "log_group_name": "/aws/lambda/orders",
        "log_stream_name": result.log_stream_name}
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", result.log_stream_name)


def test_boto3_in_the_function_talks_to_the_sandbox(runtime, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")  # the host's identity must not reach the function
    result = invoke(runtime, "app.boto", aws_endpoint_url="http://127.0.0.1:4566", timeout_s=30)
    assert result.ok, result.payload
    assert result.payload == {"endpoint": "http://127.0.0.1:4566", "region": "eu-west-1", "key": "testing"}


def test_handler_in_a_subfolder_module(runtime):
    result = invoke(runtime, "pkg/handlers/inventory.handler", {"n": 1})
    assert result.ok and result.payload == {"from": "pkg.handlers.inventory", "got": {"n": 1}}


@pytest.mark.parametrize("handler, error_type, message", [
    ("nomodule.handler", "Runtime.ImportModuleError", "Unable to import module 'nomodule': No module named 'nomodule'"),
    ("app.missing", "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app'"),
    ("app", "Runtime.MalformedHandlerName", "Bad handler 'app': not enough values to unpack (expected 2, got 1)"),
    ("sys.exit", "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module"),
    ("broken.handler", "Runtime.UserCodeSyntaxError", "Syntax error in module 'broken'"),
])
def test_bad_handlers_give_lambdas_errors(runtime, handler, error_type, message):
    runtime.store_code("orders", make_zip({"app.py": APP, "broken.py": "def handler(:\n"}))
    result = invoke(runtime, handler)
    assert not result.ok and not result.timed_out
    assert result.error_type == error_type
    assert result.error_message.startswith(message)
    assert result.payload["errorType"] == error_type


def test_unserialisable_result_and_abrupt_exit(runtime):
    result = invoke(runtime, "app.not_json")
    assert result.error_type == "Runtime.MarshalError"
    assert "Unable to marshal response" in result.error_message
    result = invoke(runtime, "app.exits")
    assert result.error_type == "Runtime.ExitError"
    assert result.error_message.endswith("Runtime exited with error: exit status 3")


def test_output_is_bounded(runtime):
    result = invoke(runtime, "app.noisy", timeout_s=30)  # prints about 10 MB
    assert result.ok and result.payload == "done"
    assert sum(len(line) + 1 for line in result.log_lines) < 300 * 1024
    assert any("bytes of output were dropped" in line for line in result.log_lines)


def test_non_python_runtime_and_missing_code_are_refused(runtime):
    with pytest.raises(LambdaRuntimeError, match="nodejs20.x"):
        runtime.invoke("orders", handler="index.handler", runtime="nodejs20.x", environment={}, timeout_s=3,
                       event={}, function_arn=ARN.format(name="orders"))
    with pytest.raises(LambdaRuntimeError, match="no code stored"):
        invoke(runtime, "app.detail", name="unknown")


def test_store_code_switches_versions_and_rejects_bad_zips(runtime, tmp_path):
    assert runtime.has_code("orders") and not runtime.has_code("unknown")
    runtime.store_code("orders", make_zip({"app.py": "def detail(e, c):\n    return 'v2'\n"}))
    assert invoke(runtime, "app.detail", {"detail": 1}).payload == "v2"
    versions = [p for p in (tmp_path / "lambda" / "orders").iterdir() if p.is_dir()]
    assert len(versions) == 2 and all(len(p.name) == 64 for p in versions)
    with pytest.raises(LambdaCodeError):
        runtime.store_code("orders", b"not a zip")
    with pytest.raises(LambdaCodeError):
        runtime.store_code("orders", make_zip({"../escape.py": "x = 1\n"}))
    assert invoke(runtime, "app.detail", {"detail": 1}).payload == "v2"  # still the last good version


def test_concurrent_store_code_of_the_same_package(tmp_path):
    rt = LambdaRuntime(tmp_path / "lambda")
    package = make_zip({"app.py": "def handler(e, c):\n    return 'ok'\n"})
    errors = []

    def store():
        try:
            rt.store_code("same", package)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=store) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    fn_dir = tmp_path / "lambda" / "same"
    digest = hashlib.sha256(package).hexdigest()
    assert sorted(p.name for p in fn_dir.iterdir()) == sorted(["current", digest])  # no leftovers
    assert (fn_dir / "current").read_text() == digest
    assert invoke(rt, "app.handler", name="same").payload == "ok"


def _spare(rt, name="orders", limit_s=30.0) -> int:
    deadline = time.monotonic() + limit_s
    while rt.spare_pid(name) is None:
        assert time.monotonic() < deadline, "no process was started ahead"
        time.sleep(0.02)
    return rt.spare_pid(name)


def test_the_next_invocation_runs_in_a_process_started_ahead_and_alone(runtime):
    first = invoke(runtime, "app.process", environment={"ORDERS_BUS": "Orders"})
    spare = _spare(runtime)
    second = invoke(runtime, "app.process", environment={"ORDERS_BUS": "Orders"})
    assert second.ok and second.payload == {"pid": spare, "calls": 1, "bus": "Orders"}
    assert second.payload["pid"] != first.payload["pid"]
    assert first.log_stream_name != second.log_stream_name


def test_the_first_invocation_runs_in_a_process_prepared_ahead(runtime):
    runtime.prepare("orders", handler="app.process", runtime="python3.12", environment={"ORDERS_BUS": "Orders"},
                    function_arn=ARN.format(name="orders"))
    spare = _spare(runtime)
    first = invoke(runtime, "app.process", environment={"ORDERS_BUS": "Orders"})
    assert first.ok and first.payload == {"pid": spare, "calls": 1, "bus": "Orders"}
    runtime.prepare("orders", handler="app.process", runtime="nodejs20.x", environment={}, function_arn="arn:x")
    runtime.prepare("nothing-stored", handler="app.process", runtime="python3.12", environment={}, function_arn="arn:y")
    assert runtime.spare_pid("nothing-stored") is None  # what cannot run here is not prepared


def test_a_process_started_for_another_configuration_is_not_used(runtime):
    invoke(runtime, "app.process", environment={"ORDERS_BUS": "Orders"})
    spare = _spare(runtime)
    changed = invoke(runtime, "app.process", environment={"ORDERS_BUS": "Inventory"})
    assert changed.ok and changed.payload["bus"] == "Inventory" and changed.payload["pid"] != spare
    runtime.close()
    assert runtime.spare_pid("orders") is None or runtime.spare_pid("orders") != spare
