"""``lms serve`` runs the app with waitress, a production WSGI server, with the threads asked for."""

from __future__ import annotations

from lms.cli import cli


def test_the_serve_command_runs_waitress(app, monkeypatch):
    made = []
    monkeypatch.setattr("waitress.serve", lambda application, **options: made.append((application, options)))
    result = app.test_cli_runner().invoke(cli, ["serve", "--port", "8123", "--threads", "3"])
    assert result.exit_code == 0, result.output
    assert made == [(app, {"host": "127.0.0.1", "port": 8123, "threads": 3, "ident": "lms"})]
    assert "http://127.0.0.1:8123/ with 3 threads" in result.output
