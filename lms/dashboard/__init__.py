"""The landing page."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("dashboard", __name__, views=("views",))
