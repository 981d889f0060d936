"""``lms serve`` runs the app with waitress, a production WSGI server, with the threads asked for;
behind a proxy (``LMS_PROXY_FIX``) each client is told apart by its forwarded address."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

from lms.cli import cli
from tests.conftest import PASSWORD
from tests.live_server import Server


def test_the_serve_command_runs_waitress(app, monkeypatch):
    made = []
    monkeypatch.setattr("waitress.serve", lambda application, **options: made.append((application, options)))
    result = app.test_cli_runner().invoke(cli, ["serve", "--port", "8123", "--threads", "3"])
    assert result.exit_code == 0, result.output
    assert made == [(app, {"host": "127.0.0.1", "port": 8123, "threads": 3, "ident": "lms"})]
    assert "http://127.0.0.1:8123/ with 3 threads" in result.output


class Browser:
    """A client that signs in through the form, from the address a proxy says it has."""

    def __init__(self, base: str, address: str) -> None:
        self.base, self.address = base, address
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirects)

    def _open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"X-Forwarded-For": self.address})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, email: str, password: str) -> tuple[int, str]:
        page = self._open("/login")[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self._open("/login", {"csrf_token": token, "email": email, "password": password})


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_behind_a_proxy_one_clients_failures_lock_out_that_client_only(app, make, tmp_path):
    user = make.user(make.org())
    server = Server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, LMS_PROXY_FIX="1",
                    LMS_LOGIN_MAX_FAILURES_PER_ADDRESS="3", LMS_LOGIN_MAX_FAILURES="100",
                    LMS_SESSION_COOKIE_SECURE="0")
    try:
        guesser, colleague = Browser(server.base, "203.0.113.7"), Browser(server.base, "198.51.100.4")
        for attempt in range(3):
            assert guesser.sign_in(f"nobody{attempt}@example.test", "wrong guess")[0] == 422
        status, page = guesser.sign_in(user.email, PASSWORD)
        assert status == 422 and "Too many failed sign-in attempts" in page
        assert colleague.sign_in(user.email, PASSWORD)[0] == 302  # another client is not locked out
    finally:
        server.stop()


def test_the_app_keeps_the_garbage_collector_off_request_sized_garbage(app):
    import gc

    from lms import GC_YOUNG_THRESHOLD

    # create_app (the session's app) froze the start-up objects and raised the young threshold: a
    # first view's few hundred thousand short-lived objects no longer set off ~140 passes each.
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD >= 50_000


def test_the_server_bounds_its_heap_where_glibc_allows():
    import platform

    from lms.cli import _bound_the_heap

    # On glibc both malloc options are accepted; elsewhere nothing is changed and nothing fails.
    assert _bound_the_heap() is (platform.libc_ver()[0] == "glibc")
