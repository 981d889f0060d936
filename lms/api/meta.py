"""Health, the OpenAPI document, and who the token belongs to."""

from __future__ import annotations

from flask import jsonify

from lms import tenancy
from lms.api.openapi import build_document
from lms.api.routing import operation
from lms.api.schemas import Health, MeOut


@operation("/health", "GET", summary="Tell that the service is up", tag="meta", auth=False,
           response=Health)
def health():
    return {"status": "ok"}


@operation("/openapi.json", "GET", summary="This API's OpenAPI 3 document", tag="meta", auth=False)
def openapi_document():
    return jsonify(build_document())


@operation("/me", "GET", summary="The user the token acts for", tag="meta", response=MeOut, cached=False)
def me():
    return tenancy.actor()
