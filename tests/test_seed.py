"""``lms seed-demo``: the demo organization from seed_data/, loaded once, dated relative to today."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, timedelta

import pytest
import yaml
from sqlalchemy import func, select

from lms import tenancy
from lms.admin.services import organization_by_slug
from lms.cli import cli
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.models import (
    Action,
    Customer,
    Job,
    Kpi,
    KpiMeasurement,
    Organization,
    Outcome,
    OutcomeRating,
    Review,
    Step,
    User,
    ValueStream,
)
from lms.seed import SEED_DIR, build_document, expand_series, resolve_date, resolve_dates, seed_demo

COUNTED = (Organization, User, Customer, Job, Outcome, OutcomeRating, ValueStream, Step, Kpi,
           KpiMeasurement, Review, Action)


def _seed(app):
    result = app.test_cli_runner().invoke(cli, ["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count(m.id)).execution_options(all_organizations=True))
            for m in COUNTED}


def _job(statement: str) -> Job:
    return db.session.scalar(select(Job).where(Job.statement == statement))


def _related(job: Job) -> dict[str, Job]:
    return {j.statement: j for j in db.session.scalars(select(Job).where(Job.parent_id == job.id))}


def test_seeding_an_empty_database_makes_the_demo_organization(app, database):
    # Imported here: these packages need the app's blueprints imported first.
    from lms.customers.queries import jobs_of_customer, stack_of
    from lms.customers.segment_queries import segment_callouts
    from lms.kpis.drift_queries import assess_organization
    from lms.reviews.schemas import is_overdue

    output = _seed(app)
    assert "Demo organization 'demo' loaded" in output
    assert "admin@demo.lms" in output and "lean-demo-2026" in output
    with app.app_context():
        org = organization_by_slug("demo")
        assert org.name == "Northwind Equipment Repair"
        tenancy.scope_to(org.id)
        customers = list(db.session.scalars(select(Customer)))
        kinds = Counter(c.kind for c in customers)
        assert kinds["external"] >= 2 and kinds["internal"] >= 2
        finance = next(c for c in customers if c.name == "Finance")
        assert db.session.get(ValueStream, finance.value_stream_id).name == "Purchase-order approval"
        assert db.session.scalar(select(func.count(ValueStream.id))) >= 4
        future = db.session.scalar(select(ValueStream).where(ValueStream.state == "future"))
        assert db.session.get(ValueStream, future.derived_from_id).name == "Pump repair"

        # Improve a credit score: pay a bill (required, served); two optional jobs for some circumstances.
        credit = _job("Improve a credit score")
        related = credit_related = _related(credit)
        assert related["Pay a bill"].necessity == "required"
        for optional in ("Reduce credit-card debt", "Apply for a new line of credit"):
            assert related[optional].necessity == "optional" and related[optional].circumstance
        credit_stack = stack_of(credit).analysis
        assert credit_stack.capable and not credit_stack.gaps

        # Improve cardio conditioning: one interchangeable group; back problems rule out running.
        cardio = _job("Improve cardio conditioning")
        related = _related(cardio)
        assert {j.statement for j in related.values() if j.necessity == "interchangeable"} == {
            "Run on a treadmill", "Cycle on an exercise bike", "Swim for fitness"}
        assert len({j.interchangeable_group for j in related.values()}) == 1
        assert "back problems" in related["Run on a treadmill"].circumstance
        assert stack_of(cardio).analysis.capable

        # Circumstances: high card debt and a thin credit file each need an optional job no step serves,
        # so the credit-score stack covers 1 − 0.3 − 0.15 = 55 % of the homeowners; back problems rule
        # running out, but a bike is served, so the cardio stack covers all members.
        from lms.customers.circumstance_queries import stack_with_circumstances
        from lms.dashboard.queries import build_dashboard
        _, credit_circumstances = stack_with_circumstances(credit)
        assert [(row.name, analysis.capable, analysis.gaps) for row, analysis in credit_circumstances.items] == [
            ("a thin credit file", False, [credit_related["Apply for a new line of credit"].id]),
            ("high card debt", False, [credit_related["Reduce credit-card debt"].id])]
        assert credit_circumstances.coverage.share == 0.55
        _, cardio_circumstances = stack_with_circumstances(cardio)
        assert [a.capable for _, a in cardio_circumstances.items] == [True]
        assert cardio_circumstances.coverage.share == 1.0
        uncovered = build_dashboard(org).uncovered
        assert [c.name for c in uncovered.shown] == ["high card debt", "a standby pump on hire",
                                                    "a first repair with Northwind",
                                                    "a thin credit file"]  # largest share first
        # A first repair: its share measured from the new customers' ratings of the water-supply stack -
        # they rated one outcome, 30 of its 120 + 30 respondents (the events name other segments).
        water = _job("Restore the home's water supply after the well pump fails")
        _, water_circumstances = stack_with_circumstances(water)
        [(first_repair, analysis)] = water_circumstances.items
        assert (first_repair.share, first_repair.share_source, analysis.capable) == (0.2, "measured", False)
        assert first_repair.share_basis.startswith("30 of 150 respondents (20 %) on 1 outcome, ratings up to ")
        assert water_circumstances.coverage.share == 0.8
        # The purchase-order approval stream serves planning's stack: its review's agenda names the gap.
        from lms.reviews.queries import agenda_of
        approval = db.session.scalar(select(Review).join(ValueStream, ValueStream.id == Review.value_stream_id)
                                     .where(ValueStream.name == "Purchase-order approval"))
        with app.test_request_context():
            from flask import g
            g.admitted = True  # as the boundary marks a request it lets through: the agenda reads kept counts
            tenancy.scope_to(org.id)
            items = [i for i in agenda_of(approval) if i.kind == "circumstance-gap"]
        assert [i.title for i in items] == ["Members with “a standby pump on hire” (25 %)"]
        assert "'Track the delivery date of the parts', which they need" in items[0].detail

        # Market a webinar: the cobbled-together stack has no sign-up form - a job gap.
        webinar = _job("Market a webinar")
        analysis = stack_of(webinar).analysis
        assert not analysis.capable
        assert _job("Create a sign-up form").id in analysis.gaps
        assert analysis.struggles[0].cause == "not-capable"

        # Segments: new customers are underserved on getting a repair date where all households are not.
        homeowners = next(c for c in customers if c.name == "Individual homeowners")
        [callout] = segment_callouts(jobs_of_customer(homeowners.id).all_outcomes())
        assert callout.message == ("New customers are underserved on “Minimize the time it takes to get a "
                                   "repair date” (opportunity 13.1 vs 9.7 overall)")

        statuses = Counter(drift.status for _, drift in assess_organization(org))
        assert statuses["diverging"] >= 2 and statuses["orphan"] >= 2
        assert statuses["stale"] >= 1 and statuses["measures-waste"] >= 1
        assert statuses["insufficient-data"] >= 1 and statuses["aligned"] >= 1
        assert statuses["worsening"] >= 1 and statuses["inconclusive"] >= 1  # every status shows

        # Customer First: Pump repair gains at Finance's cost; the repair report is overserved work.
        from lms.customer_first.radar_queries import build_radar
        from lms.customer_first.stop_doing_queries import candidate_page
        alerts = {(e.upstream_name, e.customer_name): e.verdict.sentence
                  for e in build_radar(org, date.today()) if e.status == "alert"}
        assert "'Repairs closed per technician-day' +" in alerts[("Pump repair", "Finance")]
        assert "'Minimize the number of job cards missing parts or hours' 1.4 points lower" in \
            alerts[("Pump repair", "Finance")]
        stop = {line.step_name: line for line in candidate_page(1, 50).items}
        report = stop["Write the detailed repair report"]
        assert (report.importance, report.satisfaction, report.per_unit_s) == (4.3, 7.8, 5400)

        closed = db.session.scalar(select(Review).where(Review.status == "closed"))
        assert closed.kind == "kaizen-event"
        assert closed.snapshot_open and closed.snapshot_close
        assert closed.snapshot_open["lead_time_s"] > closed.snapshot_close["lead_time_s"]
        stream_steps = set(db.session.scalars(select(Step.id).where(Step.value_stream_id == closed.value_stream_id)))
        assert closed.snapshot_close["over_takt_step_ids"]
        assert set(closed.snapshot_close["over_takt_step_ids"]) <= stream_steps
        stages = Counter(a.stage for a in closed.actions)
        assert len(stages) >= 4 and any(a.stage == "done" and a.observed_result for a in closed.actions)
        assert any(is_overdue(a.due_on, a.stage) for a in closed.actions)
        assert db.session.scalar(select(Review).where(Review.status == "open")).snapshot_open


def test_a_second_run_changes_nothing(app, database):
    _seed(app)
    with app.app_context():
        before = _counts()
    output = _seed(app)
    assert "already there; nothing changed" in output and "admin@demo.lms" in output
    with app.app_context():
        assert _counts() == before


def test_relative_dates_resolve_against_today(app, database):
    today = date(2026, 3, 15)
    assert resolve_date("today-14d", today) == "2026-03-01"
    assert resolve_date("today-26w", today) == (today - timedelta(weeks=26)).isoformat()
    assert resolve_date("today+3d", today) == "2026-03-18"
    assert resolve_date("today", today) == "2026-03-15"
    assert resolve_date("today-10w 08:00", today) == "2026-01-04T08:00:00"
    assert resolve_date("Remind them today", today) is None
    assert resolve_dates({"a": ["today-1d", 3, "text"], "b": date(2026, 1, 2)}, today) == {
        "a": ["2026-03-14", 3, "text"], "b": "2026-01-02"}
    # The demo's dates follow the day it is built.
    doc = build_document(today=today)
    assert doc["outcomes"][0]["ratings"][-1]["rated_on"] == (today - timedelta(weeks=3)).isoformat()
    # ... and the day it is seeded.
    _seed(app)
    with app.app_context():
        tenancy.scope_to(organization_by_slug("demo").id)
        newest = db.session.scalar(select(func.max(OutcomeRating.rated_on)))
        assert newest == date.today() - timedelta(weeks=3)


def test_measurement_series_are_weekly_and_deterministic():
    spec = {"last": "2026-03-15", "start": 10, "weeks": 5, "weekly_change_pct": 10, "noise_pct": 0,
            "notes": {4: "newest"}}
    rows = expand_series(spec, date(2030, 1, 1))
    assert [r["measured_on"] for r in rows] == ["2026-02-15", "2026-02-22", "2026-03-01", "2026-03-08",
                                                "2026-03-15"]
    assert [r["value"] for r in rows] == [10.0, 11.0, 12.1, 13.3, 14.6]
    assert rows[-1]["note"] == "newest" and rows[0]["note"] == ""
    noisy = {"start": 5, "phases": [{"weeks": 3, "weekly_change_pct": 0}, {"weeks": 2, "weekly_change_pct": 5}],
             "noise_pct": 3, "seed": 7}
    assert expand_series(noisy, date(2026, 3, 15)) == expand_series(noisy, date(2026, 3, 15))
    assert len(expand_series(noisy, date(2026, 3, 15))) == 5


def test_a_broken_seed_file_writes_nothing(app, database, tmp_path):
    seed_dir = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed_dir)
    kpis = yaml.safe_load((seed_dir / "kpis.yaml").read_text(encoding="utf-8"))
    kpis["kpis"][0]["outcome_links"][0]["outcome"] = 999
    (seed_dir / "kpis.yaml").write_text(yaml.safe_dump(kpis), encoding="utf-8")
    with app.app_context(), pytest.raises(ValidationFailed) as failed:
        seed_demo(seed_dir)
    assert "kpis.0.outcome_links.0.outcome" in failed.value.fields
    with app.app_context():
        assert organization_by_slug("demo") is None
