"""Value streams and their steps: the map, the lean figures, waste tagging, future states."""

from flask import Blueprint

bp = Blueprint("streams", __name__, url_prefix="/value-streams")

from lms.streams import step_views, views  # noqa: E402,F401
