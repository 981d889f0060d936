"""Two revisions side by side on one benchmark organization: first views, and the server's CPU for each.

Usage:  python bench/paired.py BEFORE AFTER [--database sqlite|postgresql] [--repeats 7] [--small]
                               [--pg-url postgresql://postgres@127.0.0.1:5432]

On a machine that others share, a benchmark's milliseconds move with their load from one run to
the next; two runs made minutes apart do not compare. This one serves the same organization with
both revisions at once (two `lms serve`, one database) and times each read on each of them in
turn, right after the same kind of write, so both meet the same load. Besides the wall time it
counts the CPU the server used for the view: its own threads and, on PostgreSQL, its database
backends (found by the application name the run gives each server). The CPU is the figure that
load disturbs least; on an idle machine the wall time of a SQLite view comes close to it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
from pathlib import Path

import organization
import report
import scenarios
from client import Client


def task_ns(pid: int) -> int:
    """Return the CPU time (ns) every thread of a process has used, from /proc/<pid>/task/*/schedstat."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            total += int((task / "schedstat").read_text().split()[0])
    return total


def backends(env: dict, name: str) -> list[int]:
    """Return the pids of the PostgreSQL backends a server opened (its application name)."""
    if not env["LMS_DATABASE_URL"].startswith("postgresql"):
        return []
    import psycopg

    with psycopg.connect(env["LMS_DATABASE_URL"], autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (name,))
        return [pid for (pid,) in rows]


class Side:
    """One revision's server, a signed-in viewer and a viewer's token, and the CPU it spends."""

    def __init__(self, label: str, env: dict, pid: int, port: int, token: str) -> None:
        self.label, self.env, self.pid, self.port = label, env, pid, port
        self.page = Client(port)
        self.page.sign_in(organization.READERS[0], organization.PASSWORD)
        self.api = Client(port, token)

    def cpu_ms(self) -> float:
        pids = [self.pid, *backends(self.env, f"lms-paired-{self.label}")]
        return sum(task_ns(pid) for pid in pids if Path(f"/proc/{pid}").exists()) / 1e6

    def view(self, kind: str, path: str) -> tuple[float, float]:
        """Read once; return the wall time and the server CPU (both ms)."""
        before = self.cpu_ms()
        answer = (self.api if kind == "api" else self.page).get(path)
        if answer.status != 200:
            raise SystemExit(f"{self.label}: GET {path} answered {answer.status}")
        return answer.ms, self.cpu_ms() - before


def compare(args: argparse.Namespace) -> str:
    """Serve the organization with both revisions and time every read on each in turn."""
    codes = {label: organization.snapshot(rev, report.ROOT) for label, rev in (("before", args.before),
                                                                              ("after", args.after))}
    rows = []
    try:
        with contextlib.ExitStack() as stack:
            env = stack.enter_context(organization.environment(args.database, args.pg_url, None))
            writer_token, reader_token = organization.create_people(env)
            organization.generate(env, args.small, {}, lambda message: print(message, flush=True))
            sides = []
            for label, code in codes.items():
                side_env = {**env, "PYTHONPATH": str(code), "PGAPPNAME": f"lms-paired-{label}"}
                pid, port = stack.enter_context(organization.serve(side_env))
                sides.append(Side(label, side_env, pid, port, reader_token))
            # The writes go through one of the servers: a process keeps what it computed across the
            # writes it committed itself that touched none of the tables the value reads
            # (``lms.content``), as the one `lms serve` of the benchmark does for every write.
            writer = Client(sides[0 if args.writes_to == "before" else 1].port, writer_token)
            ids = scenarios_ids(writer)
            step = writer.api(f"/value-streams/{ids['stream']}/steps?per_page=1")["items"][0]
            change = scenarios.StepWriter(writer, step)
            for name, template, kind, _budget in scenarios.READS:
                if template.endswith(".png") or kind == "editor":  # each side signs in a viewer only
                    continue
                path = template.format(**ids)
                for side in sides:
                    side.view(kind, path)  # unmeasured: templates load on first use
                wall: dict[str, list[float]] = {side.label: [] for side in sides}
                cpu: dict[str, list[float]] = {side.label: [] for side in sides}
                for repeat in range(args.repeats):
                    for side in sides if repeat % 2 == 0 else sides[::-1]:
                        change.change()
                        ms, cpu_ms = side.view(kind, path)
                        wall[side.label].append(ms)
                        cpu[side.label].append(cpu_ms)
                row = [name] + [f"{statistics.median(values[label]):.0f}"
                                for values in (wall, cpu) for label in codes]
                rows.append(row)
                print(" | ".join(row), flush=True)
            load = organization.background_cpu_pct(sides[0].pid)
    finally:
        for code in codes.values():
            shutil.rmtree(code, ignore_errors=True)
    head = (f"{args.database}: `{args.before}` (before) and `{args.after}` (after) served side by side, "
            f"{args.repeats} first views each, in turn, the writes through the {args.writes_to} server; "
            f"other work used {load:.0f} % of the CPU.\n\n"
            "| read | wall before | wall after | server CPU before | server CPU after |\n"
            "|---|---:|---:|---:|---:|\n")
    return head + "\n".join(f"| {' | '.join(row)} |" for row in rows) + "\n"


def scenarios_ids(api: Client) -> dict:
    """Pick the records the reads show, as the benchmark does."""
    return {
        "stream": api.api("/value-streams?per_page=1")["items"][0]["id"],
        "kpi": api.api("/kpis?per_page=1")["items"][0]["id"],
        "customer": api.api("/customers?per_page=1")["items"][0]["id"],
        "job": next(j["id"] for j in api.api("/jobs?per_page=200")["items"] if j["parent_id"] is None),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--writes-to", choices=["before", "after"], default="before",
                        help="the server the writes go through (the other sees them only in the database)")
    parser.add_argument(
        "--pg-url", default=os.environ.get("LMS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
    )
    print(compare(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
