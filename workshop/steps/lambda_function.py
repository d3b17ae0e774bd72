"""Step kind `lambda_function`: a Python function from `workshop/assets/lambda/CODE/`.

The code is zipped in memory, deterministically, so a second run compares CodeSha256 and changes
nothing. A role created moments ago may not be assumable by Lambda yet: CreateFunction is retried
while Lambda says so (bounded, with a message), and every create or update waits until the
function is Active and its last update finished before the next call. The function's log group
`/aws/lambda/NAME` (Lambda creates it on the first invocation) is recorded in the ledger when the
function is created, so cleanup removes it too; deleting it tolerates "not found".

The async invoke config is created with put (when there is none) and changed with update, so
destinations a learner adds later are kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .. import assets, ownership
from ..aws.arns import role as role_arn
from ..errors import WorkshopError
from ..ledger import Resource
from . import step_kind
from .plan import ApiCall, Custom, Note, Record, Wait
from .resources import Kind, answer, async_settings_lane, register

SUPPORTED_RUNTIMES = ("python3.12", "python3.13", "python3.14")
ACTIVE_LIMIT_S = 120.0


@dataclass
class AsyncInvokeArgs:
    max_retries: int = 2
    max_event_age_seconds: int = 21600


@dataclass
class LambdaFunctionArgs:
    name: str
    code: str  # folder under workshop/assets/lambda
    role: str  # IAM role name
    handler: str = "app.handler"
    runtime: str = "python3.12"
    timeout: int = 10
    memory: int = 128
    description: str = ""
    async_invoke: AsyncInvokeArgs | None = None

    def __post_init_yaml__(self):
        if self.runtime not in SUPPORTED_RUNTIMES:
            raise ValueError(f"runtime must be a current Python runtime: {', '.join(SUPPORTED_RUNTIMES)}")
        if not assets.path("lambda", self.code).is_dir():
            raise ValueError(f"there is no Lambda source folder '{self.code}' under workshop/assets/lambda")
        if self.async_invoke and not 0 <= self.async_invoke.max_retries <= 2:
            raise ValueError("async-invoke max-retries must be 0, 1 or 2")
        if self.async_invoke and not 60 <= self.async_invoke.max_event_age_seconds <= 21600:
            raise ValueError("async-invoke max-event-age-seconds must be between 60 and 21600")


def log_group_name(name: str) -> str:
    return f"/aws/lambda/{name}"


def _ready(ctx, name: str) -> Wait:
    """Lambda creates and updates a function asynchronously: the next call waits for this one."""
    return Wait("lambda", f"Wait until Lambda function {name} is Active", lambda client: wait_until_ready(ctx, name))


def wait_until_ready(ctx, name: str, limit_s: float = ACTIVE_LIMIT_S) -> dict:
    """Poll until State is Active and LastUpdateStatus is not InProgress; bounded, with a message."""
    lam = ctx.client("lambda")
    deadline = time.monotonic() + limit_s
    told = False
    delay = 0.2
    while True:
        config = lam.get_function_configuration(FunctionName=name)
        state, update = config.get("State", "Active"), config.get("LastUpdateStatus", "Successful")
        if state == "Failed" or update == "Failed":
            reason = config.get("StateReason") or config.get("LastUpdateStatusReason") or "no reason given"
            raise WorkshopError(f"Lambda could not set up function {name}: {reason}.")
        if state == "Active" and update != "InProgress":
            return config
        if time.monotonic() >= deadline:
            raise WorkshopError(f"Lambda function {name} is still {state} ({update}) after {limit_s:.0f}s: "
                                "run the command again in a minute.")
        if not told:
            ctx.ui.step_note(f"Waiting for Lambda function {name} to become Active (state {state}, last update {update})", "info")
            told = True
        time.sleep(delay)
        delay = min(delay * 2, 5.0)


def why_broken(config: dict) -> str:
    """What makes an existing function unusable ('Failed: its reason'), or '' when it can run."""
    if config.get("State") == "Failed":
        return f"Failed ({config.get('StateReason') or 'no reason given'})"
    if config.get("LastUpdateStatus") == "Failed":
        return f"Failed at its last update ({config.get('LastUpdateStatusReason') or 'no reason given'})"
    return ""


@step_kind("lambda_function", LambdaFunctionArgs)
def plan(ctx, args: LambdaFunctionArgs):
    lam = ctx.client("lambda")
    package = assets.lambda_package(args.code, ctx.scenario.credentials.pair() if ctx.scenario.credentials else None)
    sha = assets.code_sha256(package)
    role = role_arn(ctx, args.role)
    wanted = {"Runtime": args.runtime, "Handler": args.handler, "Role": role, "Timeout": args.timeout,
              "MemorySize": args.memory, "Description": args.description}
    label = f"Lambda function {args.name}"
    existing = ctx.found(lambda: lam.get_function(FunctionName=args.name))
    instructions: list = []
    if existing is None:
        group = log_group_name(args.name)
        if not _log_group_exists(ctx, group):
            # Lambda makes this group on the first invocation; recorded first, so no interrupt loses it
            instructions.append(Record(Resource("log_group", group, {"name": group, "made_by": "lambda"}),
                                       f"Record {group}: Lambda creates it for {args.name}, and cleanup removes it"))
        instructions.append(ApiCall(
            "lambda", "create_function",
            {"FunctionName": args.name, **wanted, "Code": {"ZipFile": package}, "Publish": False, "PackageType": "Zip",
             **ownership.tags_param("lambda", ctx.module_id)},
            f"Create {label} ({args.runtime}, code {args.code}, CodeSha256 {sha}; "
            f"its logs go to {group}, which cleanup removes too)",
            records=Resource("lambda_function", args.name, {"name": args.name})))
        instructions.append(_ready(ctx, args.name))
    else:
        config = existing["Configuration"]
        ours = ctx.ours_tagged("lambda_function", args.name, existing.get("Tags"))
        broken = why_broken(config)  # in place is not enough: a Failed function cannot run
        if not ours:
            if broken:
                instructions.append(Note(f"{label} is not workshop's and it is {broken}: used as it is, not changed "
                                         "(its checks will fail until it is repaired)", "warn"))
            elif config.get("CodeSha256") != sha or config.get("Runtime") != args.runtime:
                ctx.foreign(label, "it has no workshop:tool tag and other code or another runtime", adoptable=False,
                            reason="a function's code could not be put back")
            instructions.append(ctx.existing_note("lambda_function", args.name, label))
        else:
            if config.get("CodeSha256") != sha or broken:
                instructions.append(ApiCall("lambda", "update_function_code",
                                            {"FunctionName": args.name, "ZipFile": package, "Publish": False},
                                            f"Redeploy the code of {label}: it is {broken}" if broken else
                                            f"Update the code of {label} (CodeSha256 {sha})"))
                instructions.append(_ready(ctx, args.name))
            changed = {k: v for k, v in wanted.items() if config.get(k, "" if k == "Description" else None) != v}
            if changed:
                instructions.append(ApiCall("lambda", "update_function_configuration", {"FunctionName": args.name, **wanted},
                                            f"Update the configuration of {label}: {', '.join(sorted(changed))}"))
                instructions.append(_ready(ctx, args.name))
            if not instructions:
                instructions.append(ctx.existing_note("lambda_function", args.name, label))
    if args.async_invoke:
        instructions += _plan_async(ctx, args, existing is not None)
    return instructions


def _plan_async(ctx, args: LambdaFunctionArgs, function_exists: bool) -> list:
    lam = ctx.client("lambda")
    wanted = {"MaximumRetryAttempts": args.async_invoke.max_retries,
              "MaximumEventAgeInSeconds": args.async_invoke.max_event_age_seconds}
    hours = args.async_invoke.max_event_age_seconds / 3600
    what = f"{args.async_invoke.max_retries} retries, events kept {hours:g} h"
    current = ctx.found(lambda: lam.get_function_event_invoke_config(FunctionName=args.name)) if function_exists else None
    if current is None:
        return [ApiCall("lambda", "put_function_event_invoke_config", {"FunctionName": args.name, **wanted},
                        f"Set asynchronous invocation of {args.name}: {what}",
                        records=Resource("lambda_event_invoke_config", args.name, {"function": args.name}))]
    if all(current.get(k) == v for k, v in wanted.items()):
        return [ctx.existing_note("lambda_event_invoke_config", args.name, f"Asynchronous invocation settings of {args.name}")]
    if not ctx.backend.ledger.has("lambda_function", args.name):
        return [Note(f"Asynchronous invocation settings of {args.name} differ from the workshop's ({what}): "
                     "the function is not workshop's, so they are left as they are", "warn")]
    # put replaces the whole config, so it carries the destinations as they are (not every backend serves update)
    kept = {"DestinationConfig": current["DestinationConfig"]} if current.get("DestinationConfig") else {}
    return [put_invoke_config({"FunctionName": args.name, **wanted, **kept},
                              f"Update asynchronous invocation of {args.name}: {what} (destinations kept)")]


def kept_settings(config: dict | None) -> dict:
    """The retry and event-age settings as they are: put replaces the whole config, so it carries
    them (update would too, but not every AWS-compatible backend serves UpdateFunctionEventInvokeConfig)."""
    return {k: config[k] for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds") if k in (config or {})}


def put_invoke_config(params: dict, summary: str, records: Resource | None = None) -> Custom:
    """PutFunctionEventInvokeConfig, read back: it replaces the whole config on AWS, but a moto server
    keeps the first one it was given; there the old one is deleted and the new one put again."""
    function = params["FunctionName"]
    fields = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")

    def run(client):
        lam = client("lambda")
        lam.put_function_event_invoke_config(**params)
        stored = lam.get_function_event_invoke_config(FunctionName=function)
        if any(_destinations(stored.get(k)) != _destinations(params.get(k)) for k in fields if k in params):
            lam.delete_function_event_invoke_config(FunctionName=function)
            lam.put_function_event_invoke_config(**params)

    return Custom("lambda", summary, run, records)


def _destinations(value):
    """Compare configs as AWS means them: an empty destination is the same as none."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v not in ({}, None, {"Destination": None})}
    return value


