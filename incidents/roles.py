"""Incident roles (commander, comms, scribe, engineer): who holds which, as a timeline event.
Shared by the lifecycle and by paging, whose acknowledgement makes the acknowledger commander."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from incidents import outbox
from incidents.models import Incident
from incidents.timeline import Refused, record
from incidents.types import EventKind, Role, Status


def assign(
    session: Session,
    *,
    incident: Incident,
    role: Role,
    user: str,
    actor: str | None,
    now: datetime,
) -> None:
    if not incident.status_enum.is_open and incident.status != Status.RESOLVED:
        raise Refused(f"The incident is {incident.status}; roles can no longer change.")
    if getattr(incident, role) == user:
        raise Refused(f"{{person}} is already the {role}.", person=user)
    previous = getattr(incident, role)
    setattr(incident, role, user)
    record(
        session,
        incident=incident,
        kind=EventKind.ROLE_ASSIGNED,
        now=now,
        actor=actor,
        text=f"{role.capitalize()} assigned",
        data={"role": str(role), "user": user, "previous": previous},
        announce=True,
    )
    outbox.sync(session, incident)
