"""The sandbox encodes an event for its targets with json.dumps's own encoder, built once
(workshop/sandbox/plane.py, event_json): the text must be json.dumps's, to the byte."""

from __future__ import annotations

import json

import pytest

from workshop.sandbox.plane import event_json

EVENTS = [
    {"version": "0", "id": "a", "detail-type": "Order", "source": "s", "resources": [], "detail": {}},
    {"detail": {"text": "caf\u00e9 \u2603 \U0001f600 \"quoted\" \\ \n\t\u0000", "n": -0.0, "big": 10 ** 30,
                "f": 1.5e-300, "g": 123456789.125, "t": True, "nil": None, "deep": [[[{"k": [1, "2", 3.0]}]]]}},
    {"": "", "non-ascii key \u00e9": 1, "order": {"z": 1, "a": 2}},
]


@pytest.mark.parametrize("event", EVENTS, ids=["envelope", "values", "keys"])
def test_event_json_is_json_dumps_to_the_byte(event):
    assert event_json(event) == json.dumps(event)


def test_what_json_dumps_refuses_is_refused_too():
    with pytest.raises(TypeError):
        event_json({"when": object()})
