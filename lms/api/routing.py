"""Declare API operations once: the route, its validation and its OpenAPI entry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Response, current_app, jsonify, request
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm.exc import StaleDataError

from lms import content, pagination, tenancy
from lms.api import bp
from lms.api.errors import ApiError
from lms.db import utcnow
from lms.pagination import MAX_PER_PAGE, Page
from lms.retry import is_transient, run_again
from lms.validation import MAX_INT, validate

OPEN_ENDPOINTS: set[str] = set()
# Reads answered from the content-versioned cache (``lms.fast_path`` serves their hits early).
CACHED_ENDPOINTS: set[str] = set()


@dataclass(frozen=True)
class QueryParam:
    """A query-string parameter of an operation, for validation and the OpenAPI document."""

    name: str
    kind: str = "integer"  # integer | string | date
    description: str = ""


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    paginated: bool = False
    auth: bool = True
    query: Sequence[QueryParam] = ()
    description: str = ""
    errors: Sequence[int] = field(default_factory=tuple)
    viewer_may: bool = False  # a write a viewer may make (e.g. moving an action assigned to them)
    # A read whose answer depends only on the organization's content and the day is served from the
    # content-versioned cache; None means "every authenticated GET", False opts out (e.g. /me).
    cached: bool | None = None

    @property
    def from_cache(self) -> bool:
        """Tell whether this operation's answer is served from the content-versioned cache."""
        return self.method == "GET" and (self.cached or (self.cached is None and self.auth))


OPERATIONS: list[Operation] = []


def parse_body(schema: type[BaseModel]) -> BaseModel:
    """Read and validate the JSON body against ``schema``: 400 unreadable, 422 invalid."""
    payload = request.get_json(silent=True)
    if payload is None:
        raise ApiError(400, "The body must be a JSON object (Content-Type: application/json).")
    if not isinstance(payload, dict):
        raise ApiError(422, "The body must be a JSON object.", {"body": ["Expected an object."]})
    return validate(schema, payload)


def query_int(name: str, default: int | None = None, *, minimum: int | None = None,
              maximum: int | None = None) -> int | None:
    """Read an integer query parameter; 422 naming it when it is not one or out of range."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, "Invalid query parameter.", {name: ["Must be a whole number."]}) from None
    maximum = MAX_INT if maximum is None else maximum
    if (minimum is not None and value < minimum) or value > maximum:
        bounds = f"between {minimum if minimum is not None else -MAX_INT} and {maximum}"
        raise ApiError(422, "Invalid query parameter.", {name: [f"Must be {bounds}."]})
    return value


def paginate(stmt: Select, *, scalars: bool = True) -> Page:
    """Run ``stmt`` for the page the request asks for (``?page=&per_page=``)."""
    per_page = query_int("per_page", current_app.config["LMS_PER_PAGE"], minimum=1, maximum=MAX_PER_PAGE)
    page = query_int("page", 1, minimum=1)
    return pagination.paginate(stmt, page, per_page, scalars=scalars)


def _serialize(schema: type[BaseModel] | None, obj: Any) -> Any:
    if schema is None:
        return obj
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    return schema.model_validate(obj, from_attributes=True).model_dump(mode="json")


def _render(op: Operation, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if op.status == 204:
        return Response(status=204)
    if op.paginated:
        body = {
            "items": [_serialize(op.response, item) for item in result.items],
            "total": result.total, "page": result.page, "per_page": result.per_page,
            "pages": result.pages,
        }
    else:
        body = _serialize(op.response, result)
    response = jsonify(body)
    response.status_code = op.status
    return response


def _path_models() -> dict[str, type]:
    from lms import models

    return {"stream_id": models.ValueStream, "step_id": models.Step, "customer_id": models.Customer,
            "job_id": models.Job, "outcome_id": models.Outcome, "rating_id": models.OutcomeRating,
            "kpi_id": models.Kpi, "measurement_id": models.KpiMeasurement, "review_id": models.Review,
            "action_id": models.Action, "finding_id": models.Finding, "user_id": models.User}


def _before_a_write(op: Operation, path_args: dict[str, Any]) -> None:
    """Answer 404 for another organization's record, and 403 for a viewer or for a process owner
    writing to a value stream not theirs, before reading the body.

    Otherwise an invalid body would answer 422 where the record or the role forbids the write.
    """
    records = {name: tenancy.get_or_404(model, path_args[name])
               for name, model in _path_models().items() if name in path_args}
    if tenancy.actor().role == "viewer" and not op.viewer_may:
        raise tenancy.Forbidden("Viewers read; they change only the actions assigned to them.")
    stream = records.get("stream_id")
    if stream is None and "step_id" in records:
        stream = tenancy.get_or_404(_path_models()["stream_id"], records["step_id"].value_stream_id)
    if stream is not None:
        # A value stream and its steps are written by their process owner, a manager or an admin.
        tenancy.require_editor_or_owner([stream.owner_id])


def _retryable(exc: Exception, path_args: dict[str, Any]) -> bool:
    payload = path_args.get("payload")
    if isinstance(exc, StaleDataError):
        # A client that sent the version it read gets its 409; one that did not, a fresh try.
        return not (isinstance(payload, BaseModel) and "version" in payload.model_fields_set)
    return is_transient(exc)


def run_with_retries(fn: Callable, path_args: dict[str, Any]) -> Any:
    """Run a writing operation, running it again after a transient conflict (at most 3 times)."""
    return run_again(lambda: fn(**path_args), lambda exc: _retryable(exc, path_args))


def api_cache_key() -> tuple:
    """The cache key of this request's answer (``lms.fast_path`` builds it too)."""
    return request.full_path, utcnow().date()


def _cached_read(op: Operation, fn: Callable, path_args: dict[str, Any]) -> Response:
    """Answer a read from the content-versioned cache: the same content gives the same bytes."""

    def compute() -> tuple[bytes, int, str]:
        response = _render(op, fn(**path_args))
        return response.get_data(), response.status_code, response.mimetype

    body, status, mimetype = content.cache.get("api", api_cache_key(), compute)
    return Response(body, status=status, mimetype=mimetype)


def operation(rule: str, method: str, *, summary: str, tag: str, **options: Any) -> Callable:
    """Register a view as an API operation; the body, if any, arrives validated as ``payload``."""

    def decorate(fn: Callable) -> Callable:
        op = Operation(rule=rule, method=method, summary=summary, tag=tag, **options)
        OPERATIONS.append(op)
        endpoint = f"{fn.__name__}"

        def view(**path_args: Any) -> Response:
            if method != "GET":
                _before_a_write(op, path_args)
            if op.body is not None:
                path_args["payload"] = parse_body(op.body)
            if op.from_cache:
                return _cached_read(op, fn, path_args)
            if method == "GET":
                return _render(op, fn(**path_args))
            return _render(op, run_with_retries(fn, path_args))

        view.__name__ = fn.__name__
        view.__doc__ = fn.__doc__
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method])
        if not op.auth:
            OPEN_ENDPOINTS.add(f"{bp.name}.{endpoint}")
        if op.from_cache:
            CACHED_ENDPOINTS.add(f"{bp.name}.{endpoint}")
        return fn

    return decorate
