"""Customer First across teams: the sub-optimization radar of internal customers and the stop-doing list."""

from flask import Blueprint

bp = Blueprint("customer_first", __name__)

from lms.customer_first import views  # noqa: E402,F401
