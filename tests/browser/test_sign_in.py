"""Journey: a person signs in through a real browser, sees their organization, signs out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_see_organization_and_sign_out(page, make):
    org = make.org("Repair Depot North")
    user = make.user(org, "admin", name="Ada Admin")
    page.goto("/")
    assert "/login" in page.url
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Email or password is incorrect.")).to_be_visible()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Repair Depot North"
    # The CSP lets our own script and styles run: the browser refused nothing.
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []

    page.locator("summary", has_text="Ada Admin").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/")
    assert "/login" in page.url


def test_keyboard_only_sign_in(page, make):
    user = make.user(make.org("Keyboard Co"), "viewer")
    page.goto("/login")
    assert page.evaluate("document.activeElement.name") == "email"  # focus starts in the form
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    assert "Keyboard Co" in page.inner_text("h1")


CONTRAST = """() => {
  const rgb = (css) => css.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const fg = lum(rgb(getComputedStyle(document.querySelector('.account-menu summary')).color));
  const bg = lum(rgb(getComputedStyle(document.querySelector('.site-header')).backgroundColor));
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
}"""


def test_the_account_menu_is_readable_and_no_field_claims_to_be_invalid(page, make):
    """The only way to sign out meets WCAG AA contrast; untouched fields carry no aria-invalid."""
    user = make.user(make.org("Contrast Co"), "admin", name="Ada Admin")
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    assert page.evaluate(CONTRAST) >= 4.5
    page.goto("/customers/new")
    assert page.locator("[aria-invalid]").count() == 0
    assert page.locator('[aria-describedby="None"]').count() == 0
