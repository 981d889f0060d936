"""Uploads kept between an import's preview and its confirmation, without asking for the file again.

The uploaded bytes wait in a private file of the instance folder under a random name; the page
holds only a signed token naming that file, the organization, the person, the kind of import
(``steps``, or measurements read from a table or from pasted rows) and the record it writes into (a
stream, a KPI). A token is refused when its signature is wrong, when it is older than ``MAX_AGE_S``,
or when another person, organization, kind or record presents it; files older than that are swept on
every new preview.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms import tenancy

MAX_AGE_S = 30 * 60
SALT = "lms.transfer.steps-preview"  # the steps' preview came first; every kind of import shares it
FOLDER = "import-previews"


class PreviewExpired(Exception):
    """Raise when a preview's token cannot be honoured: the person must upload the file again."""

    def __init__(self, message: str = "This preview has expired or is not yours; "
                                      "upload the file again.") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class KeptUpload:
    """An upload waiting for its confirmation."""

    file_id: str
    filename: str
    data: bytes


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _folder() -> Path:
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(file_id: str) -> Path:
    return _folder() / f"{file_id}.upload"


def sweep(now: float | None = None) -> int:
    """Delete kept uploads older than a preview lives; return how many."""
    limit = (now or time.time()) - MAX_AGE_S
    swept = 0
    for path in _folder().glob("*.upload"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                swept += 1
        except FileNotFoundError:  # another worker swept it first
            continue
    return swept


def keep(data: bytes, filename: str, record_id: int, kind: str = "steps") -> str:
    """Keep an upload for the acting person's confirmation; return the token that names it.

    ``kind`` says how the upload is read (``steps``, ``measurements-table``, ...) and ``record_id`` what
    it is imported into: the confirmation must name both again.
    """
    sweep()
    file_id = secrets.token_urlsafe(24)
    descriptor = os.open(_path(file_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    user = tenancy.actor()
    return _serializer().dumps({"f": file_id, "o": user.organization_id, "u": user.id, "s": record_id,
                                "k": kind, "n": filename[:200], "h": hashlib.sha256(data).hexdigest()})


def open_kept(token: str, record_id: int, kind: str = "steps") -> KeptUpload:
    """Return the upload a token names, if it is still there and the token is the acting person's.

    The token must have been made for the same kind of import into the same record.
    """
    try:
        claims = _serializer().loads(token or "", max_age=MAX_AGE_S)
    except SignatureExpired:
        raise PreviewExpired("This preview is more than 30 minutes old; upload the file again.") from None
    except BadSignature:
        raise PreviewExpired() from None
    user = tenancy.actor()
    if (claims.get("o"), claims.get("u"), claims.get("s"), claims.get("k", "steps")) != (
            user.organization_id, user.id, record_id, kind):
        raise PreviewExpired()
    try:
        data = _path(claims["f"]).read_bytes()
    except (FileNotFoundError, KeyError, OSError):
        raise PreviewExpired() from None
    if hashlib.sha256(data).hexdigest() != claims.get("h"):
        raise PreviewExpired()
    return KeptUpload(claims["f"], claims.get("n", "upload"), data)


def discard(file_id: str) -> None:
    """Delete a kept upload once it has been imported."""
    _path(file_id).unlink(missing_ok=True)
