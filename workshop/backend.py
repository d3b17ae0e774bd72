"""boto3 clients for the chosen backend: the embedded sandbox, an AWS-compatible endpoint, or AWS.

Everything above this module speaks boto3 only; the sandbox differs from AWS just by its endpoint.
Precedence follows the AWS CLI: flag > environment > profile/config file.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from .aws import READ_PREFIXES
from .errors import BackendError, BadInput
from .ledger import Ledger, Scope

DEFAULT_REGION = "us-east-1"
CONNECT_TIMEOUT_S, READ_TIMEOUT_S, ATTEMPTS = 5, 9, 3
SANDBOX_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# Error codes that mean "who you are or what you may do", not "what you asked": exit 3.
AUTH_ERROR_CODES = {
    "AccessDenied", "AccessDeniedException", "UnrecognizedClientException", "InvalidClientTokenId",
    "ExpiredToken", "ExpiredTokenException", "AuthFailure", "SignatureDoesNotMatch",
    "InvalidSignatureException", "UnauthorizedOperation", "NotAuthorized",
}
# Codes that mean "what you asked is not valid": bad input, exit 2.
VALIDATION_ERROR_CODES = {
    "ValidationException", "ValidationError", "InvalidParameterException", "InvalidParameterValue",
    "InvalidParameterValueException", "InvalidParameterCombination", "InvalidEventPatternException",
    "MalformedPolicyDocument", "MalformedPolicyDocumentException", "InvalidArgument", "InvalidInput",
    "MissingParameter", "SerializationException", "InvalidRequestException", "BadRequestException",
}
# Besides reads (aws.READ_PREFIXES), what changes nothing `Backend.remembered` keeps: PutEvents only publishes.
CHANGE_NOTHING_REMEMBERED = {"PutEvents"}
THROTTLING_ERROR_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
                          "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalError"}


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
    """Resolve flags and environment into one backend. Real AWS only when asked for by name.
    Everything is checked here, before any request: a bad value is bad input (exit 2)."""
    backend = backend or os.environ.get("WORKSHOP_BACKEND")
    if backend and backend not in ("sandbox", "aws"):
        raise BadInput(f"Unknown backend {backend!r}: use --backend sandbox or --backend aws.")
    if region is not None:
        check_region(region, "--region")
    else:
        for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if os.environ.get(variable):
                check_region(os.environ[variable], variable)
                break
    from_flag = endpoint_url is not None
    endpoint_url = endpoint_url if from_flag else (os.environ.get("AWS_ENDPOINT_URL") if backend != "sandbox" else None)
    if endpoint_url is not None and (endpoint_url or from_flag):
        check_endpoint_url(endpoint_url, "--endpoint-url" if from_flag else "AWS_ENDPOINT_URL")
        return BackendChoice("endpoint", endpoint_url.rstrip("/"), profile, region)
    return BackendChoice(backend or "sandbox", None, profile, region)


def check_endpoint_url(url: str, where: str) -> None:
    from urllib.parse import urlsplit

    problem = None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it names no host"
        elif any(c.isspace() or not c.isprintable() for c in url):
            problem = "it contains spaces or control characters"
    if problem:
        raise BadInput(f"{where} {url!r} is not a usable URL: {problem[0].lower() + problem[1:]}.")


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region botocore's endpoint data lists, in every partition (aws, aws-cn, aws-us-gov, ...)."""
    from botocore.loaders import create_loader

    partitions = create_loader().load_data("endpoints")["partitions"]
    return frozenset(region for partition in partitions for region in partition["regions"])


def check_region(region: str, where: str) -> None:
    if region not in known_regions():
        raise BadInput(f"{where} {region!r} is not an AWS region: use one such as us-east-1 or eu-west-1.")


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
            from .progress import sandbox_progress

            clear_backend("sandbox")
            for progress in sandbox_progress():
                progress.forget_deployments()
        return info, started


