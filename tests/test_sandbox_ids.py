"""The sandbox's ids (event, message, request ids) read as version-4 UUIDs, and differ."""

import uuid

from workshop.sandbox.ids import new_id


def test_ids_are_version_4_uuids_in_their_usual_spelling():
    seen = set()
    for _ in range(2000):
        text = new_id()
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
        seen.add(text)
    assert len(seen) == 2000
