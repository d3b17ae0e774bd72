"""Reading moto's backends directly: per-region backends without BackendDict's per-call scan, a
bus's rules with their targets in one step, SNS subscriptions' filter matchers, running Step
Functions executions, and the botocore session moto builds with."""

from __future__ import annotations

import sys

from moto.core import DEFAULT_ACCOUNT_ID
from moto.events.models import events_backends
from moto.sns.models import sns_backends


def botocore_session():
    """The botocore session moto builds its backends with (its region lists come from it)."""
    from moto.core.base_backend import AccountSpecificBackend

    return AccountSpecificBackend.get_session()._session


def region_backend(backends, account: str, region: str):
    """backends[account][region] once it exists: moto's BackendDict.__getitem__ compares itself
    with each of moto's BackendDicts on every call (a third of a delivery's time here)."""
    try:
        return dict.__getitem__(dict.__getitem__(backends, account), region)
    except KeyError:  # not created yet: moto creates it
        return backends[account][region]


def bus_rules(region: str, bus_name: str, account: str = DEFAULT_ACCOUNT_ID) -> tuple[str, list[tuple[dict, list[dict]]]] | None:
    """(bus ARN, [(rule as ListRules describes it, its targets as ListTargetsByRule gives them)]),
    in moto's order; None when the bus does not exist."""
    bus = region_backend(events_backends, account, region).event_buses.get(bus_name)
    if bus is None:
        return None
    return bus.arn, [(rule.describe(), [dict(target) for target in rule.targets]) for rule in list(bus.rules.values())]


def filter_with(topic_arn: str, matcher_for) -> None:
    """Give each subscription of the topic the matcher `matcher_for(policy, scope)` builds from its
    FilterPolicy and FilterPolicyScope attributes (as stored, JSON text); moto calls the matcher's
    `matches(message_attributes, message)` for each message it fans out. A matcher already built
    for the same policy is kept."""
    parts = topic_arn.split(":")
    if len(parts) != 6:
        return
    backend = sns_backends[parts[4]][parts[3]]
    for subscription in list(backend.subscriptions.values()):
        if subscription.topic.arn != topic_arn:
            continue
        policy = subscription.attributes.get("FilterPolicy") or None
        scope = subscription.attributes.get("FilterPolicyScope") or "MessageAttributes"
        current = subscription._filter_policy_matcher
        if policy is None or getattr(current, "key", None) != (policy, scope):
            subscription._filter_policy_matcher = None if policy is None else matcher_for(policy, scope)


def running_executions() -> int:
    """Step Functions executions moto's interpreter is still running: each may yet publish events
    (its events:putEvents tasks). 0 while Step Functions was never loaded (it is imported lazily).
    moto keeps executions on each state machine of its parser backend (`state_machines[].executions`,
    each with an `exec_status`); tests/sandbox/test_moto_backends.py would catch a change."""
    models = sys.modules.get("moto.stepfunctions.parser.models")
    # Still being imported (the warm-up thread loads it while requests are answered): no backend yet.
    backends = getattr(models, "stepfunctions_parser_backends", None)
    if backends is None:
        return 0
    running = 0
    for account in list(backends.values()):
        for backend in list(account.values()):
            for machine in list(backend.state_machines):
                running += sum(1 for e in list(machine.executions) if _status(e) == "RUNNING")
    return running


def _status(execution) -> str:
    # `exec_status` is None from StartExecution until the interpreter starts it: running, for us.
    status = getattr(execution, "exec_status", None)
    return "RUNNING" if status is None else str(getattr(status, "value", status))
