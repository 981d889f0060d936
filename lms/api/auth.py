"""Bearer-token authentication of every API request but the open ones."""

from __future__ import annotations

from flask import request

from lms import tenancy
from lms.api import bp
from lms.api.errors import ApiError
from lms.api.routing import OPEN_ENDPOINTS
from lms.auth import services


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in OPEN_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "Send 'Authorization: Bearer <token>'; create a token on your account page.")
    address = request.remote_addr or ""
    user = services.user_for_token(secret.strip(), address)
    if user is None:
        # Counted per address: past the limit, guessing is refused outright for a while.
        if services.token_throttled(address):
            raise ApiError(429, "Too many failed token checks from this address; wait and try again.")
        raise ApiError(401, "The token is unknown, revoked, or its user is deactivated.")
    tenancy.act_as(user)
