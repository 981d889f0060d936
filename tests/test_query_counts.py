"""The main pages and API reads run a fixed number of queries, whatever the organization's size.

Two organizations are generated, one several times the other; each read is counted on both
(with the content cache off, so the counts are the computation's own). A read whose count grows
with the data has an N+1 query.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from lms.cli import cli
from lms.extensions import db
from lms.models import Customer, Job, Kpi, Organization, Review, Step, ValueStream
from tests.conftest import login

SIZES = {"small": ["--value-streams", "2", "--steps", "4", "--kpis", "3", "--weeks", "12"],
         "large": ["--value-streams", "6", "--steps", "12", "--kpis", "12", "--weeks", "40"]}
READS = [
    ("api", "/api/v1/value-streams/{stream}/metrics"),
    ("api", "/api/v1/value-streams/{stream}/steps"),
    ("api", "/api/v1/kpis/{kpi}/drift"),
    ("api", "/api/v1/kpis?per_page=50"),
    ("api", "/api/v1/jobs/{job}/stack"),
    ("api", "/api/v1/customers/{customer}/segments"),
    ("api", "/api/v1/outcomes?customer_id={customer}&per_page=50"),
    ("api", "/api/v1/value-streams"),
    ("api", "/api/v1/reviews"),
    ("api", "/api/v1/suboptimization"),
    ("api", "/api/v1/stop-doing"),
    ("page", "/"),
    ("page", "/value-streams/"),
    ("page", "/value-streams/{stream}"),
    ("page", "/value-streams/{stream}/steps/{step}"),
    ("page", "/customers/"),
    ("page", "/customers/{customer}"),
    ("page", "/kpis/"),
    ("page", "/kpis/{kpi}"),
    ("page", "/reviews/"),
    ("page", "/reviews/{review}"),
    ("page", "/history/"),
    ("page", "/stop-doing"),
    ("page", "/suboptimization"),
]


@pytest.fixture()
def organizations(app, make):
    found = {}
    for size, args in SIZES.items():
        org = make.org(size.title(), size)
        admin = make.user(org, "admin")
        result = app.test_cli_runner().invoke(cli, ["generate", "--org", size, *args, "--seed", "5"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            one = lambda model, *where: db.session.scalar(  # noqa: E731
                select(model.id).where(model.organization_id == org.id, *where).order_by(model.id).limit(1)
                .execution_options(all_organizations=True))
            stream = one(ValueStream)
            ids = {"stream": stream, "kpi": one(Kpi), "job": one(Job, Job.parent_id.is_(None)),
                   "customer": one(Customer),
                   "review": one(Review), "step": one(Step, Step.value_stream_id == stream)}
            assert db.session.get(Organization, org.id) is not None
        found[size] = (admin, ids)
    return found


def _statements(app, call) -> int:
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, response.status_code
    return len(seen)


def test_main_reads_do_not_grow_with_the_data(app, organizations, api_as):
    counts: dict[str, dict[str, int]] = {}
    for size, (admin, ids) in organizations.items():
        api = api_as(admin)
        client = app.test_client()
        login(client, admin)
        for kind, template in READS:
            path = template.format(**ids)
            call = (lambda p=path: api.get(p.removeprefix("/api/v1"))) if kind == "api" else (
                lambda p=path: client.get(p))
            call()  # warm: the first read of a process may load lazily imported things
            counts.setdefault(template, {})[size] = _statements(app, call)
    # Equal, or fewer where the larger one lacks an optional part (e.g. an orphan KPI reads no ratings).
    grown = {path: c for path, c in counts.items() if c["large"] > c["small"]}
    assert grown == {}, grown


# The computations behind the heaviest reads, counted on their own (whoever signs in and however a
# request is served): each is a fixed number of statements, these many at most.
# The dashboard's 15th: every circumstance of the organization with the jobs it names (lms.dashboard.circumstance_queries).
# The dashboard's Customer First block adds 5: the radar's structure, the window's recorded figures and
# the outcomes' moves (kept across writes to other tables); the stop-doing head's serving steps per job
# and its first steps.
# Then which KPIs measure a step tagged waste, the key of the drift kept across other writes.
# The outcomes come with the newest rating of each segment in one statement (one fewer for each).
# Then the circumstances' shares measured from segments, their cases (lms.customers.segment_share_queries; run
# with or without segments, so the count does not depend on the data); the dashboard counts their respondents
# from the outcomes it has rated (one fewer).
COMPUTATIONS = {"dashboard": 21, "customer figures": 3, "drift of a page of KPIs": 4, "drift of one KPI": 4}


def _computations(organization: Organization) -> dict:
    from lms.customers.page_queries import customer_figures
    from lms.dashboard.queries import build_dashboard
    from lms.kpis.drift_queries import assess_kpi, assess_kpis
    from lms.models import Customer

    kpis = list(db.session.scalars(select(Kpi).order_by(Kpi.id)))
    customers = list(db.session.scalars(select(Customer.id)))
    return {"dashboard": lambda: build_dashboard(organization),
            "customer figures": lambda: customer_figures(customers),
            "drift of a page of KPIs": lambda: assess_kpis(kpis),
            "drift of one KPI": lambda: assess_kpi(kpis[0])}


def test_the_heaviest_computations_read_a_fixed_number_of_statements(app, organizations, make):
    counts: dict[str, dict[str, int]] = {}
    for size, (admin, _ids) in organizations.items():
        ctx = make.acting_as(admin)
        try:
            engine = db.engine
            for name, compute in _computations(db.session.get(Organization, admin.organization_id)).items():
                seen = []
                listener = lambda *args: seen.append(1)  # noqa: E731
                event.listen(engine, "before_cursor_execute", listener)
                try:
                    compute()
                finally:
                    event.remove(engine, "before_cursor_execute", listener)
                counts.setdefault(name, {})[size] = len(seen)
        finally:
            ctx.pop()
    assert all(counts[name][size] <= most for name, most in COMPUTATIONS.items() for size in SIZES), counts
