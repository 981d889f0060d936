"""The steps table: a stream's steps edited as one form, saved whole or not at all."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lms.extensions import db
from lms.models import AuditEvent, Step
from lms.streams.forms import GRID_FIELDS
from tests.scenarios import map_stamping_line, stamping_shop


@pytest.fixture()
def shop(make, app):
    return stamping_shop(make)


@pytest.fixture()
def line(make, shop):
    return map_stamping_line(make, shop)


class _FormReader(HTMLParser):
    """Read a page's form fields as a browser would submit them (repeated names kept in order)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.selects: dict[str, list[tuple[str, str, bool]]] = {}
        self._select: str | None = None
        self._in_template = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self._in_template = True
        if self._in_template:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a["name"]
            self.selects[self._select] = []
        elif tag == "option" and self._select:
            self.selects[self._select].append((a.get("value", ""), "", "selected" in a))

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template = False
        if tag == "select" and self._select:
            options = self.selects[self._select]
            chosen = next((v for v, _, s in options if s), options[0][0] if options else "")
            self.fields.append((self._select, chosen))
            self._select = None


def _grid(client, stream_id):
    response = client.get(f"/value-streams/{stream_id}/steps/table")
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.get_data(as_text=True))
    return dict(reader.fields), [v for k, v in reader.fields if k == "row"], reader


def _post(client, stream_id, values: dict, rows: list[str]):
    data = [(k, v) for k, v in values.items() if k != "row"] + [("row", key) for key in rows]
    return client.post(f"/value-streams/{stream_id}/steps/table", data=MultiDict(data))


def _steps(app, stream_id):
    with app.app_context():
        return db.session.scalars(select(Step).where(Step.value_stream_id == stream_id)
                                  .order_by(Step.position)).all()


def test_the_table_shows_every_step_as_cells_of_the_step_forms_fields(login_as, shop, line):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    values, rows, _ = _grid(client, stream_id)
    assert rows[:5] == [f"s{i}" for i in step_ids] and rows[5:] == ["n1", "n2", "n3"]
    welding = f"s{step_ids[2]}"
    assert values[f"{welding}-name"] == "Welding"
    assert values[f"{welding}-job_id"] == str(shop.job_id)
    assert values[f"{welding}-classification"] == "value-adding" and values[f"{welding}-version"] == "1"
    # Each cell shows the stored value exactly as the step's own form does (39 s, a 600 s wait).
    edit = _FormReader()
    edit.feed(client.get(f"/value-streams/{stream_id}/steps/{step_ids[2]}/edit").get_data(as_text=True))
    form = dict(edit.fields)
    for name in GRID_FIELDS:
        assert values[f"{welding}-{name}"] == form[name], name
    assert form["cycle_time_s"] and form["wait_time_s"]


