"""The replay step's window ends at the next whole second: asked at once, and asked again once that
second has passed when the backend refuses an end in the future (a stand-in client, no backend)."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from workshop.steps.archive import ReplayArgs, plan_replay


class Events:
    def __init__(self, refuse_future: bool):
        self.refuse_future = refuse_future
        self.started: list[tuple[float, dict]] = []

    def describe_replay(self, ReplayName):
        if not any(params["ReplayName"] == ReplayName for _, params in self.started):
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no such replay"}}, "DescribeReplay")
        return {"State": "COMPLETED", "ReplayName": ReplayName}

    def start_replay(self, **params):
        if self.refuse_future and params["EventEndTime"] > datetime.now(timezone.utc):
            raise ClientError({"Error": {"Code": "ValidationException",
                                         "Message": "Parameter EventEndTime is not valid. Reason: it is in the future."}},
                              "StartReplay")
        self.started.append((time.time(), params))
        return {"State": "STARTING"}


def _run(events: Events) -> dict:
    ctx = SimpleNamespace(region="us-east-1", account="123456789012", replays={},
                          backend=SimpleNamespace(sandbox_control=lambda: None))
    ctx.found = lambda call: _found(call)
    (custom,) = plan_replay(ctx, ReplayArgs(name="OrdersReplay", archive="OrderEventArchive", bus="Orders", rules=["R"]))
    asked = time.time()
    described = custom.run(lambda service: events)
    assert described["State"] == "COMPLETED" and ctx.replays == {"OrderEventArchive": [described["ReplayName"]]}
    return {"asked": asked}


def _found(call):
    try:
        return call()
    except ClientError:
        return None


@pytest.mark.parametrize("refuse_future", [False, True], ids=["accepts-the-next-second", "refuses-the-future"])
def test_the_window_ends_at_the_next_whole_second(refuse_future, monkeypatch):
    import workshop.steps.archive as archive

    slept: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(archive.time, "sleep", lambda s: (slept.append(s), real_sleep(s)))
    events = Events(refuse_future)
    asked = _run(events)["asked"]
    ((started, params),) = events.started
    end = params["EventEndTime"]
    assert end.microsecond == 0 and 0 < end.timestamp() - asked <= 1.0
    assert params["Destination"]["FilterArns"] == ["arn:aws:events:us-east-1:123456789012:rule/Orders/R"]
    if refuse_future:
        assert started >= end.timestamp() and len(slept) == 1  # asked again only once the end had passed
    else:
        assert slept == []  # no waiting for a backend that takes the next second
