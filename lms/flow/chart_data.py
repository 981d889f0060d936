"""What the measured-flow charts draw: plain specs from the log's aggregates (cached by content)."""

from __future__ import annotations

import math
from itertools import accumulate

from lms import content
from lms.flow import figure_queries, queries
from lms.flow.figure_queries import MeasuredFlow
from lms.lean.flow import histogram
from lms.models import ValueStream

MAX_BINS = 30
NICE_DAYS = (0.05, 0.1, 0.125, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100)
DAILY_UP_TO = 130  # working days a cumulative flow diagram shows day by day; beyond, week by week


def _bin_width_days(largest_days: float) -> float:
    """Return a round bin width (working days) that cuts 0..largest into at most MAX_BINS bins."""
    for width in NICE_DAYS:
        if largest_days / width <= MAX_BINS:
            return width
    return math.ceil(largest_days / MAX_BINS)


def _scope(stream: ValueStream, flow: MeasuredFlow) -> queries.LogScope | None:
    if not flow.measured or flow.calendar is None:
        return None
    return queries.LogScope(stream.id, flow.calendar, flow.since, flow.until)


def lead_time_spec(stream: ValueStream, flow: MeasuredFlow) -> dict:
    """Lead-time histogram of finished cases, in working days, with the percentile lines."""
    spec = {"title": f"Lead time of finished cases — {stream.name}", "bins": [], "width_days": None,
            "percentiles": {"p50": flow.lead.p50, "p85": flow.lead.p85, "p95": flow.lead.p95},
            "cases": flow.lead.cases}
    scope = _scope(stream, flow)
    if scope is None or flow.lead.p95 is None or flow.calendar is None:
        return spec
    width = _bin_width_days(max(flow.lead.p95 * 1.5, 0.05))
    rows = histogram(flow.leads_s, width * flow.calendar.day_s)
    spec["width_days"] = width
    spec["bins"] = [[index * width, count] for index, count in rows if index * width <= flow.lead.p95 * 1.5]
    spec["beyond"] = sum(count for index, count in rows if index * width > flow.lead.p95 * 1.5)
    return spec


def throughput_spec(stream: ValueStream, flow: MeasuredFlow) -> dict:
    """Cases finished per week (Monday of each week), every week of the period, zeros included."""
    spec: dict = {"title": f"Throughput per week — {stream.name}", "weeks": []}
    if _scope(stream, flow) is None:
        return spec
    per_day = flow.finished_per_day()
    if not per_day:
        return spec
    first, last = min(per_day) // 5, max(per_day) // 5
    weekly = dict.fromkeys(range(first, last + 1), 0)
    for day, count in per_day.items():
        weekly[day // 5] += count
    spec["weeks"] = [[queries.day_of_clock(week * 5).isoformat(), count] for week, count in weekly.items()]
    return spec


def cumulative_flow_spec(stream: ValueStream, flow: MeasuredFlow) -> dict:
    """Cases that have reached each mapped step by each day (or week), in map order, and finished."""
    spec: dict = {"title": f"Cumulative flow — {stream.name}", "days": [], "bands": []}
    scope = _scope(stream, flow)
    if scope is None or flow.calendar is None:
        return spec
    hours = int(flow.calendar.hours_s)
    arrivals = queries.arrivals_per_day(scope, flow.end_position, hours)
    finished = flow.finished_per_day()
    if not arrivals:
        return spec
    first = min(d for _, d, _ in arrivals)
    last = max([d for _, d, _ in arrivals] + list(finished))
    step = 1 if last - first <= DAILY_UP_TO else 5
    slots = list(range(first - first % step, last + 1, step))
    names = {s.position: s.name for s in figure_queries.steps_of(stream)}

    def cumulative(counts: dict[int, int]) -> list[int]:
        per_slot = dict.fromkeys(slots, 0)
        for day, n in counts.items():
            per_slot[day - (day - first + first % step) % step] += n
        return list(accumulate(per_slot[s] for s in slots))

    by_step: dict[int, dict[int, int]] = {}
    for position, day, count in arrivals:
        by_step.setdefault(position, {})[day] = count
    spec["days"] = [queries.day_of_clock(s).isoformat() for s in slots]
    spec["weekly"] = step == 5
    spec["bands"] = [{"name": names.get(p, f"Step {p}"), "counts": cumulative(c)}
                     for p, c in sorted(by_step.items())]
    spec["bands"].append({"name": "Finished", "counts": cumulative(finished)})
    return spec


def specs(stream: ValueStream, flow: MeasuredFlow) -> dict[str, dict]:
    """Return the three chart specs of the stream, once per content version."""
    key = (stream.id, stream.name, flow.calendar, flow.since, flow.until)
    return content.cache.get("flow-charts", key, lambda: {
        "lead-times": lead_time_spec(stream, flow), "throughput": throughput_spec(stream, flow),
        "cumulative-flow": cumulative_flow_spec(stream, flow)})


def alt_texts(flow: MeasuredFlow, charts: dict[str, dict]) -> dict[str, str]:
    """Describe each chart in words for people who cannot see it."""
    lead = flow.lead
    weeks = charts["throughput"]["weeks"]
    bands = charts["cumulative-flow"]["bands"]
    return {
        "lead-times": (f"Histogram of {lead.cases} finished cases' lead times; median "
                       f"{_days(lead.p50)}, 85 % within {_days(lead.p85)}, 95 % within {_days(lead.p95)}."
                       if lead.cases else "No finished case yet."),
        "throughput": (f"Cases finished per week over {len(weeks)} weeks, from {min(c for _, c in weeks)} "
                       f"to {max(c for _, c in weeks)} a week." if weeks else "No finished case yet."),
        "cumulative-flow": (f"Cumulative cases reaching each of {len(bands) - 1} steps and finishing, "
                            f"{bands[-1]['counts'][-1]} finished by the end." if bands
                            else "No mapped step yet."),
    }


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} working days"
