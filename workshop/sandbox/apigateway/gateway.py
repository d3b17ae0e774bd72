"""`ApiGateway`: finds the REST API a request is for, matches its resource and method, and runs the
request through authorizer and integration (`authorizers.py`, `integrations.py`).

What a request reads of the APIs' configuration (stage, resources, method, authorizer, the
account's logging role) is kept between requests, and forgotten whenever moto accepts a change to
API Gateway (or a stack, which can make APIs): each request otherwise read it all again through
moto, a good part of the sandbox's work when every event goes to an API destination.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import urllib.parse

from ..front import Request, Response
from ..service import Service, sandbox_service
from .authorizers import Authorizing
from .integrations import Integrating
from .shapes import (Call, FORBIDDEN, HOST, INTERNAL_ERROR, LOCAL_PREFIX, MISSING_TOKEN, REGION, Stop,
                    USER_REQUEST, as_text, java_map, json_response, masked_headers, match_path, title_case)

log = logging.getLogger("workshop.sandbox.apigateway")


@sandbox_service("apigateway")
class ApiGateway(Service, Authorizing, Integrating):
    priority = 40

    def __init__(self, clients, regions: set[str], endpoint_url: str, lambdas):
        self.clients = clients
        self.regions = regions  # the regions requests have named, kept by the plane
        self.endpoint_url = endpoint_url
        self.invoke_lambda = lambdas.invoke_sync  # integrations and authorizers run functions
        self._account: str | None = None
        self._lock = threading.Lock()
        self._read: dict[tuple, dict] = {}  # (region, operation, parameters) -> moto's answer, until a change
        self._changes = 0

    def after_moto(self, request: Request) -> None:
        if request.method != "GET" and request.service in ("apigateway", "cloudformation"):
            with self._lock:
                self._read.clear()
                self._changes += 1

    def reset(self) -> None:
        with self._lock:
            self._read.clear()
            self._changes += 1

    def _configuration(self, region: str) -> "_KeptReads":
        return _KeptReads(self, region, self.clients("apigateway", region))

    def routes(self) -> dict:
        # REST APIs and their local execute-api URLs, for `workshop status`
        return {"/apis": lambda body: Response.of_json(self.list_apis())}

    # discovery --------------------------------------------------------------------------------
    def exists(self, region: str, api_id: str) -> bool:
        import botocore.exceptions

        try:
            self.clients("apigateway", region).get_rest_api(restApiId=api_id)
            return True
        except botocore.exceptions.ClientError:
            return False

    def _find_region(self, api_id: str, hint: str | None = None) -> str | None:
        regions = ([hint] if hint else []) + sorted(r for r in self.regions if r != hint)
        for region in regions:
            if self.exists(region, api_id):
                return region
        return None

    def list_apis(self) -> list[dict]:
        """Every REST API and stage in the sandbox, with its local and AWS-style URLs."""
        out = []
        for region in sorted(self.regions):
            client = self.clients("apigateway", region)
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
                        "local_url": f"{self.endpoint_url}{LOCAL_PREFIX}{api['id']}/{name}/" if name else None,
                        "aws_url": f"https://{api['id']}.execute-api.{region}.amazonaws.com/{name}/" if name else None,
                    })
        return out

    # the front --------------------------------------------------------------------------------
    def intercept(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        found = HOST.match(host)
        user_request = USER_REQUEST.match(request.path)
        if request.path.startswith(LOCAL_PREFIX):
            rest = request.path[len(LOCAL_PREFIX):]
            api_id, _, path = rest.partition("/")
            hint = None
        elif user_request:  # the other local form emulators share: /restapis/{id}/{stage}/_user_request_/{path}
            api_id, path, hint = user_request.group(1), f"{user_request.group(2)}/{user_request.group(3)}", None
        elif found and request.service in ("", "execute-api"):
            api_id, path = found.group(1), request.path.lstrip("/")
            hint = found.group(2).split(".")[0]
            hint = hint if REGION.match(hint) else None
        else:
            return None
        region = self._find_region(api_id, hint)
        if region is None:
            return Response.of_json({"message": f"No REST API {api_id} exists in this sandbox."}, 404)
        headers = {title_case(k): v for k, v in request.headers.items()}
        return self.invoke(region, api_id, request.method, "/" + path, request.query, headers, request.body,
                           source_ip="127.0.0.1")

    # one request ------------------------------------------------------------------------------
    def invoke(self, region: str, api_id: str, method: str, path: str, query: str, headers: dict,
               body: bytes, source_ip: str = "127.0.0.1") -> Response:
        """`path` is `/{stage}/{resource path}` as in the execute-api URL."""
        stage, _, rest = path.lstrip("/").partition("/")
        call = Call(region, api_id, stage, method.upper(), "/" + rest,
                     urllib.parse.parse_qsl(query or "", keep_blank_values=True), dict(headers), body or b"",
                     source_ip)
        try:
            response = self._run(call)
        except Stop as stop:
            response = stop.response
        except Exception as exc:  # our bug: answer like API Gateway, keep the details in our log
            log.exception("API Gateway stand-in failed for %s %s", method, path)
            call.error(f"Execution failed due to an internal error: {type(exc).__name__}")
            call.error("Method completed with status: 500")
            response = json_response(500, INTERNAL_ERROR)
        response.headers.setdefault("x-amzn-RequestId", call.request_id)
        response.headers.setdefault("x-amz-apigw-id", call.extended_id)
        if call.lines:
            self._write_logs(call)
        return response

    def _run(self, call: Call) -> Response:
        import botocore.exceptions

        client = self._configuration(call.region)
        try:
            stage = client.get_stage(restApiId=call.api_id, stageName=call.stage)
        except botocore.exceptions.ClientError:
            return json_response(403, FORBIDDEN)
        call.stage_variables = stage.get("variables") or {}
        resource, path_params = self._match_resource(client, call)
        if resource is None:
            return json_response(403, MISSING_TOKEN)
        methods = resource.get("resourceMethods") or {}
        http_method = call.method if call.method in methods else ("ANY" if "ANY" in methods else None)
        if http_method is None:
            return json_response(403, MISSING_TOKEN)
        method = client.get_method(restApiId=call.api_id, resourceId=resource["id"], httpMethod=http_method)
        self._logging_settings(client, call, stage, resource["path"], call.method)

        call.info(f"Extended Request Id: {call.extended_id}")
        if method.get("authorizationType") == "CUSTOM" and method.get("authorizerId"):
            self._authorize(client, call, resource, method, path_params)
        self._usage_plan(call, resource["path"])
        call.info(f"Starting execution for request: {call.request_id}")
        call.info(f"HTTP Method: {call.method}, Resource Path: {call.path}")
        call.data(f"Method request path: {java_map(path_params)}")
        call.data(f"Method request query string: {java_map(dict(call.query))}")
        call.data(f"Method request headers: {java_map(masked_headers(call.headers))}")
        call.data(f"Method request body before transformations: {as_text(call.body)}")

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
            return json_response(500, INTERNAL_ERROR)
        call.data(f"Method response body after transformations: {as_text(response.body)}")
        call.data(f"Method response headers: {java_map(response.headers)}")
        call.info("Successfully completed execution")
        call.info(f"Method completed with status: {response.status}")
        return response

    # routing ----------------------------------------------------------------------------------
    def _match_resource(self, client, call: Call) -> tuple[dict | None, dict]:
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
            found = match_path([s for s in resource.get("path", "/").split("/") if s], wanted)
            if found is None:
                continue
            score, params = found
            if best_score is None or score > best_score:
                best, best_score, best_params = resource, score, params
        return best, best_params

    def _logging_settings(self, client, call: Call, stage: dict, resource_path: str, method: str) -> None:
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

    def _usage_plan(self, call: Call, resource_path: str) -> None:
        call.info(f"Verifying Usage Plan for request: {call.request_id}. API Key:  API Stage: {call.api_id}/{call.stage}")
        call.info(f"API Key  authorized because method '{call.method} {resource_path}' does not require API Key. "
                  "Request will not contribute to throttle or quota limits")
        call.info(f"Usage Plan check succeeded for API Key  and API Stage {call.api_id}/{call.stage}")


class _KeptReads:
    """The apigateway client, with the configuration reads a request makes answered from what the
    gateway kept (copies: a caller may change what it gets) while nothing has changed since."""

    KEPT = frozenset({"get_stage", "get_resources", "get_method", "get_authorizer", "get_account"})

    def __init__(self, gateway: ApiGateway, region: str, client):
        self._gateway, self._region, self._client = gateway, region, client

    def __getattr__(self, name: str):
        call = getattr(self._client, name)
        if name not in self.KEPT:
            return call

        def kept(**params):
            gateway = self._gateway
            key = (self._region, name, json.dumps(params, sort_keys=True))
            with gateway._lock:
                answer, changes = gateway._read.get(key), gateway._changes
            if answer is None:
                answer = call(**params)  # a refusal is not kept: it is asked again
                with gateway._lock:
                    if gateway._changes == changes:  # nothing changed while moto answered
                        gateway._read[key] = answer
            return copy.deepcopy(answer)

        return kept
