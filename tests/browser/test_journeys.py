"""The five everyday jobs walked through the pages in Chromium, choosing real options in every select.

Each journey takes a screenshot of every page it passes (under the test's tmp dir), so that a
person can look at what the pages showed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lms.extensions import db
from lms.models import Job, Kpi, KpiMeasurement, Step, ValueStream
from tests.conftest import PASSWORD
from tests.scenarios import review_line, review_team

pytestmark = pytest.mark.browser


class Journey:
    """A signed-in page that screenshots every page it looks at, numbered in the order seen."""

    def __init__(self, page, folder: Path) -> None:
        self.page, self.folder, self.shots = page, folder, []
        page.on("dialog", lambda dialog: dialog.accept())  # confirmations are read, then accepted

    def sign_in(self, user) -> Journey:
        """Sign in through the login page."""
        self.page.goto("/login")
        self.page.get_by_label("Email").fill(user.email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url("**/")
        return self

    def shot(self, name: str) -> Path:
        """Save a full-page screenshot of what is on screen now."""
        path = self.folder / f"{len(self.shots) + 1:02d}-{name}.png"
        for _ in range(100):  # the charts are drawn on request: wait until every image has come
            if self.page.locator("img").evaluate_all("images => images.every(image => image.complete)"):
                break
            self.page.wait_for_timeout(100)
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def flash(self, text: str):
        """Wait for the flash message that says ``text`` and return it."""
        message = self.page.locator(".flash", has_text=text)
        message.wait_for()
        return message


@pytest.fixture()
def journey(page, tmp_path):
    folder = tmp_path / "screenshots"
    folder.mkdir()
    walked = Journey(page, folder)
    yield walked
    page.screenshot(path=str(folder / "zz-last-page.png"), full_page=True)  # where a failed journey stopped
    assert walked.shots and all(path.stat().st_size > 5_000 for path in walked.shots)
    assert [e for e in page.console_errors if "Content Security Policy" in e or "Uncaught" in e] == []


def _paste(page, selector: str, text: str) -> None:
    """Paste ``text`` into a cell as a spreadsheet's copy puts it on the clipboard."""
    page.locator(selector).focus()
    page.eval_on_selector(selector, """(cell, text) => {
        const data = new DataTransfer();
        data.setData("text/plain", text);
        cell.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
    }""", text)


# 1. Map a stream of five steps and tag one as waste ---------------------------------------------


def test_map_a_stream_of_five_steps_in_the_table_and_tag_one_as_waste(journey, make, database):
    team = review_team(make, "Bracket Works")
    make.job(team.admin, make.customer(team.admin, "Assembly line", kind="internal"), "Get welded brackets on time")
    page = journey.sign_in(team.owner).page

    page.get_by_role("link", name="Value streams", exact=True).first.click()
    page.get_by_role("link", name="Map a value stream").first.click()
    page.get_by_label("Name").fill("Brackets")
    page.get_by_label("Customer it serves").select_option(label="Assembly line (internal)")
    page.get_by_label("Customer job it serves").select_option(label="Get welded brackets on time")
    page.get_by_label("Daily demand").fill("920")
    page.get_by_label(re.compile("Available working time")).fill("27600")
    journey.shot("stream-form")
    page.get_by_role("button", name="Create value stream").click()
    expect(page.locator("h1")).to_have_text(re.compile("^Brackets"))

    page.get_by_role("link", name="Edit as a table").click()
    journey.shot("steps-table-empty")
    rows = [["Stamp", "process", "1", "", "", "99", "1", "85", "Get welded brackets on time", "value-adding"],
            ["Coils", "inventory", "", "", "4600", "", "", "", "", ""],
            ["Weld", "process", "39", "600", "", "95", "1", "", "Get welded brackets on time", "value-adding"],
            ["Parts before assembly", "Inventory", "", "", "1100", "", "", "", "", ""],
            ["Assemble", "Process", "46", "", "", "98", "2", "", "", "Necessary"],
            ["Pack and ship", "process", "20", "", "", "", "1", "", "", ""]]
    _paste(page, "#n1-name", "\n".join("\t".join(row) for row in rows) + "\n")
    assert page.locator("tr.grid-row.pasted").count() == 6  # five blank rows and one added for the sixth
    assert page.locator("#n4-kind").input_value() == "inventory"
    assert page.locator("#n3-job_id").input_value() != ""
    assert page.locator("#n5-classification").input_value() == "necessary"
    page.locator("#n6-name").fill("")  # five steps after all: an empty new row is left out
    page.locator("#n6-cycle_time_s").fill("")
    page.locator("#n6-operators").fill("")
    page.locator("#n3-cycle_time_s").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == "n4-cycle_time_s"
    journey.shot("steps-table-pasted")
    page.keyboard.press("Enter")  # Enter saves the table
    assert journey.flash("Steps table saved: 5 steps added.").is_visible()
    assert page.locator("tr.step-row").count() == 5

    row = page.locator("tr.step-row", has_text="Coils")
    row.get_by_text("Waste types & reason").click()
    row.get_by_label("inventory").check()
    row.get_by_label("Reason for the tag").fill("Five days of coils")
    row.get_by_role("button", name="Waste", exact=True).click()
    page.locator("tr.step-row.saved", has_text="Coils").wait_for()
    assert "Waste" in page.locator("tr.step-row", has_text="Coils").locator(".tag-button.current").inner_text()
    journey.shot("stream-tagged")

    page.get_by_role("navigation", name="Steps on the map").get_by_role("link", name="Weld").click()
    expect(page.locator("h1")).to_have_text("3. Weld")
    journey.shot("step-page")
    with database.app_context():
        steps = db.session.query(Step).order_by(Step.position).all()
        assert [(s.name, s.classification) for s in steps] == [
            ("Stamp", "value-adding"), ("Coils", "waste"), ("Weld", "value-adding"),
            ("Parts before assembly", "unclassified"), ("Assemble", "necessary")]
        assert steps[1].waste_types == ["inventory"] and steps[2].wait_time_s == 600


