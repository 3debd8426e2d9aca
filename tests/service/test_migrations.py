"""Migrations build the schema the models describe, on a new and on an existing database."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import select

from bot import migrate
from incidents import tables
from incidents.db import make_engine, session_scope
from incidents.models import Incident
from tests.databases import sqlite_only
from tests.service.conftest import NOW


def head() -> str:
    return ScriptDirectory.from_config(migrate.alembic_config(None)).get_current_head()


def test_empty_database_is_built_to_head(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/new.db")
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == head()
    tables = set(inspect(engine).get_table_names())
    assert {"incident", "timeline_event", "alert", "deadline", "outbox"} <= tables


def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), tables.metadata)
    assert diff == []


def test_every_table_module_is_gathered_for_the_migrations():
    # A feature's models.py left out of incidents/tables.py would be invisible to the
    # migrations' metadata whenever nothing else had imported it yet.
    core = Path(tables.__file__).parent
    found = {".".join(p.relative_to(core.parent).with_suffix("").parts)
             for p in core.rglob("*.py") if "table=True" in p.read_text()}
    assert found == {m.__name__ for m in tables.MODULES}
    assert len(found) > 5


def test_existing_database_upgrades_and_keeps_its_data(tmp_path, catalog):
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    migrate.upgrade(engine, revision="20261127_0001")
    with engine.begin() as connection:
        # Raw SQL with the first revision's columns: today's model has columns that later
        # revisions add, which an old schema does not have yet.
        connection.exec_driver_sql(
            "INSERT INTO incident (title, description, system, in_catalog, severity, status, "
            "is_drill, private, summary_pinned, invited, bookmarks_done, created_at) "
            "VALUES ('Kept', '', 'fraud-detector', 1, 3, 'triage', 0, 0, 0, '[]', 0, ?)",
            (NOW.strftime("%Y-%m-%d %H:%M:%S.%f"),))
    engine.dispose()
    engine = make_engine(url)
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # a second run is a no-op
    assert migrate.current_revision(engine) == head()
    with session_scope(engine) as session:
        assert [i.title for i in session.exec(select(Incident))] == ["Kept"]


@sqlite_only("WAL mode")
def test_sqlite_runs_in_wal_mode(engine):
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
