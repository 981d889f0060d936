"""The audit trail: every change that matters, per record and for the organization."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("history", __name__, url_prefix="/history", views=("views",))
