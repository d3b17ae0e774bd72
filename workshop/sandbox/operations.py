"""Which AWS operation a request is, for every protocol, from botocore's service models.

JSON protocols name it in X-Amz-Target, query protocols in `Action`; REST protocols (REST-JSON:
Lambda, API Gateway; REST-XML: S3, Route 53) only by method and path, which each operation's
`http.requestUri` template in the service model describes, e.g. POST /restapis -> CreateRestApi.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qs

from .front import Request

# SigV4 signing names that differ from botocore's service names.
_SERVICE_NAMES = {"states": "stepfunctions", "monitoring": "cloudwatch", "email": "ses", "execute-api": ""}


def operation_name(request: Request) -> str:
    """The API operation: X-Amz-Target's suffix (JSON), `Action` (query), or method + path (REST)."""
    named = named_operation(request)
    if named:
        return named
    for method, path_pattern, required_query, name in _rest_routes(request.service):
        if method == request.method and path_pattern.fullmatch(request.path) and \
                all(key in parse_qs(request.query, keep_blank_values=True) for key in required_query):
            return name
    return ""


def named_operation(request: Request) -> str:
    """The operation a request names itself: X-Amz-Target's suffix (JSON) or `Action` (query);
    "" for REST, which names it only by method and path."""
    if request.target:
        return request.target.rsplit(".", 1)[-1]
    for text in (request.query, request.body.decode("utf-8", "replace") if request.body and
                 request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded") else ""):
        action = parse_qs(text).get("Action")
        if action:
            return action[0]
    return ""


def protocol(request: Request) -> str:
    """json, query, rest-json or rest-xml: how this request's service speaks (and expects errors)."""
    if request.target:
        return "json"
    model = _service_model(request.service)
    return model.metadata.get("protocol", "query") if model is not None else "query"


@functools.lru_cache(maxsize=64)
def _service_model(signing_name: str):
    import botocore.exceptions
    import botocore.session

    name = _SERVICE_NAMES.get(signing_name, signing_name)
    if not name:
        return None
    try:
        return botocore.session.get_session().get_service_model(name)
    except botocore.exceptions.UnknownServiceError:
        return None


@functools.lru_cache(maxsize=64)
def _rest_routes(signing_name: str) -> tuple:
    """(method, path regex, query keys it requires, operation) for a REST service, most specific first."""
    model = _service_model(signing_name) if signing_name else None
    if model is None or not model.metadata.get("protocol", "").startswith("rest"):
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, query = http.get("requestUri", "/").partition("?")
        pattern = re.sub(r"\\\{[^}+]+\\\+\\\}", ".+", re.escape(path))  # {Key+}: greedy, may hold '/'
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)  # {Name}: one path segment
        required = tuple(part.split("=", 1)[0] for part in query.split("&") if part)
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        routes.append((http.get("method", "GET"), re.compile(pattern.rstrip("/") + "/?"), required, name, literal))
    routes.sort(key=lambda r: (len(r[2]), r[4]), reverse=True)
    return tuple(r[:4] for r in routes)
