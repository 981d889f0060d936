"""Health, the OpenAPI document, and who the token belongs to."""

from __future__ import annotations

from flask import jsonify

from lms import tenancy
from lms.api.openapi import build_document
from lms.api.routing import operation
from lms.api.schemas import Health, MeOut
from lms.permissions import MEMBER, PUBLIC


@operation("/health", "GET", allow=PUBLIC, summary="Tell that the service is up", tag="meta",
           response=Health)
def health():
    return {"status": "ok"}


@operation("/openapi.json", "GET", allow=PUBLIC, summary="This API's OpenAPI 3 document", tag="meta")
def openapi_document():
    return jsonify(build_document())


@operation("/me", "GET", allow=MEMBER, summary="The user the token acts for", tag="meta", response=MeOut)
def me():
    return tenancy.actor()
