"""Continuous-improvement reviews: agenda, findings, PDCA actions, before/after and the A3."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("reviews", __name__, url_prefix="/reviews", views=("item_views", "views"))
