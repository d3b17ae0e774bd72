"""The sandbox process: `python -m workshop.sandbox.server --state-dir DIR`.

Binds 127.0.0.1 on a free port, serves moto behind our front (see front.py), records itself in
DIR/sandbox.json for the CLI to find, and exits cleanly on SIGTERM.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workshop.sandbox.server")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    # Requests wait for the GIL behind delivery and routing threads: hand it over every 1 ms rather
    # than Python's default 5 ms (a long-polling consumer got ~14% more events/s here).
    sys.setswitchinterval(0.001)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from .lambda_runtime import sweep_stale_invocation_files

    sweep_stale_invocation_files()  # left by an older sandbox that was killed mid-invocation

    from werkzeug.serving import make_server

    from moto.server import create_backend_app

    from .front import Front
    from .http_server import KeepAliveHandler
    from .plane import DataPlane

    from .dispatch import CachingDispatcher
    from .moto_backends import lighten_moto

    lighten_moto()  # before any request can import what it spares

    moto_app = CachingDispatcher(create_backend_app)
    plane = DataPlane(Path(args.state_dir))  # Lambda code is kept under it
    front = Front(moto_app, plane)
    server = make_server(args.host, args.port, front, threaded=True, request_handler=KeepAliveHandler)
    port = server.server_port
    endpoint = f"http://{args.host}:{port}"
    # moto's Step Functions interpreter calls AWS services at localhost:MOTO_PORT: point it at our
    # front, so an execution's events:putEvents re-enters our data plane like any other PutEvents.
    os.environ["MOTO_PORT"] = str(port)
    plane.start(endpoint, front)  # the sandbox's own AWS calls reach the front in process
    # What is loaded by now (moto, botocore, the plane) lives as long as the process: the garbage
    # collector need not walk it again on every full collection (the warm-up freezes its own too).
    gc.freeze()

    # Polled every 50 ms for the shutdown below (socketserver's default, 0.5 s, was most of a stop).
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="http", daemon=True).start()
    plane.configure_moto()
    plane.warm(front.ask_moto, os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), ("logs", "sns", "stepfunctions", "events", "sqs"))

    from ..paths import write_json_atomic

    record = {"pid": os.getpid(), "port": port, "endpoint_url": endpoint, "started_at": time.time(), "instance": uuid.uuid4().hex}
    write_json_atomic(Path(args.state_dir) / "sandbox.json", record)
    logging.info("sandbox listening on %s (pid %s)", endpoint, os.getpid())

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    stopping.wait()
    plane.stop()
    server.shutdown()
    logging.info("sandbox stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
