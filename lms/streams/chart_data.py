"""The data each chart of a stream shows, as plain JSON-able dicts: the charts' cache keys."""

from __future__ import annotations

from lms.charts.base import page_size
from lms.charts.pareto import PARETO_SIZE_IN
from lms.charts.takt import takt_size_in
from lms.charts.vsm import map_size_in
from lms.lean.durations import format_duration
from lms.streams.queries import StreamView


def _title_name(view: StreamView) -> str:
    future = view.stream.state == "future" and "future state" not in view.stream.name.lower()
    state = " (future state)" if future else ""
    return f"{view.stream.name}{state}"


def map_spec(view: StreamView) -> dict:
    """Return what the value-stream map draws: boxes, triangles, data boxes and the ladder."""
    timings = {timing.step_id: timing for timing in view.metrics.step_timings}
    steps = []
    for step in view.steps:
        timing = timings[step.id]
        steps.append({
            "name": step.name, "kind": step.kind, "classification": step.classification,
            "waste_types": list(step.waste_types or []),
            "cycle_time_s": step.cycle_time_s, "changeover_s": step.changeover_s,
            "uptime_pct": step.uptime_pct, "operators": step.operators,
            "pct_complete_accurate": step.pct_complete_accurate, "wait_time_s": step.wait_time_s,
            "inventory_units": step.inventory_units,
            "processing_s": timing.processing_s, "waiting_s": timing.waiting_s,
            "over_takt": timing.over_takt, "unconverted_units": timing.unconverted_units,
        })
    m = view.metrics
    return {
        "title": f"Value-stream map: {_title_name(view)}",
        "steps": steps,
        "daily_demand": view.stream.daily_demand,
        "takt_time_s": m.takt_time_s,
        "lead_time_s": m.lead_time_s,
        "lead_time_known_s": m.lead_time_known_s,
        "lead_time_days": m.lead_time_days,
        "day_s": view.day_s,
        "processing_time_s": m.processing_time_s,
        "value_added_time_s": m.value_added_time_s,
        "pce": m.pce,
    }


def _takt_bars(view: StreamView) -> list:
    """The steps the takt chart draws a bar for: the process steps with a cycle time."""
    return [step for step in view.steps if step.kind == "process" and step.cycle_time_s is not None]


def takt_spec(view: StreamView) -> dict:
    """Return the process steps' cycle times and the takt they are measured against."""
    over = set(view.metrics.over_takt_step_ids)
    effective = {t.step_id: t.effective_cycle_time_s for t in view.metrics.step_timings}
    return {
        "title": f"Cycle time per step against takt: {_title_name(view)}",
        "takt_time_s": view.metrics.takt_time_s,
        "no_takt": view.metrics.reasons.get("takt_time_s"),
        "day_s": view.day_s,
        "steps": [
            {"name": step.name, "classification": step.classification,
             "cycle_time_s": step.cycle_time_s, "effective_cycle_time_s": effective.get(step.id),
             "over_takt": step.id in over}
            for step in _takt_bars(view)
        ],
    }


def ranked_waste(waste_time_by_type: dict[str, float | None]) -> list[list]:
    """Return [waste, seconds] of the wastes with time, largest first; a waste of unknown time is left out."""
    known = [(waste, seconds) for waste, seconds in waste_time_by_type.items()
             if seconds is not None and seconds > 0]
    return [[waste, seconds] for waste, seconds in sorted(known, key=lambda item: (-item[1], item[0]))]


def pareto_spec(view: StreamView) -> dict:
    """Return the time in each waste, largest first, for the Pareto chart, and the wastes not timed."""
    untimed = [waste for waste, seconds in view.metrics.waste_time_by_type.items() if seconds is None]
    return {
        "title": f"Waste time by type: {_title_name(view)}",
        "day_s": view.day_s,
        "waste_time_by_type": ranked_waste(view.metrics.waste_time_by_type),
        "untimed": untimed,
    }


def chart_sizes(view: StreamView) -> dict[str, tuple[int, int]]:
    """Return each chart's width and height on the page (CSS pixels), known before it is drawn.

    The sizes follow from what the specs above hold (the steps; the timed process steps), so the
    page keeps each chart's space while it is drawn and the steps table below the map stays put.
    """
    return {"map": page_size(*map_size_in(len(view.steps))),
            "takt": page_size(*takt_size_in(len(_takt_bars(view)))),
            "pareto": page_size(*PARETO_SIZE_IN)}


def chart_alt_texts(view: StreamView) -> dict[str, str]:
    """Describe each chart's content for people who cannot see it (the ``alt`` of the images)."""
    m, day_s = view.metrics, view.day_s
    process = sum(1 for s in view.steps if s.kind == "process")
    pce = "unknown" if m.pce is None else f"{m.pce * 100:.1f} %"
    takt = f"no takt ({m.reasons['takt_time_s']})" if m.takt_time_s is None else \
        f"takt {format_duration(m.takt_time_s, day_s)}"
    over = len(m.over_takt_step_ids)
    wastes = ranked_waste(m.waste_time_by_type)
    pareto = ("; ".join(f"{w} {format_duration(s, day_s)}" for w, s in wastes)
              or "no time tagged with a waste yet")
    lead = (format_duration(m.lead_time_s, day_s) if m.lead_time_s is not None else
            f"at least {format_duration(m.lead_time_known_s, day_s)} (incomplete)")
    return {
        "map": (f"Value-stream map of {view.stream.name}: {process} process steps and "
                f"{len(view.steps) - process} inventories in flow order; lead time "
                f"{lead}, processing time {format_duration(m.processing_time_s, day_s)}, "
                f"process cycle efficiency {pce}."),
        "takt": (f"Bar chart of cycle time per process step against {takt}; "
                 f"{over} step{'s' if over != 1 else ''} over takt."),
        "pareto": f"Pareto chart of waste time by type, largest first: {pareto}.",
    }
