"""Apply the Alembic migrations shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


# Any fixed number: replicas starting together on one PostgreSQL database take turns on it.
MIGRATION_LOCK = 0x1C1DE27


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`. Several replicas may start at once on an empty
    database: on PostgreSQL each takes a transaction-scoped advisory lock first, so one
    migrates while the others wait and then find nothing left to do (without it, all but one
    died on a duplicate `alembic_version` row). SQLite takes its write lock at BEGIN
    IMMEDIATE, which serialises the same way across processes."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
