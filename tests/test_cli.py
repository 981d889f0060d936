"""The ``lms`` command: organizations, users, tokens, errors without tracebacks."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import click

from lms.cli import cli, command_app, serve
from lms.extensions import db
from lms.models import ApiToken, Organization, User


def test_create_org_user_and_token_then_use_the_token(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["create-org", "Repair Depot", "--slug", "depot"])
    assert result.exit_code == 0 and result.output.strip() == "depot"
    result = runner.invoke(cli, ["create-user", "--org", "depot", "--email", "Boss@Depot.test",
                                 "--password", "a long admin password", "--role", "admin",
                                 "--name", "Boss"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["create-token", "--email", "boss@depot.test", "--name", "script"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("lms_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["email"] == "boss@depot.test" and me["organization"]["slug"] == "depot"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 1
        stored = db.session.scalar(db.select(ApiToken.token_hash))
        assert token not in stored  # only the hash is kept


def test_cli_errors_are_messages_not_tracebacks(app, database):
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["create-user", "--org", "nope", "--email", "a@b.test",
                                 "--password", "a long password", "--role", "admin"])
    assert result.exit_code != 0
    assert "No organization with the slug 'nope'" in result.output
    assert "Traceback" not in result.output
    runner.invoke(cli, ["create-org", "Dup", "--slug", "dup"])
    result = runner.invoke(cli, ["create-org", "Dup again", "--slug", "dup"])
    assert result.exit_code != 0 and "taken" in result.output
    result = runner.invoke(cli, ["create-user", "--org", "dup", "--email", "a@b.test",
                                 "--password", "short", "--role", "admin"])
    assert result.exit_code != 0 and "password" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Organization.id))) == 1


def _lms(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from lms.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_help_lists_the_commands():
    result = _lms("--help")
    assert result.returncode == 0
    for command in ("init-db", "create-org", "create-user", "create-token", "serve", "db"):
        assert command in result.stdout


def test_missing_secret_key_outside_development_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({"LMS_ENV": "production", "LMS_INSTANCE_PATH": str(tmp_path)})
    result = _lms("init-db", env=env)
    assert result.returncode != 0
    assert "LMS_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_db_twice_on_a_fresh_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({"LMS_ENV": "development", "LMS_INSTANCE_PATH": str(tmp_path),
                "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"})
    for _ in range(2):
        result = _lms("init-db", env=env)
        assert result.returncode == 0, result.stderr
        assert "newest schema" in result.stdout


HEAVY = ("matplotlib", "numpy", "openpyxl", "alembic")


# What only the pages use: forms and CSRF, sign-in, the schemas, each feature's views.
WEB_ONLY = ("flask_wtf", "wtforms", "flask_login", "pydantic", "lms.auth.views", "lms.admin.views",
            "lms.request_hooks", "lms.templating")


def _modules_after(*args: str, env: dict, watched: tuple[str, ...] = HEAVY
                   ) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``lms ARGS`` in a fresh interpreter and return which of the ``watched`` modules it imported."""
    code = ("import sys\nfrom lms.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print('MODULES', sorted(m for m in {watched!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                            timeout=120)
    line = next(text for text in result.stdout.splitlines() if text.startswith("MODULES"))
    return result, set(ast.literal_eval(line.removeprefix("MODULES ")))


def test_help_imports_no_heavy_library_and_needs_no_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({"LMS_ENV": "production", "LMS_INSTANCE_PATH": str(tmp_path)})  # and no LMS_SECRET_KEY
    result, heavy = _modules_after("--help", env=env)
    assert heavy == set()
    assert "create-org" in result.stdout and "db" in result.stdout
    assert result.stderr == ""  # no traceback for the missing LMS_SECRET_KEY: --help does not need it


def test_a_simple_command_builds_no_pages_and_imports_no_heavy_library(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({"LMS_ENV": "development", "LMS_INSTANCE_PATH": str(tmp_path),
                "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'quick.sqlite3'}"})
    assert _lms("init-db", env=env).returncode == 0
    result, heavy = _modules_after("create-org", "Quick Repairs", env=env)
    assert result.stdout.startswith("quick-repairs"), result.stderr
    assert heavy == set()


def test_a_simple_command_imports_nothing_of_the_pages(tmp_path):
    # Importing a feature's services (lms.admin.services) once imported its package's views, and with
    # them forms, Flask-WTF, WTForms, Flask-Login and pydantic: a third of `lms create-org`'s modules.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({"LMS_ENV": "development", "LMS_INSTANCE_PATH": str(tmp_path),
                "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'quick.sqlite3'}"})
    assert _lms("init-db", env=env).returncode == 0
    result, web = _modules_after("create-org", "Quick Repairs", env=env, watched=WEB_ONLY)
    assert result.stdout.startswith("quick-repairs"), result.stderr
    assert web == set()


def test_a_missing_setting_is_one_line_for_every_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({"LMS_ENV": "production", "LMS_INSTANCE_PATH": str(tmp_path)})
    for args in (("create-org", "X"), ("db", "current"), ("serve",)):
        result = _lms(*args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip().splitlines() == [result.stderr.strip()]
        assert result.stderr.startswith("Error: LMS_SECRET_KEY is not set")


def test_migrations_are_listed_without_alembic_and_run_with_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({"LMS_ENV": "development", "LMS_INSTANCE_PATH": str(tmp_path),
                "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"})
    result = _lms("db", "--help", env=env)
    assert result.returncode == 0 and "upgrade" in result.stdout
    assert _lms("db", "upgrade", env=env).returncode == 0
    current = _lms("db", "current", env=env)
    assert "(head)" in current.stdout, current.stderr


def test_only_serve_builds_the_pages(monkeypatch):
    built = []
    monkeypatch.setattr("lms.cli.create_app", lambda **options: built.append(options))
    with click.Context(serve):
        command_app()
    with click.Context(cli.get_command(click.Context(cli), "create-org")):
        command_app()
    assert built == [{"web": True}, {"web": False}]
