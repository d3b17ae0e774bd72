"""Just enough IAM resource-policy evaluation to decide whether a service principal may act.

AWS makes EventBridge (and Lambda destinations, and others) pass the target's resource policy:
SNS topic policies, Lambda function policies, CloudWatch Logs resource policies. The sandbox
checks the same documents so a missing statement fails in the sandbox as it would on AWS, and
the steps and checks use the same evaluation to decide whether a policy already allows a call.
Pure (no AWS, no I/O), like `patterns`: the sandbox and the CLI share it.

Deliberately conservative: a condition on a key or with an operator we do not evaluate is
treated as not met, so an unusual policy denies rather than silently allows.
"""

from __future__ import annotations

import fnmatch
import json
import urllib.parse


def allows(document, *, service: str, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    """True when an Allow statement grants `action` on `resource` to the service principal and no
    Deny statement refuses it. `context` holds condition keys, e.g. {"aws:SourceArn": rule_arn}."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return False
    if not isinstance(document, dict):
        return False
    context = {k.lower(): v for k, v in (context or {}).items()}
    allowed = False
    for statement in as_list(document.get("Statement")):
        if not isinstance(statement, dict) or not _applies(statement, service, action, resource, context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _applies(statement: dict, service: str, action: str, resource: str, context: dict) -> bool:
    return (_principal_matches(statement.get("Principal"), service)
            and any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(statement.get("Action")) if isinstance(a, str))
            and any(_arn_like(resource, r) for r in as_list(statement.get("Resource") or "*") if isinstance(r, str))
            and _conditions_met(statement.get("Condition") or {}, context))


def _principal_matches(principal, service: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    if "*" in as_list(principal.get("AWS")):
        return True
    return service in as_list(principal.get("Service"))


def _arn_like(value: str, pattern: str) -> bool:
    # IAM wildcards: * and ? within the whole ARN; a log-group ARN may carry a ":*" suffix.
    return fnmatch.fnmatchcase(value, pattern) or fnmatch.fnmatchcase(value + ":*", pattern)


_OPERATORS = {
    "stringequals": lambda value, wanted: value == wanted,
    "stringlike": lambda value, wanted: fnmatch.fnmatchcase(value, wanted),
    "arnequals": lambda value, wanted: value == wanted,
    "arnlike": lambda value, wanted: fnmatch.fnmatchcase(value, wanted),
}


def _conditions_met(conditions: dict, context: dict) -> bool:
    for operator, clauses in conditions.items():
        test = _OPERATORS.get(operator.lower())
        if test is None or not isinstance(clauses, dict):
            return False
        for key, wanted in clauses.items():
            value = context.get(key.lower())
            if value is None or not any(test(value, w) for w in as_list(wanted) if isinstance(w, str)):
                return False
    return True


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def events_grant(sid: str, action: str, resource: str, rule_arn: str) -> dict:
    """The statement the console adds when a rule targets a topic or a queue: EventBridge may call
    `action` on `resource` for that one rule (aws:SourceArn)."""
    return {"Sid": sid, "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": action,
            "Resource": resource, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}


def has_sid(document: dict, sid: str) -> bool:
    return any(isinstance(s, dict) and s.get("Sid") == sid for s in as_list(document.get("Statement")))


def parse_document(value) -> dict:
    """IAM returns documents URL-encoded JSON (boto3 usually decodes them already)."""
    if isinstance(value, dict):
        return value
    return json.loads(urllib.parse.unquote(value))


def same_document(a, b) -> bool:
    return _normal(parse_document(a)) == _normal(parse_document(b))


def _normal(value):
    """Compare policies as IAM means them: one-element lists equal their element, order-free lists."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        if len(items) == 1:
            return items[0]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value
