"""Administration of the organization's users, roles and API tokens."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("admin", __name__, url_prefix="/admin", views=("views",))
