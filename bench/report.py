"""The benchmark's budgets, and the table of one run in Markdown."""

from __future__ import annotations

import statistics
from pathlib import Path

from scenarios import SLOW_MS

ROOT = Path(__file__).resolve().parent.parent
BUSY_P95_BUDGET_MS = 250
BULK_BUDGETS_S = {"generate": 60, "check-drift": 10, "import 100,000 measurements": 20}
MEMORY_BUDGET_MB = 300
BACKGROUND_WARNING_PCT = 10


def judge(run) -> None:
    """Record every budget the run missed, and every answer that was not a success."""
    for view in run.first_views:
        if view.budget_ms is not None and view.median_ms > view.budget_ms:
            run.failures.append(f"{view.name}: first view {view.median_ms:.0f} ms > {view.budget_ms} ms")
        if view.errors:
            run.failures.append(f"{view.name}: answered {sorted(set(view.errors))}")
    busy = run.busy
    if busy.ms and busy.percentile(95) > BUSY_P95_BUDGET_MS:
        run.failures.append(f"busy dashboard: p95 {busy.percentile(95):.0f} ms > {BUSY_P95_BUDGET_MS} ms")
    if busy.errors:
        run.failures.append(f"busy dashboard: {len(busy.errors)} views answered {sorted(set(busy.errors))}")
    for writer in (run.writer, run.rating_writer):
        if writer is not None and writer.failures:
            run.failures.append(f"writes: {len(writer.failures)} answered {sorted(set(writer.failures))}")
    for name, budget in BULK_BUDGETS_S.items():
        if run.bulk.get(name, 0) > budget:
            run.failures.append(f"{name}: {run.bulk[name]:.1f} s > {budget} s")
    if run.memory_mb and run.memory_mb > MEMORY_BUDGET_MB:
        run.failures.append(f"serving process: {run.memory_mb:.0f} MB > {MEMORY_BUDGET_MB} MB")


def table(run, args) -> str:
    lines = [
        f"### {run.database} — {run.started}",
        "",
        "`lms serve` (waitress, 8 threads, one process) on 127.0.0.1.",
        "",
        *_background(run),
        *_first_views(run, args),
        *_busy(run),
        "",
        "| bulk job | seconds | budget |",
        "|---|---:|---:|",
        *(f"| {name} | {s:.1f} | < {BULK_BUDGETS_S[name]} |" for name, s in run.bulk.items()),
        "",
        f"Serving process memory after the run: {run.memory_mb:.0f} MB (budget {MEMORY_BUDGET_MB} MB).",
        "",
        "**All budgets hold.**"
        if not run.failures
        else "**Budgets missed:**\n" + "\n".join(f"- {f}" for f in run.failures),
    ]
    return "\n".join(lines) + "\n"


def _background(run) -> list[str]:
    shares = " and ".join(f"{pct:.0f} %" for pct in run.background_cpu_pct)
    line = f"CPU used by other work than the server while the benchmark paused, before and after: {shares}."
    if max(run.background_cpu_pct, default=0) > BACKGROUND_WARNING_PCT:
        line += " **The machine was not idle: these figures are slower than an idle machine's.**"
    return [line, ""]


def _first_views(run, args) -> list[str]:
    after_step = [view for view in run.first_views if "after a new rating" not in view.name]
    writes = run.writer.ms[: len(after_step) * (args.repeats + 1)]
    lines = [
        f"**First view after a change**: each read right after a PATCH of a step through the API (the "
        f"last ones right after a new rating of an outcome), {args.repeats} times (one more, unmeasured, "
        "before them).",
        "",
        "| read | median ms | max ms | budget (median) | |",
        "|---|---:|---:|---:|---|",
    ]
    for view in run.first_views:
        budget = f"≤ {view.budget_ms}" if view.budget_ms is not None else "—"
        verdict = "" if view.budget_ms is None else ("over" if view.median_ms > view.budget_ms else "ok")
        if view.errors:
            verdict += f" errors {sorted(set(view.errors))}"
        lines.append(f"| {view.name} | {view.median_ms:.0f} | {max(view.ms):.0f} | {budget} | {verdict} |")
    lines.append(
        f"| *the write (PATCH a step)* | {statistics.median(writes):.0f} | {max(writes):.0f} | — | |"
    )
    if run.rating_writer is not None and run.rating_writer.ms:
        ratings = run.rating_writer.ms
        lines.append(
            f"| *the write (POST a rating)* | {statistics.median(ratings):.0f} | {max(ratings):.0f} | — | |"
        )
    return [*lines, ""]


def _busy(run) -> list[str]:
    busy = run.busy
    views_ms = busy.ms or [float("nan")]
    return [
        f"**Busy dashboard**: {busy.readers} signed-in people reload `/` for {busy.seconds:.0f} s while "
        f"a writer PATCHes a step {busy.target_writes_per_s:g} times a second.",
        "",
        f"| views | views/s | p50 ms | p95 ms | max ms | over {SLOW_MS} ms | errors "
        "| writes/s | write p95 ms | write failures |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(busy.ms)} | {len(busy.ms) / busy.seconds:.1f} | {statistics.median(views_ms):.0f} | "
        f"{busy.percentile(95):.0f} | {max(views_ms):.0f} | {busy.slow} | {len(busy.errors)} | "
        f"{busy.writes / busy.seconds:.1f} | {busy.percentile(95, 'write_ms'):.0f} | "
        f"{len(busy.write_failures)} |",
        "",
        f"Budget: p95 ≤ {BUSY_P95_BUDGET_MS} ms.",
    ]
