"""How long the `lms` command takes to start: `lms --help` and `lms create-org`, each in a fresh process.

Usage:  python bench/startup.py [--repeats 9]

Each run is a new interpreter, as a person or a cron job starts it, on a scratch SQLite database. The
median wall time is checked against the budget (docs/performance.md: 0.8 s); the CPU time (user +
system) is printed beside it because on a shared machine the wall time also counts waiting for a core.
Python's bytecode cache is used as an installed lms uses it (PYTHONDONTWRITEBYTECODE is ignored here).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 0.8
LMS = str(Path(sys.executable).with_name("lms"))


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``lms ARGS`` once; return its wall time and CPU time (user + system), in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([LMS, *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    """Time the commands and say whether each median is within the budget."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lms-startup-") as folder:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("LMS_") and k != "PYTHONDONTWRITEBYTECODE"}
        env.update({"LMS_ENV": "development", "LMS_INSTANCE_PATH": folder,
                    "LMS_DATABASE_URL": f"sqlite:///{Path(folder) / 'startup.sqlite3'}"})
        subprocess.run([LMS, "init-db"], env=env, check=True, capture_output=True)
        timed(["--help"], env)  # writes the bytecode cache once, as the first run after an install does
        commands = {"lms --help": lambda n: ["--help"],
                    "lms create-org NAME": lambda n: ["create-org", f"Startup benchmark {n}"]}
        failed = False
        load = os.getloadavg()
        print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
        for label, args in commands.items():
            runs = [timed(args(n), env) for n in range(options.repeats)]
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            verdict = "ok" if wall <= BUDGET_S else "OVER BUDGET"
            failed |= wall > BUDGET_S
            slowest = max(w for w, _ in runs)
            print(f"{label:22s} median {wall:.3f} s wall, {cpu:.3f} s CPU, max {slowest:.3f} s "
                  f"({options.repeats} runs; budget {BUDGET_S} s: {verdict})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
