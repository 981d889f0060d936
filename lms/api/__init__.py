"""The JSON API v1: bearer tokens, one module per resource, OpenAPI from the schemas."""

from flask import Blueprint

from lms.error_handlers import register_api_error_handlers

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_api_error_handlers(bp)

# Each resource module registers its operations on ``bp`` when imported.
from lms.api import (  # noqa: E402,F401
    circumstances,
    customer_first,
    customers,
    flow,
    kpis,
    meta,
    reviews,
    streams,
    transfer,
)
