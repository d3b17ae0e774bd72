"""A stand-in for API Gateway REST APIs created in moto: it serves their execute-api URLs.

Three ways in, all answered by the sandbox's own HTTP endpoint:
- `{endpoint}/_aws/execute-api/{apiId}/{stage}/{path}` (what `workshop status` shows),
- `{endpoint}/restapis/{apiId}/{stage}/_user_request_/{path}` (the other form emulators share), and
- any request whose Host is `{apiId}.execute-api.{region}.amazonaws.com` (a curl with `-H Host:`),
plus in-process calls from API destinations whose endpoint is such a host.

The API is read live from moto through its public API (get_rest_api, get_resources, get_method,
get_authorizer, get_stage, get_account): moto keeps no deployment snapshots, so the stand-in
serves the API's current definition once a stage exists.

Supported: resource matching (literal, `{param}`, greedy `{proxy+}`) and methods incl. ANY;
CUSTOM authorizers of type REQUEST and TOKEN run through the sandbox's Lambda runner (missing
identity → 401, explicit Deny → 403, no matching Allow → 403, an authorizer that fails → 500,
one that raises "Unauthorized" → 401); MOCK integrations (status from the request template's
`statusCode`, integration response chosen by selection pattern, its response template as the
body); HTTP and HTTP_PROXY integrations; AWS_PROXY (Lambda proxy) integrations.

Execution logs: when the stage's method settings (`*/*` or the method's own) enable logging and
the account has an API Gateway CloudWatch role (`get_account().cloudwatchRoleArn`, as AWS
requires), each request writes the lines API Gateway writes to the log group
`API-Gateway-Execution-Logs_{apiId}/{stage}`. Credentials never reach a log: the Authorization
header, API keys and authorizer identities are masked.

Not modelled: authorizer result caching, usage plans and API keys, request validators, VTL
beyond a literal template, resource policies, Cognito and IAM authorization, binary media types.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import re
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .front import Request, Response

log = logging.getLogger("workshop.sandbox.apigateway")

LOCAL_PREFIX = "/_aws/execute-api/"
_USER_REQUEST = re.compile(r"^/restapis/([^/]+)/([^/]+)/_user_request_/?(.*)$", re.S)
_HOST = re.compile(r"^([a-z0-9]{1,32})\.execute-api\.([^:]+?)(?::\d+)?$", re.IGNORECASE)
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_LAMBDA_URI = re.compile(r"^arn:aws[a-z-]*:apigateway:([a-z0-9-]+):lambda:path/[^/]+/functions/(.+?)/invocations$")
_STATUS_IN_TEMPLATE = re.compile(r'"?statusCode"?\s*:\s*"?(\d{3})')
_MASKED_HEADERS = {"authorization", "x-api-key", "cookie", "proxy-authorization", "x-amz-security-token"}
INTEGRATION_TIMEOUT_S = 29.0  # API Gateway's default integration timeout

EXPLICIT_DENY = {"Message": "User is not authorized to access this resource with an explicit deny"}
IMPLICIT_DENY = {"Message": "User is not authorized to access this resource"}
UNAUTHORIZED = {"message": "Unauthorized"}
MISSING_TOKEN = {"message": "Missing Authentication Token"}
FORBIDDEN = {"message": "Forbidden"}
INTERNAL_ERROR = {"message": "Internal server error"}


class _Stop(Exception):
    """Ends a request early with a gateway response."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


@dataclass
class _Call:
    """One request through the stand-in, and the execution log lines it writes."""

    region: str
    api_id: str
    stage: str
    method: str
    path: str  # the resource path part, after the stage
    query: list[tuple[str, str]]
    headers: dict[str, str]  # as sent (case preserved)
    body: bytes
    source_ip: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    extended_id: str = field(default_factory=lambda: base64.b64encode(os.urandom(6)).decode().rstrip("=") + "FA=")
    level: str = ""  # "", "ERROR" or "INFO"
    trace: bool = False
    lines: list[tuple[int, str]] = field(default_factory=list)
    stage_variables: dict = field(default_factory=dict)

    def info(self, message: str) -> None:
        if self.level == "INFO":
            self.lines.append((int(time.time() * 1000), f"({self.request_id}) {message}"))

    def data(self, message: str) -> None:
        if self.level == "INFO" and self.trace:
            self.lines.append((int(time.time() * 1000), f"({self.request_id}) {message}"))

    def error(self, message: str) -> None:
        if self.level in ("INFO", "ERROR"):
            self.lines.append((int(time.time() * 1000), f"({self.request_id}) {message}"))

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


