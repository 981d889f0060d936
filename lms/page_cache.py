"""Serve a person's repeated page views from a cache keyed by the organization's content version.

A page shows the organization's content, the day and the person (their role, their session's
CSRF token). When none of these changed since it was drawn — same session, same address, same
content version, same day — the same bytes are the right answer, so they are sent again without
running the view. Nothing crosses sessions; a page with a flash message pending is never served
from or stored in the cache; only complete 200 answers of GET requests are kept. Charts and
PDFs keep their ETag, so a browser that holds them gets 304.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Lock

from flask import Flask, Response, g, request, session
from flask_login import current_user

from lms.content import VersionedCache
from lms.db import utcnow

CACHEABLE = {"text/html", "image/png", "application/pdf"}
FLIGHT_WAIT_S = 10
pages = VersionedCache(max_entries=400)
_flights: dict[tuple, Lock] = {}
_flights_lock = Lock()


@dataclass(frozen=True)
class CachedPage:
    """A page as drawn; ``body`` None when only its ETag is known (the view answered 304)."""

    body: bytes | None
    mimetype: str
    etag: str | None
    disposition: str | None


def _key() -> tuple | None:
    if (request.method != "GET" or request.blueprint in (None, "api", "static")
            or g.get("actor") is None or session.get("_flashes")):
        return None
    return page_key(current_user.session_key)


def page_key(session_key: str) -> tuple:
    """The cache key of this request's page for a session (``lms.fast_path`` builds it too)."""
    return session_key, request.full_path, utcnow().date()


def _flight(key: tuple) -> Lock:
    with _flights_lock:
        return _flights.setdefault(key, Lock())


def _serve_cached() -> Response | None:
    key = _key()
    if key is None:
        return None
    g.page_cache_key = key
    page: CachedPage | None = pages.peek("page", key)
    if page is None:
        # One request draws a missing page; the same session's concurrent ones wait for it.
        flight = _flight(key)
        if flight.acquire(timeout=FLIGHT_WAIT_S):
            g.page_flight = flight
        page = pages.peek("page", key)
    if page is None:
        return None
    response = respond(page)
    g.page_cache_hit = response is not None
    return response


def respond(page: CachedPage) -> Response | None:
    """The answer for a cached page: its bytes, or 304 when the browser holds them already.

    None when only the page's ETag is known and the browser does not hold it: the view draws it.
    """
    if page.etag and request.if_none_match.contains(page.etag):
        response = Response(status=304)
    elif page.body is None:
        return None
    else:
        response = Response(page.body, mimetype=page.mimetype)
        if page.disposition:
            response.headers["Content-Disposition"] = page.disposition
    if page.etag:
        response.set_etag(page.etag)
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def _store(response: Response) -> Response:
    key = g.get("page_cache_key")
    if key is None or g.get("page_cache_hit") or session.get("_flashes"):
        return response
    etag, _ = response.get_etag()
    if response.status_code == 304 and etag:
        # A browser revalidating what it holds after the content changed: the view checked that
        # the bytes are still the same without drawing them. Keep the ETag, so that the next
        # revalidations at this version are answered without the view.
        if pages.peek("page", key) is None:
            pages.put("page", key, CachedPage(None, "", etag, None))
        return response
    if response.status_code != 200 or response.is_streamed or response.mimetype not in CACHEABLE:
        return response
    pages.put("page", key, CachedPage(response.get_data(), response.mimetype, etag,
                                      response.headers.get("Content-Disposition")))
    return response


def _land(_exc: BaseException | None) -> None:
    flight = g.pop("page_flight", None)
    if flight is not None:
        flight.release()
        with _flights_lock:
            if _flights.get(g.get("page_cache_key")) is flight and not flight.locked():
                _flights.pop(g.get("page_cache_key"), None)


def init_app(app: Flask) -> None:
    """Install the page cache after the hooks that set the request's actor."""
    app.before_request(_serve_cached)
    app.after_request(_store)
    app.teardown_request(_land)
