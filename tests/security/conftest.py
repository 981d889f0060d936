"""An organization full of records of every kind, for the attacks to aim at."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lms.cli import cli
from lms.extensions import db
from tests.factory import OrgRef, UserRef
from tests.security.records import fingerprint, record_ids


@dataclass(frozen=True)
class Target:
    org: OrgRef
    admin: UserRef
    token: str
    ids: dict[str, int]


def fill(app, make, name: str = "Victim", slug: str = "victim", seed: int = 9) -> Target:
    """Create an organization with an admin and generated records of every kind."""
    org = make.org(name, slug)
    admin = make.user(org, "admin")
    result = app.test_cli_runner().invoke(cli, ["generate", "--org", slug, "--value-streams", "2",
                                                "--steps", "3", "--kpis", "2", "--weeks", "5",
                                                "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    token = make.token(admin)
    with app.app_context():
        return Target(org, admin, token, record_ids(org.id))


@pytest.fixture()
def victim(app, make):
    """Organization A, full of records of every kind; its fingerprint before the attack."""
    target = fill(app, make)
    with app.app_context():
        return target.org, target.ids, fingerprint(target.org.id)


@pytest.fixture()
def filled(app, make) -> Target:
    """An organization with records of every kind, its admin and the admin's token."""
    return fill(app, make)


@pytest.fixture()
def snapshot(app):
    """Return a function that takes an organization's fingerprint."""

    def take(org_id: int) -> dict:
        with app.app_context():
            db.session.remove()
            return fingerprint(org_id)

    return take
