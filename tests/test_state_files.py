"""The state dir's files under concurrency and damage: the ledger, progress, the lock (no sandbox)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workshop import state_lock
from workshop.errors import BackendError
from workshop.ledger import Ledger, Resource, Scope
from workshop.paths import DamagedStateFile, set_state_dir
from workshop.progress import Progress

SCOPE = Scope("sandbox", "123456789012", "us-east-1")

def test_an_intent_is_on_disk_before_the_call_and_completed_after(tmp_path):
    ledger = Ledger(SCOPE, tmp_path)
    ledger.intend(Resource("rule", "Orders/R", {"name": "R", "bus": "Orders"}, "event-bus"))
    [intent] = Ledger(SCOPE, tmp_path).open_intents()
    assert (intent.kind, intent.name, intent.module) == ("rule", "Orders/R", "event-bus")
    ledger.record(Resource("rule", "Orders/R", {"arn": "arn:r"}, "event-bus"))
    [seen] = ledger.resources()  # this process sees the record at once
    assert seen.state == "created" and seen.attrs == {"name": "R", "bus": "Orders", "arn": "arn:r"}
    assert [r.state for r in Ledger(SCOPE, tmp_path).resources()] == ["intent"]  # the disk, until the next write
    ledger.flush()
    [done] = Ledger(SCOPE, tmp_path).resources()
    assert done.state == "created" and done.attrs == {"name": "R", "bus": "Orders", "arn": "arn:r"}
    ledger.intend(Resource("rule", "Orders/R", {}, "event-bus"))  # an update of what we made: stays created
    assert Ledger(SCOPE, tmp_path).open_intents() == []
    ledger.drop_intent(done)  # never drops a created entry
    assert len(Ledger(SCOPE, tmp_path).resources()) == 1


def test_only_an_intent_waits_for_the_disk_and_a_change_of_nothing_writes_nothing(tmp_path, monkeypatch):
    synced, replaced = [], []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (replaced.append(b), real_replace(a, b))[1])
    ledger = Ledger(SCOPE, tmp_path)
    rule = Resource("rule", "Orders/R", {"name": "R"}, "event-bus")
    ledger.intend(rule)
    assert (len(synced), len(replaced)) == (1, 1)  # on disk before the call
    ledger.record(rule)
    assert (len(synced), len(replaced)) == (1, 1)  # kept until the next write: a lost record is an intent to settle
    bus = Resource("event_bus", "Orders", {"name": "Orders"}, "event-bus")
    ledger.intend(bus)  # the next intent carries the record with it, in one write
    assert (len(synced), len(replaced)) == (2, 2)
    assert {r.name: r.state for r in Ledger(SCOPE, tmp_path).resources()} == {"Orders/R": "created", "Orders": "intent"}
    ledger.intend(rule)  # already created: nothing changes
    ledger.drop_intent(rule)  # never drops a created entry: nothing changes
    ledger.flush()
    assert (len(synced), len(replaced)) == (2, 2)
    ledger.record(bus)
    ledger.flush()  # what is left is written (without waiting for the disk) by flush, or at exit
    assert (len(synced), len(replaced)) == (2, 3)
    assert {r.name: r.state for r in Ledger(SCOPE, tmp_path).resources()} == {"Orders/R": "created", "Orders": "created"}


def test_what_a_process_leaves_unwritten_is_written_when_it_exits(tmp_path):
    code = ("import sys; from pathlib import Path; from workshop.ledger import Ledger, Resource, Scope; "
            "l = Ledger(Scope('sandbox', '123456789012', 'us-east-1'), Path(sys.argv[1])); "
            "r = Resource('rule', 'Orders/R', {'name': 'R'}, 'event-bus'); l.intend(r); l.record(r)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=60)
    [done] = Ledger(SCOPE, tmp_path).resources()
    assert done.state == "created"


@pytest.mark.parametrize("content, problem", [
    (b'{"resources": [{"kind": "rule", "na', "not valid JSON"),
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not text"),
    (b'[1, 2, 3]', "a JSON list where a dict belongs"),
    (b'{"resources": "all of them"}', "not a list"),
    (b'{"resources": [{"kind": "rule"}]}', "not a resource record"),
])
def test_a_damaged_ledger_is_named_and_never_discarded(tmp_path, content, problem):
    ledger = Ledger(SCOPE, tmp_path)
    ledger.path.write_bytes(content)
    with pytest.raises(DamagedStateFile) as caught:
        ledger.resources()
    message = str(caught.value)
    assert str(ledger.path) in message and problem in message and "move it aside" in message
    with pytest.raises(DamagedStateFile):
        ledger.record(Resource("rule", "x", {}))
    assert ledger.path.read_bytes() == content  # untouched


def test_damaged_progress_is_kept_aside_and_said(tmp_path):
    set_state_dir(tmp_path)
    try:
        said = []
        progress = Progress(SCOPE, on_problem=said.append)
        progress.path.parent.mkdir(parents=True)
        progress.path.write_bytes(b"\x00\x01garbage")
        with pytest.raises(DamagedStateFile):
            progress.all()
        progress.mark("event-bus", deployed=True)
        assert progress.all()["event-bus"]["deployed"] is True
        assert progress.path.with_name(progress.path.name + ".damaged").read_bytes() == b"\x00\x01garbage"
        assert len(said) == 1 and "kept as" in said[0]
    finally:
        set_state_dir(None)


HOLDER = """
import sys, time
from workshop import paths, state_lock
paths.set_state_dir(sys.argv[1])
with state_lock.held("run --all"):
    print("held", flush=True)
    time.sleep(60)
"""


def _hold(tmp_path: Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_waits_naming_the_holder_then_refuses(tmp_path):
    holder = _hold(tmp_path)
    set_state_dir(tmp_path)
    try:
        said = []
        with pytest.raises(BackendError) as caught:
            with state_lock.held("cleanup", on_wait=said.append, wait_s=0.5):
                pass
        assert len(said) == 1 and f"pid {holder.pid}" in said[0] and "workshop run --all" in said[0]
        assert f"pid {holder.pid}" in str(caught.value) and "run this again" in str(caught.value)
    finally:
        set_state_dir(None)
        holder.kill()
        holder.wait(timeout=10)


def test_the_lock_dies_with_its_holder_even_on_kill_9(tmp_path):
    holder = _hold(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    set_state_dir(tmp_path)
    try:
        started = time.monotonic()
        with state_lock.held("run", wait_s=5):
            with state_lock.held("start the sandbox", wait_s=0):  # re-entrant within one process
                assert state_lock.is_held_here()
        assert time.monotonic() - started < 5
    finally:
        set_state_dir(None)


def test_a_state_dir_that_cannot_be_written_is_refused_before_anything(tmp_path):
    target = tmp_path / "file-not-dir"
    target.write_text("x")
    set_state_dir(target)
    try:
        with pytest.raises(BackendError, match="is a file, not a directory"):
            with state_lock.held("run"):
                pass
    finally:
        set_state_dir(None)
    # a directory no one may create files in, even root: /proc/self
    set_state_dir("/proc/self")
    try:
        with pytest.raises(BackendError, match="/proc/self is not writable"):
            with state_lock.held("run"):
                pass
    finally:
        set_state_dir(None)
