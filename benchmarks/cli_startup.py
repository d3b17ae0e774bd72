"""How fast `workshop --help` starts, against Python importing the CLI's own two libraries.

    python benchmarks/cli_startup.py [--runs 15] [--json]

Runs each command `--runs` times, alternating, and reports the median wall time of each and the
ratio (goal: within 1.3x of `python -c "import typer, rich"`). Both run with the same interpreter
(the project's virtualenv, the `workshop` entry point's own) and the same environment.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def wall(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    entry = Path(sys.executable).with_name("workshop")
    workshop = [str(entry), "--help"] if entry.exists() else [sys.executable, "-m", "workshop.cli", "--help"]
    baseline = [sys.executable, "-c", "import typer, rich"]
    wall(workshop, env), wall(baseline, env)  # warm the file system cache and .pyc files
    ours, theirs = [], []
    for _ in range(args.runs):
        ours.append(wall(workshop, env))
        theirs.append(wall(baseline, env))
    result = {"workshop_help_ms": round(statistics.median(ours) * 1000, 1),
              "import_typer_rich_ms": round(statistics.median(theirs) * 1000, 1)}
    result["ratio"] = round(result["workshop_help_ms"] / result["import_typer_rich_ms"], 2)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"workshop --help                 {result['workshop_help_ms']:7.1f} ms (median of {args.runs})")
        print(f'python -c "import typer, rich"  {result["import_typer_rich_ms"]:7.1f} ms')
        print(f"ratio                           {result['ratio']:7.2f}x  (goal: 1.3x or less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
