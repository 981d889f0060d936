"""Build the OpenAPI 3 document from the registered operations and their schemas."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from lms.api.routing import MAX_PER_PAGE, OPERATIONS, Operation, QueryParam
from lms.models import ROLES
from lms.validation import MAX_INT

REF = "#/components/schemas/{model}"
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_DESCRIPTIONS = {
    400: "The request cannot be read: the body is not readable JSON, or the query string or body "
         "holds a NUL character.",
    401: "Missing, unknown or revoked bearer token.",
    403: "The token's role may not do this.",
    404: "No such record in your organization.",
    409: "The record's version is not the one sent, or the change conflicts with another record "
         "(e.g. a duplicate name): nothing changed.",
    422: "Invalid fields, or a rule of the record refuses the change; `error.fields` says which and "
         "why. Nothing changed. Besides what this document states, only rules that need the stored "
         "records refuse a body: an id that names no record of your organization (or one of another "
         "stream or review), a duplicate name, a rule between two fields where a PATCH leaves one at "
         "its stored value (an internal customer's stream, an interchangeable job's group, a "
         "value-adding step's job), each outcome linked once in `outcome_links`, a closed review's "
         "records, a cycle of parents, and an import into an organization that has content.",
    429: "Too many failed token checks from this address.",
    503: "The database stayed busy with other changes after three tries; nothing changed. Try again "
         "(see Retry-After).",
}
_TYPES = {"integer": {"type": "integer", "minimum": -MAX_INT, "maximum": MAX_INT},
          "string": {"type": "string"}, "date": {"type": "string", "format": "date"},
          "number": {"type": "number"}}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_INT} if conv == "int"
         else {"type": "string"}}
        for conv, name in _CONVERTER.findall(rule)
    ]
    return _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule), params


def _query_schema(param: QueryParam) -> dict[str, Any]:
    """Say what the view accepts for a query parameter: its type, its values or its bounds."""
    schema = dict(_TYPES[param.kind])
    if param.enum:
        schema["enum"] = list(param.enum)
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    if param.min_length is not None:
        schema["minLength"] = param.min_length
    if param.max_length is not None:
        schema["maxLength"] = param.max_length
    return schema


def _page_schema(item_ref: dict) -> dict:
    return {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": {"type": "array", "items": item_ref},
            "total": {"type": "integer"}, "page": {"type": "integer"},
            "per_page": {"type": "integer", "maximum": MAX_PER_PAGE},
            "pages": {"type": "integer"},
        },
    }


def _operation(op: Operation, path_params: list[dict]) -> dict[str, Any]:
    parameters = list(path_params)
    parameters += [{"name": q.name, "in": "query", "required": False, "description": q.description,
                    "schema": _query_schema(q)} for q in op.query]
    if op.paginated:
        parameters += [
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT}},
            {"name": "per_page", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
        ]
    doc: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                           "operationId": f"{op.method.lower()}_{op.rule}".replace("/", "_")
                           .replace("<int:", "").replace(">", "").replace("-", "_")}
    doc["x-permission"] = op.allow.description
    who = f"Who may: {op.allow.description}."
    doc["description"] = f"{op.description}\n\n{who}" if op.description else who
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=op.body.__name__)}}}}
    responses: dict[str, Any] = {}
    if op.status == 204:
        responses["204"] = {"description": "Deleted."}
    else:
        schema: dict = {"type": "object"}
        if op.response is not None:
            schema = {"$ref": REF.format(model=op.response.__name__)}
            if op.paginated:
                schema = _page_schema(schema)
        responses[str(op.status)] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
    errors = set(op.errors) | {400}  # any request may carry an unreadable query string
    if op.auth:
        errors |= {401, 429}
    if op.body is not None:
        errors |= {422}
    if op.auth and op.method != "GET":
        # Any write may meet a rule (422), a concurrent or duplicate record (409), or a database
        # that stays busy past the retries (503).
        errors |= {403, 409, 422, 503}
    if op.auth and (op.allow.rule is not None or len(op.allow.roles) < len(ROLES)):
        errors |= {403}
    if op.paginated or op.query:
        errors |= {422}
    if path_params:
        errors |= {404}
    for status in sorted(errors):
        responses[str(status)] = {"description": ERROR_DESCRIPTIONS[status], "content": {
            "application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
    doc["responses"] = responses
    if not op.auth:
        doc["security"] = []
    return doc


def _models() -> list[type[BaseModel]]:
    from lms.api.schemas import Error

    seen: dict[str, type[BaseModel]] = {"Error": Error}
    for op in OPERATIONS:
        for model in (op.body, op.response):
            if model is not None:
                seen[model.__name__] = model
    return list(seen.values())


def build_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of every registered operation."""
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path, params = _path(op.rule)
        paths.setdefault("/api/v1" + path, {})[op.method.lower()] = _operation(op, params)
    _, schemas = models_json_schema([(m, "validation") for m in _models()], ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {"title": "lms API", "version": "1",
                 "description": "Lean value streams tied to customer jobs. Every endpoint but "
                                "/health and /openapi.json needs `Authorization: Bearer <token>`."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {}),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
