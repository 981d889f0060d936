"""Journey: a manager runs a review end to end in the browser and downloads its A3."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.scenarios import review_line, review_team

pytestmark = pytest.mark.browser


def test_run_a_review_end_to_end(page, make, database):
    team = review_team(make, "Bracket Works")
    line = review_line(make, team)
    page.on("dialog", lambda dialog: dialog.accept())  # "Close the review?" asks first

    page.goto("/login")
    page.get_by_label("Email").fill(team.manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    page.get_by_role("link", name="Reviews", exact=True).click()
    page.get_by_role("link", name="Plan a review").first.click()
    page.get_by_label("Value stream").select_option(str(line.stream_id))
    page.get_by_label("Kind").select_option("kaizen-event")
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("Participants").select_option([str(team.owner.id), str(team.viewer.id)])
    page.get_by_role("button", name="Plan review").click()
    expect(page.locator("h1")).to_contain_text("Kaizen event of")
    expect(page.get_by_text("Planned", exact=True).first).to_be_visible()

    page.get_by_role("button", name="Open the review").click()
    expect(page.locator(".flash", has_text="Review opened")).to_be_visible()
    agenda = page.locator("section.agenda")
    for point in ("Untagged step", "Over takt", "Diverging KPI", "Job gap", "Overdue action"):
        expect(agenda.get_by_text(point).first, point).to_be_visible()

    page.get_by_label("What did you see?").fill("Coils wait five days before welding")
    page.locator("#step_id").select_option(label="2. Coils before welding")
    page.get_by_label("Waste type").select_option("inventory")
    page.get_by_role("button", name="Record finding").click()
    expect(page.locator("ol.findings").get_by_text("Coils wait five days before welding")).to_be_visible()

    page.get_by_role("link", name="Agree an action").click()
    page.get_by_label("Action", exact=True).fill("Pull coils by kanban")
    page.get_by_label("Owner").select_option(str(team.viewer.id))
    page.get_by_label("Due on").fill("2026-04-15")
    page.get_by_role("button", name="Agree action").click()
    card = page.locator("article.action-card", has_text="Pull coils by kanban")
    expect(card).to_contain_text("Vera Viewer")
    expect(page.locator("#stage-plan").locator("xpath=..").get_by_text("Pull coils by kanban")).to_be_visible()

    card.get_by_role("button", name="Move to do →").click()
    moved = page.locator("section.stage-do article.action-card", has_text="Pull coils by kanban")
    expect(moved).to_be_visible()

    page.get_by_role("button", name="Close the review").click()
    expect(page.locator(".flash", has_text="Review closed")).to_be_visible()
    figures = page.locator("table.before-after")
    assert "At opening" in figures.inner_text() and "At closing" in figures.inner_text()
    assert "What the review decided" in page.inner_text("main")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the A3 (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-a3.pdf")
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
    response = page.request.get(page.get_by_role("link", name="Download the A3 (PDF)").get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
