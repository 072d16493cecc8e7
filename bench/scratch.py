"""Scratch databases for the benchmarks, copied from one migrated template.

Migrating a new database takes a minute or more on a busy machine; a copy of a migrated one
(`CREATE DATABASE ... TEMPLATE`) takes a second. The template `smgov_bench_template` is kept between
runs and migrated again whenever the project's migration files change (their digest is the
database's comment).
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "smgov_bench_template"


def server_url() -> str:
    return os.environ.get("DATABASE_URL") or (
        f"postgres://smgov@127.0.0.1:{os.environ.get('SMGOV_PG_PORT', '25432')}/smgov"
    )


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(server_url())._replace(path=f"/{name}"))


def _admin():
    import psycopg2

    connection = psycopg2.connect(database_url("postgres"))
    connection.autocommit = True
    return connection


def _migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _template() -> None:
    digest = _migrations_digest()
    admin = _admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [TEMPLATE]
            )
            row = cursor.fetchone()
            if row and row[0] == digest:
                return
            cursor.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{TEMPLATE}"')
        env = dict(os.environ, DATABASE_URL=database_url(TEMPLATE), DJANGO_SETTINGS_MODULE="smgov.settings")
        subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "migrate", "--verbosity=0"], cwd=ROOT, env=env, check=True
        )
        with admin.cursor() as cursor:
            cursor.execute(f"COMMENT ON DATABASE \"{TEMPLATE}\" IS '{digest}'")  # hex digits only
    finally:
        admin.close()


def create(name: str) -> str:
    """A new migrated database ``name`` (dropped first if it exists); returns its URL."""
    _template()
    admin = _admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    finally:
        admin.close()
    return database_url(name)


def drop(name: str) -> None:
    admin = _admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()
