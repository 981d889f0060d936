"""A cheap HTTP client for the benchmark: one kept-alive connection, a bearer token or cookies."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass

USER_AGENT = "lms-bench/2"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@dataclass
class Answer:
    status: int
    body: bytes
    ms: float

    def json(self):
        return json.loads(self.body)


class Client:
    """One person's kept-alive connection to `lms serve`, as a browser or a script holds it."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 300) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.token = token
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "") -> Answer:
        """Send one request and read the whole answer; time it from send to the last byte."""
        headers = {"User-Agent": USER_AGENT}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        try:
            return self._exchange(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed a connection it had kept idle: a browser reconnects, and so do we,
            # timing the new attempt alone.
            self.connection.close()
            return self._exchange(method, path, body, headers)

    def _exchange(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        started = time.perf_counter()
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        data = response.read()
        ms = (time.perf_counter() - started) * 1000
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.connection.close()
        return Answer(response.status, data, ms)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def api(self, path: str):
        """Read one API answer as JSON; stop the run if it is not a 200."""
        answer = self.get("/api/v1" + path)
        if answer.status != 200:
            raise SystemExit(f"GET /api/v1{path} answered {answer.status}: {answer.body[:300]!r}")
        return answer.json()

    def patch(self, path: str, fields: dict) -> Answer:
        return self.request("PATCH", "/api/v1" + path, json.dumps(fields).encode(), "application/json")

    def post(self, path: str, fields: dict) -> Answer:
        return self.request("POST", "/api/v1" + path, json.dumps(fields).encode(), "application/json")

    def csrf(self, path: str) -> str:
        return CSRF.search(self.get(path).body.decode()).group(1)

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the login form, as a person does; keep the session cookie."""
        form = {"email": email, "password": password, "csrf_token": self.csrf("/login")}
        answer = self.request(
            "POST", "/login", urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
        )
        if answer.status != 302:
            raise SystemExit(f"signing in as {email} answered {answer.status}")

    def upload(self, path: str, fields: dict[str, str], file_field: str, content: bytes) -> Answer:
        """Post a form with one CSV file, as the import page does."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, f"multipart/form-data; boundary={boundary}")
