"""Administration of the organization's users, roles and API tokens."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from lms.admin import views  # noqa: E402,F401
