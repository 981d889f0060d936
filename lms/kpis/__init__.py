"""KPIs tied to customer outcomes: measurements, links and metric drift."""

from flask import Blueprint

bp = Blueprint("kpis", __name__, url_prefix="/kpis")

from lms.kpis import views  # noqa: E402,F401
