"""Figures the database adds up agree with the pure domain computing them from the records.

The dashboard and the customers page read sums and step times computed in SQL (and the drift
window as numpy columns); each is checked here against ``lms.lean`` fed with whole records, on a
generated organization, on whichever database the suite runs on.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.cli import cli
from lms.customers.queries import load_job_stacks
from lms.extensions import db
from lms.kpis.drift_queries import assess_kpis, assess_organization, drift_settings, load_series, today
from lms.lean.drift import assess_drift
from lms.lean.durations import working_day
from lms.lean.metrics import compute_metrics, processing_time_s, waiting_time_s
from lms.models import Job, Kpi, KpiMeasurement, Organization, Step, ValueStream
from lms.streams import queries as stream_queries


@pytest.fixture()
def generated(app, make):
    org = make.org("Figures", "figures")
    admin = make.user(org, "admin")
    args = ["--value-streams", "5", "--steps", "12", "--kpis", "15", "--weeks", "40", "--seed", "11"]
    result = app.test_cli_runner().invoke(cli, ["generate", "--org", "figures", *args])
    assert result.exit_code == 0, result.output
    ctx = make.acting_as(admin)
    yield db.session.get(Organization, org.id)
    ctx.pop()


def test_stream_totals_match_compute_metrics(generated):
    totals = stream_queries.current_stream_totals()
    current = list(db.session.scalars(select(ValueStream).where(ValueStream.state == "current")
                                      .order_by(ValueStream.name, ValueStream.id)))
    assert [t.id for t in totals] == [s.id for s in current]
    for line, stream in zip(totals, current, strict=True):
        metrics = compute_metrics(stream_queries.stream_figures(stream, stream_queries.steps_of(stream)))
        # The database sums in its own order: equal up to the last bit of a float.
        assert line.lead_time_days == pytest.approx(metrics.lead_time_days, rel=1e-12)
        assert line.pce == pytest.approx(metrics.pce, rel=1e-12)
        assert line.waste_share == pytest.approx(metrics.waste_share, rel=1e-12)
        assert line.untagged_count == metrics.untagged_count
        assert line.waste_time_by_type == pytest.approx(metrics.waste_time_by_type, rel=1e-12)


def _served_by(serving_steps) -> dict[int, dict]:
    """Sum up what serves each job: its steps, streams, owners and times (the analysis reads no more)."""
    return {job_id: {"steps": sorted(i for s in steps for i in s.step_ids),
                     "streams": {s.value_stream_id for s in steps},
                     "owners": {(s.value_stream_id, s.owner_id) for s in steps},
                     "processing_s": sum(s.processing_s for s in steps),
                     "waiting_s": sum(s.waiting_s for s in steps)}
            for job_id, steps in serving_steps.items()}


def test_stack_analysis_is_the_same_from_rows_and_from_records(generated):
    records = load_job_stacks(Job.customer_id > 0)
    rows = load_job_stacks(Job.customer_id > 0, records=False)
    # Records: one serving step per step. Rows: one per job, stream and owner, times summed in SQL.
    assert all(not s.also_step_ids for steps in records.serving_steps.values() for s in steps)
    assert len([s for steps in rows.serving_steps.values() for s in steps]) < \
        len([s for steps in records.serving_steps.values() for s in steps])
    grouped, one_by_one = _served_by(rows.serving_steps), _served_by(records.serving_steps)
    assert grouped.keys() == one_by_one.keys() and grouped
    for job_id, served in grouped.items():
        expected = one_by_one[job_id]
        assert [served[k] for k in ("steps", "streams", "owners")] == \
            [expected[k] for k in ("steps", "streams", "owners")]
        assert (served["processing_s"], served["waiting_s"]) == \
            pytest.approx((expected["processing_s"], expected["waiting_s"]), rel=1e-12)
    assert rows.outcomes == records.outcomes
    assert [rows.analyse(job) for job in rows.high_level()] == \
        [records.analyse(job) for job in records.high_level()]


def test_serving_steps_are_timed_as_the_domain_times_them(generated):
    records = load_job_stacks(Job.customer_id > 0)
    shown = [view for views in records.serving.values() for view in views]
    assert shown
    for view in shown:
        step = db.session.get(Step, view.step_id)
        stream = step.value_stream
        day_s = working_day(stream.available_seconds_per_day)
        # The same arithmetic in the same order: the very same floats.
        assert view.processing_s == processing_time_s(stream_queries.step_figures(step))
        assert view.waiting_s == waiting_time_s(stream_queries.step_figures(step), stream.daily_demand, day_s)


@pytest.mark.parametrize("whole_organization", [True, False])
def test_the_window_columns_hold_the_stored_measurements_exactly(generated, whole_organization):
    from lms.kpis.drift_queries import _window_columns, window_start

    as_of = today()
    start = window_start(as_of, drift_settings(generated))
    kpis = list(db.session.scalars(select(Kpi.id).order_by(Kpi.id)))
    ids = None if whole_organization else kpis[:4]
    stored = sorted(db.session.execute(
        select(KpiMeasurement.kpi_id, KpiMeasurement.measured_on, KpiMeasurement.value)
        .where(KpiMeasurement.kpi_id.in_(ids or kpis), KpiMeasurement.measured_on > start,
               KpiMeasurement.measured_on <= as_of)).tuples())
    kpi_ids, days, values = _window_columns(ids, start, as_of)
    # One row per KPI of arrays on PostgreSQL, one per measurement on SQLite: the same values either way.
    read = sorted(zip(kpi_ids.tolist(), days.tolist(), values.tolist(), strict=True))
    assert stored and read == stored


def test_bulk_drift_matches_one_kpi_at_a_time(generated):
    as_of = today()
    settings = drift_settings(generated)
    kpis = list(db.session.scalars(select(Kpi).order_by(Kpi.id)))
    series, _ = load_series(kpis, as_of, settings)
    one_by_one = {kpi.id: assess_drift(series[kpi.id], as_of, settings) for kpi in kpis}
    assert {kpi_id: d.assessment for kpi_id, d in assess_kpis(kpis, as_of).items()} == one_by_one
    assert {kpi.id: d.assessment for kpi, d in assess_organization(generated, as_of)} == one_by_one


def _stream(api, name: str, steps: list[dict], **fields) -> None:
    stream_id = api.post("/value-streams", json={"name": name, **fields}).get_json()["id"]
    for step in steps:
        assert api.post(f"/value-streams/{stream_id}/steps", json=step).status_code == 201


def test_stream_totals_withhold_what_compute_metrics_withholds(app, make, api_as):
    # Issue 14: the dashboard's SQL sums must leave out the same figures the stream page does, and
    # share a step's time among its wastes the same way.
    org = make.org("Missing", "missing")
    admin = make.user(org, "admin")
    api = api_as(admin)
    queue = {"name": "Queue", "kind": "inventory", "inventory_units": 7_000, "classification": "waste",
             "waste_types": ["inventory", "waiting"]}
    work = [{"name": "Weld", "cycle_time_s": 60, "classification": "necessary",
             "waste_types": ["defects", "motion"]},
            {"name": "Report", "cycle_time_s": 90, "wait_time_s": 30, "classification": "waste",
             "waste_types": ["overprocessing"]}]
    _stream(api, "A complete", [queue, *work], daily_demand=1_000, available_seconds_per_day=27_600)
    _stream(api, "B no demand", [queue, *work], available_seconds_per_day=27_600)
    _stream(api, "C no working day", [queue, *work], daily_demand=1_000)
    _stream(api, "D no day, no inventory", work, daily_demand=1_000)
    ctx = make.acting_as(admin)
    try:
        totals = stream_queries.current_stream_totals()
        streams = list(db.session.scalars(select(ValueStream).order_by(ValueStream.name)))
        assert [t.name for t in totals] == [s.name for s in streams]
        for line, stream in zip(totals, streams, strict=True):
            metrics = compute_metrics(stream_queries.stream_figures(stream, stream_queries.steps_of(stream)))
            assert line.lead_time_s == pytest.approx(metrics.lead_time_s), stream.name
            assert line.lead_time_days == pytest.approx(metrics.lead_time_days), stream.name
            assert line.pce == pytest.approx(metrics.pce) and line.waste_share == pytest.approx(metrics.waste_share)
            assert line.waste_time_by_type == pytest.approx(metrics.waste_time_by_type), stream.name
        complete, no_demand, no_day, no_inventory = totals
        # 7,000 / 1,000 x 27,600 = 193,200 s shared by inventory and waiting; weld 60 s by defects and motion
        assert complete.waste_time_by_type["inventory"] == pytest.approx(96_600)
        assert complete.waste_time_by_type["defects"] == pytest.approx(30)
        assert no_demand.lead_time_s is None and no_demand.waste_time_by_type["inventory"] is None
        assert no_day.day_s is None and no_day.lead_time_days is None and no_day.pce is None
        assert no_inventory.lead_time_s == 180 and no_inventory.lead_time_days is None
    finally:
        ctx.pop()


def test_respondents_counted_from_rated_outcomes_match_the_sql_count(generated):
    """The dashboard counts measured shares' respondents from the outcomes it rated: as SQL counts them."""
    from datetime import date

    from lms.customers.segment_share_queries import respondent_counts
    from lms.lean.segment_shares import count_respondents
    from lms.models import OutcomeRating

    segmented = db.session.scalars(select(OutcomeRating).where(OutcomeRating.segment.is_not(None))
                                   .order_by(OutcomeRating.id)).all()
    assert segmented, "the generated organization rates by segment"
    # A newest rating without a respondent count leaves its outcome out of every segment's count.
    db.session.add(OutcomeRating(outcome_id=segmented[0].outcome_id, rated_on=date(2099, 1, 1), importance=5,
                                 satisfaction=5, respondents=None, segment=segmented[0].segment))
    db.session.commit()
    stacks = load_job_stacks(Job.id.is_not(None), records=False)
    heads = {job.parent_id or job.id for job in stacks.jobs}
    segments = {r.segment for r in segmented} | {"nobody rated as this"}
    counted = respondent_counts(heads, segments)
    assert any(c.left_out for c in counted.values()) and any(c.outcomes for c in counted.values())
    assert count_respondents(stacks.newest_ratings_by_head(), segments) == counted


