"""Commands about events: publish, trace, logs.
"""

from __future__ import annotations

import sys
import time
from typing import Optional

import typer

from ..errors import BadInput
from .app import app
from .common import complete_log_groups, complete_samples, load_scenario, make_context, make_ui, open_backend


# publish / logs -----------------------------------------------------------------------------------
@app.command()
def publish(
    bus: Optional[str] = typer.Option(None, "--bus", help="Event bus name (default: the sample's, else the scenario's events bus)."),
    source: Optional[str] = typer.Option(None, "--source", help="Event source (default: the sample's or the scenario's)."),
    detail_type: Optional[str] = typer.Option(None, "--detail-type", help="Detail type (default: the sample's or the scenario's)."),
    detail: Optional[str] = typer.Option(None, "--detail", help="The detail: inline JSON, @file.json, or - for stdin."),
    sample: Optional[str] = typer.Option(None, "--sample", autocompletion=complete_samples, help="A sample event from the workshop (see scenarios)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Publish an event with PutEvents: the workshop's "Event Generator".

    \b
    Examples:
      workshop publish --sample lab-supplies-eu-west
      workshop publish --detail '{"category":"lab-supplies","value":415,"location":"us-east"}'
    """
    import json

    from ..inputs import read_json_arg
    from ..limits import check_event
    from ..steps.plan import Executor
    from ..steps.publish import EventRefused, put_events_call

    if (detail is None) == (sample is None):
        raise BadInput("Give exactly one of --detail JSON or --sample NAME.")
    ui = make_ui(json_out, yes=True)
    scenario = load_scenario()
    if sample is not None:
        if sample not in scenario.samples:
            raise BadInput(f"Unknown sample '{sample}': choose one of {', '.join(sorted(scenario.samples))}.")
        chosen = scenario.samples[sample]
        body, name = chosen.detail, sample
        bus = chosen.bus if bus is None else bus
        source = chosen.source if source is None else source
        detail_type = chosen.detail_type if detail_type is None else detail_type
    else:
        body, name = read_json_arg(detail, "detail"), "event"
        if not isinstance(body, dict):
            raise BadInput("--detail must be a JSON object, as EventBridge requires.")
    # an option given empty stays empty (and is refused below), it never falls back to a default
    defaults = scenario.events
    if defaults is None and None in (bus, source, detail_type):
        raise BadInput("The scenarios file names no default events: give --bus, --source and --detail-type.")
    bus = defaults.bus if bus is None else bus
    source = defaults.source if source is None else source
    detail_type = defaults.detail_type if detail_type is None else detail_type
    check_event(bus=bus, source=source, detail_type=detail_type, detail=json.dumps(body))
    backend = open_backend(ui)
    ctx = make_context(backend, ui, scenario)
    ui.quiet = json_out
    try:
        Executor(ctx).run([put_events_call(ctx, name, bus=bus, source=source, detail_type=detail_type, detail=body)])
    except EventRefused as exc:
        if exc.code == "ResourceNotFoundException":
            raise BadInput(f"There is no event bus {bus} in {backend.describe()}: run `workshop run event-bus`, or name another with --bus.") from None
        raise BadInput(str(exc)) from None
    event_id = ctx.published[name][-1]
    if json_out:
        ui.emit_json({"event_id": event_id, "bus": bus, "source": source, "detail_type": detail_type, "detail": body})
    else:
        typer.echo(event_id)


@app.command()
def trace(
    event_id: str = typer.Argument(..., metavar="EVENT_ID", help="An event id printed by publish, run or verify."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """The event's journey: every rule on its bus (matched or not, and why), each delivery and its evidence.

    \b
    Example:  workshop trace $(workshop publish --sample lab-supplies-eu-west)
    """
    from ..trace import Tracer

    ui = make_ui(json_out)
    document = Tracer(open_backend(ui)).trace(event_id)
    if json_out:
        ui.emit_json(document)
    else:
        ui.print_trace(document)


def _parse_since(value: str) -> int:
    import re

    match = re.fullmatch(r"(\d+)\s*([smhd])", value.strip())
    if not match:
        raise BadInput(f"--since takes a duration like 30s, 10m, 2h or 1d (got '{value}').")
    seconds = int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds > time.time():  # CloudWatch Logs counts from 1970; before that is no time at all
        raise BadInput(f"--since {value} reaches back before 1970: give a shorter duration, such as 30d.")
    return int((time.time() - seconds) * 1000)


@app.command()
def logs(
    log_group: str = typer.Argument(..., metavar="LOG_GROUP", autocompletion=complete_log_groups),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new events until Ctrl-C."),
    since: str = typer.Option("10m", "--since", help="How far back to start: 30s, 10m, 2h, 1d."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document (not with --follow)."),
):
    """Print what EventBridge delivered to a log group; --follow tails it.

    \b
    Examples:
      workshop logs /aws/events/orders
      workshop logs /aws/events/orders --follow --since 1h
    """
    import json as jsonlib

    import botocore.exceptions

    from ..aws.errors import is_not_found

    if follow and json_out:
        raise BadInput("--json prints one document, so it cannot be combined with --follow.")
    if not log_group.strip():
        raise BadInput("Name a log group, such as /aws/events/orders.")
    ui = make_ui(json_out)
    start_ms = _parse_since(since)
    backend = open_backend(ui)
    client = backend.client("logs")
    seen: set[str] = set()
    collected = []

    def fetch(from_ms: int) -> list[dict]:
        events = []
        try:
            for page in client.get_paginator("filter_log_events").paginate(logGroupName=log_group, startTime=from_ms):
                events.extend(page.get("events", []))
        except botocore.exceptions.ClientError as exc:
            if is_not_found(exc):
                raise BadInput(f"There is no log group {log_group} in {backend.describe()}.") from None
            raise
        return sorted(events, key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")))

    def show(events: list[dict]) -> None:
        for event in events:
            key = event.get("eventId") or f"{event.get('logStreamName')}/{event.get('timestamp')}/{event.get('message')}"
            if key in seen:
                continue
            seen.add(key)
            if json_out:
                collected.append(event)
                continue
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(event.get("timestamp", 0) / 1000))
            message = event.get("message", "")
            try:
                message = jsonlib.dumps(jsonlib.loads(message), indent=2)
            except ValueError:
                pass
            typer.echo(f"{stamp} {event.get('logStreamName', '')}\n{message}")

    show(fetch(start_ms))
    if json_out:
        ui.emit_json({"log_group": log_group, "events": collected})
        return
    if not follow:
        if not seen:
            ui.say(f"[dim]No events in {log_group} since {since} ago.[/]")
        return
    ui.say(f"[dim]Following {log_group}; Ctrl-C to stop.[/]")
    # Ctrl-C is the documented way to stop: it only sets a flag, so it can never land inside botocore
    # (where it could be swallowed); the look in progress finishes, then the command exits 130 quietly.
    import signal
    import threading

    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda signum, frame: stopped.set())
    while not stopped.wait(1.0):
        show(fetch(start_ms))
    sys.stdout.flush()
    sys.exit(130)
