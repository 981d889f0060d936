"""Moving data in and out: the whole organization as JSON, steps and measurements as CSV/XLSX."""

from flask import Blueprint

bp = Blueprint("transfer", __name__, url_prefix="/transfer")

from lms.transfer import views  # noqa: E402,F401
