"""``lms serve`` keeps an HTTP/1.1 connection open after a 304, and closes it where HTTP says to."""

from __future__ import annotations

import http.client
import socket
import threading

import pytest
from waitress import wasyncore

from lms.cli import cli
from lms.serving import make_server


def _app(environ, start_response):
    if environ["PATH_INFO"] == "/held":  # what a browser gets for a chart it holds
        start_response("304 Not Modified", [("ETag", '"held"')])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


@pytest.fixture()
def port():
    server = make_server(_app, host="127.0.0.1", port=0, threads=2, ident="lms")
    stop = threading.Event()

    def serve() -> None:  # server.run() has no way to stop; close the sockets from the loop's thread
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.effective_port
    stop.set()
    thread.join(timeout=5)
    server.task_dispatcher.shutdown()


def test_a_304_leaves_the_connection_open_for_the_next_request(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/held", headers={"If-None-Match": '"held"'})
    first = connection.getresponse()
    first.read()
    held = connection.sock
    assert first.status == 304 and first.getheader("Connection") is None and not first.will_close
    connection.request("GET", "/next")
    second = connection.getresponse()
    assert (second.status, second.read()) == (200, b"ok")
    assert connection.sock is held  # the same TCP connection answered both
    connection.close()


def test_a_client_that_asks_for_the_close_still_gets_it(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/held", headers={"Connection": "close"})
    answer = connection.getresponse()
    assert answer.status == 304 and answer.getheader("Connection") == "close" and answer.will_close
    connection.close()


def test_an_http_1_0_client_is_closed_after_the_304(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(b"GET /held HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        while chunk := raw.recv(4096):  # ends only when the server closes the connection
            received += chunk
    assert received.startswith(b"HTTP/1.0 304")


def test_the_serve_command_runs_this_server(app, monkeypatch):
    made = []

    class Server:
        def run(self):
            made.append("ran")

    def fake(application, **adjustments):
        made.append((application, adjustments))
        return Server()

    monkeypatch.setattr("lms.serving.make_server", fake)
    result = app.test_cli_runner().invoke(cli, ["serve", "--port", "8123", "--threads", "3"])
    assert result.exit_code == 0, result.output
    assert made == [(app, {"host": "127.0.0.1", "port": 8123, "threads": 3, "ident": "lms"}), "ran"]
