"""Customers, external and internal, their job stacks, desired outcomes and ratings."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("customers", __name__, url_prefix="/customers", views=("circumstance_views", "views"))
