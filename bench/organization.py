"""The benchmark organization: a fresh database, `lms generate`, the bulk jobs, `lms serve`."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from client import Client

LMS = str(Path(sys.executable).with_name("lms"))
PASSWORD = "bench password for lms"
WRITER = "admin@bench.example"
READERS = [f"reader{n}@bench.example" for n in range(1, 5)]
FULL_SIZE = ["--value-streams", "200", "--steps", "40", "--kpis", "1000", "--weeks", "260",
             "--outcomes", "2000", "--reviews", "500"]
SMALL_SIZE = ["--value-streams", "20", "--steps", "10", "--kpis", "100", "--weeks", "52"]


def lms(env: dict, *args: str, timeout: int = 900) -> tuple[str, float]:
    """Run one `lms` command; return its stdout and how long it took."""
    started = time.perf_counter()
    result = subprocess.run([LMS, *args], env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1) or (result.returncode == 1 and args[0] != "check-drift"):
        raise SystemExit(f"lms {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout, elapsed


@contextlib.contextmanager
def fresh_database(kind: str, pg_url: str, workdir: Path) -> Iterator[str]:
    """Yield the URL of an empty database made for this run; drop it afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"lms_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{pg_url}/{name}"
    finally:
        with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def environment(kind: str, pg_url: str, code: Path | None) -> Iterator[dict]:
    """Yield the environment of a production-like `lms` on a fresh database (from `code` if given)."""
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    try:
        with fresh_database(kind, pg_url, workdir) as url:
            yield {
                **os.environ,
                "LMS_ENV": "production",
                "LMS_SECRET_KEY": uuid.uuid4().hex * 2,
                "LMS_DATABASE_URL": url,
                "LMS_INSTANCE_PATH": str(workdir),
                "LMS_SESSION_COOKIE_SECURE": "0",
                "LMS_TOKEN_MAX_FAILURES_PER_ADDRESS": "1000000",
                **({"PYTHONPATH": str(code)} if code else {}),
            }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def snapshot(commit: str, root: Path) -> Path:
    """Extract the app (lms, templates, migrations) at `commit` into a new directory."""
    tar = subprocess.run(["git", "archive", commit, "lms", "templates", "migrations"],  # noqa: S607
                         cwd=root, capture_output=True, check=True).stdout
    code = Path(tempfile.mkdtemp(prefix="lms-bench-code-"))
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(code, filter="data")
    return code


def create_people(env: dict) -> tuple[str, str]:
    """Make the organization, an admin who writes and four viewers; return both tokens."""
    lms(env, "init-db")
    lms(env, "create-org", "Benchmark Works", "--slug", "bench")
    for email, role in [(WRITER, "admin")] + [(email, "viewer") for email in READERS]:
        lms(env, "create-user", "--org", "bench", "--email", email, "--password", PASSWORD, "--role", role)
    writer = lms(env, "create-token", "--email", WRITER)[0].strip().splitlines()[-1]
    reader = lms(env, "create-token", "--email", READERS[0])[0].strip().splitlines()[-1]
    return writer, reader


def generate(env: dict, small: bool, bulk: dict[str, float], say: Callable[[str], None]) -> None:
    """Fill the organization with `lms generate`; time it and the nightly drift check."""
    say("generating the benchmark organization …")
    bulk["generate"] = lms(env, "generate", "--org", "bench", *(SMALL_SIZE if small else FULL_SIZE),
                           "--seed", "1")[1]
    say("checking the drift of every KPI …")
    bulk["check-drift"] = lms(env, "check-drift", "--org", "bench")[1]


def import_measurements(
    port: int, api: Client, kpi_id: int, bulk: dict[str, float], failures: list[str]
) -> None:
    """Upload 100,000 measurements through the import page as a signed-in admin, then confirm its
    preview, as a person does; time both."""
    admin = Client(port)
    admin.sign_in(WRITER, PASSWORD)
    before = api.api(f"/kpis/{kpi_id}/measurements?per_page=1")["total"]
    started = time.perf_counter()
    preview = admin.upload(
        "/transfer/measurements/import",
        {"csrf_token": admin.csrf("/transfer/"), "measurements-record_id": str(kpi_id)},
        "measurements-table",
        measurement_csv(100_000),
    )
    answer = preview
    if preview.status == 200:  # the preview says what will be added; nothing is written before the confirm
        answer = admin.request("POST", CONFIRM, urllib.parse.urlencode(confirm_fields(preview)).encode(),
                               "application/x-www-form-urlencoded")
    bulk["import 100,000 measurements"] = time.perf_counter() - started
    added = api.api(f"/kpis/{kpi_id}/measurements?per_page=1")["total"] - before
    if answer.status != 302 or added != 100_000:  # the confirm redirects after a successful import
        failures.append(f"the measurement import answered {answer.status} and added {added:,} rows")


CONFIRM = "/transfer/measurements/confirm"


def confirm_fields(preview) -> dict[str, str]:
    """Return the hidden fields of the preview's confirm form (the token of the kept upload, CSRF)."""
    form = preview.body.decode().split(f'action="{CONFIRM}"')[1].split("</form>")[0]
    return dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))


def measurement_csv(rows: int) -> bytes:
    start = dt.date(1700, 1, 1)
    return (
        "measured_on,value,note\n"
        + "".join(f"{start + dt.timedelta(days=i)},{(i % 97) * 1.5},\n" for i in range(rows))
    ).encode()


@contextlib.contextmanager
def serve(env: dict) -> Iterator[tuple[int, int]]:
    """Run `lms serve` (waitress, 8 threads, one process) on a free port; yield its pid and port."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [LMS, "serve", "--port", str(port), "--threads", "8"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(port)
        yield server.pid, port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def background_cpu_pct(server_pid: int, seconds: float = 3) -> float:
    """Share of the machine's CPU that work other than our server used while the benchmark waited."""

    def ticks() -> tuple[int, int, int]:
        machine = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        server = Path(f"/proc/{server_pid}/stat").read_text().rsplit(")", 1)[1].split()
        idle = machine[3] + machine[4]  # idle and iowait
        return sum(machine) - idle, sum(machine), int(server[11]) + int(server[12])  # utime, stime

    busy_before, total_before, server_before = ticks()
    time.sleep(seconds)
    busy_after, total_after, server_after = ticks()
    other = (busy_after - busy_before) - (server_after - server_before)
    return 100 * max(0, other) / max(1, total_after - total_before)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if Client(port, timeout=1).get("/api/v1/health").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not answer /api/v1/health")
