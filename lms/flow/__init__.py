"""Measured flow: a value stream's event log, its activities mapped to steps, and what it measures."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("flow", __name__, url_prefix="/value-streams", views=("views",))
