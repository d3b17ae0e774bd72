"""How fast the sandbox starts, delivers and how much memory it holds.

    python benchmarks/sandbox_delivery.py [--events 2000] [--json]

Starts a fresh sandbox in a temporary state directory and reports:
- start time: `workshop.sandbox.control.start()` until it answers;
- delivered events/s to one SQS queue target (read and deleted by a consumer meanwhile, as moto's
  SendMessage slows down with the queue's depth) and to one log-group target, measured from the
  first PutEvents to /_workshop/wait-idle;
- the sandbox's resident memory (VmRSS) when idle after start and after the runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from workshop import paths  # noqa: E402
from workshop.sandbox import control  # noqa: E402

REGION, ACCOUNT = "us-east-1", "123456789012"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Bench:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        session = boto3.session.Session()
        config = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=16)
        self.client = lambda service: session.client(service, region_name=REGION, endpoint_url=endpoint,
                                                     aws_access_key_id="testing", aws_secret_access_key="testing",
                                                     config=config)
        self.events = self.client("events")

    def rule(self, name: str, target_arn: str) -> str:
        bus = self.events.create_event_bus(Name=name)["EventBusArn"].rsplit("/", 1)[-1]
        self.events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": ["bench"]}))
        self.events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "t", "Arn": target_arn}])
        return bus

    def publish(self, bus: str, count: int, threads: int = 4) -> float:
        """PutEvents `count` events (10 per call) and wait until delivered; returns seconds."""
        def send(call: int) -> None:
            entries = [{"EventBusName": bus, "Source": "bench", "DetailType": "Bench",
                        "Detail": json.dumps({"call": call, "n": n})} for n in range(10)]
            answer = self.events.put_events(Entries=entries)
            assert answer["FailedEntryCount"] == 0, answer

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(send, range(count // 10)))
        idle = control.request(self.endpoint, "/_workshop/wait-idle", {"timeout": 600}, timeout=610)
        assert idle["idle"], idle
        return time.perf_counter() - started

    def sqs_rate(self, count: int) -> float:
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName="bench")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus = self.rule("bench-sqs", arn)
        received: set[str] = set()  # message ids: moto may hand a message to two concurrent readers
        lock, done = threading.Lock(), threading.Event()

        def consume():
            deadline = None
            while True:
                batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                            VisibilityTimeout=600).get("Messages", [])
                if batch:
                    sqs.delete_message_batch(QueueUrl=url, Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
                    with lock:
                        received.update(m["MessageId"] for m in batch)
                with lock:
                    if len(received) >= count:
                        return
                if done.is_set():
                    deadline = deadline or time.monotonic() + 120
                    if time.monotonic() > deadline:
                        return
                if not batch:
                    time.sleep(0.02)

        consumers = [threading.Thread(target=consume, daemon=True) for _ in range(4)]
        for consumer in consumers:
            consumer.start()
        seconds = self.publish(bus, count)
        done.set()
        for consumer in consumers:
            consumer.join(130)
        assert len(received) == count, f"received {len(received)} of {count}"
        return count / seconds

    def logs_rate(self, count: int) -> float:
        logs = self.client("logs")
        group = "/aws/events/bench"
        logs.create_log_group(logGroupName=group)
        logs.put_resource_policy(policyName="bench", policyDocument=json.dumps({"Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/events/*:*"}]}))
        bus = self.rule("bench-logs", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}")
        seconds = self.publish(bus, count)
        stats = control.request(self.endpoint, "/_workshop/stats")["stats"]
        assert not stats.get("failed"), stats
        return count / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events per target (multiple of 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as state:
        paths.set_state_dir(state)
        started = time.perf_counter()
        info, _ = control.start()
        start_s = time.perf_counter() - started
        try:
            rss_idle = rss_mb(info.pid)
            bench = Bench(info.endpoint_url)
            sqs = bench.sqs_rate(args.events)
            logs = bench.logs_rate(args.events)
            rss_after = rss_mb(info.pid)
        finally:
            control.stop()
            paths.set_state_dir(None)
    result = {"events_per_target": args.events, "start_seconds": round(start_s, 2),
              "sqs_events_per_second": round(sqs, 1), "logs_events_per_second": round(logs, 1),
              "rss_mb_idle": round(rss_idle, 1), "rss_mb_after": round(rss_after, 1)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"sandbox start:            {start_s:.2f} s")
        print(f"SQS target:               {sqs:.0f} events/s ({args.events} events, consumer reading meanwhile)")
        print(f"log-group target:         {logs:.0f} events/s ({args.events} events)")
        print(f"sandbox RSS:              {rss_idle:.0f} MB idle after start, {rss_after:.0f} MB after the runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
