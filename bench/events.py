"""The event-log benchmark: one million events through `lms import-events`, on SQLite and PostgreSQL.

Usage:  python bench/events.py [--database sqlite|postgresql|both] [--events 1000000]
                               [--pg-url postgresql://postgres@127.0.0.1:5432]

For each database it makes a fresh database with the demo organization (`lms seed-demo`), writes
a generated CSV log of ``--events`` events for the demo's first stream, and measures:

- the import (`lms import-events`): wall time, and the command's peak memory (max RSS);
- the same import of a tenth of the log: its peak memory, to show memory stays flat with size;
- a second import of the whole log: wall time, and that it adds nothing;
- the measured flow the stream page shows first (its default 26 weeks: figures, chart data and a
  forecast), and that of the whole log, each computed once from the imported log.

Budget: the import of one million events under 60 s on each database (docs/performance.md).
The figures are printed and written to bench/results/events-<date>.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import organization

ROOT = Path(__file__).resolve().parent
BUDGET_S = 60.0
FLOW_SCRIPT = """
import time
from lms import create_app, tenancy
from lms.extensions import db
from lms.flow import chart_data, figures
from lms.models import ValueStream
app = create_app(web=False)
with app.app_context():
    stream = db.session.get(ValueStream, 1)
    tenancy.scope_to(stream.organization_id)
    started = time.perf_counter()
    since = figures.default_since(stream)
    flow = figures.compute(stream, since)
    specs = [draw(stream, flow) for draw in (chart_data.lead_time_spec, chart_data.throughput_spec,
                                             chart_data.cumulative_flow_spec)]
    figures.forecast(stream, flow, within_days=10)
    page_s = time.perf_counter() - started
    started = time.perf_counter()
    whole = figures.compute(stream)
    print(f"{page_s:.2f} {flow.cases} {time.perf_counter() - started:.2f} {whole.cases}")
"""


def write_log(path: Path, count: int) -> int:
    """Write a generated log of ``count`` events (12 steps, rework, seasonality) as CSV."""
    from lms.flow.synthetic_files import LogShape, StepShape, events, write_csv
    from lms.lean.flow import WorkingCalendar

    steps = [StepShape(f"Step {i}", 1_800 * (i % 3 + 1), 3_600 * (i % 4 + 1), 95) for i in range(12)]
    shape = LogShape(cases=count // 20 + 1, first_day=dt.date(2025, 1, 6), last_day=dt.date(2026, 11, 30),
                     calendar=WorkingCalendar(28_800))
    with path.open("w", newline="") as handle:
        return write_csv(handle, itertools.islice(events(steps, shape), count))


def run_import(env: dict, path: Path) -> tuple[float, float, str]:
    """Import a log with `lms import-events`; return wall seconds, peak memory in MB and the summary line."""
    started = time.perf_counter()
    process = subprocess.Popen([organization.LMS, "import-events", str(path), "--stream", "1"], env=env,  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"lms import-events failed on {path}")
    return elapsed, usage.ru_maxrss / 1024, output.strip().splitlines()[-1]


def bench(kind: str, args: argparse.Namespace, log: Path, tenth: Path) -> list[str]:
    """Measure one database; return the report's lines."""
    lines = [f"### {kind}", ""]
    with organization.environment(kind, args.pg_url, None) as env:
        organization.lms(env, "init-db")
        organization.lms(env, "seed-demo")
        small_s, small_mb, _ = run_import(env, tenth)
        whole_s, whole_mb, summary = run_import(env, log)
        again_s, _, again = run_import(env, log)
        flow = subprocess.run([sys.executable, "-c", FLOW_SCRIPT], env=env, capture_output=True,  # noqa: S603
                              text=True, check=True).stdout.split()
    verdict = "within" if whole_s < BUDGET_S else "OVER"
    lines += [
        f"- import of {args.events:,} events: **{whole_s:.1f} s** ({verdict} the {BUDGET_S:.0f} s budget), "
        f"peak memory {whole_mb:.0f} MB — {summary}",
        f"- import of {args.events // 10:,} events (into the same stream first): {small_s:.1f} s, "
        f"peak memory {small_mb:.0f} MB",
        f"- the whole log again: {again_s:.1f} s — {again}",
        f"- the flow page's figures, charts and forecast for its default period (26 weeks), uncached: "
        f"{flow[0]} s for {int(flow[1]):,} cases",
        f"- measured flow of the whole log (SQL, uncached): {flow[2]} s for {int(flow[3]):,} cases",
        "",
    ]
    print("\n".join(lines), flush=True)
    return lines


def main() -> None:
    """Run the benchmark and write its report."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    workdir = Path(os.environ.get("TMPDIR", "/tmp"))
    log, tenth = workdir / "lms-bench-events.csv", workdir / "lms-bench-events-tenth.csv"
    print(f"writing {args.events:,} generated events …", flush=True)
    write_log(log, args.events)
    write_log(tenth, args.events // 10)
    load = os.getloadavg()
    lines = [f"## Event-log import — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC", "",
             f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the "
             "start (other work on the machine slows every figure).", ""]
    for kind in (["sqlite", "postgresql"] if args.database == "both" else [args.database]):
        lines += bench(kind, args, log, tenth)
    log.unlink()
    tenth.unlink()
    out = ROOT / "results" / f"events-{dt.datetime.now():%Y%m%d-%H%M}.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
