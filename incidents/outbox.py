"""Slack work queued in the database, so an accepted change is announced even after a crash.

The core only says *what* must reach Slack; `bot.outbox_worker` says how.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from incidents.models import Incident, Outbox, TimelineEvent

SYNC = "sync"  # bring the channel, topic, invites, summary and bookmarks up to date
ANNOUNCE = "announce"  # post one timeline event in the channel
ALERTS = "alerts"  # post the alerts that joined an incident since the last batch


def _add(session: Session, item: Outbox) -> None:
    session.add(item)
    # Lets the adapter wake its worker after commit only when there is new work.
    session.info["outbox_added"] = True


def _pending(session: Session, kind: str, incident_id: int | None) -> Outbox | None:
    query = select(Outbox).where(
        Outbox.kind == kind,
        Outbox.incident_id == incident_id,
        col(Outbox.done_at).is_(None),
        col(Outbox.claimed_at).is_(None),
    )
    return session.exec(query).first()


def sync(session: Session, incident: Incident, *, new: bool = False) -> None:
    """Queue a sync unless one is already waiting: a sync always renders the latest state.
    `new`: the incident was opened in this transaction, so nothing can be waiting yet."""
    if new:
        _add(session, Outbox(kind=SYNC, incident_id=incident.id))
        return
    session.flush()
    if _pending(session, SYNC, incident.id) is None:
        _add(session, Outbox(kind=SYNC, incident_id=incident.id))


def announce(session: Session, event: TimelineEvent) -> None:
    _add(session, Outbox(kind=ANNOUNCE, incident_id=event.incident_id, payload={"event": event.id}))


def alerts(session: Session, incident: Incident) -> None:
    alerts_for(session, [incident.id])


# Being delivered counts as waiting: when it has posted, the delivery itself queues the
# next batch for whatever joined meanwhile, a few seconds later (the channel's pace).
_WAITING_ALERTS = select(Outbox.incident_id).where(
    Outbox.kind == ALERTS,
    col(Outbox.incident_id).in_(bindparam("incidents", expanding=True)),
    col(Outbox.done_at).is_(None),
)


def alerts_for(session: Session, incident_ids: list[int]) -> None:
    """One waiting alert batch per incident, however many alerts joined it meanwhile."""
    if not incident_ids:
        return
    waiting = set(session.exec(_WAITING_ALERTS, params={"incidents": incident_ids}))
    for incident_id in incident_ids:
        if incident_id not in waiting:
            _add(session, Outbox(kind=ALERTS, incident_id=incident_id))


def release_claims(session: Session) -> int:
    """At start-up no delivery is in progress: whatever was claimed was interrupted."""
    rows = list(session.exec(select(Outbox).where(col(Outbox.claimed_at).is_not(None),
                                                  col(Outbox.done_at).is_(None))))
    for row in rows:
        row.claimed_at = None
    return len(rows)


def due(session: Session, *, now: datetime, limit: int = 100) -> list[Outbox]:
    query = (
        select(Outbox)
        .where(
            col(Outbox.done_at).is_(None),
            col(Outbox.claimed_at).is_(None),
            Outbox.next_attempt_at <= now,
        )
        .order_by(col(Outbox.id))
        .limit(limit)
    )
    return list(session.exec(query))


def backlog(session: Session) -> int:
    from sqlalchemy import func

    return session.exec(
        select(func.count()).select_from(Outbox).where(col(Outbox.done_at).is_(None))
    ).one()


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at a minute: Slack outages are usually short."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 60))


# Each delivery changes its row two or three times: built once, run on the connection.
_ITEM = sa.update(Outbox.__table__).where(Outbox.__table__.c.id == bindparam("item"))


def claim(session: Session, item: Outbox, *, now: datetime) -> None:
    """Mark the item as being delivered. A change made meanwhile queues a fresh sync; an
    alert batch being delivered queues its own follow-up (see `_WAITING_ALERTS`)."""
    session.connection().execute(_ITEM, {"item": item.id, "claimed_at": now})


def mark_failed(session: Session, item: Outbox, *, error: str, now: datetime) -> None:
    attempts = item.attempts + 1
    session.connection().execute(_ITEM, {
        "item": item.id, "claimed_at": None, "attempts": attempts, "last_error": error[:500],
        "next_attempt_at": now + backoff(attempts),
    })


def mark_done(session: Session, item: Outbox, *, now: datetime) -> None:
    session.connection().execute(_ITEM, {"item": item.id, "claimed_at": None, "done_at": now})


def give_up(session: Session, item: Outbox, *, error: str, now: datetime) -> None:
    """Done without being delivered: Slack refused it for good. `last_error` keeps why."""
    session.connection().execute(_ITEM, {
        "item": item.id, "claimed_at": None, "attempts": item.attempts + 1, "done_at": now,
        "last_error": f"given up: {error}"[:500],
    })
