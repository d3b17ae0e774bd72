"""Runs one Lambda invocation inside a child process, like AWS's Python runtime client does.

Started by `lambda_runtime.LambdaRuntime.invoke` as
    python -B lambda_bootstrap.py <spec-fd> <status-fd>
with cwd = the function's code. The invocation (handler, event, context) arrives as one JSON
document on <spec-fd>, a pipe, never a file. Standalone on purpose: it imports nothing from `workshop`, so the
function's modules cannot clash with ours. The function's stdout/stderr are its log; the outcome
travels on <status-fd>: one byte b"S" when the handler is about to run (the timeout starts then,
as Lambda does not count init), then one JSON document, then EOF.

Error types and messages mirror awslambdaric/bootstrap.py (aws-lambda-python-runtime-interface-client).
"""

import importlib
import json
import logging
import os
import resource
import sys
import time
import traceback


class FaultError(Exception):
    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type, self.message, self.trace = error_type, message, trace or []


class LambdaContext:
    """The context object a Python handler receives (same attribute names as Lambda's)."""

    def __init__(self, spec, deadline_ms):
        self.function_name = spec["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec["function_arn"]
        self.memory_limit_in_mb = str(spec["memory_mb"])  # a string in Lambda too
        self.aws_request_id = spec["request_id"]
        self.log_group_name = spec["log_group_name"]
        self.log_stream_name = spec["log_stream_name"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self):
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn},client_context=None,identity=None])")


def load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}") from None
    if modname.split(".")[0] in sys.builtin_module_names:
        raise FaultError("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {modname} as a handler module")
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as exc:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{modname}': {exc}") from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise FaultError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {exc}", trace) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultError("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'") from None


def user_trace(tb):
    """Frames from the first one outside this file, formatted like Lambda's stackTrace."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if os.path.abspath(frame[0]) != os.path.abspath(__file__):
            frames = frames[i:]
            break
    # Show the code where Lambda keeps it, /var/task, instead of the sandbox's own directory.
    root = os.getcwd() + os.sep
    frames = [("/var/task/" + f[0][len(root):] if f[0].startswith(root) else f[0],) + f[1:] for f in frames]
    return traceback.format_list(frames)  # plain tuples: no column carets, as in Lambda


def error_document(error_type, message, trace, request_id):
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": request_id,
            "stackTrace": trace or []}


def error_log(doc):
    # Lambda logs "[ERROR] Type: message" and the traceback as one log event.
    lines = [f"[ERROR] {doc['errorType']}: {doc['errorMessage']}" if doc["errorMessage"]
             else f"[ERROR] {doc['errorType']}"]
    lines.append("Traceback (most recent call last):")
    for element in doc["stackTrace"]:
        lines.extend(element.rstrip("\n").splitlines())
    return "\n".join(lines)


class RequestIdFilter(logging.Filter):
    def __init__(self, request_id):
        super().__init__()
        self.request_id = request_id

    def filter(self, record):
        record.aws_request_id = self.request_id
        return True


def setup_logging(request_id):
    # Lambda's default text format for the root logger.
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RequestIdFilter(request_id))
    logging.getLogger().addHandler(handler)


def main():
    spec_fd, status_fd = int(sys.argv[1]), int(sys.argv[2])
    os.set_inheritable(status_fd, False)  # processes the function starts must not hold it open
    status = os.fdopen(status_fd, "wb", buffering=0)
    # Import the function's modules from its code directory, not from ours.
    sys.path[0] = os.getcwd()
    with os.fdopen(spec_fd, "rb") as f:
        spec = json.loads(f.read())
    request_id = spec["request_id"]
    setup_logging(request_id)

    init_started = time.perf_counter()
    result = {"init_ms": 0.0, "duration_ms": 0.0}
    started = None
    try:
        try:
            handler = load_handler(spec["handler"])
            result["init_ms"] = (time.perf_counter() - init_started) * 1000
            status.write(b"S")
            deadline_ms = time.time() * 1000 + spec["timeout_s"] * 1000
            context = LambdaContext(spec, deadline_ms)
            started = time.perf_counter()
            response = handler(spec["event"], context)
            result["duration_ms"] = (time.perf_counter() - started) * 1000
            try:
                result["payload_json"] = json.dumps(response)
            except (TypeError, ValueError) as exc:
                raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None
        except FaultError as fault:
            result["error"] = error_document(fault.error_type, fault.message, fault.trace, request_id)
        except Exception as exc:  # noqa: BLE001 - any handler failure is the invocation's error
            result["error"] = error_document(type(exc).__name__, str(exc), user_trace(exc.__traceback__),
                                             request_id)
        if started is not None and not result["duration_ms"]:
            result["duration_ms"] = (time.perf_counter() - started) * 1000
        if "error" in result:
            result["error_log"] = error_log(result["error"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        result["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        if result["init_ms"] == 0.0 and "error" in result:
            result["init_ms"] = (time.perf_counter() - init_started) * 1000
        try:
            status.write(json.dumps(result).encode("utf-8"))
            status.close()
        except OSError:
            pass


if __name__ == "__main__":
    main()
