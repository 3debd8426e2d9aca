"""Replicas starting together on an empty database all come up: one migrates, the others
wait for it and find the schema at head."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import inspect

from bot import migrate
from incidents.db import make_engine


def test_three_replicas_migrating_an_empty_database_at_once_all_succeed(tmp_path):
    from tests.databases import fresh_database

    with fresh_database(tmp_path, "race") as url:
        engines = [make_engine(url) for _ in range(3)]
        # The test databases come migrated: start from nothing, as a new deployment does.
        with engines[0].begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        with ThreadPoolExecutor(3) as pool:
            results = list(pool.map(lambda engine: migrate.upgrade(engine), engines))
        assert results == [None, None, None]
        head = migrate.current_revision(engines[0])
        assert head is not None and all(migrate.current_revision(e) == head for e in engines)
        assert "incident" in inspect(engines[0]).get_table_names()
        for engine in engines:
            engine.dispose()