def _log_group_exists(ctx, name: str) -> bool:
    groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
    return any(g["logGroupName"] == name for g in groups)


# deletion ------------------------------------------------------------------------------------
# "lambda_permission" entries ({function, statement_id}) are deleted by the kind steps/permissions.py registers.
def _find_function(backend, r: Resource) -> dict | None:
    found = answer(lambda: backend.client("lambda").get_function(FunctionName=r.attrs["name"]))
    return {} if found and ownership.marked(found.get("Tags")) else None


def _find_invoke_config(backend, r: Resource) -> dict | None:
    lam = backend.client("lambda")
    return {} if answer(lambda: lam.get_function_event_invoke_config(FunctionName=r.attrs["function"])) else None


register("lambda_event_invoke_config", Kind("async invoke config", lambda r: [ApiCall(
    "lambda", "delete_function_event_invoke_config", {"FunctionName": r.attrs["function"]},
    f"Delete the asynchronous invocation settings of {r.attrs['function']}")], find=_find_invoke_config, uses=("lambda_function", "sqs_queue", "event_bus"),
    lane=async_settings_lane))
register("lambda_function", Kind("Lambda function", lambda r: [ApiCall(
    "lambda", "delete_function", {"FunctionName": r.attrs["name"]}, f"Delete Lambda function {r.attrs['name']}")],
    find=_find_function, proves_ownership=True, uses=("iam_role", "log_group")))
