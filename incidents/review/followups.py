"""Prevention action items: what would stop this incident, and ones like it, recurring.

The review prioritises and assigns specific action items; each one is a row with an owner,
so the review lists who does what and what is still open.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from incidents import outbox, timeline
from incidents.models import Incident
from incidents.review.models import FollowUp
from incidents.types import EventKind

MAX_TEXT = 1000


def add(
    session: Session,
    *,
    incident: Incident,
    text: str,
    owner: str | None,
    actor: str | None,
    now: datetime,
    due_at: datetime | None = None,
) -> FollowUp:
    text = " ".join(text.split())
    if not text:
        raise timeline.Refused("A follow-up needs a description: "
                              "`/incident followup <what to change> [@owner]`.")
    if len(text) > MAX_TEXT:
        raise timeline.Refused(f"Keep a follow-up under {MAX_TEXT} characters; "
                              "split it into several.")
    item = FollowUp(incident_id=incident.id, text=text, owner=owner, created_at=now,
                    created_by=actor, due_at=due_at)
    session.add(item)
    session.flush()
    timeline.record(
        session, incident=incident, kind=EventKind.FOLLOWUP, now=now, actor=actor,
        text=f"Follow-up #{item.id}: {text}",
        data={"followup": item.id, "owner": owner,
              "due_at": due_at.isoformat() if due_at else None},
    )
    outbox.followup(session, incident_id=incident.id, followup_id=item.id, done=False)
    return item


def complete(
    session: Session, *, incident: Incident, followup_id: int, actor: str | None, now: datetime
) -> FollowUp:
    item = session.get(FollowUp, followup_id)
    if item is None or item.incident_id != incident.id:
        raise timeline.Refused(f"This incident has no follow-up #{followup_id}.")
    if item.done:
        raise timeline.Refused(f"Follow-up #{followup_id} is already done.")
    item.done, item.done_at = True, now
    timeline.record(
        session, incident=incident, kind=EventKind.FOLLOWUP_DONE, now=now, actor=actor,
        text=f"Follow-up #{item.id} done: {item.text}", data={"followup": item.id},
    )
    outbox.followup(session, incident_id=incident.id, followup_id=item.id, done=True)
    return item


def for_incident(session: Session, incident_id: int) -> list[FollowUp]:
    return list(session.exec(
        select(FollowUp).where(FollowUp.incident_id == incident_id)
        .order_by(col(FollowUp.created_at), col(FollowUp.id))
    ))
