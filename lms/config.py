"""Settings read from ``LMS_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "testing", "production")


class ConfigurationError(RuntimeError):
    """Raise when the environment does not describe a runnable configuration."""


def normalize_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver that lms ships with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret(instance_path: Path) -> str:
    """Keep one random key per instance folder so development sessions survive restarts."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "dev_secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


@dataclass
class Settings:
    """The configuration of one lms process, in Flask's upper-case keys."""

    values: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, overrides: dict | None = None) -> Settings:
        """Read the ``LMS_*`` environment, apply ``overrides`` and check the result."""
        overrides = overrides or {}
        env = overrides.get("LMS_ENV") or os.environ.get("LMS_ENV", "production")
        if overrides.get("TESTING"):
            env = "testing"
        if env not in ENVIRONMENTS:
            raise ConfigurationError(f"LMS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
        instance_path = Path(os.environ.get("LMS_INSTANCE_PATH", ROOT / "instance")).resolve()
        production = env == "production"
        secret = overrides.get("SECRET_KEY") or os.environ.get("LMS_SECRET_KEY")
        if not secret:
            if production:
                raise ConfigurationError(
                    "LMS_SECRET_KEY is not set. Set it to a long random string "
                    "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`), "
                    "or set LMS_ENV=development for a local trial."
                )
            secret = _development_secret(instance_path)
        database_url = os.environ.get(
            "LMS_DATABASE_URL", f"sqlite:///{instance_path / 'lms.sqlite3'}"
        )
        values = {
            "LMS_ENV": env,
            "INSTANCE_PATH": str(instance_path),
            "SECRET_KEY": secret,
            "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
            "MAX_CONTENT_LENGTH": _env_int("LMS_MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": _env_bool("LMS_SESSION_COOKIE_SECURE", production),
            "SESSION_COOKIE_NAME": "lms_session",
            "PERMANENT_SESSION_LIFETIME": _env_int("LMS_SESSION_HOURS", 12) * 3600,
            "WTF_CSRF_TIME_LIMIT": None,
            "LMS_PROXY_FIX": _env_int("LMS_PROXY_FIX", 0),
            "LMS_LOGIN_MAX_FAILURES": _env_int("LMS_LOGIN_MAX_FAILURES", 5),
            "LMS_LOGIN_MAX_FAILURES_PER_ADDRESS": _env_int("LMS_LOGIN_MAX_FAILURES_PER_ADDRESS", 30),
            "LMS_LOGIN_LOCKOUT_MINUTES": _env_int("LMS_LOGIN_LOCKOUT_MINUTES", 15),
            "LMS_TOKEN_MAX_FAILURES_PER_ADDRESS": _env_int("LMS_TOKEN_MAX_FAILURES_PER_ADDRESS", 60),
            "LMS_PASSWORD_MIN_LENGTH": _env_int("LMS_PASSWORD_MIN_LENGTH", 10),
            # bandit B105 (low) takes this for a hard-coded password; it names a hash method.
            "LMS_PASSWORD_HASH_METHOD": "scrypt",
            "LMS_PER_PAGE": _env_int("LMS_PER_PAGE", 50),
            "LMS_CHART_CACHE_DIR": os.environ.get(
                "LMS_CHART_CACHE_DIR", str(instance_path / "chart-cache")
            ),
            "LMS_SERVE_THREADS": _env_int("LMS_SERVE_THREADS", 8),
            "LMS_CONTENT_CACHE": _env_bool("LMS_CONTENT_CACHE", True),
            # Page imports of event logs run in a thread of the serving process (the tests run them
            # within the request, unless a test turns this on to follow the thread).
            "LMS_IMPORT_IN_BACKGROUND": _env_bool("LMS_IMPORT_IN_BACKGROUND", env != "testing"),
            "TESTING": env == "testing",
            "DEBUG": False,
        }
        values.update({k: v for k, v in overrides.items() if k != "LMS_ENV"})
        values["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(values["SQLALCHEMY_DATABASE_URI"])
        values["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(values["SQLALCHEMY_DATABASE_URI"])
        return cls(values)


def engine_options(url: str) -> dict:
    """Choose pool and driver options for the database behind ``url``."""
    if url.startswith("sqlite"):
        # The busy timeout lets concurrent writers queue instead of failing "database is locked".
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}
