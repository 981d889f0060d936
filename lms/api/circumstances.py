"""API v1: circumstances of a job stack, the groups of customers whose situation changes it."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from lms import tenancy
from lms.api.routing import operation, paginate
from lms.customers import circumstance_services as services
from lms.customers.circumstance_queries import CircumstanceRow, circumstance_rows
from lms.customers.permissions import EDIT_CUSTOMERS
from lms.customers.schemas import CircumstanceIn, CircumstanceOut, CircumstancePatch
from lms.models import Circumstance, Job
from lms.permissions import MEMBER

EDITORS_WRITE = "Admins and managers write; owners and viewers get 403."
MEASURED = ("A circumstance naming a `segment` has its `share` measured (`share_source` \"measured\", "
            "`share_basis` or `share_missing`, `measurement`): the segment's distinct cases among the event "
            "logs of the customer's value streams when they name it, else its respondents among the newest "
            "ratings of the stack's outcomes it rated. ")
RULES = ("Only on a high-level job (a related job answers 422 `job_id`). `requires_job_ids` names optional "
         "related jobs of *its* stack, `rules_out_job_ids` members of the stack's interchangeable groups "
         "(else 422 naming the field); the shares of one job's circumstances add up to at most 1 (422 "
         "`share`); names are unique per job, ignoring case (422 `name`); a segment is named by one "
         "circumstance of a job (422 `segment`), and a share is entered only without a segment. ")


def _answer(circumstance: Circumstance) -> CircumstanceRow:
    return circumstance_rows([circumstance])[0]


@operation("/jobs/<int:job_id>/circumstances", "GET", allow=MEMBER,
           summary="A high-level job's circumstances, by name", tag="circumstances",
           response=CircumstanceOut, paginated=True, description=MEASURED)
def list_circumstances(job_id: int):
    job = tenancy.get_or_404(Job, job_id)
    page = paginate(select(Circumstance).where(Circumstance.job_id == job.id)
                    .order_by(Circumstance.name, Circumstance.id))
    return replace(page, items=circumstance_rows(page.items))


@operation("/jobs/<int:job_id>/circumstances", "POST", allow=EDIT_CUSTOMERS,
           summary="Add a circumstance to a high-level job", tag="circumstances", body=CircumstanceIn,
           response=CircumstanceOut, status=201, errors=[403], description=RULES + MEASURED + EDITORS_WRITE)
def create_circumstance(job_id: int, payload: CircumstanceIn):
    return _answer(services.create_circumstance(tenancy.get_or_404(Job, job_id), payload))


@operation("/circumstances/<int:circumstance_id>", "GET", allow=MEMBER, summary="One circumstance",
           tag="circumstances", response=CircumstanceOut, description=MEASURED)
def get_circumstance(circumstance_id: int):
    return _answer(tenancy.get_or_404(Circumstance, circumstance_id))


@operation("/circumstances/<int:circumstance_id>", "PATCH", allow=EDIT_CUSTOMERS,
           summary="Change a circumstance", tag="circumstances", body=CircumstancePatch,
           response=CircumstanceOut, errors=[403, 409],
           description="A list sent replaces the stored one. " + RULES + MEASURED + EDITORS_WRITE)
def update_circumstance(circumstance_id: int, payload):
    circumstance = tenancy.get_or_404(Circumstance, circumstance_id)
    return _answer(services.update_circumstance(circumstance, payload))


@operation("/circumstances/<int:circumstance_id>", "DELETE", allow=EDIT_CUSTOMERS,
           summary="Delete a circumstance", tag="circumstances", status=204, errors=[403],
           description="The jobs it named stay. " + EDITORS_WRITE)
def delete_circumstance(circumstance_id: int):
    services.delete_circumstance(tenancy.get_or_404(Circumstance, circumstance_id))
