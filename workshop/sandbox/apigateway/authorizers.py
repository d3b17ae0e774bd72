"""CUSTOM authorizers (REQUEST and TOKEN) run through the sandbox's Lambda runner, and the gateway
responses they end in (401, 403, 500).
"""

from __future__ import annotations

import json
import logging
import re


from .shapes import (Call, EXPLICIT_DENY, IMPLICIT_DENY, LAMBDA_URI, Stop, UNAUTHORIZED, evaluate_policy,
                    json_response, mask)

log = logging.getLogger("workshop.sandbox.apigateway")


class Authorizing:
    """The authorizer half of `ApiGateway` (a mixin: it uses the gateway's clients and invoke_lambda)."""

    # authorizers ------------------------------------------------------------------------------
    def _authorize(self, client, call: Call, resource: dict, method: dict, path_params: dict) -> None:
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
        call.info(f"Incoming identity: {mask(','.join(v or '' for v in values))}")
        uri = authorizer.get("authorizerUri") or ""
        found = LAMBDA_URI.match(uri)
        if not found:
            call.error("Execution failed due to configuration error: Invalid authorizer URI")
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
        call.info(f"Using valid authorizer policy for principal: {mask(str(result.get('principalId')), keep=6)}")
        call.info("Successfully completed authorizer execution")
        decision = evaluate_policy(result["policyDocument"], method_arn)
        if decision == "Deny":
            call.info("The client is not authorized to perform this operation.")
            self._gateway_response(call, "ACCESS_DENIED", 403, EXPLICIT_DENY)
        if decision != "Allow":
            call.info("The client is not authorized to perform this operation.")
            self._gateway_response(call, "ACCESS_DENIED", 403, IMPLICIT_DENY)

    def _invoke(self, call: Call, function_arn: str, event: dict):
        """Run the function through the sandbox's Lambda runner; None (logged) when it cannot run."""
        try:
            return self.invoke_lambda(call.region, function_arn, event)
        except Exception as exc:  # no such function, no code, unsupported runtime
            call.error(f"Execution failed due to configuration error: {exc}")
            log.warning("API %s: cannot invoke %s: %s", call.api_id, function_arn, exc)
            return None

    def _may_invoke(self, region: str, function_arn: str, source_arn: str) -> bool:
        """API Gateway may call the function only if its resource policy lets apigateway.amazonaws.com."""
        import botocore.exceptions

        from ... import policy_documents

        try:
            policy = self.clients("lambda", region).get_policy(FunctionName=function_arn)["Policy"]
        except botocore.exceptions.ClientError:
            return False
        arn = function_arn.split(":function:")[0] + ":function:" + function_arn.split(":function:")[-1].split(":")[0] \
            if ":function:" in function_arn else function_arn
        context = {"aws:SourceArn": source_arn, "aws:SourceAccount": self._account_id(region)}
        return any(policy_documents.allows(policy, service="apigateway.amazonaws.com", action="lambda:InvokeFunction",
                                          resource=resource, context=context)
                   for resource in (arn, arn + ":$LATEST", function_arn))

    def _gateway_response(self, call: Call, kind: str, status: int, body: dict | None = None) -> None:
        document = body if body is not None else UNAUTHORIZED
        call.info(f"Gateway response type: {kind} with status code: {status}")
        call.data(f"Gateway response body: {json.dumps(document, separators=(',', ':'))}")
        call.info(f"Method completed with status: {status}")
        response = json_response(status, document)
        response.headers["x-amzn-ErrorType"] = {401: "UnauthorizedException", 403: "AccessDeniedException"}.get(
            status, "AuthorizerConfigurationException")
        raise Stop(response)

    def _identity(self, call: Call, source: str, path_params: dict) -> str | None:
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

    def _method_arn(self, call: Call, resource_path: str) -> str:
        return (f"arn:aws:execute-api:{call.region}:{self._account_id(call.region)}:{call.api_id}/{call.stage}/"
                f"{call.method}{call.path if call.path.startswith('/') else '/' + call.path}")

    def _account_id(self, region: str) -> str:
        with self._lock:
            if self._account:
                return self._account
        try:
            account = self.clients("sts", region).get_caller_identity()["Account"]
        except Exception:
            account = "123456789012"
        with self._lock:
            self._account = account
        return account
