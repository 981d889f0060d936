"""Bulk loads refresh the planner statistics (PostgreSQL and SQLite); small ones leave them alone."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from lms.bulk import ANALYZE_AFTER_ROWS, content_models, refresh_statistics, statistics_statement
from lms.extensions import db
from lms.models import KpiMeasurement, Step


def _statements(app, call) -> list[str]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

        def note(_conn, _cursor, statement, *_args) -> None:
            if statement.upper().startswith(("ANALYZE", "VACUUM")):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", note)
        try:
            call()
        finally:
            event.remove(engine, "before_cursor_execute", note)
    return seen


def _refreshes(app, *models) -> list[str]:
    with app.app_context():
        return [statistics_statement(model) for model in models]


@pytest.mark.parametrize("rows, refreshed", [
    (None, True), (ANALYZE_AFTER_ROWS, True), (ANALYZE_AFTER_ROWS - 1, False), (0, False),
])
def test_only_large_loads_analyze_the_tables_they_filled(database, rows, refreshed):
    seen = _statements(database, lambda: refresh_statistics(KpiMeasurement, Step, rows=rows))
    assert seen == (_refreshes(database, KpiMeasurement, Step) if refreshed else [])


def test_postgresql_also_vacuums_so_covering_indexes_need_no_table_visits(database):
    with database.app_context():
        statement = statistics_statement(KpiMeasurement)
        if db.engine.dialect.name == "postgresql":
            assert statement == "VACUUM (ANALYZE) kpi_measurements"
        else:
            assert statement == "ANALYZE kpi_measurements"


def test_generation_analyzes_every_content_table_it_filled_whatever_its_size(database, make):
    from lms.cli import cli

    make.org("Bench", "bench")
    runner = database.test_cli_runner()
    seen = _statements(database, lambda: runner.invoke(cli, [
        "generate", "--org", "bench", "--value-streams", "2", "--steps", "3", "--kpis", "2", "--weeks", "5"]))
    expected = set(_refreshes(database, *content_models()))
    assert set(seen) == expected
    assert set(_refreshes(database, KpiMeasurement, Step)) <= expected


def test_an_organization_import_analyzes_every_content_table_whatever_its_size(database, make, tmp_path):
    from lms.cli import cli

    make.org("Source", "source")
    make.org("Target", "target")
    runner = database.test_cli_runner()
    generated = runner.invoke(cli, ["generate", "--org", "source", "--value-streams", "1", "--steps", "2",
                                    "--kpis", "1", "--weeks", "3"])
    assert generated.exit_code == 0, generated.output
    exported = runner.invoke(cli, ["export", "--org", "source"])
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "source.json"
    path.write_text(exported.stdout)
    results = []
    seen = _statements(database, lambda: results.append(runner.invoke(cli, ["import", str(path), "--org", "target"])))
    assert results[0].exit_code == 0, results[0].output
    assert set(seen) == set(_refreshes(database, *content_models()))


def test_inserted_rows_come_back_as_ids_in_order_or_not_at_all_when_not_asked(database, make):
    from sqlalchemy import select

    from lms.bulk import insert_rows
    from lms.models import Customer

    org = make.org()
    ctx = make.acting_as(make.user(org, "admin"))
    try:
        ids = insert_rows(Customer, [{"organization_id": org.id, "name": name} for name in "CAB"])
        unasked = insert_rows(Customer, [{"organization_id": org.id, "name": name} for name in "ED"], ids=False)
        db.session.commit()
        names = dict(db.session.execute(select(Customer.id, Customer.name)).all())
    finally:
        ctx.pop()
    assert [names[i] for i in ids] == ["C", "A", "B"]
    assert unasked == [] and sorted(names.values()) == ["A", "B", "C", "D", "E"]
