"""Run a Python Lambda function's handler locally, one subprocess per invocation.

`LambdaRuntime` keeps each function's code unpacked under `base_dir/<name>/<sha256>/` (a
"current" file names the live version) and `invoke()` runs the handler with the current
interpreter in a fresh process group: cwd and LAMBDA_TASK_ROOT = the code, an environment built
from scratch like Lambda's (the parent's AWS credentials and profile never leak in), Lambda's
error shapes and log lines, and a hard kill at the timeout. The child runs `lambda_bootstrap.py`
and reports on a dedicated pipe, so everything the function prints is log output.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .lambda_environment import lambda_environment
from .lambda_spares import Process, Spares, kill_group, new_log_stream, spawn
from .ids import new_id

__all__ = ["Invocation", "LambdaCodeError", "LambdaRuntime", "LambdaRuntimeError"]

MAX_LOG_BYTES = 256 * 1024          # function output kept per invocation; the rest is dropped
MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # Lambda's synchronous response limit
INIT_LIMIT_S = 10.0                  # Lambda's limit for importing the handler (init phase)
MAX_TIMEOUT_S = 900.0                # Lambda's longest function timeout
STALE_AFTER_S = INIT_LIMIT_S + MAX_TIMEOUT_S + 60.0  # no invocation lives longer than this
_CURRENT = "current"


class LambdaRuntimeError(ValueError):
    """The invocation cannot start: unsupported runtime, or no code stored for the function."""


class LambdaCodeError(ValueError):
    """The deployment package is not a usable zip file."""


@dataclass
class Invocation:
    request_id: str
    ok: bool
    payload: object | None          # the handler's result, or Lambda's error document when not ok
    error_type: str | None
    error_message: str | None
    stack_trace: list[str]
    log_lines: list[str]            # one entry per CloudWatch log event, START ... REPORT
    duration_ms: float
    timed_out: bool
    log_stream_name: str = ""
    init_duration_ms: float = 0.0
    max_memory_used_mb: int = 0


class LambdaRuntime:
    def __init__(self, base_dir: Path):
        self.base_dir = Path(base_dir)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self._spares = Spares()

    # -- code ------------------------------------------------------------------------------

    def store_code(self, function_name: str, zip_bytes: bytes) -> None:
        """Unpack the zip into <name>/<sha256>/ (once) and make it the current code, atomically."""
        fn_dir = self._function_dir(function_name)
        fn_dir.mkdir(parents=True, exist_ok=True)
        digest = _sha256(zip_bytes)
        target = fn_dir / digest
        if not target.is_dir():
            staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=fn_dir))
            try:
                _safe_extract(zip_bytes, staging)
                try:
                    staging.rename(target)  # atomic; loses harmlessly to a concurrent twin
                except OSError:
                    if not target.is_dir():
                        raise
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        marker_tmp = fn_dir / f".{_CURRENT}-{uuid.uuid4().hex}"
        marker_tmp.write_text(digest, encoding="ascii")
        os.replace(marker_tmp, fn_dir / _CURRENT)  # readers see the old or the new version, never half

    def has_code(self, function_name: str) -> bool:
        return self._code_dir(function_name) is not None

    def _function_dir(self, function_name: str) -> Path:
        if not function_name or "/" in function_name or function_name in (".", "..") or "\0" in function_name:
            raise LambdaRuntimeError(f"invalid function name {function_name!r}")
        return self.base_dir / function_name

    def _code_dir(self, function_name: str) -> Path | None:
        fn_dir = self._function_dir(function_name)
        try:
            digest = (fn_dir / _CURRENT).read_text(encoding="ascii").strip()
        except OSError:
            return None
        code = fn_dir / digest
        return code if digest and code.is_dir() else None

    # -- invoke ----------------------------------------------------------------------------

    def invoke(self, function_name: str, *, handler: str, runtime: str, environment: dict[str, str],
               timeout_s: float, event: object, function_arn: str, memory_mb: int = 128,
               request_id: str | None = None, aws_endpoint_url: str | None = None) -> Invocation:
        key, start = self._starter(function_name, handler, runtime, environment, function_arn, memory_mb, aws_endpoint_url)
        request_id = request_id or new_id()
        process = self._spares.take(function_name, key) or start()
        self._spares.prepare(function_name, key, start)  # the next invocation's, started meanwhile
        spec = {
            "handler": handler, "event": event, "request_id": request_id, "function_name": function_name,
            "function_arn": function_arn, "memory_mb": memory_mb, "timeout_s": timeout_s,
            "log_group_name": f"/aws/lambda/{function_name}", "log_stream_name": process.log_stream,
        }
        # The invocation (its payload can carry credentials) reaches the child through a pipe: it is
        # never written to disk, so nothing is left behind whichever way either process ends.
        run = _run(process, json.dumps(spec).encode("utf-8"), timeout_s)
        return _build_invocation(request_id, run, timeout_s, memory_mb, process.log_stream)

    def prepare(self, function_name: str, *, handler: str, runtime: str, environment: dict[str, str], function_arn: str,
                memory_mb: int = 128, aws_endpoint_url: str | None = None) -> None:
        """Start the first invocation's process ahead, as each invocation does for the next one
        (a function is invoked soon after it is created); nothing when it cannot run here."""
        try:
            key, start = self._starter(function_name, handler, runtime, environment, function_arn, memory_mb, aws_endpoint_url)
        except LambdaRuntimeError:
            return
        self._spares.prepare(function_name, key, start)

    def _starter(self, function_name: str, handler: str, runtime: str, environment: dict[str, str], function_arn: str,
                 memory_mb: int, aws_endpoint_url: str | None):
        """(what a process is started with, how to start one) for this function's configuration."""
        if not runtime.startswith("python"):
            raise LambdaRuntimeError(f"runtime {runtime!r} is not supported by the sandbox: only Python "
                                     "runtimes (python3.x) run locally")
        code_dir = self._code_dir(function_name)
        if code_dir is None:
            raise LambdaRuntimeError(f"no code stored for function {function_name!r}")

        def start() -> Process:
            log_stream = new_log_stream()
            return spawn(code_dir, lambda_environment(function_name, handler, runtime, environment, function_arn,
                                                      memory_mb, code_dir, log_stream, aws_endpoint_url), log_stream)

        # Everything the process is started with: a spare started otherwise is not used.
        key = (str(code_dir), handler, runtime, json.dumps(environment or {}, sort_keys=True), function_arn,
               memory_mb, aws_endpoint_url)
        return key, start

    def spare_pid(self, function_name: str) -> int | None:
        """The process started ahead for this function's next invocation, if there is one."""
        return self._spares.pid(function_name)

    def close(self) -> None:
        """End the processes waiting for a next invocation."""
        self._spares.close()


