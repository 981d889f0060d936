"""Several ``lms serve`` processes writing the same records at once: nothing lost, nothing broken.

Two real servers (waitress, threads) share one database (a SQLite file in WAL mode, or a fresh
PostgreSQL database when ``LMS_TEST_DATABASE_URL`` points at PostgreSQL). Eight client threads
rename and move the steps of one stream and change one customer, with and without the ``version``
they read. Every answer must be 200 or 409 (never a 500, never "database is locked"), the step
positions must stay 1..n, and the customer's version must count exactly its successful changes.
"""

from __future__ import annotations

import json
import random
import threading
import urllib.error
import urllib.request
from collections import Counter

import pytest

from lms import create_app
from lms.extensions import db
from tests.live_server import Server
from tests.test_migrations import scratch_url  # noqa: F401 - a database of the test's own

CLIENTS = 8
REQUESTS = 20
STEPS = 6
TIMEOUT = 10


def _prepare(url: str) -> tuple[str, int, int, list[int]]:
    """Migrate the database and fill it: an admin with a token, a customer, a stream with steps."""
    from flask_migrate import upgrade

    from lms import tenancy
    from lms.admin.services import create_organization
    from lms.auth.services import create_token, create_user
    from lms.customers.schemas import CustomerIn
    from lms.customers.services import create_customer
    from lms.streams.schemas import StepIn, ValueStreamIn
    from lms.streams.services import create_step, create_stream

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "LMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        org = create_organization("Busy", "busy")
        admin = create_user(org, email="admin@busy.test", password="a long passphrase", role="admin")
        token = create_token(admin, "load").secret
        tenancy.act_as(admin)
        customer = create_customer(CustomerIn(name="Line 2"))
        stream = create_stream(ValueStreamIn(name="Repair"))
        steps = [create_step(stream, StepIn(name=f"Step {n}")).id for n in range(1, STEPS + 1)]
        ids = (token, customer.id, stream.id, steps)
        db.session.remove()
        db.engine.dispose()
    return ids


def _call(base: str, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        base + "/api/v1" + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - our own server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture()
def servers(scratch_url, tmp_path):  # noqa: F811
    ids = _prepare(scratch_url)
    running = [Server(scratch_url, tmp_path), Server(scratch_url, tmp_path)]
    yield running, ids
    for server in running:
        server.stop()


def test_concurrent_writers_lose_nothing_and_never_fail(servers):
    running, (token, customer_id, stream_id, step_ids) = servers
    answers: list[tuple[str, int, str]] = []
    customer_saves = Counter()
    lock = threading.Lock()

    def client(number: int) -> None:
        rnd = random.Random(number)  # noqa: S311 - a reproducible workload, not a secret
        base = running[number % len(running)].base
        for turn in range(REQUESTS):
            kind = ("rename", "move", "customer")[turn % 3]
            with_version = rnd.random() < 0.5
            if kind == "customer":
                path, body = f"/customers/{customer_id}", {"description": f"client {number} turn {turn}"}
                if with_version:
                    body["version"] = json.loads(_call(base, token, "GET", path)[1])["version"]
            else:
                path = f"/steps/{rnd.choice(step_ids)}"
                body = ({"name": f"Step by {number}.{turn}"} if kind == "rename"
                        else {"position": rnd.randint(1, STEPS)})
                if with_version:
                    body["version"] = json.loads(_call(base, token, "GET", path)[1])["version"]
            status, text = _call(base, token, "PATCH", path, body)
            with lock:
                answers.append((f"{kind} {'with' if with_version else 'without'} version", status, text))
                if kind == "customer" and status == 200:
                    customer_saves[number] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a client hung"

    logs = "\n".join(server.output() for server in running)
    assert len(answers) == CLIENTS * REQUESTS
    broken = [(what, status, text[:200]) for what, status, text in answers if status not in (200, 409)]
    assert broken == [], logs[-3000:]
    assert not any("database is locked" in text for _, _, text in answers)
    assert "database is locked" not in logs and "Traceback" not in logs
    statuses = Counter((what, status) for what, status, _ in answers)
    assert sum(n for (_, status), n in statuses.items() if status == 200) > CLIENTS * REQUESTS // 2, statuses

    base = running[0].base
    steps = json.loads(_call(base, token, "GET", f"/value-streams/{stream_id}/steps")[1])["items"]
    assert sorted(step["position"] for step in steps) == list(range(1, STEPS + 1))
    assert sorted(step["id"] for step in steps) == sorted(step_ids)
    customer = json.loads(_call(base, token, "GET", f"/customers/{customer_id}")[1])
    assert customer["version"] == 1 + sum(customer_saves.values()), "an update was lost"


def test_bad_tokens_are_refused_401_while_others_write(servers):
    """Failed token checks are counted in a write of their own: never 503 'busy' under writers."""
    running, (token, _customer_id, _stream_id, step_ids) = servers
    base = running[0].base
    stop = threading.Event()

    def writer(number: int) -> None:
        turn = 0
        while not stop.is_set():
            _call(base, token, "PATCH", f"/steps/{step_ids[number]}", {"name": f"Written {number}.{turn}"})
            turn += 1

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in writers:
        thread.start()
    try:
        statuses = Counter(_call(base, f"lms_not_a_token_{n}", "GET", "/me")[0] for n in range(40))
    finally:
        stop.set()
        for thread in writers:
            thread.join(TIMEOUT)
    assert statuses == Counter({401: 40})
