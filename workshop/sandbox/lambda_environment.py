"""The environment a sandbox Lambda function's process gets: built from scratch like Lambda's, with
its reserved variables, so nothing of the sandbox's (or the learner's) AWS identity leaks in."""

from __future__ import annotations

import os
from pathlib import Path

DUMMY_ACCESS_KEY_ID = "testing"


def lambda_environment(function_name: str, handler: str, runtime: str, environment: dict[str, str],
                       function_arn: str, memory_mb: int, code_dir: Path, log_stream: str,
                       aws_endpoint_url: str | None) -> dict[str, str]:
    """Lambda's environment, built from scratch: nothing of the parent's AWS identity leaks in."""
    arn = function_arn.split(":")
    region = arn[3] if len(arn) > 4 and arn[3] else "us-east-1"
    env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "LANG": "C.UTF-8",
           "PYTHONUTF8": "1"}
    env.update({str(k): str(v) for k, v in (environment or {}).items()})
    # Reserved variables: Lambda sets these itself, so they win over the function's own.
    env.update({
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": str(code_dir),
        "TZ": ":UTC",
        # Dummy credentials (moto serves unknown keys as its default account).
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # Lambda has no shared config files; make sure the host's ~/.aws is not read either.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    })
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_DEFAULT_PROFILE", None)
    if aws_endpoint_url:
        env["AWS_ENDPOINT_URL"] = aws_endpoint_url
    return env
