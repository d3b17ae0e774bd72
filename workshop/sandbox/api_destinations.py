"""API destination targets: a real HTTP request per event, with the connection's credentials.

EventBridge keeps a connection's secrets (password, API key value, OAuth client secret) in
Secrets Manager and never returns them from DescribeConnection. The sandbox does the same in
memory only: the front shows us every CreateConnection / UpdateConnection request before moto
stores it, we keep the auth parameters here (never logged, never written to disk, masked in
every repr), and moto is handed the request without them. So no API of moto's (neither
DescribeConnection nor the Secrets Manager secret moto makes for each connection) can return one.

Delivery follows the AWS user guide ("API destinations as targets"):
- the destination's method and endpoint; `*` in the endpoint filled from the target's
  `HttpParameters.PathParameterValues`, in order; header and query parameters from the target
  merged with the connection's `InvocationHttpParameters`, the connection's values winning;
- the payload after input shaping as the body, with the headers EventBridge always sends
  (`User-Agent: Amazon/EventBridge/ApiDestinations`, `Content-Type: application/json;
  charset=utf-8`, `Range`, `Accept-Encoding`, `Connection: close`);
- Basic → `Authorization: Basic base64(user:pass)`; API_KEY → `ApiKeyName: ApiKeyValue`;
  OAUTH_CLIENT_CREDENTIALS → a token from the authorization endpoint, cached until it expires,
  sent as `Authorization: Bearer ...` (refreshed once on a 401/407);
- `InvocationRateLimitPerSecond` honoured per destination (default 300);
- a 5-second client timeout; 401, 407, 409, 429 and 5xx (and timeouts / connection errors)
  are retried, every other status is not; redirects are never followed.

An endpoint on `{apiId}.execute-api.{region}.amazonaws.com` whose REST API exists in the
sandbox is answered in-process by the API Gateway stand-in (apigateway.py), never the internet.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from .connection_secrets import ConnectionSecrets, redact
from .http_parameters import add_body_parameters, add_query, fill_path, pairs, safe_url
from .service import Service, sandbox_service
from .front import Request, Response
from .targets import DeliveryError, arn_parts

log = logging.getLogger("workshop.sandbox.api_destinations")

TIMEOUT_S = 5.0  # AWS: "a maximum client execution timeout of 5 seconds"
DEFAULT_RATE = 300.0  # AWS default InvocationRateLimitPerSecond
MAX_RESPONSE_BYTES = 1024 * 1024  # EventBridge reads at most this much (its Range header)
FIXED_HEADERS = {
    "User-Agent": "Amazon/EventBridge/ApiDestinations",
    "Range": "bytes=0-1048575",
    "Accept-Encoding": "gzip,deflate",
    "Connection": "close",
}
DEFAULT_CONTENT_TYPE = "application/json; charset=utf-8"
# Headers EventBridge owns: connection and target parameters cannot set them.
_RESERVED_HEADERS = {
    "a-im", "accept-charset", "accept-datetime", "accept-encoding", "cache-control", "connection",
    "content-encoding", "content-length", "content-md5", "date", "expect", "forwarded", "from", "host",
    "http2-settings", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
    "max-forwards", "origin", "pragma", "proxy-authorization", "range", "referer", "te", "trailer",
    "transfer-encoding", "user-agent", "upgrade", "via", "warning",
}
RETRYABLE_STATUSES = {401, 407, 409, 429}
_EXECUTE_API_HOST = re.compile(r"^([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$", re.IGNORECASE)
_AUTH_TYPES = {"BASIC": "BasicAuthParameters", "API_KEY": "ApiKeyAuthParameters",
               "OAUTH_CLIENT_CREDENTIALS": "OAuthParameters"}


# -- rate limiting -------------------------------------------------------------------------


class RateLimiter:
    """One reservation per request, spaced 1/rate apart per destination (no bursts)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next_free: dict[str, float] = {}

    def wait(self, key: str, rate: float) -> float:
        interval = 1.0 / rate if rate > 0 else 0.0
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_free.get(key, 0.0))
            self._next_free[key] = slot + interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return delay


# -- OAuth ---------------------------------------------------------------------------------


@dataclass
class _Token:
    value: str = field(repr=False)
    token_type: str
    expires_at: float | None


