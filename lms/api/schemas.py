"""Schemas of the API itself: errors, health and the current user."""

from __future__ import annotations

from pydantic import BaseModel

from lms.schema_types import Out


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class Error(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: str


class OrganizationOut(Out):
    id: int
    name: str
    slug: str


class MeOut(Out):
    id: int
    email: str
    name: str
    role: str
    organization: OrganizationOut
