"""Journey: an admin raises the minimum meaningful change of satisfaction and a KPI's verdict follows.

The KPI rose 10 % (100 -> 110 calls/h); satisfaction with its outcome rose 5.0 -> 5.8 as the team
judged it, without respondent counts. A 0.8-point gain clears the 0.5-point default (aligned) but
not a 1.0-point minimum: then the outcome held steady while the KPI improved, and it diverges.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.scenarios import day, monthly, repair_hotline

pytestmark = pytest.mark.browser


def test_admin_changes_the_minimum_meaningful_change_and_the_verdict_follows(page, make, app):
    world = repair_hotline(make)
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(outcome_ids=[outcome], target=120.0)
    world.measure(kpi_id, monthly())
    world.rate(outcome, [(day(15), 5.0), (day(165), 5.8)])

    page.goto("/login")
    page.get_by_label("Email").fill(world.admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    page.goto(f"/kpis/{kpi_id}")
    assert page.get_by_role("heading", name="Drift verdict: Aligned").is_visible()
    assert "rose 0.8 points (5.0 → 5.8)" in page.locator(".verdict").inner_text()
    assert "Off track: 110 against 120 calls/h" in page.locator(".target-status").inner_text()  # 110 under 120

    page.goto("/admin/users")
    page.get_by_role("link", name="Settings").click()
    field = page.get_by_label("Minimum meaningful change of satisfaction (points, 0–10 scale)")
    assert field.input_value() == "0.5"
    field.fill("1.0")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Drift settings saved.")).to_be_visible()

    page.goto(f"/kpis/{kpi_id}")
    assert page.get_by_role("heading", name="Drift verdict: Diverging").is_visible()
    verdict = page.locator(".verdict").inner_text()
    assert "held steady: +0.8 points (5.0 → 5.8), under the 1.0-point minimum" in verdict
    assert page.console_errors == []
