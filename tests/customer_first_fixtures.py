"""A story for the radar and the stop-doing list, built through the JSON API, dated relative to today.

Intake (upstream) serves Assessment, an internal customer that is the Claim assessment stream.
Intake's KPI 'claims closed per clerk day' rises 10 -> 11.8 in a straight line (+18 %, no noise);
Assessment rates 'minimize rework on incoming claims' 6.2, then 4.8 (-1.4 points, no respondent
counts); the hand-over step 'Check the claim file' of Claim assessment goes from 90 to 81 % C&A.
The utilities' outcome 'maximize the detail of the written repair report' is rated importance 4.3,
satisfaction 7.8 and served by 'Write the detailed repair report' (5,400 s) in Pump repair (6 a day,
a 27,600-s day): 1 h 30 min per unit, 162,000 s = 5 d 7 h a week.
"""

from __future__ import annotations

from datetime import date, timedelta


def ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def build_story(api) -> dict:
    utilities = api.post("/customers", json={"name": "Water utilities", "kind": "external"}).get_json()
    assessment = api.post("/customers", json={"name": "Assessment", "kind": "internal"}).get_json()
    claims = api.post("/value-streams", json={"name": "Claim assessment", "customer_id": utilities["id"],
                                              "daily_demand": 8, "available_seconds_per_day": 28800}).get_json()
    check = api.post(f"/value-streams/{claims['id']}/steps", json={
        "name": "Check the claim file", "cycle_time_s": 900, "pct_complete_accurate": 90,
        "wait_time_s": 7200}).get_json()
    api.patch(f"/customers/{assessment['id']}", json={"value_stream_id": claims["id"]})
    intake = api.post("/value-streams", json={"name": "Intake", "customer_id": assessment["id"],
                                              "daily_demand": 20, "available_seconds_per_day": 28800}).get_json()
    job = api.post("/jobs", json={"customer_id": assessment["id"], "statement": "Assess a claim"}).get_json()
    rework = api.post("/outcomes", json={"job_id": job["id"],
                                         "statement": "minimize rework on incoming claims"}).get_json()
    for days, satisfaction in ((120, 6.2), (10, 4.8)):
        api.post(f"/outcomes/{rework['id']}/ratings", json={"rated_on": ago(days), "importance": 8.0,
                                                            "satisfaction": satisfaction})
    kpi = api.post("/kpis", json={"name": "claims closed per clerk day", "unit": "claims", "direction": "increase",
                                  "value_stream_id": intake["id"], "outcome_ids": [rework["id"]]}).get_json()
    api.post(f"/kpis/{kpi['id']}/measurements", json={"measurements": [
        {"measured_on": ago(7 * (9 - week) + 2), "value": round(10 + 0.2 * week, 1)} for week in range(10)]})
    step = api.get(f"/steps/{check['id']}").get_json()
    api.patch(f"/steps/{check['id']}", json={"pct_complete_accurate": 81, "version": step["version"]})

    report_job = api.post("/jobs", json={"customer_id": utilities["id"],
                                         "statement": "Receive a written record of the repair"}).get_json()
    detail = api.post("/outcomes", json={"job_id": report_job["id"],
                                         "statement": "Maximize the detail of the written repair report",
                                         "direction": "maximize"}).get_json()
    api.post(f"/outcomes/{detail['id']}/ratings", json={"rated_on": ago(20), "importance": 4.3,
                                                        "satisfaction": 7.8})
    pump = api.post("/value-streams", json={"name": "Pump repair", "customer_id": utilities["id"],
                                            "daily_demand": 6, "available_seconds_per_day": 27600}).get_json()
    report = api.post(f"/value-streams/{pump['id']}/steps", json={
        "name": "Write the detailed repair report", "cycle_time_s": 5400, "job_id": report_job["id"],
        "classification": "waste", "waste_types": ["overprocessing"]}).get_json()
    return {"assessment": assessment, "claims": claims, "intake": intake, "check": check, "kpi": kpi,
            "rework": rework, "detail": detail, "pump": pump, "report": report, "utilities": utilities}


RADAR_SENTENCE = (
    "Intake improved 'claims closed per clerk day' +18 % while Assessment, its internal customer, rated "
    "'minimize rework on incoming claims' 1.4 points lower and received 81 % complete and accurate at "
    "'Check the claim file' (90 % at the window's start).")
STOP_SENTENCE = ("Write the detailed repair report: 1 h 30 min per unit (5 d 7 h a week of demand) serves an "
                 "outcome rated importance 4.3, satisfaction 7.8.")
