"""Who delivers which outbox item: claims that hold across processes sharing one database.

An item is claimed with a lease (`claimant`, `lease_until`) in one statement or one locked
transaction, so two replicas never both take it; only its claimant may finish it (the
update names the claimant and its row count is checked); a claim is given back only by the
claimant, or taken over by another replica once the lease has run out — never by a replica
that merely starts. Each incident's messages go out in order: an item is claimed only when
no other item of its incident is being delivered and no older one is due before it.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from incidents.models import Outbox

# The advisory lock claims take turns on, on PostgreSQL (any constant no other lock uses).
CLAIM_LOCK = 0x1BC0_0B0C
_T = Outbox.__table__
_CANDIDATE = _T.alias("candidate")
_EARLIER = _T.alias("earlier")


def new_claimant() -> str:
    """This process's name in claims: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def _eligible(now: datetime) -> sa.Select:
    c = _CANDIDATE.c
    # Another undelivered item of the same incident holds this one back while a replica
    # delivers it, or when it is older and due no later than this one. One put off (a
    # retry after a failure, the next alert batch seconds away) lets what is due go first.
    blocker = sa.exists().where(
        _EARLIER.c.incident_id == c.incident_id,
        _EARLIER.c.id != c.id,
        _EARLIER.c.done_at.is_(None),
        sa.or_(
            _EARLIER.c.lease_until >= now,
            sa.and_(_EARLIER.c.id < c.id, _EARLIER.c.next_attempt_at <= c.next_attempt_at),
        ),
    )
    return (
        sa.select(c.id)
        .where(
            c.done_at.is_(None),
            c.next_attempt_at <= now,
            sa.or_(c.claimant.is_(None), c.lease_until < now),
            ~blocker,
        )
        .order_by(c.id)
        .limit(1)
    )


def _claim_values(claimant: str, now: datetime, lease: timedelta) -> dict:
    return {
        "claimant": claimant,
        "claimed_at": now,
        "lease_until": now + lease,
        # Taking over a lease that ran out: the claimant before us may have got as far as
        # Slack, so the delivery counts as a retry and looks before it posts again.
        "attempts": _T.c.attempts + sa.case((_T.c.claimant.is_not(None), 1), else_=0),
    }


def claim_next(session: Session, *, claimant: str, now: datetime,
               lease: timedelta) -> Outbox | None:
    """Claim the next deliverable item, or None. Run it as the first statement of its
    transaction and commit right after: on SQLite the one UPDATE takes the write lock before
    it reads (one writer at a time is SQLite's guarantee); on PostgreSQL the row is locked
    with FOR UPDATE SKIP LOCKED, so a second replica skips it instead of waiting for it."""
    connection = session.connection()
    values = _claim_values(claimant, now, lease)
    if connection.dialect.name == "postgresql":
        # Claims take turns (for the length of this short transaction): a claim another
        # replica is committing right now is invisible to our query, and without the turn we
        # could take the next item of an incident it is claiming. Rows that a replica is
        # finishing are skipped rather than waited for.
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(CLAIM_LOCK)))
        chosen = connection.execute(
            _eligible(now).with_for_update(skip_locked=True, of=_CANDIDATE)).scalar()
        if chosen is None:
            return None
        where = _T.c.id == chosen
    else:
        where = _T.c.id == _eligible(now).scalar_subquery()
    row = connection.execute(
        sa.update(_T).where(where).values(**values).returning(*_T.c)).first()
    return Outbox(**row._mapping) if row is not None else None


def _mine(item: Outbox, claimant: str) -> sa.ColumnElement[bool]:
    # Another replica that took over after our lease ran out owns the item now: whatever we
    # write would overwrite its claim, so nothing is written and the caller is told.
    return sa.and_(_T.c.id == item.id, _T.c.claimant == claimant)


_RELEASED = {"claimant": None, "lease_until": None, "claimed_at": None}


def _update(session: Session, item: Outbox, claimant: str, **values) -> bool:
    result = session.connection().execute(
        sa.update(_T).where(_mine(item, claimant)).values(**_RELEASED, **values))
    return result.rowcount == 1


def finish(session: Session, item: Outbox, *, claimant: str, now: datetime) -> bool:
    """Delivered. False when the claim was lost: the item is someone else's to finish."""
    return _update(session, item, claimant, done_at=now)


def fail(session: Session, item: Outbox, *, claimant: str, error: str, now: datetime,
         retry_at: datetime) -> bool:
    return _update(session, item, claimant, attempts=item.attempts + 1,
                   last_error=error[:500], next_attempt_at=retry_at)


def give_up(session: Session, item: Outbox, *, claimant: str, error: str,
            now: datetime) -> bool:
    """Done without being delivered: Slack refused it for good. `last_error` keeps why."""
    return _update(session, item, claimant, attempts=item.attempts + 1, done_at=now,
                   last_error=f"given up: {error}"[:500])


def put_off(session: Session, item: Outbox, *, claimant: str, error: str,
            until: datetime) -> bool:
    """Slack asked us to slow down for this item's channel: this item and the rest of its
    incident's queue wait until `until`; other incidents' items are untouched."""
    if not _update(session, item, claimant, attempts=item.attempts + 1,
                   last_error=error[:500], next_attempt_at=until):
        return False
    if item.incident_id is not None:
        session.connection().execute(
            sa.update(_T)
            .where(_T.c.incident_id == item.incident_id, _T.c.done_at.is_(None),
                   _T.c.claimant.is_(None), _T.c.next_attempt_at < until)
            .values(next_attempt_at=until))
    return True


def renew(session: Session, item: Outbox, *, claimant: str, now: datetime,
          lease: timedelta) -> bool:
    """Extend our lease while the delivery is still running; False once it is lost."""
    result = session.connection().execute(
        sa.update(_T).where(_mine(item, claimant), _T.c.done_at.is_(None))
        .values(lease_until=now + lease))
    return result.rowcount == 1


def release(session: Session, item: Outbox, *, claimant: str) -> bool:
    """Give the claim back untouched (this process is stopping mid-delivery)."""
    return _update(session, item, claimant)


def claimed_by(session: Session, claimant: str) -> int:
    return session.connection().execute(
        sa.select(sa.func.count()).select_from(_T)
        .where(_T.c.claimant == claimant, _T.c.done_at.is_(None))).scalar_one()
