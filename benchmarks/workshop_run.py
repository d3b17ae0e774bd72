"""Wall time of the whole workshop on a fresh sandbox: `workshop run --all --yes` then `cleanup`.

Reports seconds per module (from `run --json`), the cleanup, and the total including the
sandbox's start; and the CPU seconds the commands and the sandbox used (on a shared machine the
wall time also counts other processes' work). Goal: the whole workshop in 5 seconds or less.

Python writes bytecode as a learner's machine does (PYTHONDONTWRITEBYTECODE is dropped): an
installed package has its bytecode, and compiling the project's sources on every command is
not what a learner waits for.

    python benchmarks/workshop_run.py [--json] [--runs 3] [--modules event-bus rules ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
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


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User + system CPU time of a running process, and of its waited-for children (Lambda runs), from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return sum(int(f) for f in fields[11:13]) / tick, sum(int(f) for f in fields[13:15]) / tick


def one_run(modules: list[str] | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as state:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            start, start_s = cli(state, "sandbox", "start")
            sandbox_pid = json.loads(open(os.path.join(state, "sandbox.json")).read())["pid"]
            run, run_s = cli(state, "run", *(modules or ["--all"]), "--yes", "--json")
            if run.returncode != 0:
                print(run.stderr[-2000:], file=sys.stderr)
            report = json.loads(run.stdout)
            cleanup, cleanup_s = cli(state, "cleanup", "--yes", "--json")
            sandbox_cpu, lambda_cpu = cpu_seconds(sandbox_pid)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cli_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        finally:
            cli(state, "sandbox", "stop")
    modules_s = {m["module"]: m["seconds"] for m in report["modules"]}
    return {
        "sandbox_start_s": round(start_s, 2),
        "run_s": round(run_s, 2),
        "run_passed": report["passed"],
        "modules_s": modules_s,
        # run_s = the command's own start and end (interpreter, imports, scenario, backend, account,
        # settling intents) + the run's `seconds` (the preflight that plans every step, then the modules)
        "run_command_overhead_s": round(run_s - report["seconds"], 2),
        "run_preflight_and_between_s": round(report["seconds"] - sum(modules_s.values()), 2),
        "cleanup_s": round(cleanup_s, 2),
        "cleanup_ok": cleanup.returncode == 0,
        "total_s": round(start_s + run_s + cleanup_s, 2),
        "cli_cpu_s": round(cli_cpu, 2),
        "sandbox_cpu_s": round(sandbox_cpu, 2),
        "lambda_cpu_s": round(lambda_cpu, 2),
        "load_average": round(os.getloadavg()[0], 2),
    }


def median_of(runs: list[dict]) -> dict:
    """Each figure's median over the runs (the modules' too)."""
    out = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            out[key] = {k: round(statistics.median(r[key][k] for r in runs), 3) for k in value}
        elif isinstance(value, bool):
            out[key] = all(r[key] for r in runs)
        else:
            out[key] = round(statistics.median(r[key] for r in runs), 2)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--modules", nargs="*")
    parser.add_argument("--runs", type=int, default=1, help="whole runs; each figure is their median")
    args = parser.parse_args()
    runs = [one_run(args.modules) for _ in range(max(1, args.runs))]
    figures = dict(median_of(runs), runs=len(runs), totals_s=[r["total_s"] for r in runs],
                   load_averages=[r["load_average"] for r in runs])
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{len(runs)} run(s), medians; totals {figures['totals_s']} s at load averages {figures['load_averages']}")
        print(f"sandbox start   {figures['sandbox_start_s']:7.2f} s")
        print(f"run command     {figures['run_command_overhead_s']:7.2f} s  (interpreter, imports, backend, settling)")
        print(f"run preflight   {figures['run_preflight_and_between_s']:7.2f} s  (planning every step first, and between modules)")
        for module, seconds in figures["modules_s"].items():
            print(f"  {module:22s}{seconds:7.2f} s")
        print(f"run --all       {figures['run_s']:7.2f} s  (passed: {figures['run_passed']})")
        print(f"cleanup         {figures['cleanup_s']:7.2f} s  (ok: {figures['cleanup_ok']})")
        print(f"total           {figures['total_s']:7.2f} s  (goal: 5 s or less)")
        print(f"CPU             {figures['cli_cpu_s']:7.2f} s in the commands, {figures['sandbox_cpu_s']:.2f} s in the sandbox, "
              f"{figures['lambda_cpu_s']:.2f} s in its Lambda processes")
    return 0 if figures["run_passed"] and figures["cleanup_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
