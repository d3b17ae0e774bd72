"""The events this tool published, per backend scope, so `workshop trace ID` knows the event and its bus
on any backend (AWS has no API that finds an event by its id)."""

from __future__ import annotations

import time

from .paths import read_json, state_dir, write_json_atomic

KEEP = 300  # the most recent events; a trace is about what just happened


def _path(scope):
    return state_dir() / "published" / f"{scope.slug}.json"


def record(scope, event_id: str, bus: str, source: str, detail_type: str, detail: dict, sample: str = "") -> None:
    path = _path(scope)
    events = read_json(path, [])
    events.append({"id": event_id, "bus": bus, "source": source, "detail-type": detail_type, "detail": detail,
                   "sample": sample, "published_at": time.time()})
    write_json_atomic(path, events[-KEEP:], durable=False)  # for traces only: no need to wait for the disk


def find(scope, event_id: str) -> dict | None:
    for event in reversed(read_json(_path(scope), [])):
        if event.get("id") == event_id:
            return event
    return None
