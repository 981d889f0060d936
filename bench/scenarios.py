"""What people meet: the first view of each read after a change, and a busy dashboard."""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from client import Client

SLOW_MS = 250

# name, path, who reads it (api: a viewer's bearer token; page: a signed-in viewer; editor: the signed-in
# admin, for pages that edit), budget on the median ms
READS = [
    ("stream metrics (API)", "/api/v1/value-streams/{stream}/metrics", "api", 60),
    ("stream steps (API)", "/api/v1/value-streams/{stream}/steps", "api", 60),
    ("KPI drift (API)", "/api/v1/kpis/{kpi}/drift", "api", 60),
    ("KPI list, 50 with status (API)", "/api/v1/kpis?per_page=50", "api", 60),
    ("job stack (API)", "/api/v1/jobs/{job}/stack", "api", 60),
    ("dashboard page", "/", "page", 250),
    ("customers page", "/customers/", "page", 90),
    ("customer page", "/customers/{customer}", "page", 60),
    ("value-stream page", "/value-streams/{stream}", "page", 60),
    ("steps table page (the admin's)", "/value-streams/{stream}/steps/table", "editor", 60),
    ("sub-optimization page", "/suboptimization", "page", 60),
    ("sub-optimization radar, 50 entries (API)", "/api/v1/suboptimization?per_page=50", "api", 60),
    ("stop-doing list (API)", "/api/v1/stop-doing", "api", 60),
    ("KPI list page", "/kpis/", "page", 60),
    ("KPI page", "/kpis/{kpi}", "page", 60),
    # The value-stream page's charts as the page shows them (SVG), drawn afresh after each change.
    ("value-stream map (SVG)", "/value-streams/{stream}/map.svg", "page", None),
    ("takt chart (SVG)", "/value-streams/{stream}/takt.svg", "page", None),
]
# The pages whose figures read the outcomes' ratings, right after a new rating: everything they
# keep across a step's change (the drift, the rated outcomes, the radar's moves) is computed afresh.
READS_AFTER_RATING = [
    ("dashboard page, after a new rating", "/", "page", 250),
    ("customers page, after a new rating", "/customers/", "page", 90),
]


class StepWriter:
    """Someone changing one step's cycle time through the API, never to a value seen before."""

    def __init__(self, client: Client, step: dict) -> None:
        self.client = client
        self.step_id = step["id"]
        self.base_s = step["cycle_time_s"] or 60.0
        self.count = 0
        self.ms: list[float] = []
        self.failures: list[int] = []

    def change(self) -> None:
        # Within a second of the original value, different on every write of a run: no cache
        # keyed by content can have seen it.
        self.count += 1
        value = round(self.base_s + (self.count % 1000) / 1000, 3)
        answer = self.client.patch(f"/steps/{self.step_id}", {"cycle_time_s": value})
        self.ms.append(answer.ms)
        if answer.status != 200:
            self.failures.append(answer.status)


class RatingWriter:
    """Someone entering a new survey wave of one outcome through the API, never the same figures twice."""

    def __init__(self, client: Client, outcome_id: int) -> None:
        self.client = client
        self.outcome_id = outcome_id
        self.count = 0
        self.ms: list[float] = []
        self.failures: list[int] = []

    def change(self) -> None:
        self.count += 1
        answer = self.client.post(f"/outcomes/{self.outcome_id}/ratings", {
            "rated_on": time.strftime("%Y-%m-%d"), "importance": 7.0,
            "satisfaction": round(3 + (self.count % 1000) / 500, 3), "respondents": 40})
        self.ms.append(answer.ms)
        if answer.status != 201:
            self.failures.append(answer.status)


@dataclass
class FirstView:
    name: str
    budget_ms: float | None
    ms: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.ms)


def first_views(
    writer: StepWriter | RatingWriter, readers: dict[str, Client], ids: dict, repeats: int,
    say: Callable[[str], None], reads: list[tuple] = READS,
) -> list[FirstView]:
    """Time each read's first view right after a write, `repeats` times."""
    views = []
    for name, path, who, budget in reads:
        say(f"first views: {name} …")
        reader, url = readers[who], path.format(**ids)
        writer.change()
        reader.get(url)  # once unmeasured: a server that has run a while has loaded its templates
        view = FirstView(name, budget)
        for _ in range(repeats):
            writer.change()
            answer = reader.get(url)
            view.ms.append(answer.ms)
            if answer.status != 200:
                view.errors.append(answer.status)
        views.append(view)
    return views


@dataclass
class BusyDashboard:
    readers: int
    seconds: float
    target_writes_per_s: float
    ms: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    writes: int = 0
    write_ms: list[float] = field(default_factory=list)
    write_failures: list[int] = field(default_factory=list)

    def percentile(self, p: float, of: str = "ms") -> float:
        ranked = sorted(getattr(self, of)) or [float("nan")]
        return ranked[max(0, math.ceil(p / 100 * len(ranked)) - 1)]

    @property
    def slow(self) -> int:
        return sum(ms > SLOW_MS for ms in self.ms)


def busy_dashboard(
    people: list[Client], writer: StepWriter, seconds: float, writes_per_s: float
) -> BusyDashboard:
    """Have each person reload the dashboard for `seconds` while the writer changes a step."""
    result = BusyDashboard(len(people), seconds, writes_per_s)
    stop = threading.Event()
    lock = threading.Lock()

    def reload(person: Client) -> None:
        while not stop.is_set():
            answer = person.get("/")
            with lock:
                result.ms.append(answer.ms)
                if answer.status != 200:
                    result.errors.append(answer.status)

    def write() -> None:
        # A fixed schedule that never bursts to catch up: a slow write lowers the achieved rate.
        due = time.perf_counter()
        while not stop.is_set():
            writer.change()
            result.writes += 1
            due = max(due + 1 / writes_per_s, time.perf_counter())
            stop.wait(max(0.0, due - time.perf_counter()))

    started_failures, started_writes = len(writer.failures), len(writer.ms)
    threads = [threading.Thread(target=reload, args=(p,)) for p in people] + [threading.Thread(target=write)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.write_failures = writer.failures[started_failures:]
    result.write_ms = writer.ms[started_writes:]
    return result
