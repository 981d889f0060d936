"""Run a command against a fresh, throw-away PostgreSQL database.

Usage: python scripts/pg_test_database.py postgresql://user@host:port -- COMMAND...
The command sees LMS_TEST_DATABASE_URL; the database is dropped afterwards, pass or fail, with the
databases the test workers made beside it (``<name>_gw0``, ``<name>_gw1``, …).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") != 1:
        print(__doc__, file=sys.stderr)
        return 2
    server, command = argv[0].rstrip("/"), argv[2:]
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as error:
        print(f"Cannot reach PostgreSQL at {server}: {error}", file=sys.stderr)
        return 2
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        print(f"PostgreSQL test database {name} created", flush=True)
        try:
            env = dict(os.environ, LMS_TEST_DATABASE_URL=f"{server}/{name}")
            return subprocess.call(command, env=env)  # noqa: S603 - the developer's own command
        finally:
            workers = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                    (f"{name}_gw%",)).fetchall()
            for (database,) in [(name,), *workers]:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                print(f"PostgreSQL test database {database} dropped", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
