"""Write docs/api.md, the API reference, from the operations the app declares.

Usage: python scripts/api_reference.py [--check]
With --check nothing is written; the exit code is 1 when docs/api.md is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "docs" / "api.md"

INTRODUCTION = """# The JSON API (v1)

Scripts and integrations use the JSON API under `/api/v1`. This page is generated from the
operations the application declares (`python scripts/api_reference.py`); the complete machine-
readable description, with every field, bound and error, is the OpenAPI 3 document the server
itself serves at `/api/v1/openapi.json` (no sign-in needed).

## Using it

- **Authentication**: every operation but `/health` and `/openapi.json` needs
  `Authorization: Bearer <token>`. Create a token on your account page (*API tokens*) or with
  `lms create-token --email you@example.com`; it is shown once. A missing, unknown or revoked
  token answers 401; after too many failed token checks from one address, 429.
- **Who may**: a token acts with its person's role and organization, under the same rules as the
  pages; the column *Who may* below says who may use each operation. Another organization's record
  answers 404; a role that may not answers 403, before the body is read.
- **Bodies** are JSON; dates are ISO 8601 (`2026-11-22`); unknown fields answer 422.
- **Errors**: `{"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}` with
  400 (unreadable body), 401, 403, 404, 409 (version conflict), 422 (invalid fields: `fields` says
  which and why), 429, 503 (the database stayed busy; try again after `Retry-After`).
- **Lists**: `{"items": [...], "total": N, "page": P, "per_page": K, "pages": n}`; ask with
  `?page=&per_page=` (at most 200 a page).
- **Changes**: POST answers 201 with the object, PATCH takes any subset of the writable fields and
  answers 200, DELETE answers 204. Every object has an `id` and a `version` raised by every
  change; send the `version` you read in a PATCH to be told (409, nothing changed) when someone
  changed the record meanwhile.

## Operations

| method | path | what it does | who may |
|---|---|---|---|
"""


def reference() -> str:
    """Return the text of docs/api.md for the operations declared now."""
    from lms.api.routing import OPERATIONS

    rows = [(op.tag, "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.rule), op) for op in OPERATIONS]
    lines = [f"| {op.method} | `{path}` | {op.summary} | {op.allow.description} |"
             for _, path, op in sorted(rows, key=lambda row: (row[0], row[1], row[2].method))]
    return INTRODUCTION + "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = reference()
    if "--check" in argv:
        current = TARGET.read_text() if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python scripts/api_reference.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
