"""Accounts: password hashing, sign-in throttling, server-side sessions, API tokens."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError
from werkzeug.security import check_password_hash, generate_password_hash

from lms import audit
from lms.db import utcnow, write_intent
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.models import ROLES, ApiToken, LoginAttempt, Organization, User, UserSession

log = logging.getLogger(__name__)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "lms_"  # noqa: S105 - a visible prefix, not a secret


@functools.cache
def _dummy_hash() -> str:
    """Return a hash to check unknown emails against, so they take as long as known ones.

    Made on the first sign-in, not at import: scrypt takes ~100 ms that no ``lms`` command should wait.
    """
    return generate_password_hash("not a real password")


def warm_up() -> None:
    """Make what sign-in needs before a server answers, so the first sign-in takes no longer."""
    _dummy_hash()


class SignInRefused(Exception):
    """Raise when a sign-in fails; the message never tells whether the account exists."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def digest(secret: str) -> str:
    """Return the SHA-256 hex digest under which a session key or token is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalize_email(email: str) -> str:
    """Return the email as lms stores and compares it."""
    return (email or "").strip().lower()


def password_problems(password: str, email: str = "") -> list[str]:
    """Return what is wrong with a new password (empty when it is acceptable)."""
    minimum = current_app.config["LMS_PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(f"Use at least {minimum} characters.")
    if len(password) > 200:
        problems.append("Use at most 200 characters.")
    if email and password.strip().lower() == normalize_email(email):
        problems.append("Do not use your email address as the password.")
    if password and len(set(password)) < 4:
        problems.append("Use more than three different characters.")
    return problems


def hash_password(password: str) -> str:
    """Hash a password with scrypt (tests may configure a cheaper method)."""
    return generate_password_hash(password, method=current_app.config["LMS_PASSWORD_HASH_METHOD"])


# Users ---------------------------------------------------------------------------------


def validate_new_user(email: str, password: str, role: str) -> dict[str, list[str]]:
    """Check the fields of a new account; return field -> messages."""
    fields: dict[str, list[str]] = {}
    email = normalize_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        fields["email"] = ["Enter a valid email address."]
    elif db.session.scalar(
        select(User.id).where(User.email == email).execution_options(all_organizations=True)
    ):
        fields["email"] = ["An account with this email already exists."]
    if role not in ROLES:
        fields["role"] = [f"Choose one of: {', '.join(ROLES)}."]
    problems = password_problems(password, email)
    if problems:
        fields["password"] = problems
    return fields


def create_user(
    organization: Organization, *, email: str, password: str, role: str, name: str = ""
) -> User:
    """Create an account in ``organization`` and commit it."""
    fields = validate_new_user(email, password, role)
    if fields:
        raise ValidationFailed(fields)
    user = User(
        organization_id=organization.id,
        email=normalize_email(email),
        name=(name or "").strip()[:200],
        password_hash=hash_password(password),
        role=role,
    )
    db.session.add(user)
    audit.record("create", user, summary=f"Account {user.email} created as {role}",
                 after={"email": user.email, "role": role}, organization_id=organization.id)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one; end every other session."""
    if not check_password_hash(user.password_hash, current):
        # bandit B105 (low) takes this message for a hard-coded password; it is a form message.
        raise ValidationFailed({"current_password": "The current password is not right."})
    problems = password_problems(new, user.email)
    if problems:
        raise ValidationFailed({"new_password": problems})
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    revoke_sessions(user.id, keep=user.session_key)
    audit.record("password", user, summary=f"{user.email} changed their password")
    db.session.commit()


# Sign-in throttling ---------------------------------------------------------------------


def _recent_failures(key: str, minutes: int) -> int:
    since = utcnow() - timedelta(minutes=minutes)
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.key == key, LoginAttempt.attempted_at >= since
        )
    ) or 0


def _throttled(keys_and_limits: list[tuple[str, int]]) -> bool:
    minutes = current_app.config["LMS_LOGIN_LOCKOUT_MINUTES"]
    return any(_recent_failures(key, minutes) >= limit for key, limit in keys_and_limits)


# Failed attempts are kept this long (at least the lockout window); older ones count for nothing.
ATTEMPTS_KEPT = timedelta(days=1)
# Every this many recorded failures, all expired ones are pruned, whatever their key.
PRUNE_EVERY = 100