class Backend:
    """Lazily built boto3 session and clients; `on_sandbox_start` lets the UI say it started one."""

    def __init__(self, choice: BackendChoice, on_sandbox_start: Callable[[str], None] | None = None,
                 on_note: Callable[[str], None] | None = None, freeze_clients: bool = False):
        self.choice = choice
        # A process that lives for one command keeps each client (and the service model under it)
        # to its end: frozen, the garbage collector stops walking them (a tenth of a second per run).
        self._freeze_clients = freeze_clients
        self._on_sandbox_start = on_sandbox_start
        self._on_note = on_note or (lambda message: None)  # progress a client reports while it retries
        self._clients: dict[str, object] = {}
        self._clients_lock = threading.Lock()
        self.sandbox_started = False
        self.last_operation: str | None = None
        self._changes = itertools.count(1)  # a number per change this backend asks for (see remembered)
        self._changed: dict[str, int] = {}  # service -> the number of its last change
        self._remembered: dict[tuple, tuple[int, object]] = {}

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
        region = self.session.region_name or DEFAULT_REGION
        check_region(region, f"The region of profile {self.choice.profile or 'default'}")
        return region

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
            with self._clients_lock:  # a session makes one client at a time (cleanup deletes side by side)
                return self._new_client(service)
        return self._clients[service]

    def _new_client(self, service: str):
        if service not in self._clients:
            from botocore.config import Config

            # Bounded: a backend that accepts connections but never answers fails within about
            # CONNECT_TIMEOUT_S + ATTEMPTS x READ_TIMEOUT_S (plus backoff), naming the endpoint.
            config = Config(
                retries={"mode": "standard", "total_max_attempts": ATTEMPTS},
                connect_timeout=CONNECT_TIMEOUT_S,
                read_timeout=READ_TIMEOUT_S,
                user_agent_extra="eventbridge-workshop",
            )
            kwargs = {"region_name": self.region, "config": config, **self._credentials()}
            if self.endpoint_url:
                kwargs["endpoint_url"] = self.endpoint_url
            client = self.session.client(service, **kwargs)
            client.meta.events.register("before-call", self._note_operation)
            client.meta.events.register("before-parse", self._refuse_web_pages)
            from .aws import propagation

            propagation.configure(client, service, self._on_note)  # retry and propagation: once, here
            self._clients[service] = client
            if self._freeze_clients:
                import gc

                gc.freeze()
        return self._clients[service]

    def _refuse_web_pages(self, operation_model=None, response_dict=None, **_) -> None:
        """No AWS API answers with a web page: a 2xx HTML answer means the URL is not an AWS endpoint
        (botocore would otherwise read it as an empty result, and the command would carry on)."""
        status = (response_dict or {}).get("status_code") or 0
        body = (response_dict or {}).get("body") or b""
        start = body[:64].lstrip().lower() if isinstance(body, bytes) else b""
        # by the page itself, not its Content-Type: moto labels some JSON answers text/html
        if 200 <= status < 300 and start.startswith((b"<!doctype html", b"<html")):
            operation = getattr(operation_model, "name", "a call")
            raise BackendError(f"{self.describe()} answered {operation} with a web page, not as AWS does: is it an AWS-compatible endpoint?")

    def _note_operation(self, model=None, **_) -> None:
        """Remember the call in flight, so an answer that is not AWS's can name it; and, for a call
        that may change something, that its service changed (what was remembered of it is stale)."""
        if model is not None:
            self.last_operation = model.name
            if not model.name.startswith(READ_PREFIXES) and model.name not in CHANGE_NOTHING_REMEMBERED:
                self._changed[model.service_model.service_name] = next(self._changes)

    def remembered(self, service: str, key, read: Callable[[], object]):
        """`read()`'s answer (reads of `service` only), kept until this backend next asks `service` for
        a change: within one command, what the command itself did not change is read once."""
        since = self._changed.get(service, 0)
        known = self._remembered.get((service, key))
        if known is not None and known[0] == since:
            return known[1]
        answer = read()
        if self._changed.get(service, 0) == since:  # nothing changed while it was read
            self._remembered[(service, key)] = (since, answer)
        return answer

    @cached_property
    def account(self) -> str:
        return self.client("sts").get_caller_identity()["Account"]

    @cached_property
    def scope(self) -> Scope:
        return Scope(self.choice.kind, self.account, self.region, self.choice.endpoint_url)

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.scope)

    def sandbox_control(self):
        """The sandbox's own endpoints (its clock, journal, delivery state), or None on any other backend."""
        if not self.choice.is_sandbox:
            return None
        from .sandbox import SandboxControl

        return SandboxControl(self.endpoint_url)

    def settle(self, timeout_s: float = 10.0, retries: bool = False) -> bool:
        """Wait until every event published so far has been delivered (and no state machine runs;
        with `retries`, no retry waits either), when the backend can tell (the sandbox can); False
        means it cannot, and the caller must wait for a while instead."""
        if not self.choice.is_sandbox:
            return False
        return self.sandbox_control().wait_idle(timeout_s, retries=retries)

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

    where = _where(backend)
    operation = getattr(exc, "operation_name", None) or getattr(backend, "last_operation", None) or "the call"
    if isinstance(exc, bx.ReadTimeoutError):
        return BackendError(f"{where} accepted {operation} but never answered ({ATTEMPTS} tries of {READ_TIMEOUT_S} s): is it overloaded or not an AWS endpoint?")
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ConnectionClosedError, bx.HTTPClientError)):
        hint = " Is it running? Try `workshop sandbox start`." if backend and backend.choice.is_sandbox else ""
        return BackendError(f"Cannot reach {where}: {exc}.{hint}")
    if isinstance(exc, bx.ParamValidationError):
        return BadInput(f"{operation} was not sent: {' '.join(str(exc).split())}")
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return BackendError("No usable AWS credentials: run `aws configure`, set AWS_PROFILE, or use --backend sandbox.")
    if isinstance(exc, bx.ProfileNotFound):
        return BackendError(f"{exc}: check ~/.aws/config or drop --profile.")
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "")
        operation = getattr(exc, "operation_name", "the call")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in AUTH_ERROR_CODES:
            return BackendError(
                f"Permission denied for {operation} on {where}: {message or code}. "
                "Use credentials allowed to manage EventBridge, Logs, SQS, SNS, Step Functions, Lambda, IAM and API Gateway."
            )
        if code in VALIDATION_ERROR_CODES:
            return BadInput(f"{where} refused {operation}: {code}: {message}")
        if status >= 500 or code in THROTTLING_ERROR_CODES or not code or code.isdigit():
            answer = f"HTTP {status}" if status else "an unexpected answer"
            return BackendError(f"{operation} failed on {where} with {answer} ({code or 'no error code'}{': ' + message if message else ''}); "
                                "the backend is failing or is not an AWS-compatible endpoint.")
        return WorkshopError(f"{operation} failed on {where}: {code}: {message}")
    # Anything else raised while botocore read the answer (a parser error, a missing result key):
    # the backend answered, but not as AWS does.
    return BackendError(f"{where} did not answer {operation} as AWS does ({type(exc).__name__}: {exc}): is it an AWS-compatible endpoint?")


def _where(backend) -> str:
    if backend is None:
        return "the backend"
    if backend.choice.kind == "endpoint" or "endpoint_url" in backend.__dict__:
        return backend.describe()
    return "AWS" if backend.choice.kind == "aws" else "the local sandbox"
