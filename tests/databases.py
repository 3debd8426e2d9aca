"""The database each test runs on: a fresh SQLite file by default, or a fresh PostgreSQL
database when INCIDENTBOT_TEST_DATABASE_URL names a server (`scripts/test --postgres` sets
it). Each PostgreSQL database is copied from a template migrated once per run, which takes
a few milliseconds instead of running every migration per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

SERVER = os.environ.get("INCIDENTBOT_TEST_DATABASE_URL")
_template: str | None = None


def on_postgres() -> bool:
    return bool(SERVER)


def _admin() -> sa.Engine:
    url = make_url(SERVER).set(database="postgres")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _migrated_template() -> str:
    global _template
    if _template is None:
        from bot import migrate
        from incidents.db import make_engine

        name = f"incidentbot_template_{os.getpid()}"
        admin = _admin()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine = make_engine(make_url(SERVER).set(database=name).render_as_string(False))
        migrate.upgrade(engine)
        engine.dispose()
        admin.dispose()
        _template = name
    return _template


@contextmanager
def fresh_database(folder: Path, name: str = "bot") -> Iterator[str]:
    """The URL of an empty, migrated database for one test (or one module)."""
    if not SERVER:
        yield f"sqlite:///{folder}/{name}.db"
        return
    template = _migrated_template()
    database = f"incidentbot_test_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    try:
        yield make_url(SERVER).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()


def drop_template() -> None:
    if _template is not None:
        admin = _admin()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{_template}" WITH (FORCE)')
        admin.dispose()


def sqlite_only(reason: str):
    """For a test of SQLite itself (WAL, checkpoints), skipped on the PostgreSQL pass."""
    import pytest

    return pytest.mark.skipif(on_postgres(), reason=f"SQLite only: {reason}")
