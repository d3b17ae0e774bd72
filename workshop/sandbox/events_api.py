"""The EventBridge data-plane calls the sandbox answers itself: PutEvents and TestEventPattern,
plus PutRule's pattern validation (moto accepts almost any pattern; AWS does not)."""

from __future__ import annotations

import functools
from datetime import datetime, timezone

from .. import patterns
from .front import Request, Response
from .ids import new_id
from .service import Service

MAX_ENTRIES = 10
MAX_REQUEST_BYTES = 256 * 1024
JSON_11 = "application/x-amz-json-1.1"


def envelope(*, source: str, detail_type: str, detail: dict, account: str, region: str,
             resources: list[str] | None = None, time: datetime | None = None, event_id: str | None = None) -> dict:
    """An event as EventBridge delivers it: these fields, this order, time in ISO-8601 UTC with Z."""
    return {
        "version": "0",
        "id": event_id or new_id(),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": _event_time(time or datetime.now(timezone.utc)),
        "region": region,
        "resources": list(resources or []),
        "detail": detail,
    }


@functools.lru_cache(maxsize=1)
def _event_time(when: datetime) -> str:
    """ISO-8601 UTC to the second; the last one is kept, as a PutEvents' entries share their time."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry_detail(entry: dict) -> tuple[dict | None, tuple[str, str] | None]:
    """The entry's detail, read once; or what is wrong with the entry."""
    for field in ("Source", "DetailType", "Detail"):
        if not entry.get(field):
            return None, ("InvalidArgument", f"Parameter {field} is not valid. Reason: {field} is a required argument.")
    try:  # NaN/Infinity or nesting past the engine's limit are malformed too
        detail = patterns.load_json(entry["Detail"])
    except (TypeError, ValueError):
        detail = None
    if not isinstance(detail, dict):
        return None, ("MalformedDetail", "Detail is malformed.")
    return detail, None


def _parse_time(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class EventsApi(Service):
    priority = 10

    def __init__(self, clock, router, publish_later):
        self.clock = clock
        self.router = router
        self.publish_later = publish_later  # (region, [(bus, event)]): routed on a delivery worker

    def intercept(self, request: Request) -> Response | None:
        operation = request.target.split(".", 1)[1] if "." in request.target else ""
        handler = {"PutEvents": self.put_events, "TestEventPattern": self.test_event_pattern,
                   "PutRule": self.validate_put_rule}.get(operation)
        return handler(request) if handler else None

    def put_events(self, request: Request) -> Response:
        try:
            entries = request.json().get("Entries")
        except ValueError:
            return Response.aws_json_error("SerializationException", "Request body is not valid JSON.")
        if not isinstance(entries, list) or not entries:
            return Response.aws_json_error(
                "ValidationException",
                "1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                "Member must have length greater than or equal to 1")
        if len(entries) > MAX_ENTRIES:
            return Response.aws_json_error(
                "ValidationException",
                f"1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_ENTRIES}")
        if sum(patterns.entry_size(e) for e in entries if isinstance(e, dict)) > MAX_REQUEST_BYTES:
            return Response.aws_json_error("ValidationException", "Total size of the entries in the request is over the limit.")

        results, failed, accepted = [], 0, []
        now = self.clock.now()
        for entry in entries:
            outcome = self._accept(request.region, entry if isinstance(entry, dict) else {}, accepted, now)
            failed += "ErrorCode" in outcome
            results.append(outcome)
        # Routed and delivered after the answer, as on AWS, against the rules as they were now.
        self.publish_later(request.region, accepted)
        return Response.of_json({"FailedEntryCount": failed, "Entries": results}, content_type=JSON_11)

    def _accept(self, region: str, entry: dict, accepted: list, now: datetime) -> dict:
        detail, problem = _entry_detail(entry)
        if problem:
            return {"ErrorCode": problem[0], "ErrorMessage": problem[1]}
        bus_name = entry.get("EventBusName") or "default"
        bus = self.router.bus(region, bus_name)
        if bus is None:
            name = bus_name.rsplit("/", 1)[-1]
            return {"ErrorCode": "ResourceNotFoundException", "ErrorMessage": f"Event bus {name} does not exist."}
        event = envelope(
            source=entry["Source"], detail_type=entry["DetailType"], detail=detail,
            account=bus.account, region=region, resources=entry.get("Resources"),
            time=_parse_time(entry.get("Time")) or now,
        )
        accepted.append((bus, event))
        return {"EventId": event["id"]}

    def test_event_pattern(self, request: Request) -> Response:
        body = request.json()
        try:
            matcher = patterns.compile(body.get("EventPattern", ""))
        except patterns.InvalidPatternError as exc:
            return Response.aws_json_error("InvalidEventPatternException", str(exc))
        try:
            event = patterns.load_json(body.get("Event", ""))
        except (TypeError, ValueError):
            event = None
        if not isinstance(event, dict):
            return Response.aws_json_error("ValidationException", "Parameter Event is not valid.")
        missing = [f for f in ("id", "account", "source", "time", "region", "detail-type") if f not in event]
        if missing:
            return Response.aws_json_error("ValidationException", f"Parameter Event is not valid. Reason: Provided Event is missing {missing[0]}.")
        return Response.of_json({"Result": matcher.matches(event)}, content_type=JSON_11)

    def validate_put_rule(self, request: Request) -> Response | None:
        """Reject what AWS rejects before moto stores it; valid rules pass through to moto."""
        body = request.json()
        pattern, schedule = body.get("EventPattern"), body.get("ScheduleExpression")
        if not pattern and not schedule:
            return Response.aws_json_error("ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.")
        if pattern:
            try:
                patterns.validate(pattern)
            except patterns.InvalidPatternError as exc:
                return Response.aws_json_error("InvalidEventPatternException", str(exc))
        if schedule:
            bus = body.get("EventBusName") or "default"
            if bus.rsplit("/", 1)[-1] != "default":
                return Response.aws_json_error("ValidationException", "ScheduleExpression is supported only on the default event bus.")
            problem = self.clock.schedule_problem(schedule)
            if problem:
                return Response.aws_json_error("ValidationException", "Parameter ScheduleExpression is not valid.")
        return None
