"""One time convention on every page: durations in the stream's working days (issue 14, items 1 and 8).

A day (d) is the stream's working day, its available time per day; a stream without one writes
hours. Forms and step imports take "45 s", "15 min", "2 h", "1.5 d" and plain seconds, and show
stored values back the same way; the API keeps seconds and adds the figures in days.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import Step, ValueStream
from tests.scenarios import map_stamping_line, stamping_shop
from tests.web.test_tables import confirm_form

# The stamping line: a working day of 27,600 s (7 h 40 min), demand 920 a day.
DAY = 27_600


@pytest.fixture()
def shop(make):
    return stamping_shop(make)


@pytest.fixture()
def line(make, shop):
    return map_stamping_line(make, shop)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _step(app, step_id: int) -> Step:
    with app.app_context():
        step = db.session.get(Step, step_id)
        db.session.expunge(step)
        return step


def _step_form(**values) -> dict:
    data = {"name": "Wait for approval", "kind": "process", "job_id": "", "classification": "unclassified",
            "rationale": "", "cycle_time_s": "", "changeover_s": "", "uptime_pct": "", "operators": "",
            "pct_complete_accurate": "", "wait_time_s": "", "inventory_units": "", "owner_id": "",
            "position": ""}
    return data | values


def _new_step(app, stream_id: int) -> Step:
    with app.app_context():
        step = db.session.scalar(select(Step).where(Step.value_stream_id == stream_id)
                                 .order_by(Step.id.desc()).limit(1))
        db.session.expunge(step)
        return step


# Forms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, seconds", [
    # Issue 14, item 1: a 16 h wait had to be typed 57600.
    pytest.param("16 h", 57_600, id="hours"),
    pytest.param("57600", 57_600, id="plain-seconds-still-work"),
    # 1.5 working days of 27,600 s = 41,400 s
    pytest.param("1.5 d", 41_400, id="working-days"),
    pytest.param("1 h 30 min", 5_400, id="combination"),
])
def test_the_step_form_takes_human_durations(login_as, shop, line, app, typed, seconds):
    stream_id, _ = line
    response = login_as(shop.owner).post(f"/value-streams/{stream_id}/steps/new",
                                         data=_step_form(wait_time_s=typed, cycle_time_s="15 min",
                                                         changeover_s="45 s"))
    assert response.status_code == 302, _text(response)
    step = _new_step(app, stream_id)
    assert (step.wait_time_s, step.cycle_time_s, step.changeover_s) == (seconds, 900, 45)


def test_the_edit_form_shows_stored_durations_back_in_words(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    client.post(f"/value-streams/{stream_id}/steps/new", data=_step_form(wait_time_s="57600",
                                                                          cycle_time_s="7200"))
    step = _new_step(app, stream_id)
    page = _text(client.get(f"/value-streams/{stream_id}/steps/{step.id}/edit"))
    # 7,200 s = 2 h; 57,600 s = 2 working days of 27,600 s + 2,400 s = 2 d 40 min (exact, not rounded)
    assert re.search(r'name="cycle_time_s"[^>]*value="2 h"', page)
    assert re.search(r'name="wait_time_s"[^>]*value="2 d 40 min"', page)
    # Saved unchanged, the values stay exactly the same.
    response = client.post(f"/value-streams/{stream_id}/steps/{step.id}/edit", data=_step_form(
        cycle_time_s="2 h", wait_time_s="2 d 40 min", position=str(step.position), version=str(step.version)))
    assert response.status_code == 302
    assert (_step(app, step.id).cycle_time_s, _step(app, step.id).wait_time_s) == (7_200, 57_600)


def test_a_duration_that_cannot_be_read_is_named_with_every_other_error(login_as, shop, line, app):
    stream_id, step_ids = line
    response = login_as(shop.owner).post(f"/value-streams/{stream_id}/steps/new", data=_step_form(
        classification="value-adding", wait_time_s="soon", cycle_time_s="-4 min"))
    page = _text(response)
    assert response.status_code == 422
    assert "Not a duration: &#39;soon&#39;" in page and "A duration cannot be negative." in page
    assert "A value-adding step must serve a customer job." in page
    with app.app_context():
        assert len(db.session.scalars(select(Step).where(Step.value_stream_id == stream_id)).all()) == 5


def test_without_a_working_day_days_are_refused_and_hours_are_shown(make, login_as, shop, app):
    stream_id, _ = map_stamping_line(make, shop, available_seconds_per_day=None)
    client = login_as(shop.owner)
    response = client.post(f"/value-streams/{stream_id}/steps/new", data=_step_form(wait_time_s="2 d"))
    assert response.status_code == 422
    assert "This stream has no working day" in _text(response)
    assert client.post(f"/value-streams/{stream_id}/steps/new",
                       data=_step_form(wait_time_s="36 h")).status_code == 302
    page = _text(client.get(f"/value-streams/{stream_id}"))
    assert "No working day is set: durations are written in hours and minutes." in page
    # 36 h of waiting: written in hours, never "1 d 12 h"
    assert "Waits 36 h but is worked 0 s" in page and "1 d 12 h" not in page


def test_the_stream_form_takes_the_working_day_in_hours_and_shows_it_back(login_as, shop, line, app):
    stream_id, _ = line
    client = login_as(shop.owner)
    page = _text(client.get(f"/value-streams/{stream_id}/edit"))
    assert re.search(r'name="available_seconds_per_day"[^>]*value="7 h 40 min"', page)
    with app.app_context():
        version = db.session.get(ValueStream, stream_id).version
    form = {"name": "Stamped brackets", "state": "current", "daily_demand": "920", "customer_id": "",
            "job_id": "", "owner_id": str(shop.owner.id), "last_walked_on": "", "description": "",
            "version": str(version)}
    refused = client.post(f"/value-streams/{stream_id}/edit", data=form | {"available_seconds_per_day": "1 d"})
    assert refused.status_code == 422 and "This is the length of the working day itself" in _text(refused)
    saved = client.post(f"/value-streams/{stream_id}/edit", data=form | {"available_seconds_per_day": "7 h 30 min"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(ValueStream, stream_id).available_seconds_per_day == 27_000


# Pages -----------------------------------------------------------------------------------------


def test_the_step_page_writes_the_stream_day_and_durations_in_it(login_as, shop, line):
    stream_id, step_ids = line
    page = _text(login_as(shop.owner).get(f"/value-streams/{stream_id}/steps/{step_ids[1]}"))
    # The coils: 4,600 units / 920 a day = 5 days of demand = 138,000 s = 5 working days
    assert "1 d = one working day of 7 h 40 min." in page
    assert "0 s processing + 5 d waiting" in page
    assert "Holds 4,600 units, 5 d of demand" in page and "Waits 5 d but is worked 0 s" in page


def test_the_dashboard_writes_lead_times_in_each_streams_working_days(make, login_as, shop, line):
    map_stamping_line(make, shop, name="Night shift", available_seconds_per_day=None)
    page = _text(login_as(shop.admin).get("/"))
    # Stamped brackets: 171,686 s = 6 d 2 h on its 7 h 40 min day (the dashboard read "6.2 d").
    assert re.search(r"Stamped brackets</a>.*?<td class=\"num\">6 d 2 h</td>", page, re.S)
    # Night shift has no working day: its stock cannot be timed, so its lead time is incomplete, never
    # counted in 24-hour days.
    night = re.search(r"Night shift</a>.*?</tr>", page, re.S).group(0)
    assert ">incomplete</span>" in night and " d<" not in night


def test_a_review_writes_its_figures_in_working_days_and_share_changes_in_points(make, api_as, login_as,
                                                                                    shop, line, app):
    stream_id, step_ids = line
    api = api_as(shop.manager)
    review = api.post("/reviews", json={"value_stream_id": stream_id, "kind": "kaizen-event",
                                        "held_on": "2026-11-02"}).get_json()
    assert api.patch(f"/reviews/{review['id']}", json={"status": "open", "version": 1}).status_code == 200
    # The kaizen removes the coils' stock: lead time 171,686 s -> 33,686 s.
    api.patch(f"/steps/{step_ids[1]}", json={"inventory_units": 0})
    page = _text(login_as(shop.manager).get(f"/reviews/{review['id']}"))
    # Before: 6 d 2 h; now 33,686 s = 1 d 6,086 s (1 h 41 min) -> 1 d 2 h; change -138,000 s = -5 d.
    row = re.search(r"<th scope=\"row\">Lead time</th>(.*?)</tr>", page, re.S).group(1)
    assert "6 d 2 h" in row and "1 d 2 h" in row and "−5 d" in row
    # PCE: 86 s of value-added work / 171,686 s = 0.050 % -> 86 / 33,686 = 0.255 %: +0.205 points,
    # written in points (item 8), not "+0.21 %".
    pce = re.search(r"Process cycle efficiency \(PCE\)</th>(.*?)</tr>", page, re.S).group(1)
    assert '<td class="num">+0.21 pp</td>' in pce


# Imports -----------------------------------------------------------------------------------------


def test_a_step_import_takes_human_durations_and_refuses_what_it_cannot_read(login_as, shop, line, app):
    stream_id, _ = line
    client = login_as(shop.owner)

    def upload(rows):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return client.post("/transfer/steps/import", data={
            "steps-record_id": str(stream_id), "steps-table": (io.BytesIO(buffer.getvalue().encode()), "s.csv")},
            content_type="multipart/form-data")

    bad = upload([["name", "cycle_time_s", "wait_time_s"], ["Quote", "15 min", "2 d"], ["Call", "soon", "-1 h"]])
    assert bad.status_code == 422
    page = _text(bad)
    assert "Not a duration: &#39;soon&#39;" in page and "A duration cannot be negative." in page
    good = upload([["name", "cycle_time_s", "changeover_s", "wait_time_s"],
                   ["Quote", "15 min", "45 s", "1.5 d"], ["Call", "600", "", "2 h"]])
    assert good.status_code == 200  # the preview: nothing written until confirmed
    assert client.post("/transfer/steps/confirm", data=confirm_form(_text(good))).status_code == 302
    with app.app_context():
        added = db.session.scalars(select(Step).where(Step.value_stream_id == stream_id, Step.position > 5)
                                   .order_by(Step.position)).all()
        # 1.5 working days of 27,600 s = 41,400 s
        assert [(s.cycle_time_s, s.changeover_s, s.wait_time_s) for s in added] == [
            (900, 45, 41_400), (600, None, 7_200)]


# The API ----------------------------------------------------------------------------------------


def test_the_api_keeps_seconds_and_adds_working_days(make, api_as, shop, line):
    stream_id, step_ids = line
    api = api_as(shop.owner)
    metrics = api.get(f"/value-streams/{stream_id}/metrics").get_json()
    assert metrics["processing_time_s"] == 86 and metrics["working_day_s"] == DAY
    assert metrics["processing_time_days"] == pytest.approx(86 / DAY)
    assert metrics["takt_time_days"] == pytest.approx(30 / DAY)
    # The coils and the welded parts: 138,000 + 33,000 s = 171,000 s of inventory = 6.196 working days
    assert metrics["waste_days_by_type"]["inventory"] == pytest.approx(171_000 / DAY)
    step = api.get(f"/steps/{step_ids[2]}").get_json()
    assert step["wait_time_s"] == 600 and step["wait_time_days"] == pytest.approx(600 / DAY)
    assert step["changeover_days"] is None  # no changeover entered

    other, other_steps = map_stamping_line(make, shop, name="No day", available_seconds_per_day=None)
    metrics = api.get(f"/value-streams/{other}/metrics").get_json()
    assert metrics["working_day_s"] is None and metrics["processing_time_days"] is None
    assert metrics["processing_time_s"] == 86
    assert api.get(f"/steps/{other_steps[2]}").get_json()["wait_time_days"] is None
