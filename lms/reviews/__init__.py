"""Continuous-improvement reviews: agenda, findings, PDCA actions, before/after and the A3."""

from flask import Blueprint

bp = Blueprint("reviews", __name__, url_prefix="/reviews")

from lms.reviews import item_views, views  # noqa: E402,F401
