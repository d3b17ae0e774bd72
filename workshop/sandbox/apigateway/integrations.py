"""Integrations (MOCK, HTTP, HTTP_PROXY, AWS_PROXY Lambda proxy) and the execution logs a request writes.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import re
import time
import urllib.parse
import uuid

from ..front import Response

from .shapes import (Call, INTEGRATION_TIMEOUT_S, INTERNAL_ERROR, LAMBDA_URI, STATUS_IN_TEMPLATE, Stop,
                    as_text, json_response, pick_template, render_template, request_time)

log = logging.getLogger("workshop.sandbox.apigateway")


class Integrating:
    """The integration half of `ApiGateway` (a mixin: it uses the gateway's clients and invoke_lambda)."""

    def _request_event(self, call: Call, resource: dict, path_params: dict, method_arn: str | None,
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
            "extendedRequestId": call.extended_id, "requestTime": request_time(),
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
    def _mock(self, call: Call, integration: dict) -> Response:
        template = pick_template(integration.get("requestTemplates") or {}, call.header("Content-Type"))
        found = STATUS_IN_TEMPLATE.search(template or "")
        status = found.group(1) if found else "200"
        return self._integration_response(call, integration, status, b"", {})

    def _integration_response(self, call: Call, integration: dict, status: str, body: bytes,
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
            raise Stop(json_response(500, INTERNAL_ERROR))
        template = pick_template(chosen.get("responseTemplates") or {}, "application/json")
        out = body if template is None else render_template(template, body).encode()
        response = Response(int(chosen.get("statusCode") or 200), out, {"Content-Type": "application/json"})
        for name, value in (chosen.get("responseParameters") or {}).items():
            if name.startswith("method.response.header.") and value.startswith("'") and value.endswith("'"):
                response.headers[name[len("method.response.header."):]] = value[1:-1]
        return response

    def _http(self, call: Call, integration: dict, path_params: dict, proxy: bool) -> Response:
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
        call.data(f"Endpoint request body after transformations: {as_text(call.body)}")
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
            raise Stop(json_response(504 if isinstance(exc, TimeoutError) else 502, INTERNAL_ERROR)) from None
        finally:
            connection.close()
        call.info(f"Received response. Status: {status}, Integration latency: 0 ms")
        call.data(f"Endpoint response body before transformations: {as_text(data)}")
        if proxy:
            return Response(status, data, answer_headers)
        return self._integration_response(call, integration, str(status), data, answer_headers)

    def _lambda_proxy(self, call: Call, integration: dict, resource: dict, path_params: dict) -> Response:
        found = LAMBDA_URI.match(integration.get("uri") or "")
        if not found:
            call.error("Execution failed due to configuration error: Invalid Lambda function URI")
            call.error("Method completed with status: 500")
            raise Stop(json_response(500, INTERNAL_ERROR))
        event = self._request_event(call, resource, path_params, None, authorizer_event=False)
        endpoint = f"https://lambda.{call.region}.amazonaws.com/2015-03-31/functions/{found.group(2)}/invocations"
        call.info(f"Endpoint request URI: {endpoint}")
        source_arn = (f"arn:aws:execute-api:{call.region}:{self._account_id(call.region)}:{call.api_id}/{call.stage}/"
                      f"{call.method}{resource.get('path')}")
        if not integration.get("credentials") and not self._may_invoke(call.region, found.group(2), source_arn):
            call.error("Execution failed due to configuration error: Invalid permissions on Lambda function")
            call.error("Method completed with status: 500")
            raise Stop(json_response(500, INTERNAL_ERROR))
        call.info(f"Sending request to {endpoint}")
        invocation = self._invoke(call, found.group(2), event)
        if invocation is None:
            call.error("Method completed with status: 502")
            raise Stop(json_response(502, INTERNAL_ERROR))
        call.data(f"Endpoint response body before transformations: {json.dumps(invocation.payload)}")
        result = invocation.payload
        if not invocation.ok or not isinstance(result, dict) or not isinstance(result.get("statusCode", 200), int):
            call.error("Lambda execution failed with status 200 due to customer function error" if not invocation.ok
                       else "Execution failed due to configuration error: Malformed Lambda proxy response")
            call.error("Method completed with status: 502")
            raise Stop(json_response(502, INTERNAL_ERROR))
        body = result.get("body")
        raw = b"" if body is None else (base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode())
        headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers[key] = ",".join(str(v) for v in values)
        headers.setdefault("Content-Type", "application/json")
        return Response(int(result.get("statusCode", 200)), raw, headers)

    # logs -------------------------------------------------------------------------------------
    def _write_logs(self, call: Call) -> None:
        import botocore.exceptions

        group = f"API-Gateway-Execution-Logs_{call.api_id}/{call.stage}"
        stream = uuid.uuid4().hex
        logs = self.clients("logs", call.region)
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
