"""Step kind `state_machine`: a Step Functions state machine from `workshop/assets/state_machines/`.

OrderProcessing is a Pass state, then a Task on the optimised EventBridge integration
(`arn:aws:states:::events:putEvents`) that puts one "Order Processed" event on the Orders bus.
A second run compares the deployed definition and role and changes nothing when they match.
A role created moments ago may not be assumable by Step Functions yet: CreateStateMachine is
retried while AWS says so (bounded, with a message).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .. import assets, ownership
from ..aws import arns
from ..ledger import Resource
from . import step_kind
from .plan import ApiCall, Record
from .resources import Kind, marked, register


@dataclass
class StateMachineArgs:
    name: str
    definition: str  # file under workshop/assets/state_machines, without .asl.json
    role: str  # IAM role name
    type: str = "STANDARD"

    def __post_init_yaml__(self):
        if self.type not in ("STANDARD", "EXPRESS"):
            raise ValueError("type must be STANDARD or EXPRESS")
        if not assets.path("state_machines", f"{self.definition}.asl.json").is_file():
            raise ValueError(f"there is no definition '{self.definition}' under workshop/assets/state_machines")


def definition_for(ctx, args: StateMachineArgs) -> dict:
    return assets.state_machine_definition(args.definition, Region=ctx.region, Account=ctx.account)


@step_kind("state_machine", StateMachineArgs)
def plan(ctx, args: StateMachineArgs):
    sfn = ctx.client("stepfunctions")
    arn = arns.state_machine(ctx, args.name)
    definition = definition_for(ctx, args)
    role = arns.role(ctx, args.role)
    label = f"State machine {args.name}"
    existing = ctx.found(lambda: sfn.describe_state_machine(stateMachineArn=arn))
    if existing is None:
        return [ApiCall("stepfunctions", "create_state_machine",
                        {"name": args.name, "definition": json.dumps(definition, indent=2), "roleArn": role, "type": args.type,
                         **ownership.tags_param("stepfunctions", ctx.module_id)},
                        f"Create state machine {args.name} ({args.type}: a Pass state, then events:PutEvents of \"Order Processed\" on bus Orders)",
                        records=Resource("state_machine", args.name, {"name": args.name, "arn": arn}))]
    same = json.loads(existing["definition"]) == definition and existing.get("roleArn") == role
    if same:
        return [ctx.existing_note("state_machine", args.name, label)]
    update = ApiCall("stepfunctions", "update_state_machine",
                     {"stateMachineArn": arn, "definition": json.dumps(definition, indent=2), "roleArn": role},
                     f"Update state machine {args.name}: definition and role as the workshop expects")
    if ctx.ours_tagged("state_machine", args.name, sfn.list_tags_for_resource(resourceArn=arn).get("tags")):
        return [update]
    ctx.foreign(label, "it has no workshop:tool tag and another definition or role")
    return [Record(Resource("state_machine", args.name, {"name": args.name, "arn": arn,
                                                         "adopted": {"definition": existing["definition"], "roleArn": existing["roleArn"]}}),
                   f"Record state machine {args.name} as it is now: cleanup puts it back"), update]


def _delete_state_machine(r: Resource) -> list[ApiCall]:
    if r.attrs.get("adopted"):
        return [ApiCall("stepfunctions", "update_state_machine", {"stateMachineArn": r.attrs["arn"], **r.attrs["adopted"]},
                        f"Put state machine {r.attrs['name']} back as it was before workshop took it over")]
    return [ApiCall("stepfunctions", "delete_state_machine", {"stateMachineArn": r.attrs["arn"]}, f"Delete state machine {r.attrs['name']}")]


def _find_state_machine(backend, r: Resource) -> dict | None:
    if r.attrs.get("adopted"):
        return {}
    sfn = backend.client("stepfunctions")
    return {} if marked(lambda: sfn.list_tags_for_resource(resourceArn=r.attrs["arn"]), "tags") else None


register("state_machine", Kind("state machine", _delete_state_machine, find=_find_state_machine,
                                proves_ownership=True, uses=("iam_role",)))
