"""KPIs seen from the other side: an outcome's page and a step's page list the KPIs tied to them."""

from __future__ import annotations


def test_outcome_and_step_pages_list_their_kpis(client, make, api_as, login_as):
    admin = make.user(make.org(), "admin")
    api = api_as(admin)
    customer = api.post("/customers", json={"name": "Utilities", "kind": "external"}).get_json()
    job = api.post("/jobs", json={"customer_id": customer["id"], "statement": "Restore a pump"}).get_json()
    outcome = api.post("/outcomes", json={"job_id": job["id"], "statement": "Minimize downtime"}).get_json()
    stream = api.post("/value-streams", json={"name": "Repair"}).get_json()
    step = api.post(f"/value-streams/{stream['id']}/steps", json={
        "name": "Write the report", "classification": "waste", "waste_types": ["overprocessing"]}).get_json()
    api.post("/kpis", json={"name": "Pumps back per week", "outcome_links": [
        {"outcome_id": outcome["id"], "rationale": "A pump back is downtime ended"}]})
    api.post("/kpis", json={"name": "Report minutes", "value_stream_id": stream["id"], "step_id": step["id"]})
    login_as(admin)
    outcome_page = client.get(f"/customers/outcomes/{outcome['id']}").get_data(as_text=True)
    assert "KPIs that stand for this outcome" in outcome_page
    assert "Pumps back per week" in outcome_page and "A pump back is downtime ended" in outcome_page
    assert "Report minutes" not in outcome_page
    step_page = client.get(f"/value-streams/{stream['id']}/steps/{step['id']}").get_data(as_text=True)
    assert "Report minutes" in step_page and "its KPIs measure waste" in step_page
    assert "Pumps back per week" not in step_page
