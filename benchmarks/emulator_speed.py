"""The sandbox against MiniStack on one EventBridge → SQS workload, in one run.

    python benchmarks/emulator_speed.py [--events 1000] [--extra-rules 300] [--json] [--only sandbox|ministack]
                                        [--publisher-process] [--client socket|lean|boto3]

The workload, on each server (same client code, same machine; both servers run side by side and
their rounds alternate, each figure the median of `--rounds`; each run's bus, rules and queue are
deleted after it, so every run sees only its own):
- a bus, a rule → an SQS queue whose policy lets EventBridge send (the console's policy);
- a consumer long-polling the queue (WaitTimeSeconds=20, 10 at a time, deleting what it got);
- `--events` events sent as PutEvents calls of 10 from `--publishers` threads.
It reports, for each server and as the sandbox / MiniStack ratio:
- delivered events/s: from the first PutEvents until the consumer holds every event;
- the same on a bus that also has `--extra-rules` rules that never match (each with a target);
- PutEvents accepted events/s: from the first PutEvents until the last one answered (while
  delivering);
- the client of the timed calls (PutEvents, ReceiveMessage, DeleteMessageBatch): `socket`
  (default) or `lean` (lean_client.py: the same signed JSON requests, written in one send, or
  through http.client), or `boto3`; the socket client costs about a third of the lean one's CPU
  per call and a fifteenth of boto3's, so the client takes less of the machine from the server
  it measures. The wiring always uses boto3;
- the server's resident memory (VmRSS) after start (the sandbox's after its warm-up of moto's
  services) and after the runs.
MiniStack (pinned, see ministack_server.py) is installed into its own virtualenv on first use.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

import ministack_server  # noqa: E402
from lean_client import LeanClient, SocketClient  # noqa: E402

REGION = "us-east-1"
SOURCE = "bench.orders"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def non_matching_pattern(n: int) -> dict:
    """Rules a real bus carries: other sources, the same source with other types or details."""
    kind = n % 3
    if kind == 0:
        return {"source": [f"bench.other-{n}"]}
    if kind == 1:
        return {"source": [SOURCE], "detail-type": [f"Other {n}"]}
    return {"source": [SOURCE], "detail": {"location": [{"prefix": f"zz-{n}-"}], "value": [{"numeric": [">", 10 ** 9 + n]}]}}


def _clients(endpoint_url: str):
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    config = Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=32, read_timeout=60)
    return lambda service: session.client(service, endpoint_url=endpoint_url, config=config)


class Calls:
    """The timed calls, through boto3 or one of lean_client.py's clients (the same requests on the wire)."""

    def __init__(self, endpoint_url: str, client: str):
        self.lean = client != "boto3"
        if self.lean:
            kind = SocketClient if client == "socket" else LeanClient
            self.events, self.sqs = kind(endpoint_url, "events", REGION), kind(endpoint_url, "sqs", REGION)
        else:
            make = _clients(endpoint_url)
            self.events, self.sqs = make("events"), make("sqs")

    def put_events(self, entries: list[dict]) -> dict:
        if self.lean:
            return self.events.call("PutEvents", {"Entries": entries})
        return self.events.put_events(Entries=entries)

    def receive(self, url: str) -> list[dict]:
        params = {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 20, "VisibilityTimeout": 600}
        if self.lean:
            return self.sqs.call("ReceiveMessage", params).get("Messages", [])
        return self.sqs.receive_message(**params).get("Messages", [])

    def delete(self, url: str, entries: list[dict]) -> None:
        if self.lean:
            self.sqs.call("DeleteMessageBatch", {"QueueUrl": url, "Entries": entries})
        else:
            self.sqs.delete_message_batch(QueueUrl=url, Entries=entries)

    def warm(self) -> None:
        """Connect before the clock starts."""
        if self.lean:
            self.events.call("ListEventBuses", {})
        else:
            self.events.list_event_buses()


