"""Within one command a read is asked once until the command itself changes that service: what the
journey after each publish shows (a bus's rules, a rule's targets) is read again after every change."""

from __future__ import annotations

from types import SimpleNamespace

from workshop.backend import Backend, BackendChoice


def _call(backend: Backend, service: str, operation: str) -> None:
    """What botocore tells the backend before each call (its before-call event)."""
    backend._note_operation(model=SimpleNamespace(name=operation, service_model=SimpleNamespace(service_name=service)))


def _reader(answers: list):
    calls = []

    def read():
        calls.append(len(calls))
        return answers[len(calls) - 1]

    return read, calls


def test_a_read_is_kept_until_the_command_changes_that_service():
    backend = Backend(BackendChoice("sandbox"))
    read, calls = _reader(["first", "second", "third"])
    assert backend.remembered("events", ("rules", "Orders"), read) == "first"
    _call(backend, "events", "ListRules")
    _call(backend, "events", "PutEvents")  # publishing changes no rule
    _call(backend, "sqs", "CreateQueue")  # another service's change
    assert backend.remembered("events", ("rules", "Orders"), read) == "first"
    assert len(calls) == 1
    _call(backend, "events", "PutRule")
    assert backend.remembered("events", ("rules", "Orders"), read) == "second"
    assert backend.remembered("events", ("rules", "Inventory"), read) == "third"  # each key on its own
    assert len(calls) == 3


def test_a_change_made_while_reading_is_not_hidden_by_the_read():
    backend = Backend(BackendChoice("sandbox"))
    answers = iter(["before the change", "after it"])

    def read_while_a_rule_is_put():
        answer = next(answers)
        if answer == "before the change":
            _call(backend, "events", "DeleteRule")  # another thread's change lands meanwhile
        return answer

    assert backend.remembered("events", "rules", read_while_a_rule_is_put) == "before the change"
    assert backend.remembered("events", "rules", read_while_a_rule_is_put) == "after it"
