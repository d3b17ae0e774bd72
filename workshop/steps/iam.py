"""Step kind `iam_role`: a role one AWS service may assume, with inline policies from templates.

Least privilege: the trust policy names exactly one service principal, and every inline policy is
rendered from `workshop/assets/policies/NAME.json` for this account and region, naming the
workshop's own resources. The role, each inline policy and each attached managed policy are
separate ledger entries, so cleanup detaches and deletes policies before the role, and a role that
existed before the tool ran is used as it is and never deleted.

IAM is eventually consistent: a role created a moment ago may not yet be assumable by the service
that uses it; the backend's clients wait for that (see aws/propagation.py), not the planners.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import assets, ownership
from ..ledger import Resource
from ..policy_documents import same_document
from . import step_kind
from .plan import ApiCall, Note
from .resources import Kind, answer, marked, register


@dataclass
class IamRoleArgs:
    name: str
    service: str  # the one service principal allowed to assume it, e.g. lambda.amazonaws.com
    policies: list[str] = field(default_factory=list)  # templates in assets/policies, one inline policy each
    managed_policies: list[str] = field(default_factory=list)  # AWS managed policy ARNs to attach
    description: str = ""
    function_name: str = ""  # fills ${FunctionName} in the templates (a Lambda function's own log group)

    def __post_init_yaml__(self):
        if not self.service.endswith(".amazonaws.com") or "*" in self.service:
            raise ValueError("service must be one service principal, like lambda.amazonaws.com")
        for name in self.policies:
            if name not in assets.policy_names():
                raise ValueError(f"there is no policy template '{name}' (have: {', '.join(assets.policy_names())})")


def trust_policy(service: str, account: str | None = None) -> dict:
    """Only `service` may assume the role; Step Functions also gets the documented confused-deputy guard."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if service == "states.amazonaws.com" and account:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def inline_documents(args: IamRoleArgs, region: str, account: str) -> dict[str, dict]:
    """Inline policy name -> rendered document: exactly what the planner would put on the role."""
    values = {"Region": region, "Account": account}
    if args.function_name:
        values["FunctionName"] = args.function_name
    return {name: assets.policy(name, **values) for name in args.policies}


def plan_role(ctx, args: IamRoleArgs, inline: dict[str, dict] | None = None) -> list:
    """Create the role (or reconcile the one the tool created earlier); never change someone else's."""
    iam = ctx.client("iam")
    inline = inline if inline is not None else inline_documents(args, ctx.region, ctx.account)
    trust = trust_policy(args.service, ctx.account)
    existing = ctx.found(lambda: iam.get_role(RoleName=args.name))
    label = f"IAM role {args.name}"
    if not existing:
        params = {"RoleName": args.name, "AssumeRolePolicyDocument": json.dumps(trust), **ownership.tags_param("iam", ctx.module_id)}
        if args.description:
            params["Description"] = args.description
        calls: list = [ApiCall("iam", "create_role", params, f"Create {label} (only {args.service} may assume it)",
                               records=Resource("iam_role", args.name, {"name": args.name}))]
        calls += [_put_policy(args.name, name, doc, "Create") for name, doc in inline.items()]
        calls += [_attach(args.name, arn) for arn in args.managed_policies]
        return calls

    ours = ctx.ours_tagged("iam_role", args.name, existing["Role"].get("Tags") or iam.list_role_tags(RoleName=args.name).get("Tags"))
    current_trust = existing["Role"].get("AssumeRolePolicyDocument")
    if not ours:
        instructions = [ctx.existing_note("iam_role", args.name, label)]
        differs = [n for n, d in inline.items() if not _inline_matches(ctx, args.name, n, d)]
        if not same_document(current_trust, trust) or differs:
            instructions.append(Note(f"{label} is not workshop's and its policies differ from what the workshop expects: "
                                     "used as it is, not changed", "warn"))
        return instructions

    instructions = []
    if not same_document(current_trust, trust):
        instructions.append(ApiCall("iam", "update_assume_role_policy",
                                    {"RoleName": args.name, "PolicyDocument": json.dumps(trust)},
                                    f"Update who may assume {label} (only {args.service})"))
    for name, document in inline.items():
        current = ctx.found(lambda n=name: iam.get_role_policy(RoleName=args.name, PolicyName=n))
        if current is None:
            instructions.append(_put_policy(args.name, name, document, "Create"))
        elif not same_document(current["PolicyDocument"], document):
            instructions.append(_put_policy(args.name, name, document, "Update"))
    if args.managed_policies:
        attached = {p["PolicyArn"] for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=args.name)
                    for p in page.get("AttachedPolicies", [])}
        instructions += [_attach(args.name, arn) for arn in args.managed_policies if arn not in attached]
    return instructions or [ctx.existing_note("iam_role", args.name, label)]


