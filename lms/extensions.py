"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

import importlib
import threading
from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from lms.db import Base

_MAKING = threading.Lock()


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

# Sign-in (Flask-Login) and CSRF (Flask-WTF, with WTForms) serve the pages alone: they are made on
# first use (``from lms.extensions import csrf``), so the commands that only touch the database
# (``lms create-org``) never import them.
_WEB_ONLY = {"login_manager": ("flask_login", "LoginManager"), "csrf": ("flask_wtf.csrf", "CSRFProtect")}


def __getattr__(name: str) -> Any:
    """Make ``login_manager`` or ``csrf`` the first time it is imported; keep it for every later import."""
    if name not in _WEB_ONLY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, cls = _WEB_ONLY[name]
    with _MAKING:  # two threads importing at once get the same one
        if name not in globals():
            globals()[name] = getattr(importlib.import_module(module), cls)()
    return globals()[name]
