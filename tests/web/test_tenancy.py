"""The one tenancy mechanism: every ORM query is scoped to the acting organization."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from werkzeug.exceptions import NotFound

from lms import tenancy
from lms.extensions import db
from lms.models import Customer, Job


@pytest.fixture()
def two_orgs(make, app):
    a, b = make.org("A"), make.org("B")
    ua, ub = make.user(a, "admin"), make.user(b, "admin")
    make.customer(ua, "Ann")
    make.customer(ub, "Bob")
    return ua, ub


def test_selects_counts_and_joins_see_only_the_acting_organization(make, two_orgs):
    ua, _ = two_orgs
    ctx = make.acting_as(ua)
    try:
        assert db.session.scalars(select(Customer.name)).all() == ["Ann"]
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
        assert db.session.scalar(select(func.count(Customer.id))) == 1
        joined = select(Job).join(Customer, Customer.id == Job.customer_id)
        assert db.session.scalars(joined).all() == []
    finally:
        ctx.pop()


def test_bulk_update_and_delete_cannot_touch_another_organization(make, app, two_orgs):
    ua, _ = two_orgs
    ctx = make.acting_as(ua)
    try:
        db.session.execute(update(Customer).values(description="touched"))
        db.session.execute(delete(Customer).where(Customer.name == "Bob"))
        db.session.commit()
    finally:
        ctx.pop()
    with app.app_context():
        rows = dict(db.session.execute(select(Customer.name, Customer.description)).tuples().all())
    assert rows == {"Ann": "touched", "Bob": ""}


def test_get_or_404_hides_other_organizations_records(make, app, two_orgs):
    ua, _ = two_orgs
    with app.app_context():
        bob_id = db.session.scalar(select(Customer.id).where(Customer.name == "Bob"))
    ctx = make.acting_as(ua)
    try:
        with pytest.raises(NotFound):
            tenancy.get_or_404(Customer, bob_id)
        assert tenancy.find(Customer, bob_id) is None
    finally:
        ctx.pop()


def test_new_records_are_stamped_and_cannot_be_written_elsewhere(make, app, two_orgs):
    ua, ub = two_orgs
    ctx = make.acting_as(ua)
    try:  # bare ORM writes on purpose: the stamping and its refusal of another organization are the subject
        db.session.add(Customer(name="Cleo"))
        db.session.commit()
        assert db.session.scalar(select(Customer.organization_id).where(Customer.name == "Cleo")) == ua.organization_id
        db.session.add(Customer(name="Mallory", organization_id=ub.organization_id))
        with pytest.raises(RuntimeError, match="another organization"):
            db.session.commit()
        db.session.rollback()
    finally:
        ctx.pop()


@pytest.mark.parametrize("roles, role, allowed", [
    (("admin",), "admin", True),
    (("admin",), "manager", False),
    (("admin", "manager"), "manager", True),
    (("admin", "manager"), "viewer", False),
])
def test_require(make, roles, role, allowed):
    user = make.user(make.org(), role)
    ctx = make.acting_as(user)
    try:
        if allowed:
            assert tenancy.require(*roles).id == user.id
        else:
            with pytest.raises(tenancy.Forbidden):
                tenancy.require(*roles)
    finally:
        ctx.pop()


@pytest.mark.parametrize("role, owns, allowed", [
    ("admin", False, True), ("manager", False, True), ("owner", True, True),
    ("owner", False, False), ("viewer", True, False),
])
def test_editor_or_owner(make, role, owns, allowed):
    from lms.permissions import editor_or_owner
    from lms.streams.permissions import require_edit

    user = make.user(make.org(), role)
    ctx = make.acting_as(user)
    try:
        actor = tenancy.actor()
        owner_id = user.id if owns else user.id + 1000
        assert editor_or_owner(actor, owner_id) is allowed
        assert editor_or_owner(actor, None) is (role in ("admin", "manager"))
        stream = type("Stream", (), {"owner_id": owner_id})()
        if allowed:
            assert require_edit(stream) is actor
        else:
            with pytest.raises(tenancy.Forbidden):
                require_edit(stream)
    finally:
        ctx.pop()


def test_the_shared_lookups_by_id_and_names_see_only_the_acting_organization(make, app, two_orgs):
    ua, ub = two_orgs
    with app.app_context():
        ids = dict(db.session.execute(select(Customer.name, Customer.id)).tuples().all())
    make.customer(ua, "Abe")
    ctx = make.acting_as(ua)
    try:
        assert {c.name for c in tenancy.by_id(Customer, [ids["Ann"], ids["Bob"], None]).values()} == {"Ann"}
        assert tenancy.by_id(Customer, [None]) == {}
        assert list(tenancy.names(Customer, Customer.name).values()) == ["Abe", "Ann"]  # by the label
        assert tenancy.names(Customer, Customer.name, [ids["Bob"]]) == {}
        assert tenancy.names(Customer, Customer.name, [ids["Ann"], ids["Bob"]]) == {ids["Ann"]: "Ann"}
        assert tenancy.names(Customer, Customer.name, []) == {}
    finally:
        ctx.pop()
