"""The pure domain and the charts take any finite float a database may hold, up to ±1.7e308.

Values stored before the schemas had bounds (or loaded straight into the database) must never
raise: a figure that does not fit a float is inf or nan, named in ``out_of_range`` and null in the
API; a page writes it "out of range"; a chart leaves it out.
"""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.charts.pareto import draw_waste_pareto
from lms.charts.takt import draw_takt_chart
from lms.charts.vsm import draw_value_stream_map
from lms.lean.metrics import API_OBJECT_KEYS, StepFigures, StreamFigures, compute_metrics, total
from lms.lean.waste import OUT_OF_RANGE, flag_stream, format_duration

EXTREME = st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([1.7e308, -1.7e308, 1e308, -1e308, 5e-324, 0.0]))
MAYBE = st.one_of(st.none(), EXTREME)


@st.composite
def steps(draw, position: int) -> StepFigures:
    return StepFigures(
        id=position, position=position, name=f"Step {position}",
        kind=draw(st.sampled_from(["process", "inventory"])),
        classification=draw(st.sampled_from(["value-adding", "necessary", "waste", "unclassified"])),
        waste_types=tuple(draw(st.lists(st.sampled_from(["waiting", "inventory", "defects"]), max_size=2))),
        cycle_time_s=draw(MAYBE), changeover_s=draw(MAYBE), uptime_pct=draw(MAYBE),
        operators=draw(st.one_of(st.none(), st.integers(0, 2**31 - 1))),
        pct_complete_accurate=draw(MAYBE), wait_time_s=draw(MAYBE), inventory_units=draw(MAYBE),
        job_id=draw(st.one_of(st.none(), st.just(1))),
    )


@st.composite
def streams(draw) -> StreamFigures:
    count = draw(st.integers(0, 5))
    return StreamFigures(daily_demand=draw(MAYBE), available_seconds_per_day=draw(MAYBE),
                         steps=tuple(draw(steps(n)) for n in range(1, count + 1)))


@settings(max_examples=300, deadline=None)
@given(streams())
def test_metrics_and_flags_never_raise_and_the_api_gets_finite_numbers_or_null(stream):
    metrics = compute_metrics(stream)
    flag_stream(stream)
    api = metrics.as_api_dict()
    json.dumps(api, allow_nan=False)  # no Infinity or NaN reaches a client
    assert set(api) - {"out_of_range"} == set(API_OBJECT_KEYS)
    for name in metrics.out_of_range:
        head, _, waste = name.partition(".")
        assert (api[head][waste] if waste else api[head]) is None
    assert ("out_of_range" in api) == bool(metrics.out_of_range)


def test_two_steps_of_1e308_overflow_to_an_out_of_range_lead_time():
    step = StepFigures(id=1, position=1, name="Huge", cycle_time_s=1e308, classification="waste",
                       waste_types=("waiting",))
    metrics = compute_metrics(StreamFigures(None, None, (step, StepFigures(**{**step.__dict__, "id": 2,
                                                                                "position": 2}))))
    assert metrics.lead_time_s == math.inf
    api = metrics.as_api_dict()
    assert api["lead_time_s"] is None and api["waste_time_by_type"]["waiting"] is None
    assert {"lead_time_s", "processing_time_s", "waste_time_by_type.waiting"} <= set(api["out_of_range"])
    assert format_duration(metrics.lead_time_s) == OUT_OF_RANGE


@given(st.lists(EXTREME, max_size=6))
def test_total_is_exact_when_it_fits_and_never_raises(values):
    result = total(values)
    if all(abs(v) < 1e300 for v in values):
        assert result == math.fsum(values)


@given(st.one_of(EXTREME, st.sampled_from([math.inf, -math.inf, math.nan])))
def test_format_duration_writes_any_float(seconds):
    text = format_duration(seconds)
    assert text and len(text) < 40
    if not math.isfinite(seconds) or abs(seconds) > 1e15:
        assert text == OUT_OF_RANGE


@settings(max_examples=25, deadline=None)
@given(streams())
def test_the_stream_charts_draw_any_stored_figures(stream):
    metrics = compute_metrics(stream)
    day_s = 86_400.0
    timings = {t.step_id: t for t in metrics.step_timings}
    step_specs = [{"name": s.name, "kind": s.kind, "classification": s.classification,
                   "waste_types": list(s.waste_types), "cycle_time_s": s.cycle_time_s,
                   "changeover_s": s.changeover_s, "uptime_pct": s.uptime_pct, "operators": s.operators,
                   "pct_complete_accurate": s.pct_complete_accurate, "wait_time_s": s.wait_time_s,
                   "inventory_units": s.inventory_units, "processing_s": timings[s.id].processing_s,
                   "waiting_s": timings[s.id].waiting_s, "over_takt": timings[s.id].over_takt,
                   "unconverted_units": timings[s.id].unconverted_units}
                  for s in stream.steps]
    spec = {"title": "Map", "steps": step_specs, "daily_demand": stream.daily_demand,
            "takt_time_s": metrics.takt_time_s, "lead_time_s": metrics.lead_time_s,
            "lead_time_known_s": metrics.lead_time_known_s,
            "lead_time_days": metrics.lead_time_days, "day_s": day_s,
            "processing_time_s": metrics.processing_time_s,
            "value_added_time_s": metrics.value_added_time_s, "pce": metrics.pce}
    assert draw_value_stream_map(spec).startswith(b"\x89PNG")
    takt = {"title": "Takt", "takt_time_s": metrics.takt_time_s,
            "steps": [s for s in step_specs if s["kind"] == "process" and s["cycle_time_s"] is not None]}
    assert draw_takt_chart(takt).startswith(b"\x89PNG")
    pareto = {"title": "Pareto", "waste_time_by_type": sorted(
        ([w, s] for w, s in metrics.waste_time_by_type.items()), key=lambda p: p[0])}
    assert draw_waste_pareto(pareto).startswith(b"\x89PNG")
