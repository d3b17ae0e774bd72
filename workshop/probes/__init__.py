"""`workshop doctor`'s probes: small, self-cleaning experiments that show what a backend can do.

Every probe makes its own resources, named `workshop-doctor-<token>-...`, each target kind on its own
bus (some emulators fail every PutEvents on a bus once one of its rules targets a kind they cannot
deliver to), proves delivery by finding its own event where it must arrive, and removes what it
made in a `finally`, whatever happened. Probes run concurrently; each waits a few seconds at most,
except schedules, which fire at most once a minute (on the sandbox the clock is moved instead).

Real AWS is not probed by creating resources: it does everything the workshop needs by definition,
so `doctor` only checks that it can be reached with these credentials (read-only calls).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from ..capabilities import NAMES, Capabilities, Capability
from . import apis, delivery, modules
from .support import Probe, short_error


def probe(backend) -> Capabilities:
    """Run every probe against the backend and say what it can do."""
    if backend.choice.kind == "aws":
        return _aws(backend)
    run = Probe(backend)
    started = time.time()
    try:
        _moto_switch(run)
        _prepare(run)
    except Exception as exc:
        for name in NAMES:
            run.results.setdefault(name, Capability(name, None, f"the probes could not start: {short_error(exc)}"))
    else:
        with ThreadPoolExecutor(max_workers=len(PROBES)) as pool:  # all at once: they wait, they do not compute
            for future in [pool.submit(_guarded, run, probe_fn) for probe_fn in PROBES]:
                future.result()
    finally:
        problems = run.cleanup()
        if problems:
            run.notes.append(f"{len(problems)} probe resource(s) could not be removed: {problems[0]}")
    for name in NAMES:
        run.results.setdefault(name, Capability(name, None, "not probed"))
    return Capabilities(backend.describe(), run.results, started, run.notes, run.url_form)


def _guarded(run: Probe, probe_fn) -> None:
    names, fn = probe_fn
    try:
        fn(run)
    except Exception as exc:  # a probe that breaks says so for its rows; the others carry on
        for name in names:
            if name not in run.results:
                run.say(name, False, short_error(exc))


# what the probes share -------------------------------------------------------------------------
def _moto_switch(run: Probe) -> None:
    run.notes.extend(moto_switch(run.backend))


def moto_switch(backend) -> list[str]:
    """A moto server runs state machines only with its documented switch on (POST /moto-api/config,
    before any state machine exists): recognize one by that API and set the switch, saying so. Its
    GET does not report the switch, so it is set every time (setting it is idempotent)."""
    notes: list[str] = []
    endpoint = backend.endpoint_url
    if not endpoint or backend.choice.kind != "endpoint":
        return notes
    try:
        with urllib.request.urlopen(endpoint + "/moto-api/config", timeout=3) as response:
            config = json.loads(response.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError):
        return notes
    # moto's documented config answers with its per-service switches (batch, lambda, stepfunctions, ...)
    if not isinstance(config, dict) or not {"batch", "lambda", "stepfunctions", "core", "iam"} & set(config):
        return notes
    notes.append("a moto server (it answers /moto-api/config)")
    body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    request = urllib.request.Request(endpoint + "/moto-api/config", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=3):
            pass
    except (urllib.error.URLError, OSError) as exc:
        notes.append(f"could not turn on moto's Step Functions execution switch: {exc}")
        return notes
    notes.append("set moto's Step Functions execution switch (stepfunctions.execute_state_machine), "
                 "so its state machines run")
    return notes


def _prepare(run: Probe) -> None:
    run.shared = {"role": run.role()}
    bus = run.bus("plain")
    try:
        run.put_event(bus, "plain")
        run.say("custom_bus", True, "created a bus and PutEvents accepted an event on it")
    except Exception as exc:
        run.say("custom_bus", False, short_error(exc))


PROBES = [
    (("deliver_logs",), delivery.logs),
    (("deliver_sqs",), delivery.sqs),
    (("deliver_sns",), delivery.sns),
    (("sfn_runs", "deliver_stepfunctions", "sfn_put_events"), delivery.stepfunctions),
    (("lambda_runs", "lambda_on_success", "lambda_on_failure", "deliver_lambda"), delivery.lambda_),
    (("schedules",), delivery.schedules),
    (("rest_api_url", "apigw_execution_logs"), apis.rest_api),
    (("deliver_api_destination",), apis.api_destination),
    (("archive_replay",), modules.archive_replay),
    (("scheduler_fires",), modules.scheduler),
]


def _declared() -> None:
    """The probes check kinds declare with their capability (`verify.capability`)."""
    from ..verify import CAPABILITIES

    covered = {name for names, _ in PROBES for name in names}
    PROBES.extend(((d.name,), d.probe) for d in CAPABILITIES.values() if d.name not in covered)


_declared()


def _aws(backend) -> Capabilities:
    """Real AWS: reachable with these credentials (read-only calls); nothing is created."""
    checked = []
    for service, call in (("sts", "get_caller_identity"), ("events", "list_event_buses"), ("logs", "describe_log_groups"),
                          ("stepfunctions", "list_state_machines"), ("lambda", "list_functions"),
                          ("apigateway", "get_rest_apis")):
        getattr(backend.client(service), call)()
        checked.append(f"{service}:{call}")
    rows = {n: Capability(n, True, "AWS does this (nothing was created to show it)") for n in NAMES}
    return Capabilities(backend.describe(), rows, time.time(),
                        [f"checked with read-only calls: {', '.join(checked)}"], "aws")
