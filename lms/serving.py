"""The production server behind ``lms serve``: waitress, keeping connections open after a 304.

waitress 3.0 decides whether an HTTP/1.1 connection can stay open from the response's
Content-Length. A response that has no body by definition (1xx, 204, 304) must not carry one,
so waitress closes the connection after every such answer (its ``build_response_header``).
For lms that is every chart or PDF a browser revalidates (ETag → 304): each cost a new TCP
connection, and on the benchmark's 2-core machine the chart 304 ran at about 0.5 of
``/health`` where the same answer on a kept connection runs well above it.

A body-less response ends where its headers end, so nothing is lost by keeping the connection:
the task below declines waitress's close in exactly that case, when the client speaks HTTP/1.1
and did not ask for the close itself. Every other reason waitress has to close a connection
(HTTP/1.0, ``Connection: close``, an error, a short body) still closes it.
"""

from __future__ import annotations

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import WSGITask


class KeepAliveTask(WSGITask):
    """A WSGI task that keeps an HTTP/1.1 connection open after a response without a body."""

    def set_close_on_finish(self) -> None:
        if (not self.has_body and not self.wrote_header and self.version == "1.1"
                and self.request.headers.get("CONNECTION", "").lower() != "close"):
            return
        super().set_close_on_finish()


class KeepAliveChannel(HTTPChannel):
    """An HTTP channel whose requests are run by ``KeepAliveTask``."""

    task_class = KeepAliveTask


def make_server(app, **adjustments):
    """A waitress server for ``app`` (``adjustments`` as for ``waitress.serve``) whose
    connections outlive a 304. Call ``run()`` on it to serve."""
    listeners: dict = {}
    server = create_server(app, map=listeners, **adjustments)
    for listener in listeners.values():  # one per address the host resolves to
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = KeepAliveChannel
    return server
