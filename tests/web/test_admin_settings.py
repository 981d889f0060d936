"""The organization's drift settings: an admin's form, checked, versioned and audited."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.models import AuditEvent, Organization
from tests.conftest import login

SETTINGS = {"drift_window_days": "180", "drift_stale_days": "45", "drift_min_change_pct": "5",
            "drift_min_satisfaction_change": "0.5"}


def _settings(app, org_id: int) -> tuple:
    with app.app_context():
        org = db.session.get(Organization, org_id)
        return (org.drift_window_days, org.drift_stale_days, org.drift_min_change_pct,
                org.drift_min_satisfaction_change, org.version)


def test_the_minimum_meaningful_change_defaults_to_half_a_point_and_an_admin_changes_it(client, make, app):
    org = make.org()
    login(client, make.user(org, "admin"))
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="drift_min_satisfaction_change"' in page and 'value="0.5"' in page
    version = _settings(app, org.id)[-1]
    response = client.post("/admin/settings", data={**SETTINGS, "drift_min_satisfaction_change": "0.8",
                                                    "version": str(version)})
    assert response.status_code == 302
    assert _settings(app, org.id)[:4] == (180, 45, 5.0, 0.8)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "settings"))
        assert event.record_type == "Organization" and event.record_id == org.id
        assert (event.before, event.after) == ({"drift_min_satisfaction_change": 0.5},
                                               {"drift_min_satisfaction_change": 0.8})
    assert "Drift settings saved." in client.get("/admin/settings").get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("drift_min_satisfaction_change", "-0.1", "between 0 and 10"),
    ("drift_min_satisfaction_change", "11", "between 0 and 10"),
    ("drift_min_satisfaction_change", "", "This field is required."),
    ("drift_window_days", "7", "between 30 and 730"),
    ("drift_min_change_pct", "abc", "Not a valid float value."),
])
def test_bad_settings_are_form_messages_and_change_nothing(client, make, app, field, value, message):
    org = make.org()
    login(client, make.user(org, "admin"))
    before = _settings(app, org.id)
    response = client.post("/admin/settings", data={**SETTINGS, field: value, "version": str(before[-1])})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _settings(app, org.id) == before
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "settings")) == 0


def test_a_stale_form_is_refused(client, make, app):
    org = make.org()
    login(client, make.user(org, "admin"))
    version = _settings(app, org.id)[-1]
    client.post("/admin/settings", data={**SETTINGS, "drift_stale_days": "60", "version": str(version)})
    response = client.post("/admin/settings", data={**SETTINGS, "drift_stale_days": "30", "version": str(version)},
                           follow_redirects=True)
    assert _settings(app, org.id)[1] == 60  # the second, made against the old version, changed nothing
    assert "changed" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("role", ["manager", "owner", "viewer"])
def test_only_admins_change_settings(client, make, app, role):
    org = make.org()
    login(client, make.user(org, role))
    assert client.get("/admin/settings").status_code == 403
    before = _settings(app, org.id)
    assert client.post("/admin/settings", data={**SETTINGS, "drift_min_satisfaction_change": "2"}).status_code == 403
    assert _settings(app, org.id) == before


def test_the_setting_decides_drift(client, make, app):
    """Another organization's setting is its own: one admin's change leaves the other's alone."""
    first, second = make.org("First"), make.org("Second")
    login(client, make.user(first, "admin"))
    client.post("/admin/settings", data={**SETTINGS, "drift_min_satisfaction_change": "2.5",
                                         "version": str(_settings(app, first.id)[-1])})
    assert _settings(app, first.id)[3] == 2.5 and _settings(app, second.id)[3] == 0.5


def test_the_settings_schema_says_each_range():
    from lms.admin.schemas import DRIFT_SETTINGS, DriftSettingsIn, range_message
    from lms.errors import ValidationFailed
    from lms.validation import validate

    with pytest.raises(ValidationFailed) as refused:
        validate(DriftSettingsIn, {"drift_window_days": 29, "drift_stale_days": True,
                                   "drift_min_change_pct": 100.5, "drift_min_satisfaction_change": float("nan")})
    assert refused.value.fields == {name: [range_message(name)] for name in DRIFT_SETTINGS}
    assert range_message("drift_window_days") == "The drift window must be between 30 and 730."
