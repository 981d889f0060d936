"""A real ``lms serve`` process on a free port of this machine, for tests that need the server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One ``lms serve`` process on a free port (production settings), with ``env`` added."""

    def __init__(self, url: str, workdir: Path, **env: str) -> None:
        self.port = free_port()
        settings = {**os.environ, "LMS_ENV": "production", "LMS_SECRET_KEY": "k" * 64, "LMS_DATABASE_URL": url,
                    "LMS_INSTANCE_PATH": str(workdir), "LMS_SERVE_THREADS": "4", **env}
        self.log = (workdir / f"serve-{self.port}.log").open("w+")
        lms = Path(sys.executable).with_name("lms")
        self.process = subprocess.Popen([str(lms), "serve", "--port", str(self.port)], env=settings,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60  # a busy CI machine starts slowly; a hang still fails
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=1).close()  # noqa: S310
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"lms serve did not start:\n{self.output()}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
