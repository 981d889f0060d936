"""Value streams and their steps: the map, the lean figures, waste tagging, future states."""

from lms.blueprints import FeatureBlueprint

bp = FeatureBlueprint("streams", __name__, url_prefix="/value-streams",
                      views=("grid_views", "step_views", "views"))
