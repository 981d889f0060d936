"""A circumstance's share measured from a segment on the pages: the select of known segments, the basis shown."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import Circumstance
from tests.web.test_circumstances import admin, cardio, org  # noqa: F401


@pytest.fixture()
def rated(make, admin, cardio):  # noqa: F811
    """Members rated the stack's outcome by segment: 20 with back problems of 100."""
    outcome = make.outcome(admin, cardio["high"], "Minimize the visits in vain")
    for segment, respondents in (("Back problems", 20), ("Everyone else", 80)):
        make.rating(admin, outcome, date(2026, 9, 1), importance=7.0, satisfaction=4.0, respondents=respondents,
                    segment=segment)
    return cardio


def _saved(app) -> list[tuple]:
    with app.app_context():
        return [(c.name, c.share, c.segment)
                for c in db.session.scalars(select(Circumstance).execution_options(all_organizations=True))]


def test_the_form_offers_the_customers_segments_and_the_page_shows_the_measured_share(
        app, client, login_as, admin, rated):  # noqa: F811
    login_as(admin)
    url = f"/customers/jobs/{rated['high']}/circumstances/new"
    form = client.get(url).get_data(as_text=True)
    assert '<option value="Back problems">Back problems</option>' in form
    assert '<option value="Everyone else">Everyone else</option>' in form
    answer = client.post(url, data={"name": "back problems", "segment": "Back problems",
                                    "rules_out_job_ids": [str(rated["run"])]})
    assert answer.status_code == 302
    assert _saved(app) == [("back problems", None, "Back problems")]
    page = client.get(f"/customers/{rated['customer']}").get_data(as_text=True)
    assert "20 % measured" in page
    assert ("Segment “Back problems”: 20 of 100 respondents (20 %) on 1 outcome, ratings up to 2026-09-01."
            in page)
    # Only running is served, which they cannot use: the coverage names the measured share.
    assert "not for members with &#39;back problems&#39; (20 %, measured)" in page
    edit = client.get(f"/customers/circumstances/{_id(app)}/edit").get_data(as_text=True)
    assert '<option selected value="Back problems">' in edit
    assert "Its share now: 20 % measured from “Back problems” (20 of 100 respondents" in edit


def test_a_segment_and_a_share_together_or_an_unknown_segment_keep_the_form(
        app, client, login_as, admin, rated):  # noqa: F811
    login_as(admin)
    url = f"/customers/jobs/{rated['high']}/circumstances/new"
    both = client.post(url, data={"name": "back problems", "segment": "Back problems", "share": "20"})
    assert both.status_code == 422
    assert "The share is measured from the segment" in both.get_data(as_text=True)
    unknown = client.post(url, data={"name": "back problems", "segment": "Knee problems"})
    assert unknown.status_code == 422 and "Not a valid choice" in unknown.get_data(as_text=True)
    assert _saved(app) == []


def _id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Circumstance.id).execution_options(all_organizations=True))


def test_the_form_offers_the_segments_the_customers_event_logs_name(
        client, login_as, make, admin, cardio):  # noqa: F811
    from lms.flow.load_services import load
    from lms.flow.log_files import LogEvent
    from lms.models import ValueStream

    ctx = make.acting_as(admin)
    try:
        stream = ValueStream(organization_id=admin.organization_id, name="Club floor",
                             customer_id=cardio["customer"])
        db.session.add(stream)
        db.session.flush()
        event = LogEvent(1, "c1", "Check in", datetime(2026, 11, 2, 9), "complete", segment="Walk-ins")
        assert not load(stream, [event]).errors
        db.session.commit()
    finally:
        ctx.pop()
    login_as(admin)
    form = client.get(f"/customers/jobs/{cardio['high']}/circumstances/new").get_data(as_text=True)
    assert '<option value="Walk-ins">Walk-ins</option>' in form
