"""On-call handoffs: who takes over, recorded once, so the incoming person hears about it once.

Each schedule's latest `Handoff` row is its watermark. A check looks for handoffs between the
watermark and now (with `incidents.oncall`), records the newest and queues a direct message
to the person now on call, in one transaction. After a restart a handoff that happened while
the bot was down is announced at the first check, one already announced is not; handoffs
superseded during the downtime are recorded without a message, since those shifts are over.
The first time the bot sees a schedule it records who is on call without a message.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from incidents import outbox, queries
from incidents.catalog.models import Catalog
from incidents.catalog.oncall import Schedule
from incidents.models import Incident
from incidents.oncall.models import Handoff
from incidents.oncall.schedule import next_handoffs, on_call_at

_BATCH = 20


def check(session: Session, *, catalog: Catalog, now: datetime) -> list[Handoff]:
    """Record every schedule's handoffs up to `now`; returns the ones to announce."""
    announced: list[Handoff] = []
    for key, schedule in catalog.oncall.items():
        last = session.exec(
            select(Handoff).where(Handoff.schedule == key).order_by(col(Handoff.at).desc())
        ).first()
        current = on_call_at(schedule, now)
        if last is None:
            session.add(Handoff(schedule=key, at=now, user_id=current, created_at=now))
            continue
        moments = between(schedule, after=last.at, until=now)
        if moments:
            at, user = moments[-1]
        elif current != last.user_id:  # the catalog changed who is on call
            at, user = now, current
        else:
            continue
        row = Handoff(schedule=key, at=at, user_id=user, created_at=now,
                      announced=user != last.user_id)
        session.add(row)
        session.flush()
        if row.announced:
            outbox.handoff(session, handoff_id=row.id, now=now)
            announced.append(row)
    return announced


def between(schedule: Schedule, *, after: datetime, until: datetime) -> list[tuple[datetime, str]]:
    """Handoffs in (after, until], oldest first."""
    found: list[tuple[datetime, str]] = []
    while True:
        batch = next_handoffs(schedule, after, _BATCH)
        inside = [(moment, user) for moment, user in batch if moment <= until]
        found += inside
        if len(inside) < _BATCH:
            return found
        after = inside[-1][0]


def covered_systems(catalog: Catalog, schedule_key: str) -> list[str]:
    """The systems whose incidents page this schedule first."""
    return [key for key, system in catalog.systems.items() if system.oncall == schedule_key]


def open_incidents_for(session: Session, systems: list[str]) -> list[Incident]:
    """Open, real (not drill) incidents of these systems, oldest first."""
    return [
        incident for incident in queries.open_incidents(session)
        if incident.system in systems and not incident.is_drill
    ]
