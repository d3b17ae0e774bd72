"""boto3 clients for the chosen backend: the embedded sandbox, an AWS-compatible endpoint, or AWS.

Everything above this module speaks boto3 only; the sandbox differs from AWS just by its endpoint.
Precedence follows the AWS CLI: flag > environment > profile/config file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from .errors import BackendError, BadInput
from .ledger import Ledger, Scope

DEFAULT_REGION = "us-east-1"
SANDBOX_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# Error codes that mean "who you are or what you may do", not "what you asked": exit 3.
AUTH_ERROR_CODES = {
    "AccessDenied", "AccessDeniedException", "UnrecognizedClientException", "InvalidClientTokenId",
    "ExpiredToken", "ExpiredTokenException", "AuthFailure", "SignatureDoesNotMatch",
    "InvalidSignatureException", "UnauthorizedOperation", "NotAuthorized",
}


@dataclass(frozen=True)
class BackendChoice:
    kind: str  # "sandbox" | "aws" | "endpoint"
    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None

    @property
    def is_sandbox(self) -> bool:
        return self.kind == "sandbox"

    @property
    def touches_real_aws(self) -> bool:
        return self.kind == "aws" and not self.endpoint_url


def choose(backend: str | None, endpoint_url: str | None, profile: str | None, region: str | None) -> BackendChoice:
    """Resolve flags and environment into one backend. Real AWS only when asked for by name."""
    backend = backend or os.environ.get("WORKSHOP_BACKEND")
    if backend and backend not in ("sandbox", "aws"):
        raise BadInput(f"Unknown backend '{backend}': use --backend sandbox or --backend aws.")
    endpoint_url = endpoint_url or (os.environ.get("AWS_ENDPOINT_URL") if backend != "sandbox" else None)
    if endpoint_url:
        if not endpoint_url.startswith(("http://", "https://")):
            raise BadInput(f"--endpoint-url must start with http:// or https:// (got '{endpoint_url}').")
        return BackendChoice("endpoint", endpoint_url.rstrip("/"), profile, region)
    return BackendChoice(backend or "sandbox", None, profile, region)


def start_sandbox(on_wait: Callable[[str], None] | None = None):
    """The running sandbox, or a new one: one per state dir, started under its lock, and a new one
    starts with an empty sandbox ledger (a new sandbox is an empty world). Returns (info, started_now)."""
    from . import sandbox, state_lock

    info = sandbox.status()
    if info.running:
        return info, False
    with state_lock.held("start the sandbox", on_wait=on_wait):
        info, started = sandbox.start()  # checks again: another command may have started it meanwhile
        if started:
            from .ledger import clear_backend

            clear_backend("sandbox")
        return info, started


class Backend:
    """Lazily built boto3 session and clients; `on_sandbox_start` lets the UI say it started one."""

    def __init__(self, choice: BackendChoice, on_sandbox_start: Callable[[str], None] | None = None,
                 on_note: Callable[[str], None] | None = None):
        self.choice = choice
        self._on_sandbox_start = on_sandbox_start
        self._on_note = on_note or (lambda message: None)  # progress a client reports while it retries
        self._clients: dict[str, object] = {}
        self.sandbox_started = False

    @cached_property
    def endpoint_url(self) -> str | None:
        if self.choice.is_sandbox:
            info, started = start_sandbox()
            if started:
                self.sandbox_started = True
                if self._on_sandbox_start:
                    self._on_sandbox_start(info.endpoint_url)
            return info.endpoint_url
        return self.choice.endpoint_url

    @cached_property
    def session(self):
        import boto3
        import botocore.exceptions

        try:
            session = boto3.Session(profile_name=self.choice.profile) if self.choice.profile else boto3.Session()
        except botocore.exceptions.ProfileNotFound:
            raise BackendError(f"AWS profile '{self.choice.profile}' is not configured: check ~/.aws/config or drop --profile.")
        return session

    @cached_property
    def region(self) -> str:
        if self.choice.region:
            return self.choice.region
        if self.choice.is_sandbox:
            return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        return self.session.region_name or DEFAULT_REGION

    def _credentials(self) -> dict:
        if self.choice.is_sandbox:
            return dict(SANDBOX_CREDENTIALS)
        if self.session.get_credentials() is None:
            if self.choice.kind == "endpoint":
                return dict(SANDBOX_CREDENTIALS)  # emulators accept any key; don't make people invent one
            raise BackendError(
                "No AWS credentials found: run `aws configure`, set AWS_PROFILE, or use --backend sandbox."
            )
        return {}

    def client(self, service: str):
        if service not in self._clients:
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "max_attempts": 6},
                connect_timeout=5,
                read_timeout=60,
                user_agent_extra="eventbridge-workshop",
            )
            kwargs = {"region_name": self.region, "config": config, **self._credentials()}
            if self.endpoint_url:
                kwargs["endpoint_url"] = self.endpoint_url
            client = self.session.client(service, **kwargs)
            from .aws import propagation

            propagation.configure(client, service, self._on_note)  # retry and propagation: once, here
            self._clients[service] = client
        return self._clients[service]

    @cached_property
    def account(self) -> str:
        return self.client("sts").get_caller_identity()["Account"]

    @cached_property
    def scope(self) -> Scope:
        return Scope(self.choice.kind, self.account, self.region, self.choice.endpoint_url)

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.scope)

    def sandbox_clock(self):
        """The sandbox's clock (schedules fire on it and it can be moved), or None on any other backend."""
        if not self.choice.is_sandbox:
            return None
        from .sandbox import SandboxClock

        return SandboxClock(self.endpoint_url)

    def settle(self, timeout_s: float = 10.0) -> bool:
        """Wait until every event published so far has been delivered, when the backend can tell
        (the sandbox can); False means it cannot, and the caller must wait for a while instead."""
        if not self.choice.is_sandbox:
            return False
        from .sandbox import request

        return bool(request(self.endpoint_url, "/_workshop/wait-idle", {"timeout": timeout_s}, timeout=timeout_s + 5).get("idle"))

    def describe(self) -> str:
        if self.choice.is_sandbox:
            return f"the local sandbox ({self.endpoint_url}, {self.region})"
        if self.choice.kind == "endpoint":
            return f"the endpoint {self.choice.endpoint_url} ({self.region})"
        profile = f", profile {self.choice.profile}" if self.choice.profile else ""
        return f"AWS ({self.region}{profile})"


