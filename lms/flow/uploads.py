"""CSV logs waiting for their column mapping: kept in the instance folder under a random token."""

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


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "event-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _name(token: str, organization_id: int, stream_id: int) -> str:
    return f"{organization_id}-{stream_id}-{token}.csv"


def keep(source: IO[bytes], organization_id: int, stream_id: int) -> str:
    """Store an uploaded log until it is imported; return its token. Uploads older than a day go."""
    folder = _folder()
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < time.time() - KEEP_S:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    with (folder / _name(token, organization_id, stream_id)).open("wb") as handle:
        shutil.copyfileobj(source, handle)
    return token


def path_of(token: str | None, organization_id: int, stream_id: int) -> Path | None:
    """Return the stored upload of this stream with ``token``, or None (bad or expired token)."""
    if not token or not TOKEN.fullmatch(token):
        return None
    path = _folder() / _name(token, organization_id, stream_id)
    return path if path.is_file() else None


def discard(token: str, organization_id: int, stream_id: int) -> None:
    """Remove an upload once imported."""
    path = path_of(token, organization_id, stream_id)
    if path is not None:
        path.unlink(missing_ok=True)