def _inline_matches(ctx, role: str, name: str, document: dict) -> bool:
    current = ctx.found(lambda: ctx.client("iam").get_role_policy(RoleName=role, PolicyName=name))
    return current is not None and same_document(current["PolicyDocument"], document)


def _put_policy(role: str, name: str, document: dict, verb: str) -> ApiCall:
    return ApiCall("iam", "put_role_policy", {"RoleName": role, "PolicyName": name, "PolicyDocument": json.dumps(document)},
                   f"{verb} inline policy {name} of IAM role {role}",
                   records=Resource("iam_role_policy", f"{role}/{name}", {"role": role, "policy": name}))


def _attach(role: str, arn: str) -> ApiCall:
    return ApiCall("iam", "attach_role_policy", {"RoleName": role, "PolicyArn": arn},
                   f"Attach the managed policy {arn.rsplit('/', 1)[-1]} to IAM role {role}",
                   records=Resource("iam_role_policy_attachment", f"{role}/{arn}", {"role": role, "arn": arn}))


@step_kind("iam_role", IamRoleArgs)
def plan(ctx, args: IamRoleArgs):
    return plan_role(ctx, args)


# finding an interrupted create again ----------------------------------------------------------
def _find_role(backend, r: Resource) -> dict | None:
    iam = backend.client("iam")
    return {} if marked(lambda: iam.list_role_tags(RoleName=r.attrs["name"]), "Tags") else None


def _find_role_policy(backend, r: Resource) -> dict | None:
    iam = backend.client("iam")
    return {} if answer(lambda: iam.get_role_policy(RoleName=r.attrs["role"], PolicyName=r.attrs["policy"])) else None


def _find_attachment(backend, r: Resource) -> dict | None:
    attached = answer(lambda: backend.client("iam").list_attached_role_policies(RoleName=r.attrs["role"])) or {}
    return {} if any(p["PolicyArn"] == r.attrs["arn"] for p in attached.get("AttachedPolicies", [])) else None


def _foreign_policies(backend, r: Resource) -> list[str]:
    """Policies still on our role once ours are gone are someone else's: the role stays for them."""
    iam = backend.client("iam")
    inline = answer(lambda: iam.list_role_policies(RoleName=r.attrs["name"])) or {}
    attached = answer(lambda: iam.list_attached_role_policies(RoleName=r.attrs["name"])) or {}
    return ([f"inline policy {n}" for n in inline.get("PolicyNames", [])]
            + [f"managed policy {p['PolicyName']}" for p in attached.get("AttachedPolicies", [])])


# deletion ------------------------------------------------------------------------------------
register("iam_role_policy", Kind("inline role policy", lambda r: [ApiCall(
    "iam", "delete_role_policy", {"RoleName": r.attrs["role"], "PolicyName": r.attrs["policy"]},
    f"Delete inline policy {r.attrs['policy']} of IAM role {r.attrs['role']}")],
    find=_find_role_policy, uses=("iam_role",)))
register("iam_role_policy_attachment", Kind("managed policy attachment", lambda r: [ApiCall(
    "iam", "detach_role_policy", {"RoleName": r.attrs["role"], "PolicyArn": r.attrs["arn"]},
    f"Detach {r.attrs['arn'].rsplit('/', 1)[-1]} from IAM role {r.attrs['role']}")],
    find=_find_attachment, uses=("iam_role",)))
register("iam_role", Kind("IAM role", lambda r: [ApiCall(
    "iam", "delete_role", {"RoleName": r.attrs["name"]}, f"Delete IAM role {r.attrs['name']}")],
    find=_find_role, foreign_contents=_foreign_policies, proves_ownership=True))
