"""Whole-organization export and import as one JSON document."""

from __future__ import annotations

from flask import request
from pydantic import BaseModel, ConfigDict, Field

from lms.api.routing import operation
from lms.transfer import permissions, services


class ExportDocumentIn(BaseModel):
    """An lms export; every section is checked by the same rules as the API's own records."""

    model_config = ConfigDict(extra="allow")
    schema_version: int = Field(description="1")


class ImportOut(BaseModel):
    counts: dict[str, int]
    warnings: list[str]


@operation(
    "/export",
    "GET",
    allow=permissions.EXPORT,
    summary="Export the organization as one JSON document",
    tag="transfer",
    errors=(403,),
    description="Admins and managers. People are referenced by email; no password "
    "hashes, no tokens. `schema_version` says the document's format.",
)
def export_organization():
    return services.export_for_actor()


@operation(
    "/import",
    "POST",
    allow=permissions.IMPORT,
    summary="Import an export into this (empty) organization",
    tag="transfer",
    body=ExportDocumentIn,
    response=ImportOut,
    status=201,
    errors=(403,),
    description="Admins only. The organization must have no value streams, customers or KPIs. "
    "All or nothing: 422 lists every problem by its path in the document. An email naming "
    "a user of this organization links to that user; any other becomes empty and is "
    "listed in `warnings`. No user accounts are created.",
)
def import_organization(payload: ExportDocumentIn):
    result = services.import_for_actor(request.get_json())
    return {"counts": result.counts, "warnings": result.warnings}
