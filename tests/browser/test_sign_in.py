"""Journey: a person signs in through a real browser, sees their organization, signs out."""

from __future__ import annotations

import pytest

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
    assert page.get_by_text("Email or password is incorrect.").is_visible()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Repair Depot North"
    # The CSP lets our own script and styles run: the browser refused nothing.
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []

    page.locator("summary", has_text="Ada Admin").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("You are signed out.").is_visible()
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
