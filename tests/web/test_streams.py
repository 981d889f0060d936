"""Value-stream pages: the list, the stream page with its map, steps, tagging in place, charts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from lms.db import utcnow
from lms.extensions import db
from lms.models import AuditEvent, Organization, Step, ValueStream
from tests.conftest import login
from tests.pictures import png_size, svg_size
from tests.rows import count, positions
from tests.scenarios import map_stamping_line, stamping_shop


@pytest.fixture()
def shop(make, app):
    return stamping_shop(make)


@pytest.fixture()
def line(make, shop):
    return map_stamping_line(make, shop)


def _step(app, step_id):
    with app.app_context():
        return db.session.get(Step, step_id)


def _text(response) -> str:
    return response.get_data(as_text=True)


# The list --------------------------------------------------------------------------------


def test_empty_list_says_so_and_offers_to_map(login_as, shop):
    page = _text(login_as(shop.owner).get("/value-streams/"))
    assert "No value streams yet" in page and 'href="/value-streams/new"' in page


def test_viewer_is_not_offered_to_map_a_stream(login_as, shop, line):
    client = login_as(shop.viewer)
    assert 'href="/value-streams/new"' not in _text(client.get("/value-streams/"))
    assert client.get("/value-streams/new").status_code == 403


def test_list_shows_each_streams_figures_and_staleness(login_as, shop, line):
    stream_id, _ = line
    response = login_as(shop.viewer).get("/value-streams/")
    page = _text(response)
    assert response.status_code == 200
    assert f'href="/value-streams/{stream_id}"' in page and "Stamped brackets" in page
    assert "Acme assembly plant" in page and shop.owner.email in page
    assert "0.05 %" in page        # PCE 86 / 171,686 s
    assert "6 d 2 h" in page       # 171,686 s = 6 working days of 27,600 s + 6,086 s (1 h 41 min)
    assert "99.6 %" in page        # waste share: 171,000 of 171,686 s in the two inventories
    assert "never walked" in page  # nobody confirmed the map on the floor yet


def test_stale_maps_are_marked_by_the_organizations_setting(login_as, make, shop, line, app):
    stream_id, _ = line
    with app.app_context():
        stream = db.session.get(ValueStream, stream_id)
        stream.last_walked_on = utcnow().date() - timedelta(days=40)
        db.session.get(Organization, shop.org.id).map_stale_days = 30
        db.session.commit()
    client = login_as(shop.owner)
    assert "stale: walked 40 days ago" in _text(client.get("/value-streams/"))
    assert "Stale map:" in _text(client.get(f"/value-streams/{stream_id}"))
    response = client.post(f"/value-streams/{stream_id}/walked")
    assert response.status_code == 302
    assert "walked today" in _text(client.get("/value-streams/"))
    with app.app_context():
        stream = db.session.get(ValueStream, stream_id)
        assert stream.last_walked_on == utcnow().date() and stream.last_walked_by_id == shop.owner.id
        walk = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "walk"))
        assert walk.before["last_walked_on"] == (utcnow().date() - timedelta(days=40)).isoformat()


def test_list_issues_the_same_number_of_queries_for_3_or_12_streams(app, make, shop, login_as):
    client = login_as(shop.manager)

    def statements_for_list() -> tuple[str, int]:
        seen: list[str] = []

        def listen(_conn, _cursor, statement, *_args):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", listen)
        try:
            page = _text(client.get("/value-streams/"))
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        return page, len(seen)

    for i in range(3):
        map_stamping_line(make, shop, owner=(shop.owner, shop.other_owner)[i % 2], name=f"Line {i:02d}")
    page, three = statements_for_list()
    assert page.count('class="badge stale"') == 3
    for i in range(3, 12):
        map_stamping_line(make, shop, owner=(shop.owner, shop.other_owner)[i % 2], name=f"Line {i:02d}")
    page, twelve = statements_for_list()
    assert all(f"Line {i:02d}" in page for i in range(12))
    assert twelve == three


# Creating and editing a stream -----------------------------------------------------------


def test_owner_maps_a_stream_through_the_form(login_as, shop, app):
    client = login_as(shop.owner)
    form = _text(client.get("/value-streams/new"))
    assert 'name="daily_demand"' in form and "Acme assembly plant" in form
    response = client.post("/value-streams/new", data={
        "name": "Quote to order", "customer_id": str(shop.customer_id), "job_id": str(shop.job_id),
        "owner_id": str(shop.owner.id), "daily_demand": "12", "available_seconds_per_day": "28800",
        "state": "current", "description": ""})
    assert response.status_code == 302
    with app.app_context():
        stream = db.session.scalar(select(ValueStream))
        assert (stream.name, stream.owner_id, stream.daily_demand) == ("Quote to order", shop.owner.id, 12)
    assert "Quote to order" in _text(client.get(response.headers["Location"]))


@pytest.mark.parametrize("field, value, message", [
    ("daily_demand", "-3", "greater than 0"),
    ("daily_demand", "nan", "Enter a finite number."),
    ("available_seconds_per_day", "100000", "less than or equal to 86400"),
    ("name", "", "at least 1 character"),
])
def test_invalid_stream_form_is_422_with_the_message_and_saves_nothing(login_as, shop, app, field, value,
                                                                        message):
    data = {"name": "Quote to order", "state": "current", "customer_id": "", "job_id": "", "owner_id": "",
            "daily_demand": "", "available_seconds_per_day": "", field: value}
    response = login_as(shop.manager).post("/value-streams/new", data=data)
    assert response.status_code == 422
    assert message in _text(response) and f'id="{field}-error"' in _text(response)
    assert count(app, ValueStream) == 0


def test_edit_stream_with_stale_version_is_refused(login_as, shop, line, app):
    stream_id, _ = line
    client = login_as(shop.owner)
    data = {"name": "Renamed", "state": "current", "customer_id": str(shop.customer_id),
            "job_id": str(shop.job_id), "owner_id": str(shop.owner.id), "daily_demand": "920",
            "available_seconds_per_day": "27600", "version": "1"}
    response = client.post(f"/value-streams/{stream_id}/edit", data=data)
    assert response.status_code == 409 and "changed this record meanwhile" in _text(response)
    with app.app_context():
        current = db.session.get(ValueStream, stream_id)
        assert current.name == "Stamped brackets"
        data["version"] = str(current.version)
    assert client.post(f"/value-streams/{stream_id}/edit", data=data).status_code == 302
    assert "Renamed" in _text(client.get(f"/value-streams/{stream_id}"))


# The stream page -------------------------------------------------------------------------


def test_stream_page_shows_figures_map_steps_flags_and_charts(login_as, shop, line):
    stream_id, step_ids = line
    page = _text(login_as(shop.owner).get(f"/value-streams/{stream_id}"))
    assert "<h1>Stamped brackets" in page
    assert f'src="/value-streams/{stream_id}/map.svg"' in page and 'alt="Value-stream map of Stamped brackets' in page
    assert f'src="/value-streams/{stream_id}/takt.svg"' in page and "2 steps over takt." in page
    assert f'src="/value-streams/{stream_id}/pareto.svg"' in page and "inventory 6 d 2 h" in page
    for chart, name in (("map", "value-stream map"), ("takt", "takt chart"), ("pareto", "waste Pareto")):
        assert f'href="/value-streams/{stream_id}/{chart}.png" download="Stamped brackets - {name}.png"' in page
    # lead time: 171,686 s = 6 working days of 27,600 s + 6,086 s (1 h 41 min) -> 6 d 2 h
    assert "171,686 s" in page and "6.22 working days" in page and "6 d 2 h" in page
    assert "1 d = one working day of 7 h 40 min." in page
    assert "86 s" in page and "30 s" in page                            # processing time, takt
    assert "171,718.9 s" in page or "171,719 s" in page                # rework-adjusted lead time
    assert "92.2 %" in page                                             # rolled %C&A
    for step_id in step_ids:
        assert f'id="step-{step_id}"' in page
    assert "exceeds takt" in page and "no-customer-job" in page        # flags with their reasons
    assert "Flags are computed advice" in page
    assert f'action="/value-streams/{stream_id}/steps/{step_ids[0]}/tag"' in page
    assert "I walked this map today" in page


def test_stream_without_steps_has_an_empty_state(login_as, shop, app):
    client = login_as(shop.owner)
    client.post("/value-streams/new", data={"name": "Blank", "state": "current", "customer_id": "",
                                            "job_id": "", "owner_id": str(shop.owner.id)})
    with app.app_context():
        stream_id = db.session.scalar(select(ValueStream.id))
    page = _text(client.get(f"/value-streams/{stream_id}"))
    assert "No steps yet" in page and "Add the first step" in page
    assert client.get(f"/value-streams/{stream_id}/map.png").status_code == 200
    assert client.get(f"/value-streams/{stream_id}/map.svg").status_code == 200


def test_step_page_shows_details_flags_and_classification_history(login_as, shop, line):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    client.post(f"/value-streams/{stream_id}/steps/{step_ids[2]}/tag", data={
        "classification": "waste", "waste_types": ["waiting"], "rationale": "The crane is late", "version": "1"})
    page = _text(client.get(f"/value-streams/{stream_id}/steps/{step_ids[2]}"))
    assert "3. Welding" in page and "Waste flags" in page and "exceeds takt" in page
    assert f"Tagged waste (waiting) by {shop.owner.email} on " in page and ": The crane is late" in page
    assert f"Tagged value-adding by {shop.owner.email}" in page     # the first tag, when mapped
    assert "The crane is late" in page


def test_step_of_another_stream_is_not_found_under_this_one(login_as, make, shop, line):
    stream_id, _ = line
    _, other_steps = map_stamping_line(make, shop, name="Second line")
    assert login_as(shop.owner).get(f"/value-streams/{stream_id}/steps/{other_steps[0]}").status_code == 404


# Tagging in place ------------------------------------------------------------------------


def test_tag_in_place_with_the_plain_form(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    response = client.post(f"/value-streams/{stream_id}/steps/{step_ids[4]}/tag", data={
        "classification": "necessary", "waste_types": [], "rationale": "Customer asks for kitting",
        "version": str(_step(app, step_ids[4]).version)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/value-streams/{stream_id}#step-{step_ids[4]}")
    step = _step(app, step_ids[4])
    assert step.classification == "necessary" and step.rationale == "Customer asks for kitting"
    assert step.classified_by_id == shop.owner.id
    page = _text(client.get(response.headers["Location"]))
    assert "Assembly tagged necessary" in page
    with app.app_context():
        event_ = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "classify", AuditEvent.record_id == step_ids[4]).order_by(AuditEvent.id.desc())
        ).first()
    assert event_.before["classification"] == "value-adding" and event_.after["classification"] == "necessary"


def test_tagging_value_adding_without_a_job_is_a_form_error(login_as, shop, line, app):
    stream_id, step_ids = line
    response = login_as(shop.owner).post(f"/value-streams/{stream_id}/steps/{step_ids[1]}/tag", data={
        "classification": "value-adding", "waste_types": [], "rationale": "", "version": "1"})
    assert response.status_code == 422
    assert "A value-adding step must serve a customer job." in _text(response)
    assert _step(app, step_ids[1]).classification == "waste"


def test_tag_by_fetch_answers_the_new_row_and_figures(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    response = client.post(f"/value-streams/{stream_id}/steps/{step_ids[0]}/tag",
                           data={"classification": "waste", "waste_types": ["overprocessing"],
                                 "rationale": "Polished twice", "version": "1"},
                           headers={"X-Requested-With": "fetch"})
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["row"].lstrip().startswith(f'<tr id="step-{step_ids[0]}"')
    assert "tag-button tag-waste current" in body["row"] and "overprocessing" in body["row"]
    assert "Waste 3" in body["figures"]
    assert _step(app, step_ids[0]).classification == "waste"
    refused = client.post(f"/value-streams/{stream_id}/steps/{step_ids[1]}/tag",
                          data={"classification": "value-adding", "version": "1"},
                          headers={"X-Requested-With": "fetch"})
    assert refused.status_code == 422 and "must serve a customer job" in refused.get_json()["row"]


def test_stale_tag_is_refused(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    url = f"/value-streams/{stream_id}/steps/{step_ids[0]}/tag"
    client.post(url, data={"classification": "necessary", "version": "1"})
    response = client.post(url, data={"classification": "waste", "waste_types": ["motion"], "version": "1"})
    assert response.status_code == 409 and "changed this record meanwhile" in _text(response)
    assert _step(app, step_ids[0]).classification == "necessary"


# Adding, editing, moving, deleting steps ----------------------------------------------------------


def _step_form(**values) -> dict:
    data = {"name": "Deburr", "kind": "process", "job_id": "", "classification": "unclassified",
            "rationale": "", "cycle_time_s": "", "changeover_s": "", "uptime_pct": "", "operators": "",
            "pct_complete_accurate": "", "wait_time_s": "", "inventory_units": "", "owner_id": "",
            "position": ""}
    data.update(values)
    return data


@pytest.mark.parametrize("values, field, message", [
    ({"cycle_time_s": "-1"}, "cycle_time_s", "A duration cannot be negative."),
    ({"cycle_time_s": "two hours"}, "cycle_time_s", "Not a duration: &#39;two hours&#39;"),
    ({"wait_time_s": "-3 h"}, "wait_time_s", "A duration cannot be negative."),
    ({"pct_complete_accurate": "120"}, "pct_complete_accurate", "less than or equal to 100"),
    ({"classification": "value-adding"}, "job_id", "A value-adding step must serve a customer job."),
    ({"operators": "two"}, "operators", "valid integer"),
])
def test_step_form_errors_are_shown_beside_the_field(login_as, shop, line, app, values, field, message):
    stream_id, _ = line
    response = login_as(shop.owner).post(f"/value-streams/{stream_id}/steps/new", data=_step_form(**values))
    assert response.status_code == 422
    page = _text(response)
    assert f'id="{field}-error"' in page and message in page
    assert count(app, Step) == 5


def test_add_a_step_at_a_position_through_the_form(login_as, shop, line, app):
    stream_id, step_ids = line
    response = login_as(shop.owner).post(f"/value-streams/{stream_id}/steps/new", data=_step_form(
        name="Receive coils", cycle_time_s="120", position="1", classification="necessary",
        waste_types=["transport"]))
    assert response.status_code == 302
    order = positions(app, stream_id)
    assert [p for p, _ in order] == [1, 2, 3, 4, 5, 6] and [i for _, i in order][1:] == step_ids
    with app.app_context():
        first = db.session.get(Step, order[0][1])
        assert (first.name, first.cycle_time_s, first.waste_types) == ("Receive coils", 120, ["transport"])


def test_edit_a_step_through_the_form(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    form = _text(client.get(f"/value-streams/{stream_id}/steps/{step_ids[2]}/edit"))
    # stored seconds shown back as durations: 39 s, 600 s = 10 min
    assert 'value="39 s"' in form and 'value="10 min"' in form
    response = client.post(f"/value-streams/{stream_id}/steps/{step_ids[2]}/edit", data=_step_form(
        name="Robot welding", cycle_time_s="28", classification="value-adding", job_id=str(shop.job_id),
        position="3", version="1"))
    assert response.status_code == 302
    step = _step(app, step_ids[2])
    assert (step.name, step.cycle_time_s, step.wait_time_s) == ("Robot welding", 28, None)


def test_move_up_and_down_and_delete_through_forms(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    assert client.post(f"/value-streams/{stream_id}/steps/{step_ids[2]}/move",
                       data={"direction": "up"}).status_code == 302
    assert [i for _, i in positions(app, stream_id)] == [step_ids[0], step_ids[2], step_ids[1], *step_ids[3:]]
    client.post(f"/value-streams/{stream_id}/steps/{step_ids[0]}/move", data={"direction": "up"})  # already first
    client.post(f"/value-streams/{stream_id}/steps/{step_ids[4]}/move", data={"direction": "down"})  # already last
    client.post(f"/value-streams/{stream_id}/steps/{step_ids[0]}/move", data={"direction": "down"})
    assert [i for _, i in positions(app, stream_id)] == [step_ids[2], step_ids[0], step_ids[1], *step_ids[3:]]
    assert client.post(f"/value-streams/{stream_id}/steps/{step_ids[1]}/delete").status_code == 302
    order = positions(app, stream_id)
    assert [p for p, _ in order] == [1, 2, 3, 4] and step_ids[1] not in [i for _, i in order]
    with app.app_context():
        deleted = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "delete", AuditEvent.record_id == step_ids[1]))
        assert deleted.before["name"] == "Coils before welding"


def test_delete_stream_through_the_form(login_as, shop, line, app):
    stream_id, _ = line
    response = login_as(shop.owner).post(f"/value-streams/{stream_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/value-streams/")
    assert count(app, ValueStream) == 0 and count(app, Step) == 0


# Future state and comparison ---------------------------------------------------------------


def test_future_state_and_side_by_side_comparison(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    assert "No future state yet" in _text(client.get(f"/value-streams/{stream_id}/compare"))
    response = client.post(f"/value-streams/{stream_id}/future-state")
    assert response.status_code == 302
    with app.app_context():
        future = db.session.scalar(select(ValueStream).where(ValueStream.state == "future"))
        future_id = future.id
        coils = db.session.scalar(select(Step.id).where(Step.value_stream_id == future_id,
                                                        Step.name == "Coils before welding"))
    assert "future state" in _text(client.get(response.headers["Location"]))
    client.post(f"/value-streams/{future_id}/steps/{coils}/delete")
    client.post(f"/value-streams/{future_id}/steps/new", data=_step_form(name="Supermarket", kind="inventory",
                                                                         inventory_units="92"))
    page = _text(client.get(f"/value-streams/{future_id}/compare"))
    assert "Current vs future state" in page
    assert "Steps removed (1)" in page and "<li>Coils before welding</li>" in page
    assert "Steps added (1)" in page and "<li>Supermarket</li>" in page
    # lead time falls from 171,686 s to 171,686 - 138,000 + 92/920 x 27,600 = 36,446 s; in working
    # days of 27,600 s: 6 d 6,086 s -> 6 d 2 h; 1 d 8,846 s -> 1 d 2 h; the change -135,240 s =
    # -(4 d 24,840 s) -> -4 d 7 h (it read "2 d 0 h" and "10 h 7 min" in 24-hour days)
    assert "6 d 2 h" in page and "1 d 2 h" in page and "−4 d 7 h" in page and "better" in page
    assert "1 d = one working day of 7 h 40 min." in page
    assert f'src="/value-streams/{future_id}/map.svg"' in page and f'src="/value-streams/{stream_id}/map.svg"' in page
    assert "Time in waste steps" in page and "Process cycle efficiency" in page
    same = _text(client.get(f"/value-streams/{stream_id}/compare?with={future_id}"))
    assert "Steps removed (1)" in same


# Charts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", ["map", "takt", "pareto"])
@pytest.mark.parametrize(("suffix", "mimetype", "start"), [("png", "image/png", b"\x89PNG"),
                                                          ("svg", "image/svg+xml", b"<?xml")])
def test_charts_come_as_svg_and_png_with_an_etag_and_304_on_repeat(login_as, shop, line, chart, suffix,
                                                                    mimetype, start):
    stream_id, _ = line
    client = login_as(shop.viewer)
    response = client.get(f"/value-streams/{stream_id}/{chart}.{suffix}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.data.startswith(start) and response.headers["ETag"]
    again = client.get(f"/value-streams/{stream_id}/{chart}.{suffix}",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_svg_and_the_png_of_a_chart_are_told_apart(login_as, shop, line):
    """Both are cached by content: the same drawing in two formats has two keys, never one for both."""
    stream_id, _ = line
    client = login_as(shop.owner)
    for chart in ("map", "takt", "pareto"):
        png, svg = (client.get(f"/value-streams/{stream_id}/{chart}.{suffix}") for suffix in ("png", "svg"))
        assert png.data.startswith(b"\x89PNG") and svg.data.startswith(b"<?xml"), chart
        assert png.headers["ETag"] != svg.headers["ETag"]
        assert client.get(f"/value-streams/{stream_id}/{chart}.svg").data == svg.data


def test_an_svg_chart_holds_no_user_text_and_may_run_nothing(login_as, shop, line, api_as):
    """Text is drawn as glyph outlines: a step's name is shapes in the SVG, and otherwise only in an
    escaped comment beside them (it cannot close the comment); opened on its own, the SVG may style
    itself and load or run nothing."""
    stream_id, _ = line
    api_as(shop.owner).post(f"/value-streams/{stream_id}/steps", json={
        "name": "--> <script>alert(1)</script> Zebrafinch", "cycle_time_s": 31, "classification": "waste",
        "waste_types": ["defects"]})
    client = login_as(shop.owner)
    for chart in ("map", "takt"):  # the Pareto names waste types, not steps
        response = client.get(f"/value-streams/{stream_id}/{chart}.svg")
        assert response.status_code == 200
        assert b"Zebrafinch" in response.data, chart  # the step is on the chart
        markup = re.sub(rb"<!--.*?-->", b"", response.data, flags=re.S)
        assert b"Zebrafinch" not in markup and b"<script" not in response.data, chart
    for chart in ("map", "takt", "pareto"):
        response = client.get(f"/value-streams/{stream_id}/{chart}.svg")
        assert response.headers["Content-Security-Policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_each_chart_keeps_its_space_on_the_page_at_the_size_it_is_drawn(login_as, shop, line, api_as):
    """The page gives every chart's <img> the size its SVG comes at (the PNG to download has twice its
    pixels), so nothing moves when a chart arrives; the map and takt chart grow with the steps."""
    stream_id, _ = line
    client = login_as(shop.owner)
    seen = []
    for _ in range(2):
        page = _text(client.get(f"/value-streams/{stream_id}"))
        sizes = {}
        for chart in ("map", "takt", "pareto"):
            tag = re.search(rf'<img src="/value-streams/{stream_id}/{chart}.svg"[^>]*>', page).group(0)
            width, height = (int(re.search(rf'\b{side}="(\d+)"', tag).group(1)) for side in ("width", "height"))
            assert svg_size(client.get(f"/value-streams/{stream_id}/{chart}.svg").data) == (width, height), chart
            png = client.get(f"/value-streams/{stream_id}/{chart}.png").data
            assert png_size(png) == (2 * width, 2 * height), chart
            sizes[chart] = (width, height)
        seen.append(sizes)
        api_as(shop.owner).post(f"/value-streams/{stream_id}/steps", json={"name": "Pack", "cycle_time_s": 20})
    assert seen[1]["map"][0] > seen[0]["map"][0] and seen[1]["takt"][0] > seen[0]["takt"][0]
    assert seen[1]["pareto"] == seen[0]["pareto"] == (880, 484)  # 8.0 x 4.4 inches at 110 pixels an inch


def test_chart_etag_follows_the_content(login_as, shop, line):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    before = client.get(f"/value-streams/{stream_id}/takt.png").headers["ETag"]
    client.post(f"/value-streams/{stream_id}/steps/{step_ids[4]}/tag", data={"classification": "necessary",
                                                                             "version": "1"})
    assert client.get(f"/value-streams/{stream_id}/takt.png").headers["ETag"] != before


def test_math_like_step_names_are_drawn_as_typed(login_as, shop, line, api_as):
    stream_id, _ = line
    api_as(shop.owner).post(f"/value-streams/{stream_id}/steps", json={
        "name": r"$\foo$ check", "cycle_time_s": 31, "waste_types": ["defects"], "classification": "waste"})
    client = login_as(shop.owner)
    for chart in ("map.png", "takt.png", "pareto.png", "map.svg", "takt.svg", "pareto.svg"):
        assert client.get(f"/value-streams/{stream_id}/{chart}").status_code == 200, chart
    assert r"$\foo$ check" in _text(client.get(f"/value-streams/{stream_id}"))


# Roles and tenancy ------------------------------------------------------------------------


def _write_pages(stream_id: int, step_id: int) -> list[tuple[str, str]]:
    base = f"/value-streams/{stream_id}"
    return [("get", f"{base}/edit"), ("post", f"{base}/edit"), ("get", f"{base}/steps/new"),
            ("post", f"{base}/steps/new"), ("get", f"{base}/steps/{step_id}/edit"),
            ("post", f"{base}/steps/{step_id}/edit"), ("post", f"{base}/steps/{step_id}/tag"),
            ("post", f"{base}/steps/{step_id}/move"), ("post", f"{base}/steps/{step_id}/delete"),
            ("post", f"{base}/walked"), ("post", f"{base}/future-state"), ("post", f"{base}/delete")]


def test_viewer_reads_but_every_write_is_403(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.viewer)
    page = _text(client.get(f"/value-streams/{stream_id}"))
    assert "Add a step" not in page and "Tag in place" not in page and "I walked this map" not in page
    assert client.get(f"/value-streams/{stream_id}/steps/{step_ids[0]}").status_code == 200
    for method, url in _write_pages(stream_id, step_ids[0]):
        data = {"classification": "waste", "direction": "up", "name": "x"} if method == "post" else None
        assert getattr(client, method)(url, data=data).status_code == 403, url
    assert count(app, ValueStream) == 1 and count(app, Step) == 5
    assert _step(app, step_ids[0]).classification == "value-adding"


def test_owner_of_another_stream_may_not_change_this_one(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.other_owner)
    assert "Tag in place" not in _text(client.get(f"/value-streams/{stream_id}"))
    for method, url in _write_pages(stream_id, step_ids[0]):
        data = {"classification": "waste", "direction": "up"} if method == "post" else None
        assert getattr(client, method)(url, data=data).status_code == 403, url
    assert count(app, ValueStream) == 1 and count(app, Step) == 5


def test_another_organizations_pages_are_not_found(client, make, shop, line, app):
    stream_id, step_ids = line
    stranger = stamping_shop(make, "Stranger")
    login(client, stranger.admin)
    base = f"/value-streams/{stream_id}"
    reads = [base, f"{base}/compare", f"{base}/map.png", f"{base}/takt.png", f"{base}/pareto.png",
             f"{base}/steps/{step_ids[0]}"]
    for url in reads:
        assert client.get(url).status_code == 404, url
    for method, url in _write_pages(stream_id, step_ids[0]):
        assert getattr(client, method)(url, data={"classification": "waste"}).status_code == 404, url
    assert "Stamped brackets" not in _text(client.get("/value-streams/"))
    assert count(app, ValueStream) == 1 and count(app, Step) == 5
    assert [p for p, _ in positions(app, stream_id)] == [1, 2, 3, 4, 5]


def test_pages_need_a_signed_in_person(client, shop, line):
    stream_id, _ = line
    response = client.get(f"/value-streams/{stream_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_step_form_reports_the_job_rule_together_with_other_errors(login_as, shop, line, app):
    stream_id, _ = line
    response = login_as(shop.owner).post(f"/value-streams/{stream_id}/steps/new", data=_step_form(
        classification="value-adding", cycle_time_s="-4"))
    page = _text(response)
    assert response.status_code == 422
    assert 'id="cycle_time_s-error"' in page and 'id="job_id-error"' in page
    assert "A value-adding step must serve a customer job." in page
    assert count(app, Step) == 5


def test_a_new_step_starts_untagged_so_the_first_save_succeeds(login_as, shop, line, app):
    """The form preselects 'unclassified'; sent as the browser would, the step is saved at once."""
    stream_id, _ = line
    client = login_as(shop.owner)
    page = _text(client.get(f"/value-streams/{stream_id}/steps/new"))
    select_html = re.search(r'<select[^>]*name="classification"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option[^>]*selected[^>]*value="([^"]+)"|<option[^>]*value="([^"]+)"[^>]*selected',
                      select_html) in ([("unclassified", "")], [("", "unclassified")])
    response = client.post(f"/value-streams/{stream_id}/steps/new", data=_step_form(name="First try"))
    assert response.status_code == 302
    assert count(app, Step) == 6


def test_the_step_form_offers_the_streams_customer_jobs_first_grouped_by_customer(login_as, shop, line, api_as):
    stream_id, _ = line
    api = api_as(shop.manager)
    zebra = api.post("/customers", json={"name": "Zebra works", "kind": "external"}).get_json()
    api.post("/jobs", json={"customer_id": zebra["id"], "statement": "Keep the zebras fed"})
    assert api.patch(f"/value-streams/{stream_id}", json={"customer_id": zebra["id"], "job_id": None}).status_code == 200
    client = login_as(shop.owner)
    page = _text(client.get(f"/value-streams/{stream_id}/steps/new"))
    select_html = re.search(r'<select[^>]*name="job_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    groups = re.findall(r'<optgroup label="([^"]*)">', select_html)
    assert groups[:2] == ["", "Zebra works"]  # the blank choice, then the stream's own customer
    assert "Keep the zebras fed" in select_html.split('<optgroup label="Zebra works">')[1].split("</optgroup>")[0]
