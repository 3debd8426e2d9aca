"""Two replicas taking alerts for the same new system at the same moment: one opens the
incident, the other waits for it and joins (PostgreSQL: on SQLite one process writes)."""

import threading

import pytest
from sqlmodel import select

from incidents.alerts.ingest import ingest_many
from incidents.alerts.schema import AlertIn
from incidents.db import session_scope
from incidents.models import Incident
from tests.databases import on_postgres
from tests.service.conftest import NOW

pytestmark = pytest.mark.skipif(not on_postgres(), reason="PostgreSQL pass only")


def alert(fingerprint: str) -> AlertIn:
    return AlertIn.model_validate({"system": "fraud-detector", "title": "Flag rate 40%",
                                   "fingerprint": fingerprint})


def test_two_batches_for_one_new_system_open_one_incident(engine, catalog):
    first_wrote = threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        with session_scope(engine) as session:
            [result] = ingest_many(session, alerts=[(alert("a"), "generic")], now=NOW,
                                   catalog=catalog)
            outcomes["first"] = result.outcome
            first_wrote.set()
            threading.Event().wait(0.3)  # still uncommitted while the second one starts

    def second() -> None:
        first_wrote.wait(5)
        with session_scope(engine) as session:
            [result] = ingest_many(session, alerts=[(alert("b"), "generic")], now=NOW,
                                   catalog=catalog)
            outcomes["second"] = result.outcome

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == {"first": "opened", "second": "joined"}
    with session_scope(engine) as session:
        assert len(session.exec(select(Incident)).all()) == 1
