"""Wall time of the whole workshop on a fresh sandbox: `workshop run --all --yes` then `cleanup`.

Reports seconds per module (from `run --json`), the cleanup, and the total including the
sandbox's start; and the CPU seconds the commands and the sandbox used (on a shared machine the
wall time also counts other processes' work). Goal: the whole workshop in 5 seconds or less.

Python writes bytecode as a learner's machine does (PYTHONDONTWRITEBYTECODE is dropped): an
installed package has its bytecode, and compiling the project's sources on every command is
not what a learner waits for.

    python benchmarks/workshop_run.py [--json] [--modules event-bus rules ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def cli(state: str, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WORKSHOP_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(WORKSHOP_STATE_DIR=state, AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "workshop.cli", *args], capture_output=True, text=True, env=env, timeout=900)
    return result, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process and of its children (Lambda runs), from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # its own and its waited-for children's


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--modules", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as state:
        try:
            start, start_s = cli(state, "sandbox", "start")
            sandbox_pid = json.loads(open(os.path.join(state, "sandbox.json")).read())["pid"]
            selection = args.modules or ["--all"]
            run, run_s = cli(state, "run", *selection, "--yes", "--json")
            if run.returncode != 0:
                print(run.stderr[-2000:], file=sys.stderr)
            report = json.loads(run.stdout)
            cleanup, cleanup_s = cli(state, "cleanup", "--yes", "--json")
            sandbox_cpu = cpu_seconds(sandbox_pid)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cli_cpu = children.ru_utime + children.ru_stime
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
        "cli_cpu_s": round(cli_cpu, 2),
        "sandbox_cpu_s": round(sandbox_cpu, 2),
        "load_average": os.getloadavg()[0],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"sandbox start   {figures['sandbox_start_s']:7.2f} s")
        for module, seconds in figures["modules_s"].items():
            print(f"  {module:22s}{seconds:7.2f} s")
        print(f"run --all       {figures['run_s']:7.2f} s  (passed: {figures['run_passed']})")
        print(f"cleanup         {figures['cleanup_s']:7.2f} s  (ok: {figures['cleanup_ok']})")
        print(f"total           {figures['total_s']:7.2f} s  (goal: 5 s or less)")
        print(f"CPU             {figures['cli_cpu_s']:7.2f} s in the commands, {figures['sandbox_cpu_s']:.2f} s in the sandbox "
              f"(load average {figures['load_average']:.1f})")
    return 0 if figures["run_passed"] and figures["cleanup_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