class ApiGateway:
    def __init__(self, plane):
        self.plane = plane
        self._account: str | None = None
        self._lock = threading.Lock()

    # discovery --------------------------------------------------------------------------------
    def exists(self, region: str, api_id: str) -> bool:
        import botocore.exceptions

        try:
            self.plane.clients("apigateway", region).get_rest_api(restApiId=api_id)
            return True
        except botocore.exceptions.ClientError:
            return False

    def _find_region(self, api_id: str, hint: str | None = None) -> str | None:
        regions = ([hint] if hint else []) + sorted(r for r in self.plane.regions if r != hint)
        for region in regions:
            if self.exists(region, api_id):
                return region
        return None

    def list_apis(self) -> list[dict]:
        """Every REST API and stage in the sandbox, with its local and AWS-style URLs."""
        out = []
        for region in sorted(self.plane.regions):
            client = self.plane.clients("apigateway", region)
            try:
                apis = client.get_rest_apis(limit=500).get("items", [])
            except Exception:  # a region moto cannot serve: nothing there
                continue
            for api in apis:
                stages = client.get_stages(restApiId=api["id"]).get("item", [])
                for stage in stages or [{"stageName": None}]:
                    name = stage.get("stageName")
                    out.append({
                        "id": api["id"], "name": api.get("name"), "region": region, "stage": name,
                        "local_url": f"{self.plane.endpoint_url}{LOCAL_PREFIX}{api['id']}/{name}/" if name else None,
                        "aws_url": f"https://{api['id']}.execute-api.{region}.amazonaws.com/{name}/" if name else None,
                    })
        return out

    # the front --------------------------------------------------------------------------------
    def intercept(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        found = _HOST.match(host)
        user_request = _USER_REQUEST.match(request.path)
        if request.path.startswith(LOCAL_PREFIX):
            rest = request.path[len(LOCAL_PREFIX):]
            api_id, _, path = rest.partition("/")
            hint = None
        elif user_request:  # the other local form emulators share: /restapis/{id}/{stage}/_user_request_/{path}
            api_id, path, hint = user_request.group(1), f"{user_request.group(2)}/{user_request.group(3)}", None
        elif found and request.service in ("", "execute-api"):
            api_id, path = found.group(1), request.path.lstrip("/")
            hint = found.group(2).split(".")[0]
            hint = hint if _REGION.match(hint) else None
        else:
            return None
        region = self._find_region(api_id, hint)
        if region is None:
            return Response.of_json({"message": f"No REST API {api_id} exists in this sandbox."}, 404)
        headers = {_title(k): v for k, v in request.headers.items()}
        return self.invoke(region, api_id, request.method, "/" + path, request.query, headers, request.body,
                           source_ip="127.0.0.1")

    # one request ------------------------------------------------------------------------------
    def invoke(self, region: str, api_id: str, method: str, path: str, query: str, headers: dict,
               body: bytes, source_ip: str = "127.0.0.1") -> Response:
        """`path` is `/{stage}/{resource path}` as in the execute-api URL."""
        stage, _, rest = path.lstrip("/").partition("/")
        call = _Call(region, api_id, stage, method.upper(), "/" + rest,
                     urllib.parse.parse_qsl(query or "", keep_blank_values=True), dict(headers), body or b"",
                     source_ip)
        try:
            response = self._run(call)
        except _Stop as stop:
            response = stop.response
        except Exception as exc:  # our bug: answer like API Gateway, keep the details in our log
            log.exception("API Gateway stand-in failed for %s %s", method, path)
            call.error(f"Execution failed due to an internal error: {type(exc).__name__}")
            call.error("Method completed with status: 500")
            response = _json(500, INTERNAL_ERROR)
        response.headers.setdefault("x-amzn-RequestId", call.request_id)
        response.headers.setdefault("x-amz-apigw-id", call.extended_id)
        if call.lines:
            self._write_logs(call)
        return response

    def _run(self, call: _Call) -> Response:
        import botocore.exceptions

        client = self.plane.clients("apigateway", call.region)
        try:
            stage = client.get_stage(restApiId=call.api_id, stageName=call.stage)
        except botocore.exceptions.ClientError:
            return _json(403, FORBIDDEN)
        call.stage_variables = stage.get("variables") or {}
        resource, path_params = self._match_resource(client, call)
        if resource is None:
            return _json(403, MISSING_TOKEN)
        methods = resource.get("resourceMethods") or {}
        http_method = call.method if call.method in methods else ("ANY" if "ANY" in methods else None)
        if http_method is None:
            return _json(403, MISSING_TOKEN)
        method = client.get_method(restApiId=call.api_id, resourceId=resource["id"], httpMethod=http_method)
        self._logging_settings(client, call, stage, resource["path"], call.method)

        call.info(f"Extended Request Id: {call.extended_id}")
        if method.get("authorizationType") == "CUSTOM" and method.get("authorizerId"):
            self._authorize(client, call, resource, method, path_params)
        self._usage_plan(call, resource["path"])
        call.info(f"Starting execution for request: {call.request_id}")
        call.info(f"HTTP Method: {call.method}, Resource Path: {call.path}")
        call.data(f"Method request path: {_java_map(path_params)}")
        call.data(f"Method request query string: {_java_map(dict(call.query))}")
        call.data(f"Method request headers: {_java_map(_masked_headers(call.headers))}")
        call.data(f"Method request body before transformations: {_text(call.body)}")

        integration = method.get("methodIntegration") or {}
        kind = integration.get("type")
        if kind == "MOCK":
            response = self._mock(call, integration)
        elif kind in ("HTTP", "HTTP_PROXY"):
            response = self._http(call, integration, path_params, proxy=kind == "HTTP_PROXY")
        elif kind == "AWS_PROXY":
            response = self._lambda_proxy(call, integration, resource, path_params)
        else:
            call.error(f"Execution failed due to configuration error: the sandbox does not run {kind} integrations")
            call.error("Method completed with status: 500")
            return _json(500, INTERNAL_ERROR)
        call.data(f"Method response body after transformations: {_text(response.body)}")
        call.data(f"Method response headers: {_java_map(response.headers)}")
        call.info("Successfully completed execution")
        call.info(f"Method completed with status: {response.status}")
        return response

    # routing ----------------------------------------------------------------------------------
    def _match_resource(self, client, call: _Call) -> tuple[dict | None, dict]:
        resources = []
        position = None
        while True:
            page = client.get_resources(restApiId=call.api_id, limit=500, **({"position": position} if position else {}))
            resources.extend(page.get("items", []))
            position = page.get("position")
            if not position:
                break
        wanted = [s for s in call.path.split("/") if s]
        best, best_score, best_params = None, None, {}
        for resource in resources:
            found = _match_path([s for s in resource.get("path", "/").split("/") if s], wanted)
            if found is None:
                continue
            score, params = found
            if best_score is None or score > best_score:
                best, best_score, best_params = resource, score, params
        return best, best_params

    def _logging_settings(self, client, call: _Call, stage: dict, resource_path: str, method: str) -> None:
        settings = stage.get("methodSettings") or {}
        escaped = resource_path.replace("/", "~1") if resource_path != "/" else "~1"
        chosen = settings.get(f"{escaped}/{method}") or settings.get(f"{resource_path.lstrip('/')}/{method}") \
            or settings.get("*/*") or {}
        level = str(chosen.get("loggingLevel") or "OFF").upper()
        if level not in ("INFO", "ERROR"):
            return
        try:
            role = client.get_account().get("cloudwatchRoleArn")
        except Exception:
            role = None
        if not role:
            log.warning("API %s stage %s enables execution logging but the account has no API Gateway CloudWatch "
                        "role (apigateway update_account /cloudwatchRoleArn): no execution logs, as on AWS",
                        call.api_id, call.stage)
            return
        call.level = level
        call.trace = bool(chosen.get("dataTraceEnabled"))

    def _usage_plan(self, call: _Call, resource_path: str) -> None:
        call.info(f"Verifying Usage Plan for request: {call.request_id}. API Key:  API Stage: {call.api_id}/{call.stage}")
        call.info(f"API Key  authorized because method '{call.method} {resource_path}' does not require API Key. "
                  "Request will not contribute to throttle or quota limits")
        call.info(f"Usage Plan check succeeded for API Key  and API Stage {call.api_id}/{call.stage}")

    # authorizers ------------------------------------------------------------------------------
    def _authorize(self, client, call: _Call, resource: dict, method: dict, path_params: dict) -> None:
        authorizer = client.get_authorizer(restApiId=call.api_id, authorizerId=method["authorizerId"])
        kind = (authorizer.get("type") or "TOKEN").upper()
        method_arn = self._method_arn(call, resource["path"])
        sources = [s.strip() for s in (authorizer.get("identitySource") or "").split(",") if s.strip()]
        values = [self._identity(call, source, path_params) for source in sources]
        if kind == "TOKEN" and not sources:
            sources, values = ["method.request.header.Authorization"], [call.header("Authorization")]
        if any(not v for v in values):
            call.info(f"Unauthorized request: {call.request_id}")
            self._gateway_response(call, "UNAUTHORIZED", 401)
        if kind == "TOKEN":
            pattern = authorizer.get("identityValidationExpression")
            if pattern and not re.fullmatch(pattern, values[0] or ""):
                call.info(f"Unauthorized request: {call.request_id}")
                self._gateway_response(call, "UNAUTHORIZED", 401)
            event = {"type": "TOKEN", "authorizationToken": values[0], "methodArn": method_arn}
        elif kind == "REQUEST":
            event = self._request_event(call, resource, path_params, method_arn, authorizer_event=True)
        else:
            call.error(f"Execution failed due to configuration error: authorizer type {kind} is not supported by the sandbox")
            self._gateway_response(call, "AUTHORIZER_CONFIGURATION_ERROR", 500, {"message": None})

        call.info(f"Starting authorizer: {authorizer.get('id')} for request: {call.request_id}")
        call.info(f"Incoming identity: {_mask(','.join(v or '' for v in values))}")
        uri = authorizer.get("authorizerUri") or ""
        found = _LAMBDA_URI.match(uri)
        lambdas = getattr(self.plane, "lambdas", None)
        if not found or lambdas is None:
            call.error("Execution failed due to configuration error: Invalid authorizer URI" if not found else
                       "Execution failed due to configuration error: the sandbox cannot run Lambda functions")
            self._gateway_response(call, "AUTHORIZER_CONFIGURATION_ERROR", 500, {"message": None})
        function_arn = found.group(2)
        endpoint = f"https://lambda.{call.region}.amazonaws.com/2015-03-31/functions/{function_arn}/invocations"
        call.info(f"Endpoint request URI: {endpoint}")
        source_arn = f"arn:aws:execute-api:{call.region}:{self._account_id(call.region)}:{call.api_id}/authorizers/{authorizer.get('id')}"
        if not authorizer.get("authorizerCredentials") and not self._may_invoke(call.region, function_arn, source_arn):
            call.error("Execution failed due to configuration error: Invalid permissions on Lambda function")
            self._gateway_response(call, "AUTHORIZER_CONFIGURATION_ERROR", 500, {"message": None})
        call.info(f"Sending request to {endpoint}")
        invocation = self._invoke(call, function_arn, event)
        if invocation is None:
            call.error("Execution failed due to configuration error: Authorizer error")
            self._gateway_response(call, "AUTHORIZER_CONFIGURATION_ERROR", 500, {"message": None})
        if not invocation.ok:
            call.info(f"Authorizer result body before parsing: {json.dumps(invocation.payload)}")
            if (invocation.error_message or "") == "Unauthorized":
                self._gateway_response(call, "UNAUTHORIZED", 401)
            call.error("Execution failed due to configuration error: Authorizer error")
            self._gateway_response(call, "AUTHORIZER_CONFIGURATION_ERROR", 500, {"message": None})
        result = invocation.payload
        call.info(f"Authorizer result body before parsing: {json.dumps(result)}")
        if not isinstance(result, dict) or "principalId" not in result or not isinstance(result.get("policyDocument"), dict):
            call.error("Execution failed due to configuration error: Invalid JSON in response: "
                       "principalId and policyDocument are required")
            self._gateway_response(call, "AUTHORIZER_CONFIGURATION_ERROR", 500, {"message": None})
        call.info(f"Using valid authorizer policy for principal: {_mask(str(result.get('principalId')), keep=6)}")
        call.info("Successfully completed authorizer execution")
        decision = _evaluate(result["policyDocument"], method_arn)
        if decision == "Deny":
            call.info("The client is not authorized to perform this operation.")
            self._gateway_response(call, "ACCESS_DENIED", 403, EXPLICIT_DENY)
        if decision != "Allow":
            call.info("The client is not authorized to perform this operation.")
            self._gateway_response(call, "ACCESS_DENIED", 403, IMPLICIT_DENY)

    def _invoke(self, call: _Call, function_arn: str, event: dict):
        """Run the function through the sandbox's Lambda runner; None (logged) when it cannot run."""
        try:
            return self.plane.lambdas.invoke_sync(call.region, function_arn, event)
        except Exception as exc:  # no such function, no code, unsupported runtime
            call.error(f"Execution failed due to configuration error: {exc}")
            log.warning("API %s: cannot invoke %s: %s", call.api_id, function_arn, exc)
            return None

    def _may_invoke(self, region: str, function_arn: str, source_arn: str) -> bool:
        """API Gateway may call the function only if its resource policy lets apigateway.amazonaws.com."""
        import botocore.exceptions

        from .. import policy_documents

        try:
            policy = self.plane.clients("lambda", region).get_policy(FunctionName=function_arn)["Policy"]
        except botocore.exceptions.ClientError:
            return False
        arn = function_arn.split(":function:")[0] + ":function:" + function_arn.split(":function:")[-1].split(":")[0] \
            if ":function:" in function_arn else function_arn
        context = {"aws:SourceArn": source_arn, "aws:SourceAccount": self._account_id(region)}
        return any(policy_documents.allows(policy, service="apigateway.amazonaws.com", action="lambda:InvokeFunction",
                                          resource=resource, context=context)
                   for resource in (arn, arn + ":$LATEST", function_arn))

    def _gateway_response(self, call: _Call, kind: str, status: int, body: dict | None = None) -> None:
        document = body if body is not None else UNAUTHORIZED
        call.info(f"Gateway response type: {kind} with status code: {status}")
        call.data(f"Gateway response body: {json.dumps(document, separators=(',', ':'))}")
        call.info(f"Method completed with status: {status}")
        response = _json(status, document)
        response.headers["x-amzn-ErrorType"] = {401: "UnauthorizedException", 403: "AccessDeniedException"}.get(
            status, "AuthorizerConfigurationException")
        raise _Stop(response)

    def _identity(self, call: _Call, source: str, path_params: dict) -> str | None:
        prefix, _, name = source.rpartition(".")
        if prefix == "method.request.header":
            return call.header(name)
        if prefix == "method.request.querystring":
            return dict(call.query).get(name)
        if prefix == "method.request.path":
            return path_params.get(name)
        if prefix == "stageVariables":
            return call.stage_variables.get(name)
        if prefix == "context":
            return {"requestId": call.request_id, "stage": call.stage, "httpMethod": call.method}.get(name)
        return None

    def _method_arn(self, call: _Call, resource_path: str) -> str:
        return (f"arn:aws:execute-api:{call.region}:{self._account_id(call.region)}:{call.api_id}/{call.stage}/"
                f"{call.method}{call.path if call.path.startswith('/') else '/' + call.path}")

    def _account_id(self, region: str) -> str:
        with self._lock:
            if self._account:
                return self._account
        try:
            account = self.plane.clients("sts", region).get_caller_identity()["Account"]
        except Exception:
            account = "123456789012"
        with self._lock:
            self._account = account
        return account

    def _request_event(self, call: _Call, resource: dict, path_params: dict, method_arn: str | None,
                       authorizer_event: bool) -> dict:
        multi_headers: dict[str, list[str]] = {}
        for key, value in call.headers.items():
            multi_headers.setdefault(key, []).append(value)
        multi_query: dict[str, list[str]] = {}
        for key, value in call.query:
            multi_query.setdefault(key, []).append(value)
        single_query = {k: v[-1] for k, v in multi_query.items()}
        context = {
            "resourceId": resource.get("id"), "resourcePath": resource.get("path"), "httpMethod": call.method,
            "extendedRequestId": call.extended_id, "requestTime": _request_time(),
            "path": f"/{call.stage}{call.path}", "accountId": self._account_id(call.region), "protocol": "HTTP/1.1",
            "stage": call.stage, "domainPrefix": call.api_id, "requestTimeEpoch": int(time.time() * 1000),
            "requestId": call.request_id,
            "identity": {"cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None, "caller": None,
                         "sourceIp": call.source_ip, "principalOrgId": None, "accessKey": None,
                         "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None, "userArn": None,
                         "userAgent": call.header("User-Agent"), "user": None, "apiKey": None, "apiKeyId": None,
                         "clientCert": None},
            "domainName": f"{call.api_id}.execute-api.{call.region}.amazonaws.com", "apiId": call.api_id,
        }
        event = {
            "resource": resource.get("path"), "path": call.path, "httpMethod": call.method,
            "headers": dict(call.headers), "multiValueHeaders": multi_headers,
        }
        if authorizer_event:
            event = {"type": "REQUEST", "methodArn": method_arn, **event,
                     "queryStringParameters": single_query, "multiValueQueryStringParameters": multi_query,
                     "pathParameters": dict(path_params), "stageVariables": dict(call.stage_variables),
                     "requestContext": context}
        else:
            event.update({
                "queryStringParameters": single_query or None, "multiValueQueryStringParameters": multi_query or None,
                "pathParameters": dict(path_params) or None, "stageVariables": dict(call.stage_variables) or None,
                "requestContext": context, "body": call.body.decode("utf-8", "replace") if call.body else None,
                "isBase64Encoded": False,
            })
        return event

    # integrations -----------------------------------------------------------------------------
    def _mock(self, call: _Call, integration: dict) -> Response:
        template = _pick_template(integration.get("requestTemplates") or {}, call.header("Content-Type"))
        found = _STATUS_IN_TEMPLATE.search(template or "")
        status = found.group(1) if found else "200"
        return self._integration_response(call, integration, status, b"", {})

    def _integration_response(self, call: _Call, integration: dict, status: str, body: bytes,
                              headers: dict) -> Response:
        responses = integration.get("integrationResponses") or {}
        chosen = None
        for item in responses.values():
            pattern = item.get("selectionPattern")
            if pattern and re.fullmatch(pattern, status):
                chosen = item
                break
        if chosen is None:
            chosen = next((item for item in responses.values() if not item.get("selectionPattern")), None)
        if chosen is None:
            call.error("Execution failed due to configuration error: No match for output mapping and no default "
                       f"output mapping configured. Endpoint Response Status Code: {status}")
            call.error("Method completed with status: 500")
            raise _Stop(_json(500, INTERNAL_ERROR))
        template = _pick_template(chosen.get("responseTemplates") or {}, "application/json")
        out = body if template is None else _render(template, body).encode()
        response = Response(int(chosen.get("statusCode") or 200), out, {"Content-Type": "application/json"})
        for name, value in (chosen.get("responseParameters") or {}).items():
            if name.startswith("method.response.header.") and value.startswith("'") and value.endswith("'"):
                response.headers[name[len("method.response.header."):]] = value[1:-1]
        return response

    def _http(self, call: _Call, integration: dict, path_params: dict, proxy: bool) -> Response:
        uri = integration.get("uri") or ""
        for name, value in path_params.items():
            uri = uri.replace("{" + name + "}", urllib.parse.quote(value, safe="/" if name.endswith("+") else ""))
            uri = uri.replace("{" + name.rstrip("+") + "}", urllib.parse.quote(value, safe="/"))
        parsed = urllib.parse.urlsplit(uri)
        method = (integration.get("httpMethod") or call.method).upper()
        method = call.method if method == "ANY" else method
        query = urllib.parse.urlencode(call.query) if proxy else ""
        target = (parsed.path or "/") + ("?" + "&".join(q for q in (parsed.query, query) if q) if parsed.query or query else "")
        headers = {k: v for k, v in call.headers.items() if k.lower() not in ("host", "content-length", "connection")} \
            if proxy else {"Content-Type": call.header("Content-Type") or "application/json"}
        call.info(f"Endpoint request URI: {urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path, '', ''))}")
        call.data(f"Endpoint request body after transformations: {_text(call.body)}")
        call.info(f"Sending request to {urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path, '', ''))}")
        timeout = float(integration.get("timeoutInMillis") or INTEGRATION_TIMEOUT_S * 1000) / 1000
        cls = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
        connection = cls(parsed.hostname or "", parsed.port, timeout=timeout)
        try:
            connection.request(method, target, body=call.body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            answer_headers = {k: v for k, v in answer.getheaders()
                              if k.lower() not in ("connection", "transfer-encoding", "content-length")}
            status = answer.status
        except (OSError, http.client.HTTPException) as exc:
            call.error(f"Execution failed due to configuration error: {type(exc).__name__}: {exc}")
            call.error("Method completed with status: 502" if not isinstance(exc, TimeoutError) else
                       "Method completed with status: 504")
            raise _Stop(_json(504 if isinstance(exc, TimeoutError) else 502, INTERNAL_ERROR)) from None
        finally:
            connection.close()
        call.info(f"Received response. Status: {status}, Integration latency: 0 ms")
        call.data(f"Endpoint response body before transformations: {_text(data)}")
        if proxy:
            return Response(status, data, answer_headers)
        return self._integration_response(call, integration, str(status), data, answer_headers)

    def _lambda_proxy(self, call: _Call, integration: dict, resource: dict, path_params: dict) -> Response:
        found = _LAMBDA_URI.match(integration.get("uri") or "")
        lambdas = getattr(self.plane, "lambdas", None)
        if not found or lambdas is None:
            call.error("Execution failed due to configuration error: Invalid Lambda function URI" if not found else
                       "Execution failed due to configuration error: the sandbox cannot run Lambda functions")
            call.error("Method completed with status: 500")
            raise _Stop(_json(500, INTERNAL_ERROR))
        event = self._request_event(call, resource, path_params, None, authorizer_event=False)
        endpoint = f"https://lambda.{call.region}.amazonaws.com/2015-03-31/functions/{found.group(2)}/invocations"
        call.info(f"Endpoint request URI: {endpoint}")
        source_arn = (f"arn:aws:execute-api:{call.region}:{self._account_id(call.region)}:{call.api_id}/{call.stage}/"
                      f"{call.method}{resource.get('path')}")
        if not integration.get("credentials") and not self._may_invoke(call.region, found.group(2), source_arn):
            call.error("Execution failed due to configuration error: Invalid permissions on Lambda function")
            call.error("Method completed with status: 500")
            raise _Stop(_json(500, INTERNAL_ERROR))
        call.info(f"Sending request to {endpoint}")
        invocation = self._invoke(call, found.group(2), event)
        if invocation is None:
            call.error("Method completed with status: 502")
            raise _Stop(_json(502, INTERNAL_ERROR))
        call.data(f"Endpoint response body before transformations: {json.dumps(invocation.payload)}")
        result = invocation.payload
        if not invocation.ok or not isinstance(result, dict) or not isinstance(result.get("statusCode", 200), int):
            call.error("Lambda execution failed with status 200 due to customer function error" if not invocation.ok
                       else "Execution failed due to configuration error: Malformed Lambda proxy response")
            call.error("Method completed with status: 502")
            raise _Stop(_json(502, INTERNAL_ERROR))
        body = result.get("body")
        raw = b"" if body is None else (base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode())
        headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers[key] = ",".join(str(v) for v in values)
        headers.setdefault("Content-Type", "application/json")
        return Response(int(result.get("statusCode", 200)), raw, headers)

    # logs -------------------------------------------------------------------------------------
    def _write_logs(self, call: _Call) -> None:
        import botocore.exceptions

        group = f"API-Gateway-Execution-Logs_{call.api_id}/{call.stage}"
        stream = uuid.uuid4().hex
        logs = self.plane.clients("logs", call.region)
        try:
            try:
                logs.create_log_group(logGroupName=group)
            except botocore.exceptions.ClientError as exc:
                if exc.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                    raise
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
            logs.put_log_events(logGroupName=group, logStreamName=stream,
                                logEvents=[{"timestamp": ts, "message": message} for ts, message in call.lines])
        except Exception:
            log.exception("could not write execution logs to %s", group)


# -- helpers -------------------------------------------------------------------------------


def _match_path(pattern: list[str], wanted: list[str]) -> tuple[tuple, dict] | None:
    """(specificity, path parameters) when the resource path matches; literal beats {param}
    beats {greedy+}."""
    params: dict[str, str] = {}
    score = []
    for index, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            if index >= len(wanted) or index != len(pattern) - 1:
                return None
            params[part[1:-2]] = "/".join(wanted[index:])
            score.append(0)
            return tuple(score), params
        if index >= len(wanted):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = urllib.parse.unquote(wanted[index])
            score.append(1)
        elif part == wanted[index]:
            score.append(2)
        else:
            return None
    if len(pattern) != len(wanted):
        return None
    return tuple(score) + (3,), params


def _evaluate(policy: dict, method_arn: str) -> str | None:
    """'Deny' if a statement denies execute-api:Invoke on the method, else 'Allow' if one allows it."""
    statements = policy.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        actions = statement.get("Action") or []
        resources = statement.get("Resource") or []
        actions = actions if isinstance(actions, list) else [actions]
        resources = resources if isinstance(resources, list) else [resources]
        if not any(_glob(str(a).lower(), "execute-api:invoke") for a in actions):
            continue
        if not any(_glob(str(r), method_arn) for r in resources):
            continue
        effect = str(statement.get("Effect", "")).capitalize()
        if effect == "Deny":
            return "Deny"
        allowed = allowed or effect == "Allow"
    return "Allow" if allowed else None


def _glob(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value) is not None


def _pick_template(templates: dict, content_type: str | None) -> str | None:
    if not templates:
        return None
    wanted = (content_type or "application/json").split(";")[0].strip().lower()
    for key, value in templates.items():
        if key.lower() == wanted:
            return value
    return templates.get("application/json", next(iter(templates.values())))


def _render(template: str, body: bytes) -> str:
    """The smallest useful VTL: a literal template, `$input.body` and `$input.json('$')`."""
    text = body.decode("utf-8", "replace")
    return (template.replace("$input.json('$')", text or "{}").replace('$input.json("$")', text or "{}")
            .replace("$input.body", text))


def _json(status: int, document) -> Response:
    return Response(status, json.dumps(document, separators=(",", ":")).encode(), {"Content-Type": "application/json"})


def _title(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _mask(value: str, keep: int = 0) -> str:
    """Stars for a credential; `keep` trailing characters shown (API Gateway shows 6 of a principal)."""
    if not value:
        return ""
    if keep and len(value) > keep:
        return "*" * (len(value) - keep) + value[-keep:]
    return "*" * len(value) if not keep else value


def _masked_headers(headers: dict) -> dict:
    return {k: (_mask(v) if k.lower() in _MASKED_HEADERS else v) for k, v in headers.items()}


def _java_map(values: dict) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in values.items()) + "}"


def _text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    text = body if isinstance(body, str) else body.decode("utf-8", "replace")
    return text if len(text) <= 1024 * 64 else text[: 1024 * 64] + " [TRUNCATED]"


def _request_time() -> str:
    return datetime.now(timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