def sweep_stale_invocation_files(temp_dir: str | None = None, older_than_s: float = STALE_AFTER_S) -> int:
    """Remove `lambda-invoke-*` directories earlier versions of the sandbox wrote invocations into
    (a killed sandbox left them behind, payload and headers included). Only ours, and only those
    older than any invocation can last, so a sandbox still running an old version is not disturbed."""
    root = Path(temp_dir or tempfile.gettempdir())
    removed = 0
    cutoff = time.time() - older_than_s
    for path in root.glob("lambda-invoke-*"):
        try:
            info = path.lstat()
            if not path.is_dir() or path.is_symlink() or info.st_uid != os.getuid() or info.st_mtime > cutoff:
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed += not path.exists()
    return removed


# -- process handling ----------------------------------------------------------------------


@dataclass
class _Run:
    output: bytes
    output_dropped: int
    status: bytes
    returncode: int | None
    timed_out: bool


def _run(process: Process, spec: bytes, timeout_s: float) -> _Run:
    proc, spec_w, status_r = process.proc, process.spec_w, process.status_r
    # A thread writes it: the spec can be larger than the pipe's buffer, and a child that dies
    # before reading it must not block us (the write then fails with a broken pipe).
    threading.Thread(target=_write_all, args=(spec_w, spec), name="lambda-spec", daemon=True).start()

    reader = _BoundedReader(proc.stdout, MAX_LOG_BYTES)
    reader.start()
    started = time.monotonic()
    # Until the handler starts, allow for init; from then on, the function's own timeout.
    deadline = started + INIT_LIMIT_S + timeout_s
    status = bytearray()
    timed_out = False
    handler_started = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([status_r], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(status_r, 65536)
            if not chunk:
                break  # the bootstrap reported and closed (or died)
            if len(status) <= MAX_RESPONSE_BYTES + 65536:
                status += chunk
            if not handler_started and status[:1] == b"S":
                handler_started = True
                deadline = time.monotonic() + timeout_s
        if timed_out or _reported(status):
            # A complete report (written after the function's output was flushed): what the
            # process does from here is not the invocation's, and waiting for the interpreter to
            # shut down cost a third of an authorizer call. Lambda freezes it; we end it.
            _kill_group(proc)
        try:
            # It has reported (or died); a process kept alive by its own threads is frozen
            # and ended, as Lambda does after the response.
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.wait()
    finally:
        os.close(status_r)
        _kill_group(proc)  # Lambda ends the environment: no stray children outlive the invoke
        reader.join(5)
        proc.stdout.close()
    return _Run(output=reader.data(), output_dropped=reader.dropped, status=bytes(status),
                returncode=proc.returncode, timed_out=timed_out)


def _reported(status: bytes | bytearray) -> bool:
    """Whether the bootstrap's report is whole: one JSON document after the optional "S"."""
    document = status[1:] if status[:1] == b"S" else status
    try:
        return isinstance(json.loads(document), dict) if document else False
    except ValueError:
        return False


def _write_all(fd: int, data: bytes) -> None:
    try:
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(data)
    except OSError:
        pass  # the child is gone; its outcome says why


_kill_group = kill_group


class _BoundedReader(threading.Thread):
    """Drains the child's output so it never blocks, keeping at most `limit` bytes."""

    def __init__(self, stream, limit: int):
        super().__init__(daemon=True)
        self.stream, self.limit = stream, limit
        self.buffer = io.BytesIO()
        self.dropped = 0

    def run(self) -> None:
        try:
            while chunk := self.stream.read1(65536):
                room = self.limit - self.buffer.tell()
                self.buffer.write(chunk[:max(room, 0)])
                self.dropped += max(len(chunk) - max(room, 0), 0)
        except (OSError, ValueError):
            pass  # stream closed under us after a kill

    def data(self) -> bytes:
        return self.buffer.getvalue()


# -- results -------------------------------------------------------------------------------


def _build_invocation(request_id: str, run: _Run, timeout_s: float, memory_mb: int,
                      log_stream: str) -> Invocation:
    status = run.status[1:] if run.status[:1] == b"S" else run.status
    try:
        result = json.loads(status) if status else {}
    except ValueError:
        result = {}

    log_lines = [f"START RequestId: {request_id} Version: $LATEST"]
    log_lines += run.output.decode("utf-8", "replace").splitlines()
    if run.output_dropped:
        log_lines.append(f"[sandbox] {run.output_dropped} more bytes of output were dropped "
                         f"(kept the first {MAX_LOG_BYTES})")

    payload: object | None = None
    error: dict | None = None
    duration_ms = float(result.get("duration_ms") or 0.0)
    if run.timed_out:
        duration_ms = timeout_s * 1000
        message = f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"
        error = {"errorMessage": message, "errorType": "Sandbox.Timedout"}
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        log_lines.append(f"{stamp} {request_id} Task timed out after {timeout_s:.2f} seconds")
    elif "error" in result:
        error = result["error"]
        log_lines.append(result.get("error_log") or f"[ERROR] {error['errorType']}: {error['errorMessage']}")
    elif "payload_json" in result:
        if len(result["payload_json"].encode("utf-8")) > MAX_RESPONSE_BYTES:
            error = {"errorMessage": f"Response payload size exceeded maximum allowed payload size "
                                     f"({MAX_RESPONSE_BYTES} bytes).", "errorType": "Function.ResponseSizeTooLarge"}
        else:
            payload = json.loads(result["payload_json"])
    else:
        # The process ended without reporting: sys.exit(), os._exit(), a crash or a kill.
        how = "without providing a reason" if run.returncode == 0 else \
            f"with error: {_exit_description(run.returncode)}"
        error = {"errorMessage": f"RequestId: {request_id} Error: Runtime exited {how}",
                 "errorType": "Runtime.ExitError"}
        log_lines.append(error["errorMessage"])

    if error is not None:
        error = {"errorMessage": error.get("errorMessage", ""), "errorType": error.get("errorType", ""),
                 "requestId": request_id, "stackTrace": list(error.get("stackTrace") or [])}
        payload = error

    init_ms = float(result.get("init_ms") or 0.0)
    memory_used = max(1, math.ceil(int(result.get("max_rss_kb") or 0) / 1024)) if result else 0
    log_lines.append(f"END RequestId: {request_id}")
    report = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
              f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\tMemory Size: {memory_mb} MB\t"
              f"Max Memory Used: {memory_used} MB\tInit Duration: {init_ms:.2f} ms")
    if run.timed_out:
        report += "\tStatus: timeout"
    log_lines.append(report)

    return Invocation(
        request_id=request_id, ok=error is None, payload=payload,
        error_type=error["errorType"] if error else None,
        error_message=error["errorMessage"] if error else None,
        stack_trace=error["stackTrace"] if error else [],
        log_lines=log_lines, duration_ms=duration_ms, timed_out=run.timed_out,
        log_stream_name=log_stream, init_duration_ms=init_ms, max_memory_used_mb=memory_used)


def _exit_description(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            return f"signal: {signal.Signals(-returncode).name.lower().removeprefix('sig')}"
        except ValueError:
            return f"signal: {-returncode}"
    return f"exit status {returncode}"


# -- code helpers ----------------------------------------------------------------------------


def _safe_extract(zip_bytes: bytes, dest: Path) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    except zipfile.BadZipFile as exc:
        # Lambda: "Could not unzip uploaded file. Please check your file, then try to upload again."
        raise LambdaCodeError(f"Could not unzip uploaded file: {exc}") from None
    root = dest.resolve()
    with archive:
        for info in archive.infolist():
            target = (dest / info.filename).resolve()
            if target != root and root not in target.parents:
                raise LambdaCodeError(f"zip entry {info.filename!r} points outside the package")
        archive.extractall(dest)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
