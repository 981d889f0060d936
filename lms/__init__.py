"""lms: value streams kept tied to the customer jobs they exist for."""

from __future__ import annotations

import gc
import logging

from flask import Flask

from lms.config import ROOT, Settings

__version__ = "0.1.0"


GC_YOUNG_THRESHOLD = 50_000


def create_app(config: dict | None = None, *, web: bool = True) -> Flask:
    """Build the lms application: load settings, then wire extensions, blueprints, commands.

    ``web=False`` leaves out the pages and the API (and every feature they import): the ``lms``
    commands other than ``serve`` work on the database alone and start several times faster.
    """
    settings = Settings.from_env(config)
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                instance_path=settings.values["INSTANCE_PATH"], instance_relative_config=True)
    app.config.update(settings.values)
    register_extensions(app)
    if web:
        register_web_extensions(app)
        register_blueprints(app)
        register_hooks(app)
    else:
        app.teardown_appcontext(_remove_session)  # what the commands need of the pages' hooks
    register_logging(app)
    # Everything loaded so far lives as long as the process: keep it out of the garbage collector's
    # full passes, which otherwise walk ~200,000 start-up objects (about 190 ms, once in most
    # dashboard views on the benchmark organization).
    gc.freeze()
    # A first view makes a few hundred thousand short-lived objects (rows, figures); with the default
    # threshold of 700 allocations the collector ran ~140 young passes and a full one per dashboard,
    # for objects that reference counting frees anyway at the end of the request.
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions to ``app``."""
    from lms import content  # noqa: F401 - registers the hooks that raise content versions
    from lms.extensions import db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)


def _remove_session(_exc: BaseException | None) -> None:
    from lms.extensions import db

    db.session.remove()


def register_web_extensions(app: Flask) -> None:
    """Bind what the pages need: CSRF protection and sign-in."""
    from lms.auth.services import load_session
    from lms.extensions import csrf, login_manager

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_session)


def register_blueprints(app: Flask) -> None:
    """Mount the features, and exempt the token-authenticated API from CSRF."""
    from lms import retry
    from lms.admin import bp as admin_bp
    from lms.api import bp as api_bp
    from lms.auth import bp as auth_bp
    from lms.customer_first import bp as customer_first_bp
    from lms.customers import bp as customers_bp
    from lms.dashboard import bp as dashboard_bp
    from lms.extensions import csrf
    from lms.flow import bp as flow_bp
    from lms.history import bp as history_bp
    from lms.kpis import bp as kpis_bp
    from lms.request_hooks import RecordIdConverter
    from lms.reviews import bp as reviews_bp
    from lms.streams import bp as streams_bp
    from lms.transfer import bp as transfer_bp

    app.url_map.converters["int"] = RecordIdConverter  # before any route is added
    for blueprint in (auth_bp, dashboard_bp, admin_bp, history_bp, kpis_bp, customers_bp, streams_bp,
                      transfer_bp, reviews_bp, flow_bp, customer_first_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    retry.wrap_page_views(app)  # the API runs its writes again per operation


def register_hooks(app: Flask) -> None:
    """Install the pages' security hooks, error handlers and template helpers."""
    from lms import request_hooks
    from lms.error_handlers import register_error_handlers
    from lms.templating import register_template_helpers

    request_hooks.init_app(app)
    register_error_handlers(app)
    register_template_helpers(app)


def register_logging(app: Flask) -> None:
    """Log at INFO with times, outside development and tests."""
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
