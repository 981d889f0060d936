"""The JSON API v1: bearer tokens, one module per resource, OpenAPI from the schemas."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def load_routes() -> None:
    """Import the resource modules; each registers its operations on ``bp`` (once, on first call).

    Importing them here rather than at package import keeps ``lms.api.schemas`` importable by the
    features' own schemas without a cycle.
    """
    from lms.api import customers, errors, flow, kpis, meta, reviews, streams, transfer  # noqa: F401