def translate_aws_error(exc: BaseException, backend: Backend | None = None):
    """Map a botocore failure to a WorkshopError with one actionable sentence, or None."""
    import botocore.exceptions as bx

    from .errors import WorkshopError

    where = backend.describe() if backend is not None and "endpoint_url" in backend.__dict__ else "the backend"
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError, bx.ConnectionClosedError)):
        hint = " Is it running? Try `workshop sandbox start`." if backend and backend.choice.is_sandbox else ""
        return BackendError(f"Cannot reach {where}: {exc}.{hint}")
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return BackendError("No usable AWS credentials: run `aws configure`, set AWS_PROFILE, or use --backend sandbox.")
    if isinstance(exc, bx.ProfileNotFound):
        return BackendError(f"{exc}: check ~/.aws/config or drop --profile.")
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "")
        operation = getattr(exc, "operation_name", "the call")
        if code in AUTH_ERROR_CODES:
            return BackendError(
                f"Permission denied for {operation} on {where}: {message or code}. "
                "Use credentials allowed to manage EventBridge, Logs, SQS, SNS, Step Functions, Lambda, IAM and API Gateway."
            )
        return WorkshopError(f"{operation} failed on {where}: {code}: {message}")
    if isinstance(exc, bx.BotoCoreError) or type(exc).__module__.startswith("botocore"):
        return BackendError(f"{where} answered something unexpected: {exc}")
    return None