# 2. A customer with a job, an outcome and a rating, and a step linked to it -----------------------


def test_a_customer_with_a_job_an_outcome_a_rating_and_a_step_serving_it(journey, make, database):
    team = review_team(make, "Claims Office")
    from lms.streams import services
    from lms.streams.schemas import StepIn, ValueStreamIn

    ctx = make.acting_as(team.admin)
    try:
        stream = services.create_stream(ValueStreamIn(name="Claims handling"))
        step_id = services.create_step(stream, StepIn(name="Assess the claim", cycle_time_s=900)).id
        stream_id = stream.id
    finally:
        ctx.pop()
    page = journey.sign_in(team.admin).page

    page.get_by_role("link", name="Customers & jobs", exact=True).first.click()
    page.get_by_role("link", name="Add a customer").first.click()
    page.get_by_label("Name").fill("Policy holders")
    page.get_by_label("Kind").select_option("external")
    journey.shot("customer-form")
    page.get_by_role("button", name="Add customer").click()
    expect(page.locator("h1")).to_contain_text("Policy holders")

    page.get_by_role("link", name="Add a high-level job").first.click()
    page.get_by_label("Job statement").fill("Get a claim paid")
    page.get_by_label("Dimension").select_option("functional")
    journey.shot("job-form")
    page.get_by_role("button", name="Add job").click()
    journey.flash("Job 'Get a claim paid' added.")

    page.get_by_role("link", name="Add outcome to Get a claim paid").click()
    page.get_by_label("Desired outcome").fill("Minimize the time it takes to get paid")
    page.get_by_label("Direction").select_option("minimize")
    journey.shot("outcome-form")
    page.get_by_role("button", name="Add outcome").click()

    assert journey.flash("Outcome added").is_visible()  # and we are on the outcome's page
    page.get_by_label(re.compile("^Importance")).fill("9")
    page.get_by_label(re.compile("^Satisfaction")).fill("3")
    page.get_by_label("Respondents").fill("120")
    page.get_by_role("button", name="Enter rating", exact=True).click()
    journey.flash("Rating entered.")
    assert "15" in page.locator("main").inner_text()  # opportunity 9 + (9 - 3)
    journey.shot("outcome-rated")

    page.goto(f"/value-streams/{stream_id}/steps/{step_id}/edit")
    job_select = page.get_by_label("Customer job it serves")
    assert job_select.locator("optgroup[label='Policy holders'] option", has_text="Get a claim paid").count() == 1
    job_select.select_option(label="Get a claim paid")
    page.get_by_label("Classification", exact=True).select_option("value-adding")
    journey.shot("step-form")
    page.get_by_role("button", name="Save step").click()
    assert journey.flash("Step Assess the claim saved.").is_visible()
    page.locator("tr.step-row", has_text="Assess the claim").get_by_text("Serves: Get a claim paid").wait_for()

    page.get_by_role("link", name="Customers & jobs", exact=True).first.click()
    page.get_by_role("link", name="Policy holders").first.click()
    journey.shot("customer-page")
    stack = page.locator("li.stack", has_text="Get a claim paid")
    assert "Served directly by step 1 “Assess the claim” of Claims handling" in " ".join(stack.inner_text().split())
    with database.app_context():
        step = db.session.get(Step, step_id)
        job = db.session.get(Job, step.job_id)
        assert (job.statement, step.classification) == ("Get a claim paid", "value-adding")


