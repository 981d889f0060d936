"""The data of a review's charts: the A3 page and a stream's trend across reviews, as plain values.

A chart is cached by its data, so everything it shows is in its spec and nothing else.
"""

from __future__ import annotations

from lms.db import utcnow
from lms.lean.durations import format_duration, working_day
from lms.lean.metrics import compute_metrics
from lms.lean.waste import format_points
from lms.models import Review, ValueStream
from lms.reviews.change_queries import FigureMove, KpiMovement
from lms.reviews.queries import ReviewPage
from lms.reviews.services import KIND_LABELS
from lms.streams.queries import stream_figures

FIGURE_LABELS = (
    ("lead_time_s", "Lead time", "duration"),
    ("processing_time_s", "Processing time", "duration"),
    ("value_added_time_s", "Value-added time", "duration"),
    ("pce", "PCE", "ratio"),
    ("activity_ratio", "Activity ratio", "ratio"),
    ("rolled_pct_complete_accurate", "Rolled %C&A", "ratio"),
    ("takt_time_s", "Takt time", "duration"),
    ("rework_adjusted_lead_time_s", "Rework-adjusted lead time", "duration"),
)


PERCENT_UNITS = ("%", "percent", "pct", "per cent")
TIMELINE = "processing vs waiting per step (▲takt: over takt)"


def show(value: float | None, kind: str, day_s: float | None) -> str:
    """Write a figure for people: a duration (in working days of ``day_s``), a percentage or a number."""
    if value is None:
        return "—"
    if kind == "duration":
        return format_duration(value, day_s)
    if kind == "ratio":
        pct = value * 100
        return f"{pct:.1f} %" if pct >= 1 or pct == 0 else f"{pct:.2g} %"
    return f"{value:g}"


def show_change(move: FigureMove, day_s: float | None) -> str:
    """Write a figure's change with its sign; a change of a percentage in points (pp)."""
    change = move.change
    if change is None:
        return "—"
    if change == 0:
        return "0"
    if move.kind == "ratio":
        return format_points(change)
    return ("+" if change > 0 else "−") + show(abs(change), move.kind, day_s)


def _shown(snapshot: dict, key: str, kind: str, day_s: float | None) -> str:
    """Write a snapshot's figure, or say which inputs it lacks ("— (needs daily demand)")."""
    value, needs = snapshot.get(key), (snapshot.get("missing_by_figure") or {}).get(key)
    if value is None and needs:
        return f"— (needs {' and '.join(name.replace('_', ' ') for name in needs)})"
    return show(value, kind, day_s)


def kpi_change(movement: KpiMovement, digits: str = "+.2f") -> str:
    """Write how a KPI moved since the review opened; a KPI measured in % moves in points (pp)."""
    change = movement.change
    if change is None:
        return "—"
    if (movement.kpi.unit or "").strip().lower() in PERCENT_UNITS:
        return format_points(change / 100)
    return format(change, digits)


def _current_figures(snapshot: dict, day_s: float | None) -> list[tuple[str, str]]:
    rows = [(label, _shown(snapshot, key, kind, day_s)) for key, label, kind in FIGURE_LABELS]
    rows.append(("Steps over takt", str(len(snapshot.get("over_takt_step_ids") or []))))
    return rows


def _steps_by_tag(snapshot: dict) -> list[tuple[str, str]]:
    counts = snapshot.get("steps_by_classification") or {}
    return [("Steps by tag", f"value-adding {counts.get('value-adding', 0)} · necessary "
                             f"{counts.get('necessary', 0)} · waste {counts.get('waste', 0)} · "
                             f"untagged {counts.get('unclassified', 0)}")]


