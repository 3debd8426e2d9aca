from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import migrate
from incidents.catalog import load_catalog
from incidents.db import make_engine, session_scope

EXAMPLE = Path(__file__).parents[2] / "examples" / "incidentbot.yml"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with session_scope(engine) as session:
        yield session


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(EXAMPLE)
