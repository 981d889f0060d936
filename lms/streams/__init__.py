"""Value streams and their steps: the map, the lean figures, waste tagging, future states."""

from flask import Blueprint

# lms.api.streams imports this package's schemas, and those import lms.api.schemas: load the API
# package first so that importing lms.streams.<anything> on its own (a unit test, a script) never
# meets a half-initialized module.
import lms.api  # noqa: F401

bp = Blueprint("streams", __name__, url_prefix="/value-streams")

from lms.streams import grid_views, step_views, views  # noqa: E402,F401
