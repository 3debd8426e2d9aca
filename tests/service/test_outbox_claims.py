"""Outbox claims between replicas: two sessions on one database doing the same step, both
committing. Runs on SQLite, and also on PostgreSQL on the suite's PostgreSQL pass
(`scripts/test --postgres`), each test on a fresh database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from bot import migrate
from incidents import outbox_claims
from incidents.db import make_engine, session_scope
from incidents.models import Incident, Outbox
from incidents.outbox import Kind
from tests.databases import on_postgres

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """One migrated database per test; every test here runs on both kinds (PostgreSQL on
    the suite's PostgreSQL pass, `scripts/test --postgres`)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/claims.db")
    else:
        if not on_postgres():
            pytest.skip("PostgreSQL pass only (scripts/test --postgres)")
        engine = make_engine(request.getfixturevalue("database_url"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def incident(session: Session, title: str = "Drift") -> Incident:
    row = Incident(title=title, system="fraud-detector", severity=2, status="triage",
                   declared_by="U1", created_at=NOW)
    session.add(row)
    session.flush()
    return row


def queue(engine, *kinds: Kind, incidents: int = 1) -> list[int]:
    """Items of the given kinds for each of `incidents` new incidents; their ids in order."""
    with session_scope(engine) as session:
        rows = []
        for number in range(incidents):
            owner = incident(session, f"Drift {number}")
            for kind in kinds:  # as the core queues them (incidents/outbox.py), due now
                rows.append(Outbox(kind=str(kind), incident_id=owner.id, next_attempt_at=NOW))
                session.add(rows[-1])
        session.flush()
        return [row.id for row in rows]


def claim(engine, who: str, *, now: datetime = NOW) -> Outbox | None:
    with session_scope(engine) as session:
        return outbox_claims.claim_next(session, claimant=who, now=now, lease=LEASE)


def row(engine, item_id: int) -> Outbox:
    with session_scope(engine) as session:
        return session.get(Outbox, item_id)


def test_two_replicas_claiming_at_once_get_the_item_once(engine):
    [item] = queue(engine, Kind.ANNOUNCE)
    first = Session(engine)
    taken = outbox_claims.claim_next(first, claimant="a", now=NOW, lease=LEASE)
    assert taken is not None and taken.id == item
    second: list = []
    # The second replica's claim runs while the first has not committed: it waits for the
    # write lock (SQLite) or the claim turn (PostgreSQL), then sees the item taken.
    thread = threading.Thread(target=lambda: second.append(claim(engine, "b")))
    thread.start()
    thread.join(0.3)
    first.commit()
    first.close()
    thread.join(10)
    assert second == [None]
    assert row(engine, item).claimant == "a"


def test_a_finish_by_another_replica_changes_nothing(engine):
    [item] = queue(engine, Kind.ANNOUNCE)
    taken = claim(engine, "a")
    with session_scope(engine) as session:
        assert not outbox_claims.finish(session, taken, claimant="b", now=NOW)
        assert not outbox_claims.fail(session, taken, claimant="b", error="x", now=NOW,
                                      retry_at=NOW)
        assert not outbox_claims.release(session, taken, claimant="b")
    stored = row(engine, item)
    assert stored.claimant == "a" and stored.done_at is None and stored.attempts == 0
    with session_scope(engine) as session:
        assert outbox_claims.finish(session, taken, claimant="a", now=NOW)
    assert row(engine, item).done_at is not None and row(engine, item).claimant is None


def test_an_expired_lease_is_taken_over_and_the_first_claimant_cannot_finish(engine):
    [item] = queue(engine, Kind.ALERTS)
    first = claim(engine, "a")
    assert claim(engine, "b", now=NOW + LEASE - timedelta(seconds=1)) is None
    second = claim(engine, "b", now=NOW + LEASE + timedelta(seconds=1))
    assert second is not None and second.id == item
    assert second.attempts == 1  # the dead claimant may have posted: it is a retry now
    with session_scope(engine) as session:
        assert not outbox_claims.finish(session, first, claimant="a", now=NOW)
    assert row(engine, item).claimant == "b"
    with session_scope(engine) as session:
        assert outbox_claims.finish(session, second, claimant="b", now=NOW)


def test_a_live_claim_holds_back_the_rest_of_its_incident_only(engine):
    first, later, other = queue(engine, Kind.SYNC, Kind.ANNOUNCE, incidents=1) + queue(
        engine, Kind.SYNC)
    assert claim(engine, "a").id == first
    # The second replica may not post the announcement before the channel exists, but the
    # other incident's work is free.
    assert claim(engine, "b").id == other
    assert claim(engine, "b") is None
    with session_scope(engine) as session:
        assert outbox_claims.finish(session, row(engine, first), claimant="a", now=NOW)
    assert claim(engine, "b").id == later


def test_a_failed_item_waits_without_holding_back_what_is_due(engine):
    first, later = queue(engine, Kind.PAGE, Kind.PAGE_NOTICE)
    taken = claim(engine, "a")
    with session_scope(engine) as session:
        outbox_claims.fail(session, taken, claimant="a", error="x", now=NOW,
                           retry_at=NOW + timedelta(seconds=4))
    notice = claim(engine, "a")
    assert notice.id == later
    assert claim(engine, "a", now=NOW + timedelta(seconds=5)) is None  # one at a time
    with session_scope(engine) as session:
        outbox_claims.finish(session, notice, claimant="a", now=NOW)
    assert claim(engine, "a", now=NOW + timedelta(seconds=5)).id == first


def test_a_rate_limit_puts_off_its_incident_and_nothing_else(engine):
    first, later = queue(engine, Kind.ALERTS, Kind.ANNOUNCE)
    [other] = queue(engine, Kind.ALERTS)
    taken = claim(engine, "a")
    until = NOW + timedelta(seconds=30)
    with session_scope(engine) as session:
        assert outbox_claims.put_off(session, taken, claimant="a", error="429", until=until)
    assert row(engine, first).next_attempt_at == until
    assert row(engine, later).next_attempt_at == until
    assert claim(engine, "a").id == other
    assert claim(engine, "a") is None
    assert claim(engine, "a", now=until).id == first


def test_a_renewed_lease_is_not_taken_over(engine):
    queue(engine, Kind.SYNC)
    taken = claim(engine, "a")
    with session_scope(engine) as session:
        assert outbox_claims.renew(session, taken, claimant="a", now=NOW + LEASE / 2,
                                   lease=LEASE)
    assert claim(engine, "b", now=NOW + LEASE + timedelta(seconds=1)) is None


def test_a_row_being_written_is_skipped_not_waited_for(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no row lock to skip")
    [locked] = queue(engine, Kind.SYNC)
    [free] = queue(engine, Kind.SYNC)
    holder = engine.connect()
    holder.begin()
    holder.execute(sa.text("SELECT id FROM outbox WHERE id = :id FOR UPDATE"), {"id": locked})
    try:
        assert claim(engine, "b").id == free  # answered at once, without the locked row
    finally:
        holder.rollback()
        holder.close()
    assert claim(engine, "b").id == locked
