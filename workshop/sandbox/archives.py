"""Archives and replays in the sandbox's own data plane.

moto keeps each archive's definition (CreateArchive, UpdateArchive, DeleteArchive) and, as AWS
does, a managed rule `Events-Archive-<name>` on the source bus whose pattern is the archive's plus
`"replay-name": [{"exists": false}]`, with one target whose ARN is empty
(`arn:aws:events:<region>:::`) and whose input names the archive. That target is delivered here:
the event is kept exactly as it was put, with the time it arrived, so it never fails delivery.

- DescribeArchive / ListArchives are moto's answers with EventCount and SizeBytes counted here,
  after the retention period (RetentionDays, 0 = forever) has dropped old events (sandbox clock).
- StartReplay, DescribeReplay, ListReplays and CancelReplay are answered here: a replay goes
  STARTING → RUNNING → COMPLETED on a delivery worker and puts each archived event whose time lies
  in [EventStartTime, EventEndTime) back on the bus with a `replay-name` field, to the rules the
  replay names (Destination.FilterArns) or to every rule; the archive rule never sees them again.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .front import Request, Response
from .service import Service, sandbox_service

_ARCHIVE_ARN = re.compile(r"^arn:[\w-]+:events:(?P<region>[\w-]+):(?P<account>\d{12}):archive/(?P<name>[\w.\-]+)$")
_BUS_ARN = re.compile(r"^arn:[\w-]+:events:[\w-]+:\d{12}:event-bus/[\w.\-/]+$")
_REPLAY_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
_ACTIVE = ("STARTING", "RUNNING")
JSON_11 = "application/x-amz-json-1.1"


@dataclass
class Archived:
    event: dict
    received: datetime
    size: int


@dataclass
class Replay:
    name: str
    arn: str
    region: str
    source_arn: str
    description: str
    start: datetime
    end: datetime
    destination: dict
    state: str = "STARTING"
    state_reason: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    ended_at: datetime | None = None
    last_replayed: datetime | None = None

    def short(self) -> dict:
        answer = {"ReplayName": self.name, "EventSourceArn": self.source_arn, "State": self.state,
                  "EventStartTime": self.start.timestamp(), "EventEndTime": self.end.timestamp(),
                  "ReplayStartTime": self.started_at.timestamp()}
        if self.state_reason:
            answer["StateReason"] = self.state_reason
        if self.last_replayed:
            answer["EventLastReplayedTime"] = self.last_replayed.timestamp()
        if self.ended_at:
            answer["ReplayEndTime"] = self.ended_at.timestamp()
        return answer

    def full(self) -> dict:
        return {**self.short(), "ReplayArn": self.arn, "Description": self.description, "Destination": self.destination}


def _error(code: str, message: str, status: int = 400) -> Response:
    return Response.aws_json_error(code, message, status)


def _time(value) -> datetime | None:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


@sandbox_service("archives")
class Archives(Service):
    priority = 30

    def __init__(self, clock, router, delivery, moto_app):
        self.clock = clock
        self.router = router
        self.delivery = delivery  # replays run on its workers and submit their deliveries to it
        self.moto_app = moto_app  # asked past every interceptor
        self._lock = threading.Lock()
        self._events: dict[tuple[str, str, str], list[Archived]] = {}  # (region, archive name, uuid) -> events
        self._replays: dict[tuple[str, str], Replay] = {}

    # the managed rule's target -----------------------------------------------------------------
    @staticmethod
    def owns(arn: str) -> bool:
        """The archive rule's target: an EventBridge ARN with no account and no resource."""
        parts = arn.split(":")
        return len(parts) >= 6 and parts[2] == "events" and not any(parts[4:])

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        try:
            archive_arn = json.loads(payload)["archive-arn"]
        except (ValueError, KeyError, TypeError):
            archive_arn = ""
        name, _, uuid = archive_arn.rsplit("/", 1)[-1].partition(":")
        if not name:  # not moto's archive target after all: keep nothing, fail nothing
            return
        region = context.region if hasattr(context, "region") else archive_arn.split(":")[3]
        with self._lock:
            self._events.setdefault((region, name, uuid), []).append(
                Archived(event, self.clock.now(), len(json.dumps(event).encode())))

    # requests -----------------------------------------------------------------------------------
    def intercept(self, request: Request) -> Response | None:
        if request.service != "events" or "." not in request.target:
            return None
        operation = request.target.split(".", 1)[1]
        handler = {"DescribeArchive": self._describe_archive, "ListArchives": self._list_archives,
                   "StartReplay": self._start_replay, "DescribeReplay": self._describe_replay,
                   "ListReplays": self._list_replays, "CancelReplay": self._cancel_replay}.get(operation)
        if handler is None:
            return None
        try:
            body = request.json()
        except ValueError:
            return _error("SerializationException", "Request body is not valid JSON.")
        return handler(request, body if isinstance(body, dict) else {})

    def after_moto(self, request: Request) -> None:
        if request.service == "events" and request.target.endswith(".DeleteArchive"):
            name = request.json().get("ArchiveName", "")
            with self._lock:
                for key in [k for k in self._events if k[:2] == (request.region, name)]:
                    del self._events[key]

    def reset(self) -> None:
        with self._lock:
            self._events.clear()
            self._replays.clear()

    # archives -----------------------------------------------------------------------------------
    def _moto(self, request: Request, body: dict | None = None, operation: str = "") -> tuple[int, dict]:
        """Ask moto itself (past every interceptor) for its answer to this request, or to
        `operation` with `body` signed the same way."""
        from .inprocess import call_wsgi, wsgi_environ

        data = json.dumps(body).encode() if body is not None else request.body
        environ = wsgi_environ(request.method, request.path, request.query, request.headers.get("host", "127.0.0.1"), data)
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_LENGTH",):
                environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
        environ["CONTENT_LENGTH"] = str(len(data))
        if operation:
            environ["HTTP_X_AMZ_TARGET"] = request.target.split(".", 1)[0] + "." + operation
        status, _, content = call_wsgi(self.moto_app, environ)
        return status, (json.loads(content) if content else {})

    def _kept(self, region: str, name: str, retention_days: int) -> list[Archived]:
        """The archive's events still within its retention period (on the sandbox clock)."""
        with self._lock:
            keys = [k for k in self._events if k[:2] == (region, name)]
            if retention_days:
                oldest = self.clock.now() - timedelta(days=retention_days)
                for key in keys:
                    self._events[key] = [a for a in self._events[key] if a.received >= oldest]
            return [a for key in keys for a in self._events[key]]

    def _counted(self, region: str, archive: dict) -> dict:
        kept = self._kept(region, archive["ArchiveName"], int(archive.get("RetentionDays") or 0))
        return {**archive, "EventCount": len(kept), "SizeBytes": sum(a.size for a in kept)}

    def _describe_archive(self, request: Request, body: dict) -> Response:
        status, answer = self._moto(request)
        if status != 200:
            return Response(status, json.dumps(answer).encode(), {"Content-Type": JSON_11})
        return Response.of_json(self._counted(request.region, answer), content_type=JSON_11)

    def _list_archives(self, request: Request, body: dict) -> Response:
        status, answer = self._moto(request)
        if status != 200:
            return Response(status, json.dumps(answer).encode(), {"Content-Type": JSON_11})
        answer["Archives"] = [self._counted(request.region, a) for a in answer.get("Archives", [])]
        return Response.of_json(answer, content_type=JSON_11)

    # replays ------------------------------------------------------------------------------------
    def _start_replay(self, request: Request, body: dict) -> Response:
        name, source = body.get("ReplayName") or "", body.get("EventSourceArn") or ""
        destination = body.get("Destination") or {}
        start, end = _time(body.get("EventStartTime")), _time(body.get("EventEndTime"))
        if not _REPLAY_NAME.match(name):
            return _error("ValidationException", f"Value '{name}' at 'replayName' failed to satisfy constraint: "
                                                 "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
        if start is None or end is None:
            return _error("ValidationException", "Parameters EventStartTime and EventEndTime are required.")
        if not _BUS_ARN.match(destination.get("Arn") or ""):
            return _error("ValidationException", "Parameter Destination.Arn is not valid. Reason: Must contain an event bus ARN.")
        found = _ARCHIVE_ARN.match(source)
        archive_name = found.group("name") if found else source.rsplit("/", 1)[-1]
        status, archive = self._moto(request, {"ArchiveName": archive_name}, "DescribeArchive")
        if status != 200:
            return _error("ValidationException",
                          f"Parameter EventSourceArn is not valid. Reason: Archive {archive_name} does not exist.")
        if destination["Arn"] != archive.get("EventSourceArn"):
            return _error("ValidationException",
                          "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
        if start > end:
            return _error("ValidationException",
                          "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")
        if end > self.clock.now() + timedelta(seconds=1):
            return _error("ValidationException",
                          "Parameter EventEndTime is not valid. Reason: EventEndTime must not be in the future.")
        account = archive["ArchiveArn"].split(":")[4]
        replay = Replay(name, f"arn:aws:events:{request.region}:{account}:replay/{name}", request.region,
                        archive["ArchiveArn"], body.get("Description") or "", start, end,
                        {k: v for k, v in destination.items() if k in ("Arn", "FilterArns")})
        with self._lock:
            if (request.region, name) in self._replays:
                return _error("ResourceAlreadyExistsException", f"Replay {name} already exists.")
            active = sum(1 for r in self._replays.values() if r.region == request.region and r.state in _ACTIVE)
            if active >= 10:
                return _error("LimitExceededException", "The requested resource exceeds the maximum number allowed.")
            self._replays[(request.region, name)] = replay
        retention = int(archive.get("RetentionDays") or 0)
        self.delivery.run(lambda at: self._run(replay, archive_name, retention))
        return Response.of_json({"ReplayArn": replay.arn, "State": "STARTING",
                                 "ReplayStartTime": replay.started_at.timestamp()}, content_type=JSON_11)

    def _run(self, replay: Replay, archive_name: str, retention_days: int) -> None:
        from .delivery import jobs_for

        with self._lock:
            if replay.state != "STARTING":  # cancelled before it began
                return
            replay.state = "RUNNING"
        try:
            bus = self.router.bus(replay.region, replay.destination["Arn"])
            wanted = set(replay.destination.get("FilterArns") or [])
            chosen = []
            for archived in self._kept(replay.region, archive_name, retention_days):
                when = _time(archived.event.get("time")) or archived.received
                if replay.start <= when < replay.end:
                    chosen.append((when, archived.event))
            for when, original in sorted(chosen, key=lambda pair: pair[0]):  # minute by minute, as AWS does
                with self._lock:
                    if replay.state != "RUNNING":
                        return
                event = {**original, "replay-name": replay.name}
                routes = self.router.matching(replay.region, bus, event) if bus else []
                self.delivery.submit_all(jobs_for(replay.region, event,
                                                  [r for r in routes if not wanted or r.rule_arn in wanted]))
                replay.last_replayed = when
            with self._lock:
                replay.state, replay.ended_at = "COMPLETED", datetime.now(timezone.utc)
        except Exception as exc:  # say why in the replay, as AWS does with StateReason
            with self._lock:
                replay.state, replay.state_reason, replay.ended_at = "FAILED", str(exc)[:512], datetime.now(timezone.utc)
            raise

    def _replay(self, request: Request, body: dict) -> Replay | None:
        with self._lock:
            return self._replays.get((request.region, body.get("ReplayName") or ""))

    def _describe_replay(self, request: Request, body: dict) -> Response:
        replay = self._replay(request, body)
        if replay is None:
            return _error("ResourceNotFoundException", f"Replay {body.get('ReplayName')} does not exist.")
        with self._lock:
            return Response.of_json(replay.full(), content_type=JSON_11)

    def _list_replays(self, request: Request, body: dict) -> Response:
        filters = {k: body[k] for k in ("NamePrefix", "State", "EventSourceArn") if body.get(k)}
        if len(filters) > 1:
            return _error("ValidationException", "At most one filter is allowed for ListReplays. "
                                                 "Use either : State, EventSourceArn, or NamePrefix.")
        with self._lock:
            found = [r.short() for r in self._replays.values() if r.region == request.region
                     and r.name.startswith(filters.get("NamePrefix", ""))
                     and r.state == filters.get("State", r.state)
                     and r.source_arn == filters.get("EventSourceArn", r.source_arn)]
        return Response.of_json({"Replays": sorted(found, key=lambda r: r["ReplayStartTime"])}, content_type=JSON_11)

    def _cancel_replay(self, request: Request, body: dict) -> Response:
        replay = self._replay(request, body)
        if replay is None:
            return _error("ResourceNotFoundException", f"Replay {body.get('ReplayName')} does not exist.")
        with self._lock:
            if replay.state not in _ACTIVE:
                return _error("IllegalStatusException", f"Replay {replay.name} is not in a valid state for this operation.")
            replay.state, replay.ended_at = "CANCELLED", datetime.now(timezone.utc)
        return Response.of_json({"ReplayArn": replay.arn, "State": "CANCELLING"}, content_type=JSON_11)
