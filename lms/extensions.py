"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lms.db import Base


class DeferredMigrate:
    """Flask-Migrate, imported when a migration first runs rather than whenever the app is built.

    Alembic (with Mako and Pygments) is about an eighth of what an ``lms`` command imports, and only
    ``lms init-db``, ``lms db …`` and the migration tests use it. ``init_app`` leaves a stand-in in
    ``app.extensions["migrate"]`` that sets up the real ``flask_migrate.Migrate`` on first use.
    """

    def init_app(self, app: Flask, db: SQLAlchemy, **options: Any) -> None:
        """Remember how migrations are configured for ``app``; import nothing yet."""
        app.extensions["migrate"] = _MigrateOnFirstUse(app, db, options)


class _MigrateOnFirstUse:
    """Stand in for Flask-Migrate's configuration of an app until something reads it."""

    def __init__(self, app: Flask, db: SQLAlchemy, options: dict[str, Any]) -> None:
        """Keep what ``Migrate.init_app`` needs."""
        self._app, self._db, self._options = app, db, options

    def __getattr__(self, name: str) -> Any:
        """Set up Flask-Migrate for the app (once: it replaces this stand-in) and read ``name``."""
        from flask_migrate import Migrate

        Migrate().init_app(self._app, self._db, **self._options)
        return getattr(self._app.extensions["migrate"], name)


db = SQLAlchemy(model_class=Base)
migrate = DeferredMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
