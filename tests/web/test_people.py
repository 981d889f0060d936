"""One rule for people in forms: only active people are offered; a record keeps its deactivated person."""

from __future__ import annotations

import re

import pytest


@pytest.fixture()
def world(make):
    org = make.org()
    admin = make.user(org, "admin", name="Ada Admin")
    gone = make.user(org, "owner", name="Gus Gone")
    ids = {"stream": make.stream(admin, "Claims", owner_id=gone.id).id,
           "kpi": make.kpi(admin, "Claims closed", owner_id=gone.id)}
    make.deactivate(admin, gone)
    return admin, gone, ids


def _options(html: str, select: str) -> list[str]:
    body = re.search(rf'<select[^>]*name="{select}"[^>]*>(.*?)</select>', html, re.S)
    assert body, f"no select {select}"
    return re.findall(r"<option[^>]*>([^<]*)</option>", body.group(1))


@pytest.mark.parametrize(("url", "select"), [
    ("/value-streams/new", "owner_id"),
    ("/kpis/new", "owner_id"),
    ("/reviews/new", "facilitator_id"),
    ("/reviews/new", "participant_ids"),
    ("/kpis/", "owner_id"),
])
def test_a_deactivated_person_is_offered_nowhere(world, login_as, url, select):
    admin, _gone, _ids = world
    options = _options(login_as(admin).get(url).get_data(as_text=True), select)
    assert "Ada Admin" in options and not any("Gus Gone" in label for label in options)


@pytest.mark.parametrize("page", ["/value-streams/{stream}/edit", "/kpis/{kpi}/edit"])
def test_a_record_keeps_its_deactivated_person_and_saves(world, login_as, page):
    admin, _gone, ids = world
    html = login_as(admin).get(page.format(**ids)).get_data(as_text=True)
    assert "Gus Gone (deactivated)" in _options(html, "owner_id")


def test_records_still_show_the_deactivated_person_by_name(world, login_as):
    admin, _gone, ids = world
    assert "Gus Gone" in login_as(admin).get(f"/kpis/{ids['kpi']}").get_data(as_text=True)
