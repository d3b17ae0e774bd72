"""How to delete each kind of resource the ledger can hold, and in which order.

Cleanup is the sweeper half of the plan/executor pair: it turns ledger entries into delete calls,
dependents first (targets before rules before buses), and treats "already gone" as done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..aws.errors import NOT_FOUND_CODES
from ..ledger import Resource
from .plan import ApiCall


@dataclass(frozen=True)
class Kind:
    order: int  # lower is deleted first
    label: str
    delete: Callable[[Resource], list[ApiCall]]
    gone_codes: frozenset[str] = NOT_FOUND_CODES  # a deletion that meets one has nothing left to do


def _call(service, operation, params, summary):
    return [ApiCall(service, operation, params, summary)]


KINDS: dict[str, Kind] = {
    "target": Kind(10, "target", lambda r: _call(
        "events", "remove_targets", {"Rule": r.attrs["rule"], "EventBusName": r.attrs["bus"], "Ids": [r.attrs["id"]], "Force": True},
        f"Remove target {r.attrs['id']} from rule {r.attrs['rule']}")),
    "rule": Kind(20, "rule", lambda r: _call(
        "events", "delete_rule", {"Name": r.attrs["name"], "EventBusName": r.attrs["bus"], "Force": True},
        f"Delete rule {r.attrs['name']} on bus {r.attrs['bus']}")),
    "event_bus": Kind(40, "event bus", lambda r: _call(
        "events", "delete_event_bus", {"Name": r.attrs["name"]}, f"Delete event bus {r.attrs['name']}")),
    "log_group": Kind(60, "log group", lambda r: _call(
        "logs", "delete_log_group", {"logGroupName": r.attrs["name"]}, f"Delete log group {r.attrs['name']}")),
    "logs_resource_policy": Kind(70, "logs resource policy", lambda r: _call(
        "logs", "delete_resource_policy", {"policyName": r.attrs["name"]}, f"Delete logs resource policy {r.attrs['name']}")),
}


def register(kind: str, spec: Kind) -> None:
    """Step kinds added later (queues, topics, roles, functions...) declare how they are deleted."""
    KINDS[kind] = spec


def deletion_order(resources: list[Resource]) -> list[Resource]:
    unknown = [r for r in resources if r.kind not in KINDS]
    known = sorted((r for r in resources if r.kind in KINDS), key=lambda r: (KINDS[r.kind].order, -r.created_at))
    return known + unknown
