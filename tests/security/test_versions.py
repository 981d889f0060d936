"""Optimistic versioning on every editable record: a stale version is a 409 and changes nothing.

Generated from the API's PATCH operations, so a new editable record is covered without anyone
remembering to add it here. Each record is read first; a PATCH that names another version than the
one read is refused with 409, and the same PATCH with the version read is no conflict.
"""

from __future__ import annotations

import re

import pytest

from lms.api.routing import OPERATIONS
from tests.conftest import ApiClient

PATCHES = [op for op in OPERATIONS if op.method == "PATCH" and op.body is not None
           and "version" in op.body.model_fields]


def _path(rule: str, ids: dict[str, int]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule)


def test_every_patch_carries_a_version():
    patches = [op for op in OPERATIONS if op.method == "PATCH"]
    assert patches and len(PATCHES) == len(patches)


@pytest.mark.parametrize("op", PATCHES, ids=[op.rule for op in PATCHES])
def test_a_stale_version_is_refused_with_409_and_changes_nothing(client, filled, snapshot, op):
    api = ApiClient(client, filled.token)
    path = _path(op.rule, filled.ids)
    record = api.get(path)
    assert record.status_code == 200, record.get_data(as_text=True)[:300]
    current = record.get_json()["version"]
    before = snapshot(filled.org.id)
    for other in {current - 1, current + 1} - {0}:
        refused = api.patch(path, json={"version": other})
        assert refused.status_code == 409, refused.get_data(as_text=True)[:300]
        assert refused.get_json()["error"]["message"]
    assert snapshot(filled.org.id) == before
    # The version read is no conflict (a rule may still refuse it, e.g. a closed review's finding).
    assert api.patch(path, json={"version": current}).status_code in (200, 422)
