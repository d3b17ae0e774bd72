"""How to delete each kind of resource the ledger can hold, in which order, and how to find it again.

Cleanup is the sweeper half of the plan/executor pair: it turns ledger entries into delete calls,
dependents first (targets before rules before buses), and treats "already gone" as done.
`find` settles an open intent (a create call that may or may not have happened): it answers the
resource's attributes when it exists *and is ours* (it carries the ownership mark, or, where the
service takes no tags, it is exactly what the workshop asked for), else None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import ownership
from ..aws import arns
from ..aws.errors import NOT_FOUND_CODES
from ..aws.errors import found as answer  # re-exported: the finders of every kind use it
from ..ledger import Resource
from .plan import ApiCall


@dataclass(frozen=True)
class Kind:
    label: str
    delete: Callable[[Resource], list[ApiCall]]
    # the kinds a resource of this kind needs while it exists (lives in, points at): it is deleted before them
    uses: tuple[str, ...] = ()
    gone_codes: frozenset[str] = NOT_FOUND_CODES  # a deletion that meets one has nothing left to do
    find: Callable[[object, Resource], dict | None] | None = None  # (backend, intent) -> attrs if it exists and is ours
    # (backend, resource) -> what someone else keeps inside it (a bus's rules, a topic's subscriptions): then it stays
    foreign_contents: Callable[[object, Resource], list[str]] | None = None
    proves_ownership: bool = False  # find() checks the mark: cleanup asks it before deleting
    # deletions that read-modify-write one document (a queue's policy, a function's asynchronous
    # settings) name it here: cleanup runs those one after another, the others side by side
    lane: Callable[[Resource], str] | None = None


def marked(call: Callable[[], dict], key: str) -> bool:
    """Do the tags this call returns (under `key`) carry the workshop's mark? False when it is gone."""
    found = answer(call)
    return bool(found) and ownership.marked(found.get(key))


def _find_rule(backend, r: Resource) -> dict | None:
    if r.attrs.get("adopted"):
        return {}
    events = backend.client("events")
    rule = answer(lambda: events.describe_rule(Name=r.attrs["name"], EventBusName=r.attrs["bus"]))
    if rule and marked(lambda: events.list_tags_for_resource(ResourceARN=rule["Arn"]), "Tags"):
        return {}
    return None


def _find_target(backend, r: Resource) -> dict | None:
    events = backend.client("events")
    targets = answer(lambda: events.list_targets_by_rule(Rule=r.attrs["rule"], EventBusName=r.attrs["bus"])) or {}
    for target in targets.get("Targets", []):
        if target["Id"] == r.attrs["id"] and target.get("Arn") == r.attrs.get("arn", target.get("Arn")):
            return {}
    return None


def _find_bus(backend, r: Resource) -> dict | None:
    events = backend.client("events")
    if answer(lambda: events.describe_event_bus(Name=r.attrs["name"])) and marked(
            lambda: events.list_tags_for_resource(ResourceARN=arns.event_bus(backend, r.attrs["name"])), "Tags"):
        return {}
    return None


def _find_log_group(backend, r: Resource) -> dict | None:
    """Ours carries the mark; a group a service makes for us (Lambda's, API Gateway's) is ours by its record."""
    logs = backend.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=r.attrs["name"]).get("logGroups", [])
    if any(g["logGroupName"] == r.attrs["name"] for g in groups) and (r.attrs.get("made_by") or marked(
            lambda: logs.list_tags_log_group(logGroupName=r.attrs["name"]), "tags")):
        return {}
    return None


def _restore_logs_policy(r: Resource) -> list[ApiCall]:
    if r.attrs.get("adopted"):
        return _call("logs", "put_resource_policy", {"policyName": r.attrs["name"], "policyDocument": r.attrs["adopted"]},
                     f"Put logs resource policy {r.attrs['name']} back as it was before workshop took it over")
    return _call("logs", "delete_resource_policy", {"policyName": r.attrs["name"]}, f"Delete logs resource policy {r.attrs['name']}")


def _find_logs_policy(backend, r: Resource) -> dict | None:
    policies = backend.client("logs").describe_resource_policies().get("resourcePolicies", [])
    return {} if any(p["policyName"] == r.attrs["name"] for p in policies) else None


def _call(service, operation, params, summary):
    return [ApiCall(service, operation, params, summary)]


def _delete_target(r: Resource) -> list[ApiCall]:
    if r.attrs.get("adopted"):
        return _call("events", "put_targets", {"Rule": r.attrs["rule"], "EventBusName": r.attrs["bus"], "Targets": [r.attrs["adopted"]]},
                     f"Put target {r.attrs['id']} of rule {r.attrs['rule']} back as it was before workshop took it over")
    return _call("events", "remove_targets", {"Rule": r.attrs["rule"], "EventBusName": r.attrs["bus"], "Ids": [r.attrs["id"]],
                                              "Force": True}, f"Remove target {r.attrs['id']} from rule {r.attrs['rule']}")


