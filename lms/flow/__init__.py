"""Measured flow: a value stream's event log, its activities mapped to steps, and what it measures."""

from flask import Blueprint

bp = Blueprint("flow", __name__, url_prefix="/value-streams")

from lms.flow import views  # noqa: E402,F401
