"""The one door every request passes: who is asking, and may they use this route.

Runs first for every request (``lms.request_hooks`` installs it). For the matched endpoint it reads
the declared ``Permission`` (``lms.permissions``); a route that declares none is refused. Then
it recognises the person — a bearer token on the API, the server-side session behind the
cookie on pages; there is no other way in — scopes the request to their organization, loads
the records the path names (another organization's id answers 404, never 403) and checks the
permission. Only then do caches and handlers run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from flask_login import current_user

from lms import models, tenancy
from lms.auth import services
from lms.extensions import login_manager
from lms.models import User
from lms.permissions import Permission, permission_of

log = logging.getLogger(__name__)
API = "api"

# The records a path can name, by the argument that carries the id.
PATH_RECORDS: dict[str, type] = {
    "stream_id": models.ValueStream, "step_id": models.Step, "customer_id": models.Customer,
    "job_id": models.Job, "outcome_id": models.Outcome, "rating_id": models.OutcomeRating,
    "kpi_id": models.Kpi, "measurement_id": models.KpiMeasurement, "review_id": models.Review,
    "action_id": models.Action, "finding_id": models.Finding, "user_id": models.User,
    "token_id": models.ApiToken, "circumstance_id": models.Circumstance,
}


class Unauthenticated(Exception):
    """Raise when an API request carries no live credential (answered 401, or 429 when throttled)."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def declared_permission(endpoint: str, app: Flask | None = None) -> Permission | None:
    """Return the permission the endpoint's route declares, or None."""
    return permission_of(endpoint, (app or current_app).view_functions.get(endpoint))


def _token_user() -> User:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("Send 'Authorization: Bearer <token>'; create a token on your account page.")
    address = request.remote_addr or ""
    user = services.user_for_token(secret.strip(), address)
    if user is None:
        # Counted per address: past the limit, guessing is refused outright for a while.
        if services.token_throttled(address):
            raise Unauthenticated("Too many failed token checks from this address; wait and try again.", 429)
        raise Unauthenticated("The token is unknown, revoked, or its user is deactivated.")
    return user


def _session_user() -> User | None:
    user = current_user._get_current_object()
    return user if user.is_authenticated else None


def path_records(view_args: Mapping[str, Any] | None) -> dict[str, Any]:
    """Load the records the path names, in the acting organization; 404 for any that is not there."""
    return {name: tenancy.get_or_404(PATH_RECORDS[name], value)
            for name, value in (view_args or {}).items() if name in PATH_RECORDS}


def admit() -> Response | None:
    """Recognise the person and check the route's permission; refuse before anything else runs."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: routing answers 404 or 405
    permission = declared_permission(endpoint)
    if permission is None:
        log.error("route %s declares no permission; refused", endpoint)
        abort(403, "This address declares no permission, so nobody may use it.")
    if permission.public:
        if request.blueprint != API and (user := _session_user()) is not None:
            tenancy.act_as(user)  # the sign-in page and errors know who is signed in
        g.admitted = permission
        return None
    user = _token_user() if request.blueprint == API else _session_user()
    if user is None:
        return login_manager.unauthorized()
    tenancy.act_as(user)
    records = path_records(request.view_args)
    if not permission.allows(user, records):
        raise tenancy.Forbidden(permission.denial)
    # Held for the request: the session's identity map keeps records only while something refers
    # to them, and the view's own get_or_404 of the same record then costs no second query.
    g.path_records = records
    g.admitted = permission
    return None
