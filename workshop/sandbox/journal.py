"""What the data plane did with each event, for `workshop trace` (GET/POST /_workshop/journal).

Three kinds of entry, bounded to the most recent ones: an event `accepted` on a bus, a
`delivered` attempt and a `failed` delivery (with AWS's error code). Times are wall-clock UTC
(`clock` is the sandbox clock). A query for one event id also returns the events accepted later
whose detail carries that id (a Lambda destination's record holds the invoking event as
requestPayload): the onward hops.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from datetime import datetime, timezone

from .service import Service

MAX_ENTRIES = 5000


class Journal(Service):
    priority = 110

    def __init__(self, clock):
        self.clock = clock
        self._entries: deque[dict] = deque(maxlen=MAX_ENTRIES)
        self._lock = threading.Lock()

    def _add(self, *entries: dict) -> None:
        # Wall time, as the services' own records (log events, executions) show; and the sandbox
        # clock's offset from it. Made into times and written out only when asked.
        at, offset = time.time(), self.clock.offset
        for entry in entries:
            entry["at"], entry["offset"] = at, offset
        with self._lock:
            self._entries.extend(entries)

    def accepted(self, region: str, *pairs: tuple[str, dict]) -> None:
        """Events accepted on their buses: (bus name, event) pairs, one PutEvents' under one lock."""
        self._add(*({"kind": "accepted", "event_id": event.get("id"), "bus": bus_name, "region": region, "event": event}
                    for bus_name, event in pairs))

    def delivered(self, *jobs) -> None:
        """Delivery attempts that succeeded, in order (a run of them under one lock)."""
        self._add(*({"kind": "delivered", "event_id": job.event.get("id"), "rule": job.rule_name,
                     "target": job.target.get("Arn"), "target_id": job.target.get("Id"), "attempt": job.attempt}
                    for job in jobs))

    def failed(self, job, code: str, message: str) -> None:
        self._add({"kind": "failed", "event_id": job.event.get("id"), "rule": job.rule_name,
                   "target": job.target.get("Arn"), "target_id": job.target.get("Id"), "attempts": job.attempt,
                   "error_code": code, "error_message": message})

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    reset = clear

    def query(self, event_id: str) -> dict:
        with self._lock:
            entries = list(self._entries)
        own = [_shown(e) for e in entries if e.get("event_id") == event_id]
        onward = [_shown(e) for e in entries if e["kind"] == "accepted" and e.get("event_id") != event_id
                  and event_id in json.dumps(e["event"].get("detail"))]
        return {"event_id": event_id, "entries": own, "onward": onward}


def _shown(entry: dict) -> dict:
    at = datetime.fromtimestamp(entry["at"], timezone.utc)
    shown = {key: value for key, value in entry.items() if key != "offset"}
    return {**shown, "at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "clock": (at + entry["offset"]).isoformat()}
