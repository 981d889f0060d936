"""The review page runs the same number of SQL statements however many steps and KPIs its stream has."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from lms.extensions import db
from tests.conftest import login
from tests.scenarios import plan_review, review_line, review_team


@contextmanager
def counted(app):
    """Count the statements sent to the database inside the block."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _open_review(database, make, api_as, name: str, extra_steps: int, extra_kpis: int):
    team = review_team(make, name)
    line = review_line(make, team, extra_steps=extra_steps, extra_kpis=extra_kpis)
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open", participant_ids=[team.owner.id])
    api.post(f"/reviews/{review['id']}/findings", json={"text": "Seen", "step_id": line.step_ids[0]})
    api.post(f"/reviews/{review['id']}/actions", json={
        "title": "Try", "owner_id": team.viewer.id, "kpi_id": line.diverging_kpi_id, "step_id": line.step_ids[1],
        "outcome_id": line.underserved_outcome_id, "due_on": "2020-01-01"})
    client = database.test_client()
    login(client, team.manager)
    return client, review["id"], line


@pytest.mark.parametrize("path", ["/reviews/{id}", "/reviews/", "/reviews/{id}/a3.pdf"])
def test_review_pages_use_a_fixed_number_of_queries(database, make, api_as, path):
    small_client, small_id, small = _open_review(database, make, api_as, "Small", 0, 0)
    big_client, big_id, big = _open_review(database, make, api_as, "Big", 7, 9)
    assert len(small.step_ids) == 5 and len(big.step_ids) == 12
    assert len(big.extra_kpi_ids) + 3 == 12
    counts = []
    for client, review_id in ((small_client, small_id), (big_client, big_id)):
        url = path.format(id=review_id)
        assert client.get(url).status_code == 200  # warm up: the session, the chart cache
        with counted(database) as statements:
            response = client.get(url, headers={"Cache-Control": "no-cache"})
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] < 40, counts
