"""`lms generate`: deterministic synthetic organizations of any size, loaded in bulk."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from lms.cli import cli
from lms.extensions import db
from lms.models import Kpi, KpiMeasurement, KpiOutcomeLink, Organization, Review, Step, ValueStream


def _fingerprint(org_id: int) -> tuple:
    steps = db.session.execute(
        select(Step.position, Step.name, Step.cycle_time_s, Step.classification)
        .where(Step.organization_id == org_id).order_by(Step.id)).all()
    values = db.session.scalars(
        select(KpiMeasurement.value).where(KpiMeasurement.organization_id == org_id)
        .order_by(KpiMeasurement.id)).all()
    return tuple(steps), tuple(values)


def test_generate_makes_the_requested_size_deterministically(app, database):
    runner = app.test_cli_runner()
    for slug in ("one", "two"):
        runner.invoke(cli, ["create-org", slug.title(), "--slug", slug])
        result = runner.invoke(cli, ["generate", "--org", slug, "--value-streams", "3", "--steps", "5",
                                     "--kpis", "7", "--weeks", "9", "--seed", "42", "--as-of", "2026-11-01"])
        assert result.exit_code == 0, result.output
        assert "Made" in result.output
    with app.app_context():
        orgs = {slug: db.session.scalar(select(Organization.id).where(Organization.slug == slug))
                for slug in ("one", "two")}
        one = orgs["one"]
        count = lambda model: db.session.scalar(select(func.count(model.id)).where(model.organization_id == one))  # noqa: E731
        assert count(ValueStream) == 3
        assert count(Step) == 15
        assert count(Kpi) == 7
        assert count(KpiMeasurement) == 63
        assert count(Review) == 7  # 2.5 per stream
        positions = db.session.execute(select(Step.value_stream_id, func.max(Step.position), func.count())
                                       .where(Step.organization_id == one).group_by(Step.value_stream_id)).all()
        assert all(top == 5 and n == 5 for _, top, n in positions)
        newest = db.session.scalar(select(func.max(KpiMeasurement.measured_on)).where(KpiMeasurement.organization_id == one))
        assert newest == date(2026, 11, 1)
        orphan_kpis = count(Kpi) - db.session.scalar(select(func.count(func.distinct(KpiOutcomeLink.kpi_id)))
                                                     .where(KpiOutcomeLink.organization_id == one))
        assert orphan_kpis >= 1
        assert _fingerprint(one) == _fingerprint(orgs["two"])
        # Value-adding steps always serve a job: the rule holds in generated data too.
        assert not db.session.scalar(select(func.count(Step.id)).where(
            Step.classification == "value-adding", Step.job_id.is_(None)))


def test_generate_for_an_unknown_organization_fails_cleanly(app, database):
    result = app.test_cli_runner().invoke(cli, ["generate", "--org", "missing"])
    assert result.exit_code != 0 and "No organization" in result.output


def test_generate_rates_by_segment_and_measures_circumstances_from_them(app, database):
    from lms import tenancy
    from lms.customers.circumstance_queries import load_circumstances
    from lms.models import Circumstance, OutcomeRating

    runner = app.test_cli_runner()
    runner.invoke(cli, ["create-org", "Seg", "--slug", "seg"])
    result = runner.invoke(cli, ["generate", "--org", "seg", "--value-streams", "6", "--steps", "4", "--kpis", "2",
                                 "--weeks", "4", "--cases", "15", "--seed", "5", "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.slug == "seg"))
        tenancy.scope_to(org)
        segments = set(db.session.scalars(select(OutcomeRating.segment).distinct()))
        assert segments == {None, "enterprise", "mid-market", "small business"}
        assert db.session.scalar(select(func.count(Circumstance.id)).where(Circumstance.segment.is_not(None)))
        rows = [row for rows in load_circumstances().values() for row in rows if row.segment]
        # The events name the small businesses too: their cases measure the share.
        assert rows and all(row.share is not None and row.measured.source == "events" for row in rows)
        assert all(0 < row.share < 1 for row in rows)