# 3. A KPI with measurements and its drift ---------------------------------------------------------


def test_a_kpi_with_measurements_and_its_drift(journey, make, database):
    team = review_team(make, "Bracket Works")
    line = review_line(make, team)
    page = journey.sign_in(team.manager).page
    with database.app_context():
        stream_name = db.session.get(ValueStream, line.stream_id).name
        welding = db.session.get(Step, line.over_takt_step_id).name

    page.get_by_role("link", name="KPIs", exact=True).first.click()
    page.get_by_role("link", name="New KPI").first.click()
    page.locator("#name").fill("Brackets welded per hour")
    page.get_by_label("Unit").fill("brackets/h")
    page.get_by_label("Which way is better").select_option(index=0)
    page.get_by_label("Value stream").select_option(label=stream_name)
    step_select = page.get_by_label("Step it measures")
    step_option = step_select.locator("option", has_text=re.compile(rf"^\d+\. {re.escape(welding)}$")).first
    assert stream_name in (step_option.evaluate("o => o.parentElement.label") or "") + step_option.inner_text()
    step_select.select_option(value=step_option.get_attribute("value"))
    outcome_select = page.get_by_label("Customer outcome it stands for")
    outcome_option = outcome_select.locator("option[value]:not([value=''])").first
    outcome_select.select_option(value=outcome_option.get_attribute("value"))
    journey.shot("kpi-form")
    page.get_by_role("button", name="Create KPI").click()
    expect(page.locator("h1")).to_contain_text("Brackets welded per hour")

    for day, value in (("2026-09-07", "40"), ("2026-09-21", "44"), ("2026-10-05", "47"), ("2026-10-19", "52")):
        page.locator("#measured_on").fill(day)
        page.locator("#value").fill(value)
        page.get_by_role("button", name="Save measurement").click()
        journey.flash(f"Measurement of {day} saved.")
    page.get_by_label("Paste rows").fill("2026-11-02,55,new jig\n2026-11-16,58,")
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("main")).to_contain_text("2 added")  # nothing is written before the person confirms
    journey.shot("kpi-import-preview")
    page.get_by_role("button", name=re.compile(r"^Import: 2 added")).click()
    journey.flash("2 measurements imported into Brackets welded per hour")
    journey.shot("kpi-page")
    drift = page.locator("main").inner_text()
    assert re.search(r"(?i)aligned|diverging|worsening|inconclusive", drift)
    with database.app_context():
        kpi = db.session.query(Kpi).filter_by(name="Brackets welded per hour").one()
        assert db.session.query(KpiMeasurement).filter_by(kpi_id=kpi.id).count() == 6
        assert kpi.step_id == line.over_takt_step_id


# 4. A review with a finding and an action tied to a KPI, closed with before/after -----------------


