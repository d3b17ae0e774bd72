"""The sandbox's EventBridge data plane: routing, delivery, the clock and the control endpoints."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from json.encoder import c_make_encoder, encode_basestring_ascii
from pathlib import Path

from ..aws import READ_PREFIXES
from .awsclients import SelfClients
from .clock import Clock
from .delivery import Delivery, Job, jobs_for
from .events_api import EventsApi, envelope
from .front import Request, Response
from .journal import Journal
from .router import BusRoutes, Router
from .faults import Faults, aws_error
from .operations import operation_name
from .regions import is_known
from . import service as contract
from .targets import DeliveryError, EventBusTarget, LogsTarget, SnsTarget, SqsTarget, StepFunctionsTarget, arn_parts

log = logging.getLogger("workshop.sandbox.plane")

# json.dumps's own encoder (same text), built once: json.dumps builds one per call, a third of its time.
_EVENT_ENCODER = c_make_encoder and c_make_encoder(None, json.JSONEncoder().default, encode_basestring_ascii, None,
                                                   ": ", ", ", False, False, True)


def event_json(event: dict) -> str:
    """json.dumps(event), as a target receives an event (events are JSON values: never circular)."""
    if _EVENT_ENCODER is None or type(event) is not dict:
        return json.dumps(event)
    return "".join(_EVENT_ENCODER(event, 0))


_STACK_CHANGES = {"CreateStack", "UpdateStack", "DeleteStack", "ExecuteChangeSet"}


class DataPlane:
    def __init__(self, state_dir: Path):
        self.state_dir = state_dir  # Lambda code lives under it
        self.clock = Clock()
        self.journal = Journal(self.clock)  # every event accepted, delivered or failed, for `workshop trace`
        self.regions: set[str] = {os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
        self.faults = Faults()
        self.warmup: threading.Thread | None = None  # see warm()
        self._first_seen: dict[str, datetime] = {}  # schedule rule ARN -> first minute seen (rate() origin)
        self._rule_created: dict[tuple[str, str, str], datetime] = {}  # (region, bus, rule) -> PutRule clock time
        self._schedule_lock = threading.Lock()
        self._last_fired: datetime | None = None
        self._stopping = threading.Event()

    # lifecycle -------------------------------------------------------------------------------
    def start(self, endpoint_url: str, app) -> None:
        """Build every part with what it uses, then every registered service (service.py) with
        what its constructor names; `app` is the front, which answers the sandbox's own calls."""
        from .moto_backends import SqsBackend, bus_rules

        self.endpoint_url = endpoint_url
        self.clients = SelfClients(endpoint_url, app=app)
        self.router = Router(bus_rules)
        self.delivery = Delivery(self.clock, self.journal, self.clients, self.shape, self.deliverer_for)
        self.sqs = SqsBackend()  # moto's queues, driven directly for per-message calls
        self.logs_target = LogsTarget(self.clients)
        self.sns_target = SnsTarget(self.clients)
        events_api = EventsApi(self.clock, self.router, self.publish_later)
        parts = {"clock": self.clock, "journal": self.journal, "faults": self.faults, "regions": self.regions,
                 "clients": self.clients, "endpoint_url": endpoint_url, "state_dir": self.state_dir,
                 "ask_moto": app.ask_moto, "moto_app": app.moto_app, "router": self.router,
                 "delivery": self.delivery, "sqs": self.sqs, "publish": self.publish, "change_watch": app.changes}
        services = contract.build(parts, contract.discover())
        # Every part that answers requests, watches moto, resets or serves a control endpoint, in
        # the order of their declared priority (SQS first: it is the hottest path).
        self.services = sorted([self.sqs, events_api, self.sns_target, self.logs_target, self.faults, self.journal,
                                self.delivery, self.clock, *services.values()], key=lambda s: s.priority)
        self.deliverers = {"logs": self.logs_target, "sqs": SqsTarget(self.sqs, self.faults),
                           "events": EventBusTarget(self.router, self.publish), "sns": self.sns_target,
                           "states": StepFunctionsTarget(self.clients)}
        self.deliverers.update({kind: s for s in self.services for kind in s.delivers})
        self._claimers = [s for s in self.services if type(s).owns is not contract.Service.owns]
        self.routes = {"/health": self._health, "/stats": self._stats, "/journal": self._journal,
                       "/wait-idle": self._wait_idle, "/clock/tick": self._tick, "/reset": self._reset}
        for part in self.services:
            self.routes.update(part.routes())
        self.delivery.start()
        threading.Thread(target=self._schedule_loop, name="schedules", daemon=True).start()

    def warm(self, ask_moto, region: str, services: tuple[str, ...]) -> None:
        """Warm moto's services in the background; /health says `warm` once done."""
        from .warmup import warm_in_background

        self.warmup = warm_in_background(ask_moto, region, self.clients, services)

    def stop(self) -> None:
        self._stopping.set()
        self.delivery.stop()

    def configure_moto(self) -> None:
        """Documented moto settings, set through its public config endpoint before anything exists."""
        body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
        req = urllib.request.Request(self.endpoint_url + "/moto-api/config", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()

    # requests --------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response | None:
        if request.path.startswith("/_workshop/"):
            return self.control(request)
        if request.path.startswith("/moto-api"):
            return None
        if request.service:
            if not is_known(request.region):
                return aws_error(request, "InvalidRegion", f"'{request.region}' is not an AWS region; the sandbox serves AWS regions only.", 400)
            self.regions.add(request.region)
            fault = self.faults.check(request)
            if fault is not None:
                return fault
        for service in self.services:
            response = service.intercept(request)
            if response is not None:
                return response
        return None

    def after_moto(self, request: Request) -> None:
        for service in self.services:
            service.after_moto(request)
        self._note_put_rule(request)
        operation = request.target.split(".", 1)[-1] if request.target else ""
        if request.service == "events" and not operation.startswith(READ_PREFIXES):  # routing may differ
            self.router.invalidate()
        elif request.service == "logs" and "ResourcePolicy" in operation:
            self.logs_target.invalidate()
        elif request.service == "cloudformation" and operation_name(request) in _STACK_CHANGES:
            # A stack creates rules, buses and policies inside moto, past the calls we watch.
            self.router.invalidate()
            self.logs_target.invalidate()
            self.sns_target.invalidate()

    def _note_put_rule(self, request: Request) -> None:
        # A schedule starts when its rule is created or (re-)enabled, not at the minute already begun.
        if request.service == "events" and request.target.endswith((".PutRule", ".EnableRule")):
            body = request.json()
            bus = (body.get("EventBusName") or "default").rsplit("/", 1)[-1]
            self._rule_created[(request.region, bus, body.get("Name", ""))] = self.clock.now()

    # data plane ------------------------------------------------------------------------------
    def publish(self, region: str, bus: BusRoutes, event: dict) -> None:
        """Route an accepted event to every enabled matching rule's targets, asynchronously."""
        self.journal.accepted(region, (bus.name, event))
        self._route(region, bus, event)

    def publish_later(self, region: str, accepted: list[tuple[BusRoutes, dict]]) -> None:
        """Route (bus, event) pairs on the routing thread: PutEvents answers without waiting for the
        rules to be matched. Each bus is the snapshot of its rules taken when the event was accepted."""
        self.journal.accepted(region, *((bus.name, event) for bus, event in accepted))
        if accepted:
            self.delivery.after_ingest(self._route_held, (region, accepted))

    def _route_held(self, at, items: list[tuple[str, list[tuple[BusRoutes, dict]]]]) -> None:
        """The events of held PutEvents calls, (region, accepted) each, routed as one run, in order."""
        self.delivery.submit_all(self._jobs(items))

    def _jobs(self, items: list[tuple[str, list[tuple[BusRoutes, dict]]]]):
        """A Job per (event, matching rule, target), in order; an event whose matching fails (a bug)
        is logged and counted, and the others go on."""
        matching = self.router.matching
        for region, accepted in items:
            for bus, event in accepted:
                try:
                    routes = matching(region, bus, event)
                except Exception:
                    log.exception("routing event %s failed", event.get("id"))
                    self.delivery.count("internal_errors")
                    continue
                yield from jobs_for(region, event, routes)

    def _route(self, region: str, bus: BusRoutes, event: dict) -> None:
        self.delivery.submit_all(jobs_for(region, event, self.router.matching(region, bus, event)))

    def shape(self, job: Job, encoded: dict[int, tuple[dict, str]] | None = None) -> str:
        """The payload the job's target receives; `encoded` keeps events' JSON text across a run
        of deliveries (id(event) -> (event, text)), so an event is encoded once for its targets."""
        target = job.target
        if "Input" not in target and "InputPath" not in target and "InputTransformer" not in target:
            if encoded is None:
                return event_json(job.event)
            kept = encoded.get(id(job.event))
            if kept is None or kept[0] is not job.event:
                kept = encoded[id(job.event)] = (job.event, event_json(job.event))
            return kept[1]
        from . import input_shaping

        try:
            return input_shaping.shape(target, job.event, rule_name=job.rule_name, rule_arn=job.rule_arn)
        except input_shaping.InputShapingError as exc:
            raise DeliveryError("InputTransformationFailed", str(exc), retryable=False)

    def deliverer_for(self, arn: str):
        for claimer in self._claimers:  # e.g. the managed rule of an archive
            if claimer.owns(arn):
                return claimer
        parts = arn_parts(arn)
        service = parts["service"]
        if service == "events" and parts["resource"].startswith("api-destination/"):
            service = "api-destination"
        deliverer = self.deliverers.get(service)
        if deliverer is None:
            raise DeliveryError("UnsupportedTarget", f"The sandbox cannot deliver to {service} targets yet.", retryable=False)
        return deliverer

    # schedules -------------------------------------------------------------------------------
    def fire_schedules(self, until: datetime) -> int:
        """Fire every schedule rule for each whole minute up to `until` not fired yet."""
        from .. import schedules

        with self._schedule_lock:
            # `until` may have been read before a reset took the clock back: never past the clock now.
            until = min(until, self.clock.now().replace(second=0, microsecond=0))
            start = self._last_fired or until.replace(second=0, microsecond=0)
            minute = start + timedelta(minutes=1) if self._last_fired else start
            fired = 0
            rules = []
            for region in sorted(self.regions):
                bus = self.router.bus(region, "default")
                if bus:
                    rules.extend((region, bus, r) for r in bus.routes if r.schedule and r.enabled)
            parsed = {}
            for region, bus, route in rules:
                try:
                    parsed[route.rule_arn] = schedules.parse(route.schedule)
                except schedules.InvalidScheduleError:
                    continue
            while minute <= until:
                for region, bus, route in rules:
                    schedule = parsed.get(route.rule_arn)
                    # A rule fires from the minute after it was created; rate() counts from then.
                    created = self._rule_created.get((region, route.bus_name, route.rule_name)) or \
                        self._first_seen.setdefault(route.rule_arn, minute)
                    if schedule is None or minute < created or not schedule.fires_at(minute, created):
                        continue
                    event = envelope(source="aws.events", detail_type="Scheduled Event", detail={},
                                     account=bus.account, region=region, resources=[route.rule_arn], time=minute)
                    self.journal.accepted(region, (bus.name, event))
                    self.delivery.submit_all(jobs_for(region, event, [route]))
                    fired += 1
                self._last_fired = minute
                minute += timedelta(minutes=1)
            return fired + sum(part.fire_until(until) for part in self.services)

    def reset_schedules(self) -> None:
        """Real time again, nothing fired yet. Under the schedule lock, and with the clock: a firing
        between the two used to leave the last fired minute in the moved clock's future, and then
        no schedule fired until real time caught up."""
        with self._schedule_lock:
            self.clock.reset()
            self._last_fired = None
            self._first_seen.clear()
            self._rule_created.clear()

    def _schedule_loop(self) -> None:
        while not self._stopping.wait(1.0):
            try:
                self.fire_schedules(self.clock.now().replace(second=0, microsecond=0))
            except Exception:
                log.exception("schedule tick failed")

    # control endpoints -----------------------------------------------------------------------
    def control(self, request: Request) -> Response:
        handler = self.routes.get(request.path[len("/_workshop"):])
        if handler is None:
            return Response.of_json({"message": f"unknown sandbox endpoint {request.path}"}, 404)
        return handler(request.json() if request.body else {})

    def _health(self, body: dict) -> Response:
        return Response.of_json({"ok": True, "pid": os.getpid(), "clock": self.clock.now().isoformat(),
                                 "warm": self.warmup is None or not self.warmup.is_alive()})

    def _stats(self, body: dict) -> Response:
        return Response.of_json({"stats": self.delivery.snapshot(), "failures": self.delivery.failures[-20:]})

    def _journal(self, body: dict) -> Response:
        return Response.of_json(self.journal.query(str(body.get("event_id", ""))))

    def _wait_idle(self, body: dict) -> Response:
        """Idle: every event accepted so far delivered (or failed for good), and no state machine
        still running (it may publish more). With "retries": no retry waiting either."""
        from .moto_backends import running_executions

        end = time.monotonic() + float(body.get("timeout", 10))
        while True:
            idle = self.delivery.wait_idle(max(0.0, end - time.monotonic()))
            running = running_executions() if idle else 0
            if not running or time.monotonic() >= end:
                break
            time.sleep(0.02)  # bounded by the timeout; an execution ends in milliseconds here
        stats = self.delivery.snapshot()
        quiet = idle and not running and not (body.get("retries") and stats.get("scheduled"))
        return Response.of_json({"idle": quiet, "stats": stats, "executions_running": running})

    def _tick(self, body: dict) -> Response:
        minutes = int(body.get("minutes", 1))
        if not 1 <= minutes <= 60 * 24 * 31:
            return Response.of_json({"message": "minutes must be between 1 and 44640"}, 400)
        self.delivery.wait_idle(10)  # what was accepted before the tick is first tried before it
        before, after = self.clock.advance(minutes)
        fired = self.fire_schedules(after.replace(second=0, microsecond=0))
        self.delivery.settle(after, 60)  # retries and Lambda attempts that came due run now
        return Response.of_json({"from": before.isoformat(), "to": after.isoformat(), "fired": fired})

    def _reset(self, body: dict) -> Response:
        req = urllib.request.Request(self.endpoint_url + "/moto-api/reset", data=b"", method="POST")
        urllib.request.urlopen(req, timeout=30).read()
        self.configure_moto()
        self.router.invalidate()
        self.reset_schedules()
        for service in self.services:
            service.reset()
        return Response.of_json({"reset": True})
