"""The lms benchmark: what people meet on a benchmark-size organization served by `lms serve`.

Usage:  python bench/run.py [--database sqlite|postgresql|both] [--repeats 7] [--seconds 20]
                            [--pg-url postgresql://postgres@127.0.0.1:5432] [--small] [--commit REV]

It makes a fresh database, fills it with `lms generate` (200 value streams × 40 steps, 1,000 KPIs ×
260 weekly measurements, 2,000 outcomes with ratings, 500 reviews), times the bulk jobs (generate,
check-drift, a 100,000-row measurement import), serves it with `lms serve`, and measures on
127.0.0.1:

- the first view of each read right after someone changes a step through the API (median and max
  of `--repeats`);
- the dashboard reloaded by four signed-in people for `--seconds` while a writer changes a step
  four times a second (p50, p95, max, views over 250 ms).

The results are checked against the budgets in docs/performance.md, printed, and written to
bench/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

import organization
import report
import scenarios
from client import Client


@dataclass
class Run:
    database: str
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    bulk: dict[str, float] = field(default_factory=dict)
    first_views: list[scenarios.FirstView] = field(default_factory=list)
    busy: scenarios.BusyDashboard | None = None
    writer: scenarios.StepWriter | None = None
    rating_writer: scenarios.RatingWriter | None = None
    memory_mb: float | None = None
    background_cpu_pct: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def records(api: Client) -> dict:
    """Pick the records the reads show: the first stream, KPI, customer and high-level job."""
    ids = {
        "stream": api.api("/value-streams?per_page=1")["items"][0]["id"],
        "kpi": api.api("/kpis?per_page=1")["items"][0]["id"],
        "customer": api.api("/customers?per_page=1")["items"][0]["id"],
        "job": next(j["id"] for j in api.api("/jobs?per_page=200")["items"] if j["parent_id"] is None),
        "outcome": api.api("/outcomes?per_page=1")["items"][0]["id"],
    }
    # The 100,000 imported measurements go to the last KPI, so the KPI read is a typical one.
    last_page = api.api("/kpis?per_page=1")["total"]
    ids["imported_kpi"] = api.api(f"/kpis?per_page=1&page={last_page}")["items"][0]["id"]
    return ids


def bench(kind: str, args: argparse.Namespace) -> Run:
    """Build, serve and measure the benchmark organization on one database."""
    run = Run(kind)

    def say(message: str) -> None:
        print(f"[{kind}] {message}", flush=True)

    with contextlib.ExitStack() as stack:
        env = stack.enter_context(organization.environment(kind, args.pg_url, args.code))
        writer_token, reader_token = organization.create_people(env)
        organization.generate(env, args.small, run.bulk, say)
        pid, port = stack.enter_context(organization.serve(env))
        api = Client(port, reader_token)
        ids = records(api)
        say("importing 100,000 measurements from CSV …")
        organization.import_measurements(port, api, ids["imported_kpi"], run.bulk, run.failures)
        people = [Client(port) for _ in organization.READERS]
        for person, email in zip(people, organization.READERS, strict=True):
            person.sign_in(email, organization.PASSWORD)
        writer_client = Client(port, writer_token)
        step = writer_client.api(f"/value-streams/{ids['stream']}/steps?per_page=1")["items"][0]
        run.writer = scenarios.StepWriter(writer_client, step)
        editor = Client(port)
        editor.sign_in(organization.WRITER, organization.PASSWORD)
        readers = {"api": api, "page": people[0], "editor": editor}
        run.background_cpu_pct.append(organization.background_cpu_pct(pid))
        run.first_views = scenarios.first_views(run.writer, readers, ids, args.repeats, say)
        run.rating_writer = scenarios.RatingWriter(writer_client, ids["outcome"])
        run.first_views += scenarios.first_views(run.rating_writer, readers, ids, args.repeats, say,
                                                 scenarios.READS_AFTER_RATING)
        say(f"{len(people)} people reload the dashboard for {args.seconds} s, "
            f"a step changes {args.writes_per_second} times a second …")
        run.busy = scenarios.busy_dashboard(people, run.writer, args.seconds, args.writes_per_second)
        run.memory_mb = organization.rss_mb(pid)
        run.background_cpu_pct.append(organization.background_cpu_pct(pid))
    report.judge(run)
    return run


def machine(commit: str | None) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=report.ROOT).stdout.strip()

    if commit:
        code = f"{git('rev-parse', '--short', commit)} (`--commit {commit}`)"
    else:
        changed = git("status", "--porcelain", "lms", "templates", "migrations")
        code = git("rev-parse", "--short", "HEAD")
        code += " with uncommitted changes to the app" if changed else ""
    return (
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}. Code: {code}."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=7, help="first views timed per read")
    parser.add_argument("--seconds", type=float, default=20, help="length of the busy-dashboard run")
    parser.add_argument("--writes-per-second", type=float, default=4)
    parser.add_argument(
        "--pg-url", default=os.environ.get("LMS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--small", action="store_true", help="a small organization, to try the harness quickly"
    )
    parser.add_argument(
        "--commit", help="benchmark the app as committed at this revision, not the working tree"
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    args.code = organization.snapshot(args.commit, report.ROOT) if args.commit else None
    try:
        runs = [bench(kind, args) for kind in kinds]
    finally:
        if args.code:
            shutil.rmtree(args.code, ignore_errors=True)
    text = machine(args.commit) + "\n\n" + "\n".join(report.table(run, args) for run in runs)
    print(text)
    out = report.ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    (out / f"{stamp}{'-small' if args.small else ''}.md").write_text(text)
    return 1 if any(run.failures for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
