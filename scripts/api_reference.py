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
- **Answers** are JSON in UTF-8 (text is not escaped to ASCII), keys in the order the OpenAPI
  document lists them; date-times are UTC and say so (`2026-11-22T09:30:00Z`).
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


DRIFT_STATUS_MEANINGS = {
    "orphan": "tied to no customer outcome",
    "stale": "no measurement for longer than the organization's staleness limit",
    "insufficient-data": "fewer than 4 measurements in the window, or all on one day",
    "measures-waste": "the step it measures is tagged waste",
    "worsening": "the KPI and its outcome both moved the wrong way beyond their noise (an alarm)",
    "diverging": "the KPI moved the better way beyond its noise while the outcome got worse or held steady "
                 "(a meaningful improvement is ruled out)",
    "inconclusive": "the evidence cannot tell: an outcome rated once in the window (or not twice by one "
                    "segment), a change inside the survey's noise, or the KPI and outcome moving apart "
                    "otherwise; the second reason says what data would settle it",
    "aligned": "the outcome improved beyond its uncertainty, or the KPI and the outcome both held steady",
}

DRIFT = """
## KPI drift

`GET /api/v1/kpis/{{kpi_id}}/drift` (and the `drift_status` of each KPI, and `?status=` of
`GET /api/v1/kpis`) takes one of these statuses, the first that applies in this order:

{statuses}

`worsening` and `inconclusive` were added with the evidence-based rules; a client that knows only
the older statuses should treat an unknown status as needing a look. Additions to the answer:
`kpi_move` (`better`, `worse`, `steady`), `kpi_start` and `kpi_end` (the fitted trend, in the KPI's
unit), `kpi_noise` (half-width of the noise band), and per outcome id `outcome_margins` (the 95 %
margin of the satisfaction change, null without respondent counts), `outcome_moves` (`improved`,
`worse`, `steady`, `unsettled`, `unrated`) and `outcome_segments`; `target_status` (`on-track`,
`off-track`, null) with `latest_value`; `segment`. `kpi_change` is null where a percentage would
mislead (a fitted start near zero or a more than threefold rise). `?segment=NAME` counts only that
segment's ratings. The user guide explains the method with a worked example.
"""


CIRCUMSTANCES = """
## Circumstances and their measured shares

A circumstance (`/api/v1/jobs/{job_id}/circumstances`, `/api/v1/circumstances/{circumstance_id}`)
has a `share` of the job's customers that is either **entered** (0–1) or **measured** from the
`segment` its members are recorded under: send one or the other (both answer 422 `segment`; to
switch, send `{"segment": null, "share": 0.2}` or `{"segment": "New customers", "share": null}`). A
segment is named by one circumstance of a job (422 `segment`). The answer adds, without changing
the older fields:

- `segment` (null when the share is entered) and `share_source`: `entered` or `measured`;
- `share_basis`: what a measured share was counted from, e.g. `"30 of 150 respondents (20 %) on 1
  outcome, ratings up to 2026-11-12"`; `share_missing`: why a measured share is null, e.g. `"no
  rating of the job's outcomes names 'Walk-ins', and the customer's value streams have no event
  log"` (a measured share is never filled in with a default);
- `measurement`: `{"source": "events" | "ratings" | null, "respondents": {"of_segment", "total",
  "outcomes", "rated_up_to", "left_out"} | null, "cases": {"of_segment", "total", "first_day",
  "last_day"} | null}`.

The share is measured from the **cases** when the event logs of the customer's value streams name
the segment (its distinct cases among all their cases), else from the **respondents**: of the
outcomes of the stack (the job and its related jobs) that the segment rated, its respondents among
all respondents of their newest ratings (the newest of each segment; ratings naming none are a
group of their own). An outcome whose newest ratings lack a respondent count is left out and
counted in `left_out`. `GET /api/v1/jobs/{job_id}/stack` adds `share_source`, `share_basis` and
`share_missing` to each item of `by_circumstance`; its `coverage` is null when a measured share is
(`coverage_sentence` says why), and the sentence names each measured share with its basis.
"""


def drift_section() -> str:
    """Return the section that lists the drift statuses, in the order they are decided."""
    from lms.lean.drift import STATUSES

    rows = "\n".join(f"{n}. `{s}`: {DRIFT_STATUS_MEANINGS[s]}." for n, s in enumerate(STATUSES, 1))
    return DRIFT.format(statuses=rows)


def reference() -> str:
    """Return the text of docs/api.md for the operations declared now."""
    from lms.api.routing import OPERATIONS

    rows = [(op.tag, "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.rule), op) for op in OPERATIONS]
    lines = [f"| {op.method} | `{path}` | {op.summary} | {op.allow.description} |"
             for _, path, op in sorted(rows, key=lambda row: (row[0], row[1], row[2].method))]
    return INTRODUCTION + "\n".join(lines) + "\n" + drift_section() + CIRCUMSTANCES


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
