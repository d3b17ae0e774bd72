"""Step kinds `rest_api` and `apigateway_cloudwatch_role`.

`rest_api` builds the workshop's REST API: REGIONAL, only `POST /` with a MOCK integration that
answers 200, guarded by a REQUEST Lambda authorizer on the Authorization header with result
caching off (TTL 0), the Lambda permission for apigateway.amazonaws.com (from exactly that
authorizer), deployed to stage Prod with execution logging at INFO and data trace for `*/*`.
Ids AWS picks while the plan runs (the API's, its root resource's, the authorizer's) appear as
placeholders in the plan, bound to the answer of the call that creates them; the executor fills
them into the following calls, so `--dry-run` shows every call. The execution log group `API-Gateway-Execution-Logs_{id}/Prod`,
which API Gateway creates itself, is recorded when the API is created so cleanup removes it.

`apigateway_cloudwatch_role` handles API Gateway's account-level CloudWatch Logs role (one per
account and region, needed for execution logs). An existing one is reused and left alone. When
there is none, the tool creates `workshop-apigateway-cloudwatch` (trusted by API Gateway only,
with the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs), sets it, says so, and records
the previous value: cleanup puts it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import assets, ownership
from ..aws import arns
from ..aws.lookups import dangling_role, execution_log_group, find_api, root_resource_id
from ..ledger import Resource
from . import step_kind
from .iam import IamRoleArgs, plan_role
from .permissions import invoke_permission
from .plan import ApiCall, Custom, Note, Output, Record
from .resources import Kind, register

API_ID = "<id of the new REST API>"
ROOT_ID = "<id of its root resource>"
AUTHORIZER_ID = "<id of the new authorizer>"
MANAGED_LOGS_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
MOCK_REQUEST = '{"statusCode": 200}'
MOCK_RESPONSE = '{"message": "Received by the workshop API"}'


@dataclass
class RestApiArgs:
    name: str
    authorizer_function: str  # Lambda function name of the REQUEST authorizer
    stage: str = "Prod"
    authorizer_name: str = "BasicAuthorizer"
    description: str = ""


@step_kind("rest_api", RestApiArgs)
def plan(ctx, args: RestApiArgs):
    apigw = ctx.client("apigateway")
    label = f"REST API {args.name}"
    api = find_api(ctx, args.name)
    if api is not None and not ctx.ours_tagged("rest_api", args.name, api.get("tags")):
        return [ctx.existing_note("rest_api", args.name, label),
                Note(f"{label} ({api['id']}) is not workshop's: used as it is, not changed. The API destination module "
                     "needs its POST / to accept only the workshop's Basic credentials", "warn")]
    instructions: list = []
    api_id = api["id"] if api else API_ID
    root = root_resource_id(ctx, api) if api else ROOT_ID
    changed = api is None

    if api is None:
        instructions.append(ApiCall(
            "apigateway", "create_rest_api",
            {"name": args.name, "description": args.description or "The workshop's API destination endpoint",
             "endpointConfiguration": {"types": ["REGIONAL"]}, **ownership.tags_param("apigateway", ctx.module_id)},
            f"Create {label} (REGIONAL; API Gateway writes its execution logs to "
            f"API-Gateway-Execution-Logs_<id>/{args.stage}, which cleanup removes too)",
            records=Resource("rest_api", args.name, {"name": args.name, "stage": args.stage, "id": Output("id")}),
            binds={API_ID: Output("id"), ROOT_ID: Output("rootResourceId", otherwise=lambda result: root_resource_id(ctx, result))}))
        group = execution_log_group(API_ID, args.stage)
        instructions.append(Record(Resource("log_group", group, {"name": group, "made_by": "apigateway"}),
                                   f"Record {group}: API Gateway creates it, and cleanup removes it"))
    else:
        instructions.append(Note(f"{label} ({api_id}) is already in place", "exists"))

    # the authorizer --------------------------------------------------------------------------
    uri = arns.lambda_integration_uri(ctx, arns.function(ctx, args.authorizer_function))
    wanted = {"type": "REQUEST", "authorizerUri": uri, "identitySource": "method.request.header.Authorization",
              "authorizerResultTtlInSeconds": 0}
    current = None
    if api is not None:
        current = next((a for page in apigw.get_paginator("get_authorizers").paginate(restApiId=api_id)
                        for a in page.get("items", []) if a.get("name") == args.authorizer_name), None)
    authorizer_id = current["id"] if current else AUTHORIZER_ID
    if current is None:
        changed = True
        instructions.append(ApiCall(
            "apigateway", "create_authorizer", {"restApiId": api_id, "name": args.authorizer_name, **wanted},
            f"Create the REQUEST authorizer {args.authorizer_name} (Lambda {args.authorizer_function}, "
            "header Authorization, result caching off)",
            binds={AUTHORIZER_ID: Output("id")}))
    else:
        patches = [{"op": "replace", "path": f"/{k}", "value": str(v)} for k, v in wanted.items()
                   if k != "type" and current.get(k) != v]
        if current.get("type") != "REQUEST":
            instructions.append(Note(f"Authorizer {args.authorizer_name} is {current.get('type')}, not REQUEST: "
                                     "delete it (or the API) and run again", "warn"))
        if patches:
            changed = True
            instructions.append(ApiCall("apigateway", "update_authorizer",
                                        {"restApiId": api_id, "authorizerId": authorizer_id, "patchOperations": patches},
                                        f"Update the authorizer {args.authorizer_name}: {', '.join(p['path'][1:] for p in patches)}"))
        else:
            instructions.append(Note(f"Authorizer {args.authorizer_name} is already in place", "exists"))

    source = arns.execute_api(ctx, api_id, f"authorizers/{authorizer_id}")
    instructions += invoke_permission(ctx, args.authorizer_function, "workshop-apigateway-authorizer", "apigateway.amazonaws.com",
                                      source, f"Let API Gateway invoke {args.authorizer_function} as the authorizer of {label} only",
                                      f"Permission workshop-apigateway-authorizer on {args.authorizer_function}")

    # POST / with a mock integration ----------------------------------------------------------
    method = ctx.found(lambda: apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="POST")) if api else None
    if method is not None and not _method_ok(method, authorizer_id):
        changed = True
        instructions.append(ApiCall("apigateway", "delete_method", {"restApiId": api_id, "resourceId": root, "httpMethod": "POST"},
                                    f"Replace POST / of {label}: it is not the workshop's mock behind the authorizer"))
        method = None
    if method is None:
        changed = True
        where = {"restApiId": api_id, "resourceId": root, "httpMethod": "POST"}
        instructions += [
            ApiCall("apigateway", "put_method", {**where, "authorizationType": "CUSTOM", "authorizerId": authorizer_id},
                    f"Add POST / to {label}, guarded by {args.authorizer_name}"),
            ApiCall("apigateway", "put_method_response", {**where, "statusCode": "200"}, "Declare its 200 response"),
            ApiCall("apigateway", "put_integration",
                    {**where, "type": "MOCK", "requestTemplates": {"application/json": MOCK_REQUEST}},
                    "Answer POST / with a MOCK integration"),
            ApiCall("apigateway", "put_integration_response",
                    {**where, "statusCode": "200", "responseTemplates": {"application/json": MOCK_RESPONSE}},
                    "Make the mock answer 200"),
        ]
    else:
        instructions.append(Note("POST / (mock, behind the authorizer) is already in place", "exists"))

    # deployment, stage and execution logging -------------------------------------------------
    stage = ctx.found(lambda: apigw.get_stage(restApiId=api_id, stageName=args.stage)) if api else None
    if changed or stage is None:
        instructions.append(ApiCall("apigateway", "create_deployment",
                                    {"restApiId": api_id, "stageName": args.stage, "description": "workshop"},
                                    f"Deploy {label} to stage {args.stage}"))
    settings = (stage or {}).get("methodSettings", {}).get("*/*", {})
    if settings.get("loggingLevel") != "INFO" or settings.get("dataTraceEnabled") is not True:
        instructions.append(ApiCall(
            "apigateway", "update_stage",
            {"restApiId": api_id, "stageName": args.stage, "patchOperations": [
                {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
                {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"}]},
            f"Turn on execution logging (INFO, with data trace) for stage {args.stage}"))
    elif not changed:
        instructions.append(Note(f"Stage {args.stage} (execution logging INFO, data trace on) is already in place", "exists"))
    return instructions


def _method_ok(method: dict, authorizer_id: str) -> bool:
    integration = method.get("methodIntegration") or {}
    return (method.get("authorizationType") == "CUSTOM" and method.get("authorizerId") == authorizer_id
            and integration.get("type") == "MOCK" and "200" in (integration.get("integrationResponses") or {})
            and "200" in (method.get("methodResponses") or {}))


# the account-level CloudWatch Logs role ------------------------------------------------------
@dataclass
class CloudWatchRoleArgs:
    role: str = "workshop-apigateway-cloudwatch"


@step_kind("apigateway_cloudwatch_role", CloudWatchRoleArgs)
def plan_cloudwatch_role(ctx, args: CloudWatchRoleArgs):
    apigw = ctx.client("apigateway")
    current = apigw.get_account().get("cloudwatchRoleArn") or ""
    mine = arns.role(ctx, args.role)
    instructions: list = []
    if current and not dangling_role(ctx, current):
        if current == mine and ctx.backend.ledger.has("apigateway_account", "cloudwatchRoleArn"):
            return [Note(f"API Gateway's CloudWatch Logs role in {ctx.region} is workshop's {args.role}: already in place", "exists")]
        return [Note(f"API Gateway in {ctx.region} already has a CloudWatch Logs role ({current}): reused and left alone", "info")]
    if current:  # set, but to a role that is gone: no execution log can be written, so it is not "in place"
        instructions.append(Note(f"API Gateway's CloudWatch Logs role in {ctx.region} is {current}, which does not exist: "
                                 f"workshop sets its own instead (`workshop cleanup` puts the old value back)", "warn"))

    role = IamRoleArgs(name=args.role, service="apigateway.amazonaws.com",
                       description="Lets API Gateway write execution logs to CloudWatch Logs (set by the EventBridge workshop)",
                       managed_policies=[MANAGED_LOGS_POLICY])
    inline = {}
    if ctx.found(lambda: ctx.client("iam").get_policy(PolicyArn=MANAGED_LOGS_POLICY)) is None:
        role.managed_policies = []
        inline = {"apigateway-execution-logs": assets.policy("apigateway-execution-logs", Region=ctx.region, Account=ctx.account)}
        instructions.append(Note("This backend has no AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs: the role gets "
                                 "an inline policy with the same log permissions, limited to API Gateway execution log groups",
                                 "info"))
    instructions += plan_role(ctx, role, inline)
    instructions.append(ApiCall(
        "apigateway", "update_account",
        {"patchOperations": [{"op": "replace", "path": "/cloudwatchRoleArn", "value": mine}]},
        f"Set API Gateway's CloudWatch Logs role for {ctx.region} to {args.role}: there was "
        f"{'only a role that does not exist' if current else 'none'}, and this is a setting of "
        "the whole account in this region (it lets every REST API here write execution logs); `workshop cleanup` removes it again",
        records=Resource("apigateway_account", "cloudwatchRoleArn", {"previous": current, "set_to": mine}), announce=True))
    return instructions


def _restore_account(r: Resource) -> list:
    """Put the previous value back, unless someone changed the setting after the tool set it."""
    previous, ours = r.attrs.get("previous") or "", r.attrs.get("set_to") or ""
    what = f"back to {previous.rsplit('/', 1)[-1]}" if previous else "back to none"

    def run(client):
        apigw = client("apigateway")
        current = apigw.get_account().get("cloudwatchRoleArn") or ""
        if current != ours:
            return  # changed by someone else since: theirs now, left alone
        apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": previous}])

    return [Custom("apigateway", f"Set API Gateway's account-level CloudWatch Logs role {what} "
                                 "(unless it was changed since workshop set it)", run)]


# finding an interrupted create again ----------------------------------------------------------
def _find_rest_api(backend, r: Resource) -> dict | None:
    """API names are not unique: ours is the one named so with the mark (and no other record)."""
    for page in backend.client("apigateway").get_paginator("get_rest_apis").paginate():
        for api in page.get("items", []):
            if api.get("name") == r.attrs["name"] and ownership.marked(api.get("tags")):
                group = execution_log_group(api["id"], r.attrs.get("stage", "Prod"))
                return {"id": api["id"], "also": [Resource("log_group", group, {"name": group, "made_by": "apigateway"})]}
    return None


def _find_account_setting(backend, r: Resource) -> dict | None:
    current = backend.client("apigateway").get_account().get("cloudwatchRoleArn") or ""
    return {} if current and current == r.attrs.get("set_to") else None


# deletion ------------------------------------------------------------------------------------
register("rest_api", Kind("REST API", lambda r: [ApiCall(
    "apigateway", "delete_rest_api", {"restApiId": r.attrs["id"]},
    f"Delete REST API {r.attrs['name']} ({r.attrs['id']}), its stages and deployments")] if r.attrs.get("id") else [], find=_find_rest_api,
    uses=("lambda_function", "log_group")))
# Put back before the role goes: API Gateway must never point at a role that no longer exists.
register("apigateway_account", Kind("API Gateway account setting", _restore_account,
                                    find=_find_account_setting, uses=("iam_role",)))
