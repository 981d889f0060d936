"""Serve charts cached by the content they show, with an ETag so browsers revalidate cheaply."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from threading import Lock
from typing import Any

from flask import Response, current_app, request

# Raise when a chart's drawing changes, so cached pictures of the old drawing are not reused.
DRAWING_VERSION = "5"
_MEMORY_LIMIT = 256
_memory: OrderedDict[str, bytes] = OrderedDict()
_lock = Lock()


MIMETYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
# An SVG opened on its own is a document: it may style itself, and nothing else.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def content_key(kind: str, spec: Any, suffix: str = "png") -> str:
    """Return the cache key of a chart: a hash of its kind, its format, its drawing version and its data."""
    payload = json.dumps([kind, suffix, DRAWING_VERSION, spec], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _disk_path(key: str, suffix: str) -> Path:
    return Path(current_app.config["LMS_CHART_CACHE_DIR"]) / key[:2] / f"{key}.{suffix}"


def _remember(key: str, data: bytes) -> None:
    with _lock:
        _memory[key] = data
        _memory.move_to_end(key)
        while len(_memory) > _MEMORY_LIMIT:
            _memory.popitem(last=False)


def cached_bytes(key: str, draw: Callable[[], bytes], suffix: str = "png") -> bytes:
    """Return the drawing for ``key``: from memory, from disk (shared by processes), or drawn now."""
    with _lock:
        data = _memory.get(key)
    if data is not None:
        return data
    path = _disk_path(key, suffix)
    if path.exists():
        data = path.read_bytes()
    else:
        data = draw()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)  # atomic: another process never reads half a file
    _remember(key, data)
    return data


def chart_response(kind: str, spec: Any, draw: Callable[[Any], bytes], *, suffix: str = "png",
                   download_name: str | None = None) -> Response:
    """Answer a chart request: 304 when the browser holds this content, else the (cached) bytes."""
    key = content_key(kind, spec, suffix)
    etag = key[:40]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(cached_bytes(key, lambda: draw(spec), suffix), mimetype=MIMETYPES[suffix])
        if download_name:
            response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    if suffix == "svg":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response
