"""Customers, external and internal, their job stacks, desired outcomes and ratings."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

from lms.customers import circumstance_views, views  # noqa: E402,F401
