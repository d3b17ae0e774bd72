"""SNS subscription filter policies, decided as SNS decides them: with `workshop.sns_filters`, the
engine that grades the filter-policy challenges, so the sandbox and the grader never disagree.

moto fans a topic's messages out but matches filter policies its own way, which departs from SNS's
documented rules (an upper-case `equals-ignore-case` value, a `String` attribute holding a JSON
array, a `null` body value, and a numeric condition on a string body value, which moto answers
with a 500). So before each Publish or PublishBatch reaches moto, the topic's subscriptions get
our matcher; and Subscribe and SetSubscriptionAttributes with a policy our engine refuses are
answered with SNS's InvalidParameter, as SNS would.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from .. import sns_filters
from .faults import aws_error
from .front import Request, Response
from .moto_backends import filter_with
from .operations import operation_name
from .service import Service, sandbox_service

_PUBLISHES = {"Publish", "PublishBatch"}


class SnsPolicyMatcher:
    """What moto asks of a subscription's matcher, answered by SNS's rules."""

    def __init__(self, policy: str, scope: str):
        self.key = (policy, scope)
        self.policy = sns_filters.validate(policy, scope)
        self.scope = scope

    def matches(self, message_attributes: dict | None, message: str) -> bool:
        attributes = {name: sns_filters.Attribute(a.get("Type", ""), str(a.get("Value", "")))
                      for name, a in (message_attributes or {}).items()}
        return sns_filters.matches(self.policy, scope=self.scope, attributes=attributes, body=message)


def _matcher_for(policy: str, scope: str):
    try:
        return SnsPolicyMatcher(policy, scope)
    except sns_filters.InvalidFilterPolicyError:
        return _NOTHING  # stored before we refused such policies: SNS would never have accepted it


class _MatchesNothing:
    key = None

    def matches(self, message_attributes, message) -> bool:
        return False


_NOTHING = _MatchesNothing()


@sandbox_service("sns_filters")
class SnsFilterPolicies(Service):
    priority = 70

    def intercept(self, request: Request) -> Response | None:
        if request.service != "sns":
            return None
        operation = operation_name(request)
        if operation in _PUBLISHES:
            topic = _params(request).get("TopicArn")
            if topic:
                filter_with(topic, _matcher_for)
            return None  # moto publishes, with our matchers in place
        if operation in ("Subscribe", "SetSubscriptionAttributes"):
            return self._refuse_invalid(request, operation)
        return None

    def _refuse_invalid(self, request: Request, operation: str) -> Response | None:
        params = _params(request)
        if operation == "Subscribe":
            attributes = _entries(params, "Attributes")
        elif params.get("AttributeName") in ("FilterPolicy", "FilterPolicyScope"):
            attributes = {params["AttributeName"]: params.get("AttributeValue", "")}
        else:
            return None
        policy = attributes.get("FilterPolicy")
        if not policy:
            return None  # a scope alone is checked by moto against the stored policy
        try:
            sns_filters.validate(policy, attributes.get("FilterPolicyScope") or "MessageAttributes")
        except sns_filters.InvalidFilterPolicyError as exc:
            return aws_error(request, "InvalidParameter", f"Invalid parameter: {exc}", 400)
        return None


def _params(request: Request) -> dict[str, str]:
    """The form parameters of a query-protocol request (body, or the URL for a GET)."""
    text = request.body.decode("utf-8", "replace") if request.body else request.query
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


def _entries(params: dict[str, str], name: str) -> dict[str, str]:
    """A query-protocol map (`Attributes.entry.N.key` / `.value`) as a dict."""
    found, prefix = {}, f"{name}.entry."
    for key, value in params.items():
        if key.startswith(prefix) and key.endswith(".key"):
            found[value] = params.get(key[:-len(".key")] + ".value", "")
    return found
