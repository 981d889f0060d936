"""The lms benchmark: a benchmark-size organization served by `lms serve`, measured with wrk.

Usage:  python bench/run.py [--database sqlite|postgresql] [--duration 10] [--connections 8]
                            [--pg-url postgresql://postgres@127.0.0.1:5432] [--small]

It makes a fresh database, fills it with `lms generate` (200 value streams × 40 steps,
1,000 KPIs × 260 weekly measurements, 2,000 outcomes with ratings, 500 reviews), times the
bulk jobs (generate, check-drift, a 100,000-row measurement import), serves it with
`lms serve`, and measures each main read with wrk for a fixed time on 127.0.0.1. Each read's
throughput is reported as a ratio to /api/v1/health measured in the same run, and checked
against the budgets in docs/performance.md. The table goes to stdout and to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LMS = str(Path(sys.executable).with_name("lms"))
USER_AGENT = "lms-bench/1"
PASSWORD = "bench password for lms"

# name, path, kind (api|page|chart304), budget ratio to /health (None = ceiling / not budgeted)
TARGETS = [
    ("health", "/api/v1/health", "open", None),
    ("stream metrics (API)", "/api/v1/value-streams/{stream}/metrics", "api", 0.25),
    ("stream steps (API)", "/api/v1/value-streams/{stream}/steps", "api", 0.25),
    ("KPI drift (API)", "/api/v1/kpis/{kpi}/drift", "api", 0.25),
    ("KPI list, 50 with status (API)", "/api/v1/kpis?per_page=50", "api", 0.15),
    ("job stack (API)", "/api/v1/jobs/{job}/stack", "api", 0.15),
    ("dashboard page", "/", "page", 0.15),
    ("value-stream page", "/value-streams/{stream}", "page", 0.15),
    ("KPI list page", "/kpis/", "page", 0.15),
    ("KPI page", "/kpis/{kpi}", "page", 0.15),
    ("chart, warm (200 from cache)", "/value-streams/{stream}/takt.png", "page", None),
    ("chart, cached (ETag → 304)", "/value-streams/{stream}/takt.png", "chart304", 0.5),
]
P99_BUDGET_MS = 250
BULK_BUDGETS_S = {"generate": 60, "check-drift": 10, "import 100,000 measurements": 20}
MEMORY_BUDGET_MB = 300


@dataclass
class Run:
    database: str
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    bulk: dict[str, float] = field(default_factory=dict)
    reads: list[dict] = field(default_factory=list)
    cold_chart_ms: float | None = None
    memory_mb: float | None = None
    failures: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lms(env: dict, *args: str, timeout: int = 600) -> tuple[str, float]:
    started = time.perf_counter()
    result = subprocess.run([LMS, *args], env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1) or (result.returncode == 1 and args[0] != "check-drift"):
        raise SystemExit(f"lms {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout, elapsed


def _database(kind: str, pg_url: str, workdir: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    import psycopg

    name = f"lms_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{pg_url}/{name}", drop


class Session:
    """A signed-in browser session (cookie + CSRF token), as wrk will replay it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def csrf(self, path: str) -> str:
        page = self.opener.open(self.base + path).read().decode()
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)

    def login(self, email: str) -> None:
        token = self.csrf("/login")
        data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
        self.opener.open(self.base + "/login", data)

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def upload(
        self, path: str, fields: dict[str, str], file_field: str, filename: str, content: bytes
    ) -> int:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.base + path,
            body,
            method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return self.opener.open(request, timeout=300).status


def _api(base: str, token: str, path: str):
    request = urllib.request.Request(base + "/api/v1" + path, headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(request))  # noqa: S310 - our own server on 127.0.0.1


def _wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> dict:
    args = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "report.lua"),
    ]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    return json.loads(output.split("WRK_JSON ", 1)[1].splitlines()[0])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url}")


def _measurement_csv(rows: int) -> bytes:
    start = dt.date(1700, 1, 1)
    return (
        "measured_on,value,note\n"
        + "".join(f"{start + dt.timedelta(days=i)},{(i % 97) * 1.5},\n" for i in range(rows))
    ).encode()


