"""The audit trail: every change that matters, per record and for the organization."""

from flask import Blueprint

bp = Blueprint("history", __name__, url_prefix="/history")

from lms.history import views  # noqa: E402,F401
