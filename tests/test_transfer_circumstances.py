"""Circumstances in the whole-organization export: they round-trip, and a bad one is named by its path."""

from __future__ import annotations

import copy

from tests.test_transfer import _export, _generate, _wipe, _without_timestamp, filled  # noqa: F401


def test_circumstances_round_trip_with_their_job_refs(app, filled, api_as, make):  # noqa: F811
    org, admin = filled
    first = _export(app, "filled")
    # The generated stack has optional jobs (seed 3): a circumstance requires one of them; its share is
    # measured from the small businesses' ratings.
    assert [(c["requires"] != [], c["rules_out"]) for c in first["circumstances"]] == [(True, [])]
    assert [(c["segment"], c["share"]) for c in first["circumstances"]] == [("small business", None)]
    jobs = {j["ref"]: j for j in first["jobs"]}
    for c in first["circumstances"]:
        assert jobs[c["job"]]["parent"] is None
        assert all(jobs[ref]["parent"] == c["job"] for ref in c["requires"] + c["rules_out"])
    _wipe(app, org.id)
    response = api_as(admin).post("/import", json=first)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["counts"]["circumstances"] == 1
    assert _without_timestamp(_export(app, "filled")) == _without_timestamp(first)


def test_a_circumstance_that_does_not_fit_its_stack_is_named_by_path(app, filled, api_as, make):  # noqa: F811
    doc = copy.deepcopy(_export(app, "filled"))
    [requiring] = doc["circumstances"]
    requiring.update(segment=None, share=0.3)
    required = next(j["ref"] for j in doc["jobs"]
                    if j["parent"] == requiring["job"] and j["necessity"] == "required")
    requiring["requires"] = [required]
    doc["circumstances"] += [{"job": requiring["job"], "name": "other", "rules_out": [999], "share": 0.99},
                             {"job": required, "name": "on a related job"}]
    admin = make.user(make.org("Empty", "empty"), "admin")
    response = api_as(admin).post("/import", json=doc)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["circumstances.0.requires"] == [
        f"'{next(j['statement'] for j in doc['jobs'] if j['ref'] == required)}' is required for every customer "
        "already."]
    assert "circumstances.1.rules_out" in fields
    assert "at most 100 %" in fields["circumstances.1.share"][0]
    assert fields["circumstances.2.job"] == ["A circumstance belongs to a high-level job, not a related one."]


def test_an_old_document_without_segments_imports_and_a_segment_is_named_once(app, filled, api_as, make):  # noqa: F811
    doc = copy.deepcopy(_export(app, "filled"))
    for circumstance in doc["circumstances"]:  # as written before circumstances named a segment
        del circumstance["segment"]
        circumstance["share"] = 0.2
    response = api_as(make.user(make.org("Old", "old"), "admin")).post("/import", json=doc)
    assert response.status_code == 201, response.get_json()
    assert [(c["segment"], c["share"]) for c in _export(app, "old")["circumstances"]] == [(None, 0.2)]
    [measured] = doc["circumstances"]
    measured.update(segment="small business", share=None)
    doc["circumstances"].append({**measured, "name": "small firms"})
    response = api_as(make.user(make.org("Twice", "twice"), "admin")).post("/import", json=doc)
    assert response.status_code == 422
    assert "already exists" in response.get_json()["error"]["fields"]["circumstances.1.segment"][0]