def _send_all(calls: Calls, bus: str, count: int, publishers: int) -> tuple[float, float]:
    """PutEvents of 10 from `publishers` threads; (first call's start, last answer), perf_counter."""
    def send(call: int) -> None:
        entries = [{"EventBusName": bus, "Source": SOURCE, "DetailType": "Order Notification",
                    "Detail": json.dumps({"key": f"{call}-{n}", "location": "eu-west", "value": n})}
                   for n in range(10)]
        answer = calls.put_events(entries)
        assert answer["FailedEntryCount"] == 0, answer

    started = time.perf_counter()
    with ThreadPoolExecutor(publishers) as pool:
        list(pool.map(send, range(count // 10)))
    return started, time.perf_counter()


def _publisher_process(endpoint_url: str, client: str, bus: str, count: int, publishers: int, pipe) -> None:
    """A process of its own for the publishers: its threads do not compete with the consumer's for
    one interpreter lock (time.perf_counter is the system's monotonic clock, the same in both)."""
    calls = Calls(endpoint_url, client)
    calls.warm()  # connected before the start signal
    pipe.send("ready")
    pipe.recv()
    pipe.send(_send_all(calls, bus, count, publishers))


class Workload:
    def __init__(self, endpoint_url: str, publishers: int, publisher_process: bool = False, client: str = "socket"):
        self.endpoint_url = endpoint_url
        self.client_kind = client
        self.client = _clients(endpoint_url)
        self.events, self.sqs = self.client("events"), self.client("sqs")
        self.publishers = publishers
        self.publisher_process = publisher_process

    def wire(self, name: str, extra_rules: int) -> tuple[str, str]:
        """A bus whose rule sends SOURCE events to a new queue, plus `extra_rules` that never match."""
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.events.create_event_bus(Name=name)
        rule_arn = self.events.put_rule(Name=f"{name}-match", EventBusName=name,
                                        EventPattern=json.dumps({"source": [SOURCE]}))["RuleArn"]
        self.events.put_targets(Rule=f"{name}-match", EventBusName=name, Targets=[{"Id": "q", "Arn": queue_arn}])
        policy = {"Version": "2012-10-17", "Statement": [{
            "Sid": "events", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]}
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        for n in range(extra_rules):
            self.events.put_rule(Name=f"{name}-other-{n}", EventBusName=name, EventPattern=json.dumps(non_matching_pattern(n)))
            self.events.put_targets(Rule=f"{name}-other-{n}", EventBusName=name, Targets=[{"Id": "q", "Arn": queue_arn}])
        return name, url

    def unwire(self, name: str, extra_rules: int, url: str) -> None:
        """Remove what wire() made, so no round runs beside an earlier round's rules (a server
        whose routing looks at every bus's rules would otherwise be slowed by them)."""
        for rule in [f"{name}-match"] + [f"{name}-other-{n}" for n in range(extra_rules)]:
            self.events.remove_targets(Rule=rule, EventBusName=name, Ids=["q"])
            self.events.delete_rule(Name=rule, EventBusName=name)
        self.events.delete_event_bus(Name=name)
        self.sqs.delete_queue(QueueUrl=url)

    def run(self, bus: str, url: str, count: int, timeout: float = 600.0) -> dict:
        """Send `count` events while one consumer long-polls; returns the timings."""
        received: set[str] = set()
        receives = [0]
        done = threading.Event()
        last_received = [0.0]
        calls = Calls(self.endpoint_url, self.client_kind)

        def consume() -> None:
            deadline = time.monotonic() + timeout
            while not done.is_set() and time.monotonic() < deadline:
                batch = calls.receive(url)
                receives[0] += 1
                if not batch:
                    continue
                calls.delete(url, [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
                received.update(json.loads(m["Body"])["detail"]["key"] for m in batch)
                if len(received) >= count:
                    last_received[0] = time.perf_counter()
                    done.set()

        publisher = None
        if self.publisher_process:  # started before any thread of ours, then told when to go
            parent, child = multiprocessing.Pipe()
            publisher = multiprocessing.get_context("fork").Process(
                target=_publisher_process, args=(self.endpoint_url, self.client_kind, bus, count, self.publishers, child),
                daemon=True)
            publisher.start()
            assert parent.poll(60) and parent.recv() == "ready"
        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        time.sleep(0.3)  # the consumer is waiting in its first long poll
        if publisher is not None:
            parent.send("go")
            assert parent.poll(timeout), "the publisher process did not finish"
            started, accepted = parent.recv()
            publisher.join(30)
        else:
            publishing = Calls(self.endpoint_url, self.client_kind)
            publishing.warm()
            started, accepted = _send_all(publishing, bus, count, self.publishers)
        finished = done.wait(timeout)
        consumer.join(25)
        if not finished:
            raise RuntimeError(f"only {len(received)} of {count} events arrived within {timeout:.0f} s")
        return {"delivered_eps": count / (last_received[0] - started), "accepted_eps": count / (accepted - started),
                "receives": receives[0]}


class Subject:
    """One server under test: its workload, its buses, and every round's figures."""

    def __init__(self, name: str, endpoint_url: str, pid: int, args):
        self.name, self.pid = name, pid
        self.rss_start = rss_mb(pid)
        self.workload = Workload(endpoint_url, args.publishers, args.publisher_process, args.client)
        bus, url = self.workload.wire("bench-warmup", 0)
        self.workload.run(bus, url, 100)  # first calls import and build what later ones reuse
        self.workload.unwire(bus, 0, url)
        self.rounds: list[dict] = []

    def round(self, n: int, args) -> None:
        bus, url = self.workload.wire(f"bench-plain-{n}", 0)
        plain = self.workload.run(bus, url, args.events)
        self.workload.unwire(bus, 0, url)
        bus, url = self.workload.wire(f"bench-rules-{n}", args.extra_rules)
        many = self.workload.run(bus, url, args.events)
        self.workload.unwire(bus, args.extra_rules, url)
        self.rounds.append({"delivered_eps": plain["delivered_eps"], "delivered_eps_extra_rules": many["delivered_eps"],
                            "accepted_eps": plain["accepted_eps"], "accepted_eps_extra_rules": many["accepted_eps"]})

    def figures(self) -> dict:
        keys = self.rounds[0].keys()
        return {**{key: statistics.median(r[key] for r in self.rounds) for key in keys},
                "rss_mb_start": self.rss_start, "rss_mb_after": rss_mb(self.pid)}


@contextlib.contextmanager
def sandbox_server():
    from workshop import paths
    from workshop.sandbox import control

    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as state:
        paths.set_state_dir(state)
        try:
            info, _ = control.start()
            deadline = time.monotonic() + 120  # measure the steady state: after start's warm-up of moto's services
            while not control.request(info.endpoint_url, "/_workshop/health").get("warm") and time.monotonic() < deadline:
                time.sleep(0.2)
            yield info.endpoint_url, info.pid
        finally:
            control.stop()
            paths.set_state_dir(None)


@contextlib.contextmanager
def ministack(args):
    executable = ministack_server.ensure_installed(Path(args.ministack_venv))
    with ministack_server.MiniStack(executable) as server:
        yield server.endpoint_url, server.pid


ROWS = [("delivered_eps", "delivered events/s, consumer long-polling"),
        ("delivered_eps_extra_rules", "same, with {extra} non-matching rules on the bus"),
        ("accepted_eps", "PutEvents accepted, events/s (while delivering)"),
        ("accepted_eps_extra_rules", "same, with {extra} non-matching rules"),
        ("rss_mb_start", "RSS after start, MB"),
        ("rss_mb_after", "RSS after the runs, MB")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="events per run (a multiple of 10)")
    parser.add_argument("--extra-rules", type=int, default=300)
    parser.add_argument("--publishers", type=int, default=4, help="threads sending PutEvents")
    parser.add_argument("--publisher-process", action="store_true",
                        help="publish from a process of its own, so the client's publishers and consumer do not share "
                             "one interpreter lock (on a quiet machine that lock, not the server, limits the figures)")
    parser.add_argument("--client", choices=["socket", "lean", "boto3"], default="socket",
                        help="what makes the timed calls (lean_client.py): socket (default; one send per request), lean "
                             "(on http.client, about 3 times its CPU per call) or boto3 (about 15 times), for both servers alike")
    parser.add_argument("--only", choices=["sandbox", "ministack"])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per server (median reported)")
    parser.add_argument("--ministack-venv", default=str(ministack_server.default_venv()))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    results = {}
    with contextlib.ExitStack() as stack:
        # Both servers run side by side; their rounds alternate, so a busy moment of this (shared)
        # machine falls on both alike. Each figure is the median of the rounds.
        subjects = []
        if args.only in (None, "sandbox"):
            subjects.append(Subject("sandbox", *stack.enter_context(sandbox_server()), args))
        if args.only in (None, "ministack"):
            subjects.append(Subject("ministack", *stack.enter_context(ministack(args)), args))
        for n in range(args.rounds):
            for subject in subjects:
                subject.round(n, args)
        results = {subject.name: subject.figures() for subject in subjects}
    if "sandbox" in results and "ministack" in results:
        results["ratio"] = {key: results["sandbox"][key] / results["ministack"][key] for key, _ in ROWS[:4]}
    if args.json:
        print(json.dumps({"events": args.events, "extra_rules": args.extra_rules, "publishers": args.publishers,
                          "client": args.client,
                          **{k: {f: round(v, 2) for f, v in r.items()} for k, r in results.items()}}, indent=2))
        return 0
    names = [n for n in ("sandbox", "ministack") if n in results]
    header = f"{'':52s}" + "".join(f"{n:>12s}" for n in names) + ("     ratio" if "ratio" in results else "")
    where = " in a process of their own" if args.publisher_process else ""
    print(f"{args.events} events as PutEvents of 10 from {args.publishers} threads{where}, one long-polling consumer, "
          f"{args.client} client; "
          f"median of {args.rounds} alternating rounds")
    print(header)
    for key, label in ROWS:
        line = f"{label.format(extra=args.extra_rules):52s}" + "".join(f"{results[n][key]:12.0f}" for n in names)
        if "ratio" in results and key in results["ratio"]:
            line += f"{results['ratio'][key]:9.2f}x"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