def test_save_changes_and_new_rows_at_once_with_audit(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    values, rows, _ = _grid(client, stream_id)
    values[f"s{step_ids[2]}-cycle_time_s"] = "28"
    values[f"s{step_ids[0]}-classification"] = "necessary"
    values.update({"n1-name": "Pack", "n1-cycle_time_s": "20", "n1-operators": "1",
                   "n2-name": "Ship", "n2-kind": "process", "n2-wait_time_s": "3600"})
    response = _post(client, stream_id, values, rows)
    assert response.status_code == 302, response.get_data(as_text=True)
    steps = _steps(app, stream_id)
    assert [s.name for s in steps] == ["Stamping", "Coils before welding", "Welding",
                                      "Welded parts before assembly", "Assembly", "Pack", "Ship"]
    assert steps[2].cycle_time_s == 28 and steps[2].version == 2
    assert steps[0].classification == "necessary" and steps[0].classified_by_id == shop.owner.id
    assert steps[1].version == 1  # untouched rows are not written
    assert (steps[5].cycle_time_s, steps[6].wait_time_s) == (20, 3600)
    with app.app_context():
        summaries = db.session.scalars(select(AuditEvent.summary)).all()
    assert any("Step Welding changed: cycle time" in s for s in summaries)
    assert any("Step Pack added to Stamped brackets at position 6" in s for s in summaries)
    assert any(s.startswith("Tagged necessary") for s in summaries)


def test_a_bad_cell_refuses_the_whole_table_with_a_message_beside_it(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    values, rows, _ = _grid(client, stream_id)
    values[f"s{step_ids[2]}-cycle_time_s"] = "28"          # good
    values[f"s{step_ids[4]}-pct_complete_accurate"] = "140"  # over 100
    values.update({"n1-name": "Ship", "n1-classification": "value-adding"})  # no job
    response = _post(client, stream_id, values, rows)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved." in page
    assert f'id="s{step_ids[4]}-pct_complete_accurate-error"' in page and "less than or equal to 100" in page
    assert 'id="n1-job_id-error"' in page and "A value-adding step must serve a customer job." in page
    assert 'aria-invalid="true"' in page and 'aria-invalid="None"' not in page
    typed = re.search(rf'<input[^>]*id="s{step_ids[2]}-cycle_time_s"[^>]*>', page).group(0)
    assert "28" in typed  # what the person typed stays in the table
    steps = _steps(app, stream_id)
    assert len(steps) == 5 and steps[2].cycle_time_s == 39 and steps[2].version == 1


def _changed_meanwhile(make, shop, step_id: int, **changes) -> None:
    """Change a step as the manager does while the owner has the table open."""
    from lms.streams import services
    from lms.streams.schemas import StepPatch

    ctx = make.acting_as(shop.manager)
    try:
        services.update_step(db.session.get(Step, step_id), StepPatch(**changes))
    finally:
        ctx.pop()


def test_a_step_changed_meanwhile_is_refused_not_overwritten(login_as, make, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    values, rows, _ = _grid(client, stream_id)
    _changed_meanwhile(make, shop, step_ids[2], cycle_time_s=35)
    values[f"s{step_ids[2]}-cycle_time_s"] = "28"
    values["n1-name"] = "Ship"
    response = _post(client, stream_id, values, rows)
    assert response.status_code == 409
    assert "Someone else changed this step after you opened the table" in response.get_data(as_text=True)
    steps = _steps(app, stream_id)
    assert steps[2].cycle_time_s == 35 and len(steps) == 5


def test_rows_not_changed_are_not_refused_when_another_row_changed_meanwhile(login_as, make, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    values, rows, _ = _grid(client, stream_id)
    _changed_meanwhile(make, shop, step_ids[0], operators=3)
    values[f"s{step_ids[0]}-operators"] = "3"  # a reload would show the same: nothing lost
    values[f"s{step_ids[2]}-operators"] = "2"
    assert _post(client, stream_id, values, rows).status_code == 302
    assert [s.operators for s in _steps(app, stream_id)][:3] == [3, None, 2]


def test_job_choices_put_the_streams_customer_first_grouped_by_customer(login_as, make, shop, line, app):
    stream_id, _ = line
    make.job(shop.admin, make.customer(shop.admin, "AAA first by name"), "Buy brackets")
    page = login_as(shop.owner).get(f"/value-streams/{stream_id}/steps/table").get_data(as_text=True)
    table = page.split("<template")[0]
    first_select = table[table.index('name="n1-job_id"'):]
    groups = [g.split('"')[0] for g in first_select.split('<optgroup label="')[1:4]]
    groups = [g for g in groups if g]  # the blank choice's group has no name
    assert groups == ["Acme assembly plant", "AAA first by name"]


def test_the_table_works_without_javascript_and_offers_the_script(login_as, make, shop, app):
    from lms.streams import services
    from lms.streams.schemas import ValueStreamIn

    ctx = make.acting_as(shop.owner)
    try:
        stream_id = services.create_stream(ValueStreamIn(name="Empty line")).id
    finally:
        ctx.pop()
    client = login_as(shop.owner)
    values, rows, _ = _grid(client, stream_id)
    assert rows == ["n1", "n2", "n3", "n4", "n5"]
    page = client.get(f"/value-streams/{stream_id}/steps/table").get_data(as_text=True)
    assert "js/steps_grid.js" in page and '<button type="submit" class="button primary">Save the table' in page
    values.update({f"n{i}-name": name for i, name in enumerate(["Order", "Check", "Build", "Test", "Ship"], 1)})
    values["n5-classification"] = "waste"
    assert _post(client, stream_id, values, rows).status_code == 302
    steps = _steps(app, stream_id)
    assert [(s.position, s.name) for s in steps] == list(enumerate(["Order", "Check", "Build", "Test", "Ship"], 1))
    assert steps[-1].classification == "waste" and steps[0].classification == "unclassified"


def test_viewer_and_other_owner_may_not_use_the_table(login_as, shop, line):
    stream_id, _ = line
    assert login_as(shop.viewer).get(f"/value-streams/{stream_id}/steps/table").status_code == 403
    assert login_as(shop.other_owner).post(f"/value-streams/{stream_id}/steps/table",
                                           data={"row": "n1", "n1-name": "X"}).status_code == 403


def test_stream_page_links_each_step_on_the_map_and_offers_the_table(login_as, shop, line):
    stream_id, step_ids = line
    page = login_as(shop.owner).get(f"/value-streams/{stream_id}").get_data(as_text=True)
    links = page[page.index('aria-label="Steps on the map"'):]
    links = links[:links.index("</nav>")]
    for step_id in step_ids:
        assert f'/value-streams/{stream_id}/steps/{step_id}"' in links
    assert f'/value-streams/{stream_id}/steps/table"' in page


def test_a_job_linked_in_the_table_shows_on_the_customer_page_as_served(login_as, shop, line, app):
    stream_id, step_ids = line
    client = login_as(shop.owner)
    before = client.get(f"/customers/{shop.customer_id}").get_data(as_text=True)
    assert "Served</span> directly by" in before and "“Coils before welding”" not in before
    values, rows, _ = _grid(client, stream_id)
    values[f"s{step_ids[1]}-job_id"] = str(shop.job_id)  # the coils now serve the assembly plant's job too
    assert _post(client, stream_id, values, rows).status_code == 302
    page = client.get(f"/customers/{shop.customer_id}").get_data(as_text=True)
    served = page[page.index("directly by"):].split("</p>")[0]
    assert "step 2 “Coils before welding” of Stamped brackets" in served and "step 1 “Stamping”" in served


def test_cells_take_durations_as_the_step_form_does(login_as, shop, line, app):
    """The table's time cells are the step form's duration fields: "2 h", "1 d" of the stream's working day."""
    stream_id, step_ids = line
    client = login_as(shop.owner)
    values, rows, _ = _grid(client, stream_id)
    values[f"s{step_ids[2]}-wait_time_s"] = "soon"
    refused = _post(client, stream_id, values, rows)
    assert refused.status_code == 422
    cell = refused.get_data(as_text=True).split(f'id="s{step_ids[2]}-wait_time_s-error"')[1].split("</ul>")[0]
    assert "Not a duration: &#39;soon&#39;" in cell or "Not a duration: 'soon'" in cell  # its own words
    values[f"s{step_ids[2]}-wait_time_s"] = "1 d"  # one working day of the line: 27,600 s
    values[f"s{step_ids[4]}-cycle_time_s"] = "2 min"
    assert _post(client, stream_id, values, rows).status_code == 302
    steps = _steps(app, stream_id)
    assert (steps[2].wait_time_s, steps[4].cycle_time_s) == (27_600, 120)
