"""Value streams and their steps in the JSON API: CRUD, step order, metrics and future states."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from lms import tenancy
from lms.api.routing import QueryParam, operation, paginate, query_int
from lms.errors import ApiError
from lms.lean.durations import STEP_DAY_FIGURES, in_days, metrics_in_days, working_day
from lms.lean.metrics import compute_metrics
from lms.models import STREAM_STATES, Step, ValueStream
from lms.pagination import Page
from lms.permissions import MEMBER
from lms.streams import queries as stream_queries
from lms.streams import services
from lms.streams.permissions import EDIT_STREAM, MAP_STREAMS
from lms.streams.schemas import (
    FlagOut,
    MetricsOut,
    StepIn,
    StepOut,
    StepPatch,
    ValueStreamIn,
    ValueStreamOut,
    ValueStreamPatch,
)

STREAMS = "value streams"
STEPS = "steps"
WRITE_ERRORS = (403,)
PATCH_ERRORS = (403, 409)


def _step_out(stream: ValueStream, step: Step) -> StepOut:
    """Return the API object of a step, with its computed waste flags."""
    out = StepOut.model_validate(step, from_attributes=True)
    out.flags = [FlagOut(code=flag.code, message=flag.message)
                 for flag in stream_queries.step_flags(stream, step)]
    day_s = working_day(stream.available_seconds_per_day)
    for key, name in STEP_DAY_FIGURES:
        setattr(out, name, in_days(getattr(step, key), day_s))
    return out


# Value streams --------------------------------------------------------------------------


@operation("/value-streams", "GET", allow=MEMBER,
           summary="List value streams", tag=STREAMS, response=ValueStreamOut,
           paginated=True, query=(QueryParam("state", "string", "`current` or `future`", enum=STREAM_STATES),
                                  QueryParam("customer_id", "integer", "Only streams serving this customer",
                                             minimum=1)),
           description="Sorted by name.")
def value_streams_list():
    stmt = select(ValueStream).order_by(ValueStream.name, ValueStream.id)
    state = request.args.get("state")
    if state:
        if state not in STREAM_STATES:
            raise ApiError(422, "Invalid query parameter.",
                           {"state": [f"Use one of: {', '.join(STREAM_STATES)}."]})
        stmt = stmt.where(ValueStream.state == state)
    customer_id = query_int("customer_id", minimum=1)
    if customer_id is not None:
        stmt = stmt.where(ValueStream.customer_id == customer_id)
    return paginate(stmt)


@operation("/value-streams", "POST", allow=MAP_STREAMS,
           summary="Map a value stream", tag=STREAMS, body=ValueStreamIn,
           response=ValueStreamOut, status=201, errors=WRITE_ERRORS,
           description="Admins and managers; a process owner creates streams they own "
                       "(`owner_id` defaults to them). Ids must name records of your organization.")
def value_streams_create(payload: ValueStreamIn):
    return services.create_stream(payload)


@operation("/value-streams/<int:stream_id>", "GET", allow=MEMBER, summary="Read a value stream", tag=STREAMS,
           response=ValueStreamOut)
def value_streams_read(stream_id: int):
    return tenancy.get_or_404(ValueStream, stream_id)


@operation("/value-streams/<int:stream_id>", "PATCH", allow=EDIT_STREAM,
           summary="Change a value stream", tag=STREAMS,
           body=ValueStreamPatch, response=ValueStreamOut, errors=PATCH_ERRORS,
           description="Send any subset of the writable fields, and the `version` you read to be told "
                       "(409) when someone changed it meanwhile. Only managers and admins hand a stream "
                       "to another owner.")
def value_streams_update(stream_id: int, payload):
    return services.update_stream(tenancy.get_or_404(ValueStream, stream_id), payload)


@operation("/value-streams/<int:stream_id>", "DELETE", allow=EDIT_STREAM,
           summary="Delete a value stream and its steps",
           tag=STREAMS, status=204, errors=WRITE_ERRORS,
           description="Deletes the stream **with its steps and its reviews (their findings and actions)** "
                       "(cascade). KPIs of the stream or its steps, internal customers that are this stream "
                       "and future states derived from it stay, unlinked.")
def value_streams_delete(stream_id: int):
    services.delete_stream(tenancy.get_or_404(ValueStream, stream_id))


@operation("/value-streams/<int:stream_id>/metrics", "GET", allow=MEMBER, summary="The stream's lean figures",
           tag=STREAMS, response=MetricsOut,
           description="Times in seconds; ratios 0-1; null where undefined (e.g. takt without demand, "
                       "PCE of an untimed stream). Beside the times, the same figures in working days "
                       "(`*_days`, a day being the stream's available time per day `working_day_s`); "
                       "null when the stream has no working day.")
def value_streams_metrics(stream_id: int):
    stream = tenancy.get_or_404(ValueStream, stream_id)
    figures = stream_queries.stream_figures(stream, stream_queries.steps_of(stream))
    metrics = compute_metrics(figures).as_api_dict()
    return metrics | metrics_in_days(metrics, working_day(stream.available_seconds_per_day))


@operation("/value-streams/<int:stream_id>/future-state", "POST", allow=EDIT_STREAM,
           summary="Make a future state",
           tag=STREAMS, response=ValueStreamOut, status=201, errors=WRITE_ERRORS,
           description="Copies the stream and its steps as a `future` state with `derived_from_id` "
                       "set to this stream.")
def value_streams_future_state(stream_id: int):
    return services.make_future_state(tenancy.get_or_404(ValueStream, stream_id))


@operation("/value-streams/<int:stream_id>/walked", "POST", allow=EDIT_STREAM,
           summary="Confirm the map was walked today",
           tag=STREAMS, response=ValueStreamOut, errors=WRITE_ERRORS,
           description="Sets `last_walked_on` to today and `last_walked_by_id` to you.")
def value_streams_walked(stream_id: int):
    return services.confirm_walked(tenancy.get_or_404(ValueStream, stream_id))


# Steps ----------------------------------------------------------------------------------


@operation("/value-streams/<int:stream_id>/steps", "GET", allow=MEMBER,
           summary="List a stream's steps in map order",
           tag=STEPS, response=StepOut, paginated=True)
def steps_list(stream_id: int):
    stream = tenancy.get_or_404(ValueStream, stream_id)
    result = paginate(select(Step).where(Step.value_stream_id == stream.id).order_by(Step.position))
    return Page([_step_out(stream, step) for step in result.items], result.total, result.page,
                result.per_page)


@operation("/value-streams/<int:stream_id>/steps", "POST", allow=EDIT_STREAM,
           summary="Add a step", tag=STEPS, body=StepIn,
           response=StepOut, status=201, errors=WRITE_ERRORS,
           description="Appends the step unless `position` is given; then the step goes there and the "
                       "later steps move down one place. Positions stay 1..n. A value-adding step needs "
                       "a `job_id`.")
def steps_create(stream_id: int, payload: StepIn):
    stream = tenancy.get_or_404(ValueStream, stream_id)
    step = services.create_step(stream, payload)
    return _step_out(stream, step)


@operation("/steps/<int:step_id>", "GET", allow=MEMBER, summary="Read a step", tag=STEPS, response=StepOut)
def steps_read(step_id: int):
    step = tenancy.get_or_404(Step, step_id)
    return _step_out(tenancy.get_or_404(ValueStream, step.value_stream_id), step)


@operation("/steps/<int:step_id>", "PATCH", allow=EDIT_STREAM,
           summary="Change, tag or move a step", tag=STEPS,
           body=StepPatch, response=StepOut, errors=PATCH_ERRORS,
           description="A new `position` moves the step and renumbers the others (1..n). A change of "
                       "`classification`, `waste_types` or `rationale` is recorded as a classification.")
def steps_update(step_id: int, payload):
    step = tenancy.get_or_404(Step, step_id)
    step = services.update_step(step, payload)
    return _step_out(tenancy.get_or_404(ValueStream, step.value_stream_id), step)


@operation("/steps/<int:step_id>", "DELETE", allow=EDIT_STREAM,
           summary="Delete a step", tag=STEPS, status=204,
           errors=WRITE_ERRORS, description="The steps after it move up one place. KPIs, review findings and "
                                            "actions that named the step stay, unlinked.")
def steps_delete(step_id: int):
    services.delete_step(tenancy.get_or_404(Step, step_id))
