"""A broken scenarios file exits 2 and names file:line and what was expected."""

from __future__ import annotations

import textwrap

import pytest

from workshop import scenario
from workshop.errors import ScenarioError

VALID_STEP = """
modules:
  - id: m
    title: T
    summary: S
    steps:
      - name: bus
        do:
          event_bus: {name: Orders}
"""

BROKEN = [
    ("broken YAML", "modules:\n  - id: m\n    title: a: b\n    summary: s\n", ":3", "broken YAML"),
    ("unknown step kind", VALID_STEP.replace("event_bus:", "event_bsu:"), ":9", "unknown step kind 'event_bsu'"),
    ("missing field", VALID_STEP.replace("    summary: S\n", ""), ":3", "missing the field 'summary'"),
    ("wrong type", VALID_STEP.replace("{name: Orders}", "{name: [Orders]}"), ":9", "must be a string"),
    ("unknown field", VALID_STEP.replace("    summary: S\n", "    summary: S\n    colour: red\n"), ":6", "unknown field 'colour'"),
    ("unknown check kind", VALID_STEP + "        check:\n          - name: c\n            bus_exits: {name: Orders}\n", ":12",
     "unknown check kind 'bus_exits'"),
    ("rule with two pattern sources", VALID_STEP.replace(
        "event_bus: {name: Orders}", "rule: {name: R, pattern: {source: [x]}, schedule: 'rate(1 minute)'}"), ":9", "exactly one of pattern"),
    ("unknown sample", VALID_STEP.replace("event_bus: {name: Orders}", "publish: {sample: nope}"), ":7", "unknown sample 'nope'"),
    ("filter-policy solution SNS refuses", VALID_STEP.replace("    summary: S\n", "    summary: S\n    challenges:\n      - {id: c, "
     "title: t, goal: g, filter_scope: MessageAttributes, must_match: [], must_not_match: [], solution: {a: {b: [x]}}}\n"),
     ":7", "nested keys need FilterPolicyScope MessageBody"),  # an event pattern could nest; an attribute policy cannot
    ("output naming two resources", VALID_STEP.replace("    summary: S\n", "    summary: S\n    outputs:\n      Url: {sqs_queue: Q, sns_topic: T}\n"),
     ":7", "an output names exactly one of"),
]


@pytest.mark.parametrize("label,text,line,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_names_line_and_expectation(tmp_path, label, text, line, message):
    path = tmp_path / "scenarios.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(ScenarioError) as error:
        scenario.load(path)
    assert str(error.value).startswith(f"{path}{line}"), str(error.value)
    assert message in str(error.value)


def test_cli_exits_2_with_one_line(cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(VALID_STEP.replace("event_bus:", "event_bsu:"))
    result = cli("--scenarios", str(path), "modules")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert f"{path}:9" in result.stderr and "Traceback" not in result.stderr


def test_missing_file_exits_2(cli, tmp_path):
    result = cli("modules", "--scenarios", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_other_scenarios_file_runs(cli, fresh, tmp_path, aws):
    path = tmp_path / "mine.yaml"
    path.write_text(VALID_STEP.replace("Orders", "MyBus") + "        check:\n          - name: my bus\n            bus_exists: {name: MyBus}\n")
    result = cli.json("--scenarios", str(path), "run", "m", "--yes")
    assert result["passed"] is True
    assert "MyBus" in {b["Name"] for b in aws("events").list_event_buses()["EventBuses"]}


def test_builtin_scenarios_load():
    loaded = scenario.load()
    assert [m.id for m in loaded.modules][:1] != []
    assert loaded.module("event-bus").checks, "event-bus has checks"


def test_a_file_without_event_defaults_takes_the_workshops(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("samples:\n  s:\n    detail: {a: 1}\n" + VALID_STEP)
    workshop = scenario.load().events
    sample = scenario.load(path).samples["s"]
    assert (sample.bus, sample.source, sample.detail_type) == (workshop.bus, workshop.source, workshop.detail_type)
