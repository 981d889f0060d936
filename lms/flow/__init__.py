"""Measured flow: a value stream's event log, its activities mapped to steps, and what it measures."""

from flask import Blueprint

import lms.api  # noqa: F401 - load the API package first (see lms.streams)

bp = Blueprint("flow", __name__, url_prefix="/value-streams")

from lms.flow import views  # noqa: E402,F401
