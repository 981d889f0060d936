"""Signing in and out, server-side sessions, passwords and API tokens."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("auth", __name__, views=("views",))