def _timeline(page: ReviewPage) -> tuple[list[dict], str]:
    snapshot = page.review.snapshot_open or {}
    if snapshot.get("step_timeline") is not None:
        return snapshot["step_timeline"], f"Timeline at opening: {TIMELINE}"
    metrics = compute_metrics(stream_figures(page.stream, page.steps))
    timeline = [{"position": t.position, "name": t.name, "processing_s": t.processing_s,
                 "waiting_s": t.waiting_s, "over_takt": t.over_takt} for t in metrics.step_timings]
    return timeline, f"Steps as mapped today: {TIMELINE}"


def _short(label: str) -> str:
    """Drop the date in brackets from a column label; the caption says it."""
    return label.split(" (")[0]


def a3_spec(page: ReviewPage) -> dict:
    """Describe the A3 of a review: every text and figure it shows."""
    review, stream = page.review, page.stream
    day_s = working_day(stream.available_seconds_per_day)
    before = review.snapshot_open
    timeline, timeline_caption = _timeline(page)
    moves = page.figures
    names = page.names
    customer = f"{names['customer']} ({names['customer_kind']})" if names.get("customer") else ""
    return {
        "stream": stream.name, "kind_label": KIND_LABELS.get(review.kind, review.kind),
        "held_on": review.held_on.isoformat(), "status": review.status,
        "facilitator": names.get("facilitator") or "",
        "participants": ", ".join(names.get("participants") or []),
        "customer": customer, "job": names.get("job") or "", "owner": names.get("owner") or "",
        "notes": review.notes or "",
        "current_caption": ("Figures recorded when the review opened." if before else
                            "Not opened yet: the figures of the map as it is today."),
        "current_figures": _current_figures(before or page.metrics, day_s),
        "current_wide": _steps_by_tag(before or page.metrics),
        "timeline": timeline, "timeline_caption": timeline_caption, "day_s": day_s,
        "findings": [{"text": f.text, "waste": f.waste_type or "",
                      "step": page.finding_names.get(f.id, {}).get("step") or ""}
                     for f in page.findings],
        "actions": [{"title": c.action.title, "expected_effect": c.action.expected_effect or "",
                     "owner": c.names.get("owner") or "",
                     "due_on": c.action.due_on.isoformat() if c.action.due_on else "",
                     "stage": c.action.stage, "overdue": c.overdue} for c in page.cards],
        "before_label": _short(moves.before_label), "after_label": _short(moves.after_label),
        "results_caption": " ".join(part for part in (
            f"{moves.before_label} against {moves.after_label.lower()}.", moves.note) if part),
        "results": [{"label": m.label, "before": show(m.before, m.kind, day_s),
                     "after": show(m.after, m.kind, day_s), "change": show_change(m, day_s),
                     "verdict": m.verdict if m.change is not None else ""}
                    for m in moves.rows],
        "kpis": [{"name": f"{k.kpi.name} ({k.kpi.unit})" if k.kpi.unit else k.kpi.name,
                  "base": "—" if k.base is None else f"{k.base:g}",
                  "latest": "—" if k.latest is None else f"{k.latest:g}",
                  "change": kpi_change(k, "+g"),
                  "verdict": "" if k.better is None else ("better" if k.better else "worse")}
                 for k in page.movements],
        "footer": f"{stream.name} · review {review.id} · A3 drawn by lms on {utcnow().date()}",
    }


def trend_spec(stream: ValueStream, reviews: list[Review]) -> dict:
    """Describe the trend chart: lead time and PCE at each review's opening and closing snapshot."""
    points = []
    for review in reviews:
        for moment, snapshot, at in (("open", review.snapshot_open, review.opened_at),
                                     ("close", review.snapshot_close, review.closed_at)):
            if snapshot is None:
                continue
            points.append({"review_id": review.id, "moment": moment,
                           "day": (at.date() if at else review.held_on).isoformat(),
                           "lead_time_days": snapshot.get("lead_time_days"), "pce": snapshot.get("pce")})
    points.sort(key=lambda p: (p["day"], p["review_id"], p["moment"] == "close"))
    return {"stream": stream.name, "points": points}
