"""Journey: a process owner opens their map and tags steps in place, with JavaScript on."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.models import Step
from tests.conftest import PASSWORD
from tests.scenarios import map_stamping_line, stamping_shop

pytestmark = pytest.mark.browser


def _sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_owner_tags_steps_in_place_without_reloading(page, make, app):
    shop = stamping_shop(make)
    stream_id, step_ids = map_stamping_line(make, shop)
    _sign_in(page, shop.owner)
    page.goto(f"/value-streams/{stream_id}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Stamped brackets")
    for chart in ("map", "takt", "pareto"):
        image = page.locator(f'img[src="/value-streams/{stream_id}/{chart}.svg"]')
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.get_attribute("alt")

    page.evaluate("window.stillThisPage = true")  # gone if the browser loads a new page
    assembly = page.locator(f"#step-{step_ids[4]}")
    assembly.get_by_role("button", name="Necessary").click()
    page.locator(f"#step-{step_ids[4]} .tag-button.tag-necessary.current").wait_for()
    assert page.evaluate("window.stillThisPage") is True
    assert "NVA 1" in page.locator("#stream-figures").inner_text()
    # The charts are drawn again from the new tag and shown, not kept as they were.
    page.wait_for_function("""() => [...document.querySelectorAll('img[data-chart]')].every(img =>
        img.currentSrc.includes('?v=') && img.complete && img.naturalWidth > 0)""")
    assert page.locator("img[data-chart]").count() == 3
    with app.app_context():
        assert db.session.get(Step, step_ids[4]).classification == "necessary"

    coils = page.locator(f"#step-{step_ids[1]}")
    coils.get_by_role("button", name="Value-adding").click()
    page.locator(f"#step-{step_ids[1]} .errors").wait_for()
    assert "must serve a customer job" in page.locator(f"#step-{step_ids[1]}").inner_text()
    assert page.evaluate("window.stillThisPage") is True
    with app.app_context():
        assert db.session.get(Step, step_ids[1]).classification == "waste"
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_tagging_works_with_javascript_off(browser, live_server, make, app):
    shop = stamping_shop(make)
    stream_id, step_ids = map_stamping_line(make, shop)
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in(page, shop.owner)
        page.goto(f"/value-streams/{stream_id}")
        page.locator(f"#step-{step_ids[0]}").get_by_role("button", name="Waste").click()
        page.wait_for_url(f"**/value-streams/{stream_id}#step-{step_ids[0]}")
        assert "Stamping tagged waste." in page.locator(".flashes").inner_text()
        with app.app_context():
            assert db.session.get(Step, step_ids[0]).classification == "waste"
    finally:
        context.close()
