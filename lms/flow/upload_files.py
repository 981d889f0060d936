"""Uploaded logs waiting to be imported: kept in the instance folder under a random token.

A CSV waits there for its column mapping; either format waits for its background import, whose
progress is kept beside it (``<name>.json``) so that every serving process can show it.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path
from typing import IO

from flask import current_app

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
KEEP_S = 24 * 3_600
SUFFIXES = {"csv": ".csv", "xes": ".xes"}


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "event-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stem(token: str, organization_id: int, stream_id: int) -> str:
    return f"{organization_id}-{stream_id}-{token}"


def keep(source: IO[bytes], organization_id: int, stream_id: int, fmt: str = "csv") -> str:
    """Store an uploaded log until it is imported; return its token. Files older than a day go."""
    folder = _folder()
    for old in folder.iterdir():
        if old.suffix in (".csv", ".xes", ".json") and old.stat().st_mtime < time.time() - KEEP_S:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    with (folder / (_stem(token, organization_id, stream_id) + SUFFIXES[fmt])).open("wb") as handle:
        shutil.copyfileobj(source, handle)
    return token


def path_of(token: str | None, organization_id: int, stream_id: int, fmt: str = "csv") -> Path | None:
    """Return the stored upload of this stream with ``token``, or None (bad or expired token)."""
    if not token or not TOKEN.fullmatch(token):
        return None
    path = _folder() / (_stem(token, organization_id, stream_id) + SUFFIXES[fmt])
    return path if path.is_file() else None


def status_path_of(token: str | None, organization_id: int, stream_id: int) -> Path | None:
    """Return where the progress of the import of upload ``token`` is kept, or None for a bad token."""
    if not token or not TOKEN.fullmatch(token):
        return None
    return _folder() / (_stem(token, organization_id, stream_id) + ".json")


def discard(token: str, organization_id: int, stream_id: int, fmt: str = "csv") -> None:
    """Remove an upload once imported."""
    path = path_of(token, organization_id, stream_id, fmt)
    if path is not None:
        path.unlink(missing_ok=True)
