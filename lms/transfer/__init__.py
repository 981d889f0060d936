"""Moving data in and out: the whole organization as JSON, steps and measurements as CSV/XLSX."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("transfer", __name__, url_prefix="/transfer", views=("views",))