def test_the_newest_rating_of_each_segment_is_the_latest_day_then_the_latest_entry(generated):
    """The rated outcomes' newest rating per (outcome, segment) agrees with sorting every rating in Python,
    with ties on a day (the later entry wins) and ratings that name no segment (a group of their own)."""
    from datetime import date

    from lms.customers.queries import _outcomes_with_newest
    from lms.customers.schemas import RatingIn
    from lms.customers.services import add_rating
    from lms.models import Outcome, OutcomeRating
    from lms.validation import validate

    outcome = db.session.scalars(select(Outcome).order_by(Outcome.id)).first()
    outcome_id, tie = outcome.id, date(2099, 1, 1)
    # Through the service in the fixture's own context (the Factory would write in another one).
    for satisfaction, segment in ((2.0, None), (3.0, None), (4.0, "enterprise"), (5.0, "enterprise")):
        add_rating(outcome, validate(RatingIn, {"rated_on": tie, "importance": 8.0, "satisfaction": satisfaction,
                                                "segment": segment}))
    newest: dict[tuple[int, str | None], OutcomeRating] = {}
    for rating in db.session.scalars(select(OutcomeRating).order_by(OutcomeRating.rated_on, OutcomeRating.id)):
        newest[rating.outcome_id, rating.segment] = rating
    found = {(fields.id, r.segment): (r.rated_on, r.satisfaction, r.importance, r.respondents)
             for fields, latest in _outcomes_with_newest(Outcome.id.is_not(None)) for r in latest}
    assert found == {key: (r.rated_on, r.satisfaction, r.importance, r.respondents) for key, r in newest.items()}
    assert found[outcome_id, None][:2] == (tie, 3.0) and found[outcome_id, "enterprise"][:2] == (tie, 5.0)


def test_the_totals_of_some_streams_are_theirs_among_every_streams_totals(generated):
    every = stream_queries.current_stream_totals()
    some = {every[0].id, every[-1].id}
    assert len(every) > 2
    assert stream_queries.current_stream_totals(some) == [t for t in every if t.id in some]