def bench(kind: str, args: argparse.Namespace) -> Run:
    run = Run(kind)
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    url, drop = _database(kind, args.pg_url, workdir)
    env = {
        **os.environ,
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": uuid.uuid4().hex * 2,
        "LMS_DATABASE_URL": url,
        "LMS_INSTANCE_PATH": str(workdir),
        "LMS_SESSION_COOKIE_SECURE": "0",
        "LMS_TOKEN_MAX_FAILURES_PER_ADDRESS": "1000000",
    }
    server = None
    try:
        _lms(env, "init-db")
        _lms(env, "create-org", "Benchmark Works", "--slug", "bench")
        _lms(
            env,
            "create-user",
            "--org",
            "bench",
            "--email",
            "admin@bench.example",
            "--password",
            PASSWORD,
            "--role",
            "admin",
        )
        token = _lms(env, "create-token", "--email", "admin@bench.example")[0].strip().splitlines()[-1]
        size = (
            ["--value-streams", "20", "--steps", "10", "--kpis", "100", "--weeks", "52"]
            if args.small
            else [
                "--value-streams",
                "200",
                "--steps",
                "40",
                "--kpis",
                "1000",
                "--weeks",
                "260",
                "--outcomes",
                "2000",
                "--reviews",
                "500",
            ]
        )
        print(f"[{kind}] generating the benchmark organization …", flush=True)
        run.bulk["generate"] = _lms(env, "generate", "--org", "bench", *size, "--seed", "1")[1]
        run.bulk["check-drift"] = _lms(env, "check-drift", "--org", "bench")[1]

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [LMS, "serve", "--port", str(port), "--threads", "8"],
            env=env,  # noqa: S603
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_for(base + "/api/v1/health")
        ids = {
            "stream": _api(base, token, "/value-streams?per_page=1")["items"][0]["id"],
            "kpi": _api(base, token, "/kpis?per_page=1")["items"][0]["id"],
        }
        ids["job"] = next(
            j["id"] for j in _api(base, token, "/jobs?per_page=200")["items"] if j["parent_id"] is None
        )
        session = Session(base)
        session.login("admin@bench.example")

        print(f"[{kind}] importing 100,000 measurements from CSV …", flush=True)
        kpi_id = ids["kpi"]
        started = time.perf_counter()
        status = session.upload(
            "/transfer/measurements/import",
            {"csrf_token": session.csrf("/transfer/"), "measurements-record_id": str(kpi_id)},
            "measurements-table",
            "bench.csv",
            _measurement_csv(100_000),
        )
        run.bulk["import 100,000 measurements"] = time.perf_counter() - started
        if status != 200:
            run.failures.append(f"the measurement import answered {status}")

        chart = f"{base}/value-streams/{ids['stream']}/takt.png"
        started = time.perf_counter()
        request = urllib.request.Request(
            chart, headers={"Cookie": session.cookie(), "User-Agent": USER_AGENT}
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310
            etag = response.headers["ETag"]
        run.cold_chart_ms = (time.perf_counter() - started) * 1000

        for name, path, target_kind, budget in TARGETS:
            headers = {"User-Agent": USER_AGENT}
            if target_kind == "api":
                headers["Authorization"] = f"Bearer {token}"
            elif target_kind in ("page", "chart304"):
                headers["Cookie"] = session.cookie()
            if target_kind == "chart304":
                headers["If-None-Match"] = etag
            print(f"[{kind}] {name} …", flush=True)
            # The first view computes what the cache then serves until the content changes: it is
            # timed on its own (the "first view" column), and the load measures the steady state.
            started = time.perf_counter()
            first = urllib.request.Request(base + path.format(**ids), headers=headers)
            try:
                urllib.request.urlopen(first).close()  # noqa: S310 - our own server on 127.0.0.1
            except urllib.error.HTTPError as answer:  # the 304 of a revalidated chart
                answer.close()
            first_ms = (time.perf_counter() - started) * 1000
            result = _wrk(base + path.format(**ids), headers, args.duration, args.connections)
            run.reads.append({"name": name, "budget": budget, "first_ms": first_ms, **result})
        run.memory_mb = _rss_mb(server.pid)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    _judge(run)
    return run


def _judge(run: Run) -> None:
    health = run.reads[0]["rps"] if run.reads else 0
    for read in run.reads:
        read["ratio"] = read["rps"] / health if health else 0
        if read["budget"] is not None and read["ratio"] < read["budget"]:
            run.failures.append(f"{read['name']}: {read['ratio']:.2f} of /health, budget {read['budget']}")
        if read["p99_ms"] > P99_BUDGET_MS:
            run.failures.append(f"{read['name']}: p99 {read['p99_ms']:.0f} ms > {P99_BUDGET_MS} ms")
        if read["errors"]:
            run.failures.append(
                f"{read['name']}: {read['errors']} errors ({read['status_errors']} by status)"
            )
    for name, budget in BULK_BUDGETS_S.items():
        if run.bulk.get(name, 0) > budget:
            run.failures.append(f"{name}: {run.bulk[name]:.1f} s > {budget} s")
    if run.memory_mb and run.memory_mb > MEMORY_BUDGET_MB:
        run.failures.append(f"serving process: {run.memory_mb:.0f} MB > {MEMORY_BUDGET_MB} MB")


def table(run: Run, args: argparse.Namespace) -> str:
    lines = [
        f"### {run.database} — {run.started}",
        "",
        f"wrk, {args.connections} connections, {args.duration} s per read, 127.0.0.1; "
        f"`lms serve` (waitress, 8 threads, one process).",
        "",
        "| read | first view ms | req/s | ratio to /health | budget | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in run.reads:
        budget = f"≥ {r['budget']}" if r["budget"] is not None else "—"
        lines.append(
            f"| {r['name']} | {r['first_ms']:.0f} | {r['rps']:.0f} | {r['ratio']:.2f} | {budget} | "
            f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |"
        )
    lines += ["", "| bulk job | seconds | budget |", "|---|---:|---:|"]
    for name, seconds in run.bulk.items():
        lines.append(f"| {name} | {seconds:.1f} | < {BULK_BUDGETS_S[name]} |")
    lines += [
        "",
        f"Cold chart (drawn on first request): {run.cold_chart_ms:.0f} ms. "
        f"Serving process memory after the run: {run.memory_mb:.0f} MB (budget {MEMORY_BUDGET_MB} MB).",
        "",
    ]
    lines.append(
        "**All budgets hold.**"
        if not run.failures
        else "**Budgets missed:**\n" + "\n".join(f"- {f}" for f in run.failures)
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per read")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--pg-url", default=os.environ.get("LMS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--small", action="store_true", help="a small organization, to try the harness quickly"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    header = (
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}\n\n"
    )
    report = header + "\n".join(table(bench(kind, args), args) for kind in kinds)
    print(report)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    (out / f"{stamp}{'-small' if args.small else ''}.md").write_text(report)
    return 1 if "Budgets missed" in report else 0


if __name__ == "__main__":
    sys.exit(main())