def test_a_review_with_a_finding_and_an_action_on_a_kpi_closed_with_before_and_after(journey, make, database):
    team = review_team(make, "Bracket Works")
    line = review_line(make, team)
    with database.app_context():
        kpi_name = db.session.get(Kpi, line.diverging_kpi_id).name
        stream_name = db.session.get(ValueStream, line.stream_id).name
    page = journey.sign_in(team.manager).page

    page.get_by_role("link", name="Reviews", exact=True).click()
    page.get_by_role("link", name="Plan a review").first.click()
    page.get_by_label("Value stream").select_option(label=stream_name)
    page.get_by_label("Kind").select_option("kaizen-event")
    page.get_by_label("Date").fill("2026-11-20")
    page.get_by_label("Facilitator").select_option(label="Max Manager")
    page.get_by_label("Participants").select_option(label=["Olga Owner", "Vera Viewer"])
    journey.shot("review-form")
    page.get_by_role("button", name="Plan review").click()
    page.get_by_role("button", name="Open the review").click()
    assert journey.flash("Review opened").is_visible()

    page.get_by_label("What did you see?").fill("Coils wait five days before welding")
    page.locator("#step_id").select_option(label="2. Coils before welding")
    page.get_by_label("Waste type").select_option("inventory")
    page.get_by_role("button", name="Record finding").click()
    journey.flash("Finding recorded.")

    page.get_by_role("link", name="Agree an action").click()
    page.get_by_label("Action", exact=True).fill("Pull coils by kanban")
    page.get_by_label("Owner").select_option(label="Olga Owner")
    page.get_by_label("Due on").fill("2026-12-15")
    page.get_by_label("Stage").select_option("do")
    page.get_by_label("Step it changes").select_option(label="2. Coils before welding")
    page.get_by_label("KPI it should move").select_option(label=f"{kpi_name} ({stream_name})")
    outcome = page.get_by_label("Customer outcome it should move")
    outcome.select_option(value=outcome.locator("option[value]:not([value=''])").first.get_attribute("value"))
    journey.shot("action-form")
    page.get_by_role("button", name="Agree action").click()
    card = page.locator("article.action-card", has_text="Pull coils by kanban")
    assert f"KPI: {kpi_name}" in card.inner_text() and "Olga Owner" in card.inner_text()

    page.get_by_role("button", name="Close the review").click()
    assert journey.flash("Review closed").is_visible()
    figures = page.locator("table.before-after").inner_text()
    assert "At opening" in figures and "At closing" in figures
    journey.shot("review-closed")


# 5. Export and re-import steps with "replace" -------------------------------------------------------


def test_export_and_reimport_steps_replacing_them_after_a_preview(journey, make, database):
    team = review_team(make, "Repair Shop")
    from lms.streams import services
    from lms.streams.schemas import StepIn, ValueStreamIn

    ctx = make.acting_as(team.owner)
    try:
        stream = services.create_stream(ValueStreamIn(name="Repairs", owner_id=team.owner.id))
        for name, seconds in (("Receive", 60), ("Diagnose", 600), ("Repair", 1800), ("Test", 300)):
            services.create_step(stream, StepIn(name=name, cycle_time_s=seconds))
        stream_id = stream.id
    finally:
        ctx.pop()
    page = journey.sign_in(team.owner).page
    page.goto(f"/value-streams/{stream_id}")

    page.get_by_role("link", name="Import or export steps").click()
    assert page.locator("#steps-record_id").input_value() == str(stream_id)  # the stream we came from
    assert page.locator("#steps-export").input_value() == str(stream_id)
    page.locator("#steps-format").select_option("csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").first.click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    journey.shot("transfer-page")

    rows = list(csv.reader(io.StringIO(exported)))
    header = rows[0]
    rows = [row for row in rows[1:] if row[0] != "Repair"]  # drop one step,
    rows[1][header.index("cycle_time_s")] = "450"  # change another,
    rows.append(["Clean"] + [""] * (len(header) - 1))  # and add one
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    page.locator("#steps-table").set_input_files(
        {"name": "repairs.csv", "mimeType": "text/csv", "buffer": buffer.getvalue().encode()})
    page.get_by_label(re.compile("Replace them with the file's steps")).check()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/transfer/steps/import")
    assert "Nothing has been written yet." in page.inner_text("main")
    actions = page.locator("table.import-preview tbody tr").evaluate_all("rows => rows.map(r => r.className)")
    assert actions == ["preview-keep", "preview-change", "preview-keep", "preview-add", "preview-remove"]
    journey.shot("import-preview")
    with database.app_context():
        assert db.session.query(Step).filter_by(value_stream_id=stream_id).count() == 4

    page.get_by_role("button", name=re.compile("^Import: 1 added, 1 changed, 1 removed")).click()
    assert journey.flash("Steps imported into Repairs: 1 added, 1 changed, 1 removed.").is_visible()
    journey.shot("stream-after-import")
    with database.app_context():
        steps = db.session.query(Step).filter_by(value_stream_id=stream_id).order_by(Step.position).all()
        assert [(s.name, s.cycle_time_s) for s in steps] == [("Receive", 60), ("Diagnose", 450),
                                                              ("Test", 300), ("Clean", None)]