# -- the target ----------------------------------------------------------------------------


@dataclass
class HttpResult:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@sandbox_service("api_destinations")
class ApiDestinations(Service):
    """Deliverer for `arn:aws:events:REGION:ACCOUNT:api-destination/NAME/UUID`, and the
    interceptor that keeps connection secrets."""

    priority = 50
    delivers = ("api-destination",)

    def __init__(self, clients, apigateway):
        self.clients = clients
        self.gateway = apigateway  # an execute-api URL of this sandbox is answered in process
        self.secrets = ConnectionSecrets()
        self.limiter = RateLimiter()
        self._tokens: dict[str, _Token] = {}
        self._fetching: dict[str, threading.Lock] = {}
        self._tokens_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ApiDestinations({self.secrets!r})"

    def reset(self) -> None:
        self.secrets.clear()

    # interceptor ------------------------------------------------------------------------------
    def intercept(self, request: Request) -> Response | None:
        if request.service != "events" or "." not in request.target:
            return None
        operation = request.target.split(".", 1)[1]
        if operation == "CreateConnection":
            return self._on_create(request)
        if operation == "UpdateConnection":
            return self._on_update(request)
        if operation in ("DeleteConnection", "DeauthorizeConnection"):
            name = _safe_json(request).get("Name")
            if name:
                self.secrets.delete(request.region, name)
                self._drop_tokens(request.region, name)
            return None
        return None

    def _on_create(self, request: Request) -> Response | None:
        body = _safe_json(request)
        name, auth_type, params = body.get("Name"), body.get("AuthorizationType"), body.get("AuthParameters")
        if auth_type not in _AUTH_TYPES:
            return Response.aws_json_error(
                "ValidationException",
                "1 validation error detected: Value at 'authorizationType' failed to satisfy constraint: "
                "Member must satisfy enum value set: [OAUTH_CLIENT_CREDENTIALS, BASIC, API_KEY]")
        if not isinstance(params, dict) or not isinstance(params.get(_AUTH_TYPES[auth_type]), dict):
            return Response.aws_json_error(
                "ValidationException", f"{_AUTH_TYPES[auth_type]} must be specified for authorization type {auth_type}.")
        if name:
            self.secrets.put(request.region, name, auth_type, params)
            self._drop_tokens(request.region, name)
        _hand_moto_redacted(request, body, params)
        return None  # moto stores the connection without its secrets

    def _on_update(self, request: Request) -> Response | None:
        body = _safe_json(request)
        name = body.get("Name")
        if name:
            params = body.get("AuthParameters")
            self.secrets.update(request.region, name, body.get("AuthorizationType"),
                                params if isinstance(params, dict) else None)
            self._drop_tokens(request.region, name)
            stored = self.secrets.get(request.region, name)
            if isinstance(params, dict) and stored is not None:
                # moto replaces what it keeps; AWS merges: give moto the merged parameters, redacted.
                _hand_moto_redacted(request, body, stored[1])
        return None

    def _drop_tokens(self, region: str, name: str) -> None:
        with self._tokens_lock:
            for key in [k for k in self._tokens if k.startswith(f"{region}/{name}/")]:
                del self._tokens[key]

    # delivery ---------------------------------------------------------------------------------
    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        import botocore.exceptions

        parts = arn_parts(target["Arn"])
        region = parts["region"]
        pieces = parts["resource"].split("/")
        name = pieces[1] if len(pieces) > 1 else ""
        events = self.clients("events", region)
        try:
            destination = events.describe_api_destination(Name=name)
            connection_name = arn_parts(destination["ConnectionArn"])["resource"].split("/")[1]
            connection = events.describe_connection(Name=connection_name)
        except botocore.exceptions.ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ResourceNotFoundException":
                raise DeliveryError("NO_RESOURCE", f"API destination {name} or its connection does not exist.",
                                    retryable=False) from None
            raise DeliveryError("ERROR_FROM_TARGET", f"API destination {name}: {code}") from None
        if destination.get("ApiDestinationState", "ACTIVE") != "ACTIVE":
            raise DeliveryError("INVALID_PARAMETER", f"API destination {name} is not ACTIVE.", retryable=True)
        stored = self.secrets.get(region, connection_name)
        if stored is None:
            raise DeliveryError("NO_PERMISSIONS",
                                f"Connection {connection_name} has no authorization parameters in this sandbox.",
                                retryable=False)
        auth_type, auth = stored

        http_params = target.get("HttpParameters") or {}
        invocation = auth.get("InvocationHttpParameters") or {}
        headers = {**(http_params.get("HeaderParameters") or {}), **pairs(invocation.get("HeaderParameters"))}
        query = {**(http_params.get("QueryStringParameters") or {}), **pairs(invocation.get("QueryStringParameters"))}
        url = fill_path(destination["InvocationEndpoint"], http_params.get("PathParameterValues") or [])
        url = add_query(url, query)
        body = add_body_parameters(payload, pairs(invocation.get("BodyParameters")))
        headers = {k.strip(): str(v) for k, v in headers.items() if k.strip().lower() not in _RESERVED_HEADERS}
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = DEFAULT_CONTENT_TYPE
        method = (destination.get("HttpMethod") or "POST").upper()

        rate = _as_float(destination.get("InvocationRateLimitPerSecond"), DEFAULT_RATE)
        token_key = f"{region}/{connection_name}/{connection.get('ConnectionArn', '')}"
        for attempt in (1, 2):
            self.limiter.wait(destination.get("ApiDestinationArn") or target["Arn"], rate)
            final = dict(headers)
            final.update(self._auth_headers(auth_type, auth, token_key, refresh=attempt == 2))
            final = {k: v for k, v in final.items() if k.lower() not in _RESERVED_HEADERS}
            final.update(FIXED_HEADERS)
            result = self._send(region, method, url, final, body.encode())
            if result.status in (401, 407) and auth_type == "OAUTH_CLIENT_CREDENTIALS" and attempt == 1:
                continue  # EventBridge refreshes the token once and tries again
            break
        self._judge(name, method, url, result)

    def _judge(self, name: str, method: str, url: str, result: HttpResult) -> None:
        status = result.status
        shown = safe_url(url)
        if 200 <= status < 300:
            log.info("api destination %s: %s %s -> %s", name, method, shown, status)
            return
        retryable = status in RETRYABLE_STATUSES or status >= 500
        if retryable:
            retry_after = result.headers.get("retry-after")
            try:
                if retry_after is not None and int(retry_after) < 0:
                    retryable = False  # AWS: a negative Retry-After stops the retries
            except ValueError:
                pass
        raise DeliveryError("THROTTLING" if status == 429 else "ERROR_FROM_TARGET",
                            f"Unable to invoke ApiDestination endpoint: {method} {shown} answered HTTP {status}.",
                            retryable=retryable)

    # auth -------------------------------------------------------------------------------------
    def _auth_headers(self, auth_type: str, auth: dict, token_key: str, refresh: bool = False) -> dict:
        if auth_type == "BASIC":
            basic = auth.get("BasicAuthParameters") or {}
            raw = f"{basic.get('Username', '')}:{basic.get('Password', '')}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
        if auth_type == "API_KEY":
            api_key = auth.get("ApiKeyAuthParameters") or {}
            header = api_key.get("ApiKeyName")
            return {header: api_key.get("ApiKeyValue", "")} if header else {}
        if auth_type == "OAUTH_CLIENT_CREDENTIALS":
            token = self._token(auth.get("OAuthParameters") or {}, token_key, refresh)
            return {"Authorization": f"{token.token_type} {token.value}"}
        return {}

    def _token(self, oauth: dict, key: str, refresh: bool) -> _Token:
        with self._tokens_lock:
            cached = self._tokens.get(key)
            fetching = self._fetching.setdefault(key, threading.Lock())
        with fetching:  # one token request per connection at a time; the others reuse its answer
            with self._tokens_lock:
                latest = self._tokens.get(key)
            if refresh and latest is not None and latest is not cached:
                return latest  # another delivery refreshed it meanwhile
            # EventBridge refreshes a token that expires within the next minute.
            if latest and not refresh and (latest.expires_at is None or latest.expires_at - time.time() > 60):
                return latest
            token = self._fetch_token(oauth)
            with self._tokens_lock:
                self._tokens[key] = token
            return token

    def _fetch_token(self, oauth: dict) -> _Token:
        """client_credentials: client id and secret as Basic credentials, OAuthHttpParameters
        as extra headers, query and (form) body parameters."""
        client = oauth.get("ClientParameters") or {}
        extra = oauth.get("OAuthHttpParameters") or {}
        method = (oauth.get("HttpMethod") or "POST").upper()
        credentials = f"{client.get('ClientID', '')}:{client.get('ClientSecret', '')}".encode()
        headers = {k: str(v) for k, v in pairs(extra.get("HeaderParameters")).items()}
        headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
        headers["User-Agent"] = FIXED_HEADERS["User-Agent"]
        form = {"grant_type": "client_credentials", **pairs(extra.get("BodyParameters"))}
        url = add_query(oauth.get("AuthorizationEndpoint", ""), pairs(extra.get("QueryStringParameters")))
        if method == "GET":
            url, data = add_query(url, form), b""
        else:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        result = self._send(None, method, url, headers, data)
        if not 200 <= result.status < 300:
            raise DeliveryError("ERROR_FROM_TARGET",
                                f"The authorization endpoint {safe_url(url)} answered HTTP {result.status}.",
                                retryable=result.status in RETRYABLE_STATUSES or result.status >= 500)
        try:
            document = json.loads(result.body)
            value = document["access_token"]
        except (ValueError, KeyError, TypeError):
            raise DeliveryError("INVALID_PARAMETER",
                                f"The authorization endpoint {safe_url(url)} answered without an access_token.",
                                retryable=False) from None
        token_type = str(document.get("token_type") or "Bearer")
        token_type = "Bearer" if token_type.lower() == "bearer" else token_type
        expires_in = _as_float(document.get("expires_in"), 0.0)
        return _Token(str(value), token_type, time.time() + expires_in if expires_in > 0 else None)

    # transport --------------------------------------------------------------------------------
    def _send(self, region: str | None, method: str, url: str, headers: dict, body: bytes) -> HttpResult:
        parsed = urllib.parse.urlsplit(url)
        local = self._local_api(parsed, region)
        if local is not None:
            api_region, api_id = local
            path = parsed.path or "/"
            sent = {"Host": parsed.netloc, **headers, "Content-Length": str(len(body))}
            response = self.gateway.invoke(
                api_region, api_id, method, path, parsed.query, sent, body, source_ip="127.0.0.1")
            return HttpResult(response.status, response.body, {k.lower(): v for k, v in response.headers.items()})
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise DeliveryError("INVALID_PARAMETER", f"Cannot call {safe_url(url)}: only http(s) URLs.", retryable=False)
        connection_class = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parsed.hostname, parsed.port, timeout=TIMEOUT_S)
        target = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
        try:
            connection.request(method, target, body=body if body or method not in ("GET", "HEAD") else None,
                               headers=headers)
            answer = connection.getresponse()
            data = answer.read(MAX_RESPONSE_BYTES)
            return HttpResult(answer.status, data, {k.lower(): v for k, v in answer.getheaders()})
        except (OSError, http.client.HTTPException) as exc:
            raise DeliveryError("SDK_CLIENT_ERROR",
                                f"Unable to invoke ApiDestination endpoint {safe_url(url)}: {type(exc).__name__}: {exc}",
                                retryable=True) from None
        finally:
            connection.close()

    def _local_api(self, parsed, region: str | None) -> tuple[str, str] | None:
        """(region, api id) when the URL is an execute-api host of a REST API in this sandbox."""
        found = _EXECUTE_API_HOST.match(parsed.hostname or "")
        if not found:
            return None
        api_id, api_region = found.group(1), found.group(2)
        return (api_region, api_id) if self.gateway.exists(api_region, api_id) else None


# -- helpers -------------------------------------------------------------------------------


def _safe_json(request: Request) -> dict:
    try:
        body = request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _hand_moto_redacted(request: Request, body: dict, params) -> None:
    """Rewrite the request moto is about to store so that its AuthParameters hold no secret."""
    if isinstance(params, dict):
        body = {**body, "AuthParameters": redact(params)}
        request.body = json.dumps(body).encode()


def _as_float(value, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default
