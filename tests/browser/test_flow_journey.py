"""Journey: an admin imports a tracker's CSV export, checks its columns, maps the unmapped work and
reads the measured flow beside the map, with JavaScript on (the upload shows its progress, and the
import's page follows the background import to its end)."""

from __future__ import annotations

import pytest

from tests.flow.small_log import SMALL_CSV
from tests.scenarios import quotes_office

pytestmark = pytest.mark.browser


def test_import_a_csv_log_map_it_and_read_the_flow(page, make, api_as, tmp_path, database, monkeypatch):
    monkeypatch.setitem(database.config, "LMS_IMPORT_IN_BACKGROUND", True)  # as served: a thread imports
    _, admin, stream_id, _ = quotes_office(make)
    export = tmp_path / "tracker.csv"
    export.write_text(SMALL_CSV.replace("case_id,activity,timestamp", "Issue key,Status,Changed at"))
    from tests.browser.test_streams_browser import _sign_in

    _sign_in(page, admin)
    page.goto(f"/value-streams/{stream_id}/flow")
    page.get_by_role("link", name="Import an event log").first.click()
    page.get_by_label("Event log (.csv or .xes)").set_input_files(str(export))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="Which column holds what?").wait_for()
    assert page.get_by_label("Case id").input_value() == "Issue key"  # guessed from the header
    assert page.get_by_label("Timestamp").input_value() == "Changed at"
    page.get_by_label("Lifecycle (start / complete)").select_option("lifecycle")
    page.get_by_label("Segment").select_option("segment")
    page.get_by_role("button", name="Import").click()
    page.get_by_role("heading", name="Importing tracker.csv").wait_for()
    # The status page follows the background import (its script polls the JSON status) to the end.
    page.get_by_role("heading", name="Imported").wait_for(timeout=60_000)
    assert "16 events imported" in page.locator("body").inner_text()
    page.get_by_role("link", name="Map the new activities to steps").click()
    page.get_by_role("heading", name="Activities of the log and the map's steps").wait_for()
    assert "Unmapped work:" in page.locator("body").inner_text()
    page.get_by_label("Chase customer").select_option(label="2. Approve")
    page.get_by_role("button", name="Save the mapping").click()
    page.get_by_text("Every activity of the log happens in a step of the map.").wait_for()
    page.goto(f"/value-streams/{stream_id}/flow", timeout=60_000)  # a busy test machine is slow
    assert page.locator('[data-figure="lead-p50"]').inner_text() == "0.9 d"
    for chart in ("lead-times", "throughput", "cumulative-flow"):
        image = page.locator(f'img[src^="/value-streams/{stream_id}/flow/{chart}.svg"]')
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.get_attribute("alt")
    page.get_by_label("Done within (working days)").fill("1")
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="Forecast").click()
    assert "The chance that a case started today is done within 1 working days" in page.locator("body").inner_text()
