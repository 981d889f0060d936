"""The content version moves with every write, so caches keyed by it are never stale."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, insert, select, update

from lms import tenancy
from lms.content import VersionedCache, content_version
from lms.extensions import db
from lms.models import Customer, KpiMeasurement, Organization


def _version(app, org_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Organization.content_version).where(Organization.id == org_id))


def test_orm_writes_bulk_writes_and_rollbacks(app, make):
    # Rows written around the services on purpose: the subject is what ORM, bulk and rolled-back writes do.
    org, other = make.org("A"), make.org("B")
    start, other_start = _version(app, org.id), _version(app, other.id)
    with app.app_context():
        tenancy.scope_to(org.id)
        db.session.add(Customer(name="New"))
        db.session.commit()
    assert _version(app, org.id) == start + 1
    with app.app_context():
        tenancy.scope_to(org.id)
        db.session.execute(update(Customer).values(description="bulk"))
        db.session.commit()
    assert _version(app, org.id) == start + 2
    with app.app_context():  # no scope: the rows' own organization is noted
        db.session.execute(insert(Customer), [{"organization_id": other.id, "name": "Theirs"}])
        db.session.commit()
    assert _version(app, other.id) == other_start + 1
    with app.app_context():
        tenancy.scope_to(org.id)
        db.session.add(Customer(name="Never"))
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert _version(app, org.id) == start + 2  # a rolled-back write moves nothing
    with app.app_context():  # a read-only transaction moves nothing either
        tenancy.scope_to(org.id)
        db.session.scalars(select(Customer)).all()
        db.session.commit()
    assert _version(app, org.id) == start + 2


def test_every_api_write_moves_the_version_and_cached_reads_follow(app, make, api_as):
    org = make.org()
    api = api_as(make.user(org, "admin"))
    stream = api.post("/value-streams", json={"name": "Line", "daily_demand": 10}).get_json()
    api.post(f"/value-streams/{stream['id']}/steps", json={"name": "Cut", "cycle_time_s": 100})
    first = api.get(f"/value-streams/{stream['id']}/metrics").get_json()
    assert first["processing_time_s"] == 100
    step = api.get(f"/value-streams/{stream['id']}/steps").get_json()["items"][0]
    before = _version(app, org.id)
    assert api.patch(f"/steps/{step['id']}", json={"cycle_time_s": 250}).status_code == 200
    assert _version(app, org.id) == before + 1
    assert api.get(f"/value-streams/{stream['id']}/metrics").get_json()["processing_time_s"] == 250
    kpi = api.post("/kpis", json={"name": "Output"}).get_json()
    api.post(f"/kpis/{kpi['id']}/measurements", json={"measured_on": "2026-11-02", "value": 3})
    assert api.get(f"/kpis/{kpi['id']}/measurements").get_json()["total"] == 1
    with app.app_context():  # even a write that bypasses the services is seen
        db.session.add(KpiMeasurement(organization_id=org.id, kpi_id=kpi["id"], measured_on=date(2026, 11, 9),
                                      value=4))
        db.session.commit()
    assert api.get(f"/kpis/{kpi['id']}/measurements").get_json()["total"] == 2


def test_cached_reads_do_not_cross_organizations(app, make, api_as):
    mine, theirs = api_as(make.user(make.org("Mine"), "admin")), api_as(make.user(make.org("Theirs"), "admin"))
    mine.post("/customers", json={"name": "Only mine", "kind": "external"})
    assert [c["name"] for c in mine.get("/customers").get_json()["items"]] == ["Only mine"]
    assert theirs.get("/customers").get_json()["items"] == []


def test_versioned_cache_computes_once_per_version(app, make):
    org = make.org()
    cache = VersionedCache(max_entries=3)
    calls = []
    with app.app_context():
        tenancy.scope_to(org.id)
        assert cache.get("n", 1, lambda: calls.append(1) or "one") == "one"
        assert cache.get("n", 1, lambda: calls.append(1) or "again") == "one"
        assert calls == [1]
        version = content_version()
        db.session.add(Customer(name="moves the version"))  # a bare ORM write: the hook itself is the subject
        db.session.commit()
        assert content_version() != version
        assert cache.get("n", 1, lambda: "fresh") == "fresh"


def test_the_cache_refuses_a_request_that_skipped_the_permission_check(app, make):
    org = make.org()
    with app.test_request_context("/"):
        tenancy.scope_to(org.id)
        with pytest.raises(RuntimeError, match="permission"):
            VersionedCache().get("n", 1, lambda: "computed before anyone was checked")


def test_concurrent_misses_compute_once(app, make):
    import threading
    import time

    org = make.org()
    cache = VersionedCache()
    calls, results = [], []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return "value"

    def worker():
        with app.app_context():
            tenancy.scope_to(org.id)
            results.append(cache.get("slow", "k", slow))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert results == ["value"] * 6 and len(calls) == 1


def _counted():
    """A cache of its own, and a computation that answers how many times it has run."""
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    return VersionedCache(), compute, calls


def test_a_value_that_names_its_tables_survives_writes_to_other_tables_only(app, make):
    from lms.content import history
    from lms.models import Kpi

    org = make.org()
    cache, compute, calls = _counted()

    reads = frozenset({Kpi.__tablename__})
    # Rows written around the services on purpose: each write must touch exactly the table named.
    with app.app_context():
        tenancy.scope_to(org.id)
        assert cache.get("k", 1, compute, reads=reads) == 1
        db.session.add(Customer(name="not read"))  # a write to a table the value does not read
        db.session.commit()
        assert cache.get("k", 1, compute, reads=reads) == 1
        assert cache.get("other", 1, compute) == 2
        db.session.add(Customer(name="again not read"))
        db.session.commit()
        assert cache.get("other", 1, compute) == 3  # a value that names no tables is computed again
        assert cache.get("k", 1, compute, reads=reads) == 1
        db.session.add(Kpi(name="read"))  # a write to a table it reads
        db.session.commit()
        assert cache.get("k", 1, compute, reads=reads) == 4
        db.session.execute(update(Customer).values(description="bulk, not read"))
        db.session.commit()
        assert cache.get("k", 1, compute, reads=reads) == 4
        # A version this process did not see written (another process, say) is never assumed harmless.
        db.session.add(Customer(name="unseen"))
        db.session.commit()
        history.clear()
        assert cache.get("k", 1, compute, reads=reads) == 5
        assert calls == [1] * 5


def test_deleting_a_row_notes_the_tables_the_database_cascades_to(app, make):
    """The database deletes (or clears) the rows that point at a deleted one; no flush names them, so
    the history names their tables for it: a value kept by those tables is computed again."""
    from lms.content import cascades_of
    from lms.models import Job, KpiOutcomeLink, Outcome, OutcomeRating, Step

    below_customer = {Job.__tablename__, Outcome.__tablename__, OutcomeRating.__tablename__,
                      KpiOutcomeLink.__tablename__, Step.__tablename__}  # steps: their job is cleared
    assert below_customer <= cascades_of(Customer.__tablename__)
    assert Customer.__tablename__ not in cascades_of(Job.__tablename__)  # only downwards
    assert cascades_of(OutcomeRating.__tablename__) == frozenset()

    org = make.org()
    cache, compute, calls = _counted()

    reads = frozenset({OutcomeRating.__tablename__})
    # Rows written around the services on purpose: the subject is which tables a delete names.
    with app.app_context():
        tenancy.scope_to(org.id)
        customers = [Customer(name="Kept"), Customer(name="Deleted one by one"), Customer(name="Deleted in bulk")]
        db.session.add_all(customers)
        db.session.commit()
        assert cache.get("k", 1, compute, reads=reads) == 1
        customers[0].description = "changed, not deleted"  # an update cascades nowhere
        db.session.commit()
        assert cache.get("k", 1, compute, reads=reads) == 1
        db.session.delete(customers[1])  # the ORM deletes the customer, the database its ratings
        db.session.commit()
        assert cache.get("k", 1, compute, reads=reads) == 2
        db.session.execute(delete(Customer).where(Customer.name == "Deleted in bulk"))
        db.session.commit()
        assert cache.get("k", 1, compute, reads=reads) == 3


def test_the_history_names_the_rows_a_write_changed_where_it_can(app, make):
    """A rating's write names its outcome (the model's scope), a moved rating its old outcome too; a
    bulk statement, a cascade or a model without a scope leaves the rows unknown (None)."""
    from datetime import date as day

    from lms.content import history
    from lms.models import Job, Outcome, OutcomeRating

    org = make.org()
    reads = frozenset({Outcome.__tablename__, OutcomeRating.__tablename__, Job.__tablename__})
    # Rows written around the services on purpose: the subject is what each kind of write names.
    with app.app_context():
        tenancy.scope_to(org.id)
        customer = Customer(name="C")
        job = Job(customer=customer, statement="Get it done")
        first, second = Outcome(job=job, statement="Minimize A"), Outcome(job=job, statement="Minimize B")
        db.session.add_all([customer, job, first, second])
        db.session.commit()

        def changes(write) -> dict | None:
            before = content_version()[2]
            write()
            db.session.commit()
            return history.changes(org.id, before, content_version()[2], reads)

        rating = OutcomeRating(outcome_id=first.id, rated_on=day(2026, 11, 2), importance=8, satisfaction=3)
        assert changes(lambda: db.session.add(rating)) == {"outcome_ratings": {first.id}}

        def move():
            assert rating.outcome_id == first.id  # loaded: the write knows where the rating was
            rating.outcome_id = second.id
        assert changes(move) == {"outcome_ratings": {first.id, second.id}}
        assert changes(lambda: setattr(rating, "outcome_id", first.id)) is None  # not loaded: unknown
        assert changes(lambda: setattr(second, "statement", "Minimize B sooner")) == {"outcomes": {second.id}}
        assert changes(lambda: db.session.execute(update(OutcomeRating).values(respondents=9))) is None
        assert changes(lambda: setattr(job, "statement", "Get it all done")) is None  # jobs name no rows
        assert changes(lambda: db.session.add(Customer(name="not read"))) == {}
        assert changes(lambda: db.session.delete(second)) is None  # its ratings go by cascade
        history.clear()
        assert history.changes(org.id, 0, content_version()[2], reads) is None  # not seen written


def test_a_failed_commit_leaves_no_history(app, make):
    from lms.content import history
    from lms.models import Kpi

    org = make.org()
    with app.app_context():  # rows written around the services on purpose: a flush rolled back by hand
        tenancy.scope_to(org.id)
        version = content_version()[2]
        db.session.add(Customer(name="Same"))
        db.session.flush()
        db.session.rollback()
        assert history.changes(org.id, version, version + 1, frozenset({Kpi.__tablename__})) != {}
        db.session.add(Customer(name="Written"))
        db.session.commit()
        assert history.changes(org.id, version, version + 1, frozenset({Kpi.__tablename__})) == {}
        assert history.changes(org.id, version, version + 1, frozenset({Customer.__tablename__})) != {}


def test_a_newer_version_replaces_the_older_one_of_the_same_key(app, make):
    """Every write moves the version: an old version's value is dropped, not held until the LRU's end."""
    org = make.org()
    cache = VersionedCache()
    with app.app_context():
        tenancy.scope_to(org.id)
        for n in range(5):
            assert cache.get("k", 1, lambda n=n: n) == n
            assert cache.get("k", 2, lambda n=n: -n) == -n
            # Rows written around the services on purpose: each write only has to move the version.
            db.session.add(Customer(name=f"customer {n}"))
            db.session.commit()
        assert len(cache._entries) == 2  # the newest value of each key
        assert cache.get("k", 1, lambda: "afresh") == "afresh"