def _delete_rule(r: Resource) -> list[ApiCall]:
    if r.attrs.get("adopted"):
        return _call("events", "put_rule", {"Name": r.attrs["name"], "EventBusName": r.attrs["bus"], **r.attrs["adopted"]},
                     f"Put rule {r.attrs['name']} on bus {r.attrs['bus']} back as it was before workshop took it over")
    return _call("events", "delete_rule", {"Name": r.attrs["name"], "EventBusName": r.attrs["bus"], "Force": True},
                 f"Delete rule {r.attrs['name']} on bus {r.attrs['bus']}")


def _foreign_targets(backend, r: Resource) -> list[str]:
    """Targets still on our rule once ours are removed are someone else's: the rule stays for them."""
    found = answer(lambda: backend.client("events").list_targets_by_rule(Rule=r.attrs["name"], EventBusName=r.attrs["bus"]))
    return [f"target {t['Id']}" for t in (found or {}).get("Targets", [])]


def _foreign_rules(backend, r: Resource) -> list[str]:
    """Rules still on our bus once ours are deleted are someone else's: the bus stays for them."""
    found = answer(lambda: backend.client("events").list_rules(EventBusName=r.attrs["name"]))
    return [f"rule {x['Name']}" for x in (found or {}).get("Rules", []) if not x["Name"].startswith("Events-Archive-")]


KINDS: dict[str, Kind] = {
    "target": Kind("target", _delete_target, find=_find_target, uses=(
        "rule", "event_bus", "log_group", "sqs_queue", "sns_topic", "lambda_function", "state_machine", "api_destination", "iam_role")),
    "rule": Kind("rule", _delete_rule, uses=("event_bus",), find=_find_rule, foreign_contents=_foreign_targets, proves_ownership=True),
    "event_bus": Kind("event bus", lambda r: _call(
        "events", "delete_event_bus", {"Name": r.attrs["name"]}, f"Delete event bus {r.attrs['name']}"), find=_find_bus,
        foreign_contents=_foreign_rules, proves_ownership=True),
    "log_group": Kind("log group", lambda r: _call(
        "logs", "delete_log_group", {"logGroupName": r.attrs["name"]}, f"Delete log group {r.attrs['name']}"),
        find=_find_log_group, proves_ownership=True),
    "logs_resource_policy": Kind("logs resource policy", _restore_logs_policy, find=_find_logs_policy, uses=("log_group",)),
}


def async_settings_lane(r: Resource) -> str:
    """A Lambda function's asynchronous settings: its destinations and retry limits, one document."""
    return f"lambda async settings {r.attrs['function']}"


def register(kind: str, spec: Kind) -> None:
    """Step kinds added later (queues, topics, roles, functions...) declare how they are deleted."""
    KINDS[kind] = spec


def deletion_order(resources: list[Resource]) -> list[Resource]:
    """Every resource before the ones its kind uses (newest first within a kind); unknown kinds last."""
    rank = {kind: i for i, kind in enumerate(_kinds_dependents_first())}
    unknown = [r for r in resources if r.kind not in rank]
    known = sorted((r for r in resources if r.kind in rank), key=lambda r: (rank[r.kind], -r.created_at))
    return known + unknown


def deletion_levels(resources: list[Resource]) -> list[list[list[Resource]]]:
    """`deletion_order` cut into levels that may each run side by side: a level holds no kind that
    uses (even through others) a kind of the same or a later level, and lists its lanes, each in
    deletion order (one resource a lane unless its kind names a shared document); unknown kinds
    come last, one lane each."""
    depth: dict[str, int] = {}
    for name in _kinds_dependents_first():  # every kind that uses it comes first and is deeper
        users = [depth[u] for u, kind in KINDS.items() if name in kind.uses and u != name and u in depth]
        depth[name] = 1 + max(users, default=-1)
    levels: dict[int, dict[object, list[Resource]]] = {}
    for position, resource in enumerate(deletion_order(resources)):
        kind = KINDS.get(resource.kind)
        level = depth[resource.kind] if kind is not None else len(KINDS)
        lane = ("lane", kind.lane(resource)) if kind is not None and kind.lane else position
        levels.setdefault(level, {}).setdefault(lane, []).append(resource)
    return [list(levels[level].values()) for level in sorted(levels)]


def _kinds_dependents_first() -> list[str]:
    """The kinds in an order where each comes before every kind it uses (Kahn's algorithm, ties by name)."""
    used_by: dict[str, set[str]] = {name: set() for name in KINDS}
    for name, kind in KINDS.items():
        for used in kind.uses:
            if used in used_by and used != name:
                used_by[used].add(name)
    ordered: list[str] = []
    ready = sorted(name for name, users in used_by.items() if not users)
    waiting = {name: set(users) for name, users in used_by.items() if users}
    while ready:
        name = ready.pop(0)
        ordered.append(name)
        for other in list(waiting):
            waiting[other].discard(name)
            if not waiting[other]:
                del waiting[other]
                ready.append(other)
        ready.sort()
    if waiting:
        raise RuntimeError(f"resource kinds use each other in a cycle: {', '.join(sorted(waiting))}")
    return ordered
