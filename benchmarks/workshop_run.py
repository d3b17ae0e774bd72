"""Wall time of the whole workshop on a fresh sandbox: `workshop run --all --yes` then `cleanup`.

Reports seconds per module (from `run --json`), the cleanup, and the total including the
sandbox's start. Goal: the whole workshop in under 15 seconds on a 2-core machine.

    python benchmarks/workshop_run.py [--json] [--modules event-bus rules ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def cli(state: str, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WORKSHOP_"))}
    env.update(WORKSHOP_STATE_DIR=state, AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "workshop.cli", *args], capture_output=True, text=True, env=env, timeout=900)
    return result, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--modules", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as state:
        try:
            start, start_s = cli(state, "sandbox", "start")
            selection = args.modules or ["--all"]
            run, run_s = cli(state, "run", *selection, "--yes", "--json")
            if run.returncode != 0:
                print(run.stderr[-2000:], file=sys.stderr)
            report = json.loads(run.stdout)
            cleanup, cleanup_s = cli(state, "cleanup", "--yes", "--json")
        finally:
            cli(state, "sandbox", "stop")
    figures = {
        "sandbox_start_s": round(start_s, 2),
        "run_s": round(run_s, 2),
        "run_passed": report["passed"],
        "modules_s": {m["module"]: m["seconds"] for m in report["modules"]},
        "cleanup_s": round(cleanup_s, 2),
        "cleanup_ok": cleanup.returncode == 0,
        "total_s": round(start_s + run_s + cleanup_s, 2),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"sandbox start   {figures['sandbox_start_s']:7.2f} s")
        for module, seconds in figures["modules_s"].items():
            print(f"  {module:22s}{seconds:7.2f} s")
        print(f"run --all       {figures['run_s']:7.2f} s  (passed: {figures['run_passed']})")
        print(f"cleanup         {figures['cleanup_s']:7.2f} s  (ok: {figures['cleanup_ok']})")
        print(f"total           {figures['total_s']:7.2f} s  (goal: under 15 s)")
    return 0 if figures["run_passed"] and figures["cleanup_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
