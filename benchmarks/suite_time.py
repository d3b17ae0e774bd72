"""Wall time of the test suite, and of the 643 tests that existed when the speed issue was filed
(about 7 minutes then, on this machine; goal: under half of that, nothing they prove dropped).

The 643 are listed by node id in `tests_when_issue_15_was_filed.txt`, in collection order (the
module-scoped fixtures expect it); every one of them still exists under the same id.

    python benchmarks/suite_time.py [--subset-only] [--workers auto]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSET = Path(__file__).with_name("tests_when_issue_15_was_filed.txt")


def timed_pytest(workers: str, *selection: str) -> dict:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers, *selection],
                            cwd=ROOT, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - started
    summary = (result.stdout.strip().splitlines() or [""])[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error|errors|skipped|xfailed)", summary)}
    return {"seconds": round(seconds, 1), "exit": result.returncode, "counts": counts, "summary": summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subset-only", action="store_true", help="time only the 643 tests of the issue")
    parser.add_argument("--workers", default="auto", help="pytest-xdist workers (default: auto)")
    args = parser.parse_args()
    ids = [line for line in SUBSET.read_text().splitlines() if line.strip()]
    runs = {"tests of the issue (%d)" % len(ids): timed_pytest(args.workers, f"@{SUBSET}")}
    if not args.subset_only:
        runs["whole suite"] = timed_pytest(args.workers)
    load = os.getloadavg()[0]
    for name, run in runs.items():
        print(f"{name:28} {run['seconds']:7.1f} s  exit {run['exit']}  {run['summary']}")
    print(f"load average {load:.2f}; goal for the issue's tests: under {7 * 60 / 2:.0f} s (half of about 7 minutes)")
    return max(run["exit"] for run in runs.values())


if __name__ == "__main__":
    sys.exit(main())