def _record_failure(*keys: str) -> None:
    """Count a failure under each key, and prune expired failures so guessing cannot grow the table.

    The count is written in a short transaction of its own, begun for writing (``BEGIN IMMEDIATE``
    on SQLite): a request that only read — a bad token on a GET — would otherwise have to turn its
    read into a write under load and fail "database is locked". If even that cannot be written,
    the refusal still stands (401), and the failure is logged.
    """
    window = timedelta(minutes=current_app.config["LMS_LOGIN_LOCKOUT_MINUTES"])
    expired = LoginAttempt.attempted_at < utcnow() - max(ATTEMPTS_KEPT, window)
    db.session.rollback()  # end the checks' read; the count begins its own write
    intent = write_intent.set(True)
    try:
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.key.in_(keys), expired))
        attempts = [LoginAttempt(key=key) for key in keys]
        db.session.add_all(attempts)
        db.session.flush()
        if any(attempt.id % PRUNE_EVERY == 0 for attempt in attempts):
            # Keys an attacker never reuses (made-up emails, rotating addresses) go here.
            db.session.execute(delete(LoginAttempt).where(expired))
        db.session.commit()
    except DBAPIError:
        db.session.rollback()
        log.warning("could not count a failed sign-in or token check for %s", keys, exc_info=True)
    finally:
        write_intent.reset(intent)


def authenticate(email: str, password: str, address: str) -> User:
    """Return the active user with these credentials, or raise SignInRefused."""
    cfg = current_app.config
    email = normalize_email(email)
    email_key, address_key = f"email:{email}", f"ip:{address}"
    limits = [(email_key, cfg["LMS_LOGIN_MAX_FAILURES"]),
              (address_key, cfg["LMS_LOGIN_MAX_FAILURES_PER_ADDRESS"])]
    if _throttled(limits):
        raise SignInRefused(
            "Too many failed sign-in attempts. Wait "
            f"{cfg['LMS_LOGIN_LOCKOUT_MINUTES']} minutes and try again."
        )
    user = db.session.scalar(
        select(User).where(User.email == email).execution_options(all_organizations=True)
    )
    password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not password_ok or not user.active:
        _record_failure(email_key, address_key)
        raise SignInRefused("Email or password is incorrect.")
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == email_key))
    return user


# Server-side sessions -------------------------------------------------------------------


def start_session(user: User, address: str | None, user_agent: str | None) -> str:
    """Open a server-side session for ``user`` and return its key for the cookie."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=digest(key), ip_address=address,
                               user_agent=(user_agent or "")[:300]))
    db.session.commit()
    user.session_key = key
    return key


def load_session(key: str) -> User | None:
    """Return the active user of a live session key, or None."""
    if not key:
        return None
    row = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash == digest(key), UserSession.revoked_at.is_(None))
        .execution_options(all_organizations=True)
    ).first()
    if row is None or not row.User.active:
        return None
    user = row.User
    user.session_key = key
    return user


def end_session(key: str | None) -> None:
    """Revoke one session so that its cookie no longer signs anybody in."""
    if key:
        db.session.execute(
            update(UserSession)
            .where(UserSession.key_hash == digest(key), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        db.session.commit()


def revoke_sessions(user_id: int, keep: str | None = None) -> None:
    """Revoke every session of a user, except the one keyed ``keep``."""
    stmt = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep:
        stmt = stmt.where(UserSession.key_hash != digest(keep))
    db.session.execute(stmt.values(revoked_at=utcnow()))


# API tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(user: User, name: str) -> IssuedToken:
    """Create an API token for ``user``; the secret is returned once and stored hashed."""
    name = (name or "").strip() or "API token"
    if len(name) > 100:
        raise ValidationFailed({"name": "Use at most 100 characters."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(organization_id=user.organization_id, user_id=user.id, name=name,
                     token_hash=digest(secret), prefix=secret[:10])
    db.session.add(token)
    audit.record("create", token, summary=f"API token '{name}' created for {user.email}",
                 organization_id=user.organization_id)
    db.session.commit()
    return IssuedToken(token, secret)


def token_throttled(address: str) -> bool:
    """Tell whether an address has failed token checks too often of late."""
    limit = current_app.config["LMS_TOKEN_MAX_FAILURES_PER_ADDRESS"]
    return _throttled([(f"token-ip:{address}", limit)])


def user_for_token(secret: str, address: str) -> User | None:
    """Return the active user behind a live token, or None (and count the failure)."""
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(secret or ""), ApiToken.revoked_at.is_(None))
        .execution_options(all_organizations=True)
    ).first()
    if row is None or not row.User.active:
        _record_failure(f"token-ip:{address}")
        return None
    return row.User


def revoke_token(token: ApiToken) -> None:
    """Revoke a token at once."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("revoke", token, summary=f"API token '{token.name}' revoked")
        db.session.commit()
