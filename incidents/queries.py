"""Finding incidents: by id, by channel, the open ones."""

from __future__ import annotations

from sqlmodel import Session, col, select

from incidents.models import Incident
from incidents.types import OPEN_STATUSES


def get(session: Session, incident_id: int) -> Incident | None:
    return session.get(Incident, incident_id)


def by_channel(session: Session, channel_id: str) -> Incident | None:
    return session.exec(select(Incident).where(Incident.channel_id == channel_id)).first()


def open_incidents(session: Session) -> list[Incident]:
    query = select(Incident).where(col(Incident.status).in_(list(OPEN_STATUSES)))
    return list(session.exec(query.order_by(col(Incident.id))))


def open_incident_for_system(session: Session, system: str) -> Incident | None:
    query = (
        select(Incident)
        .where(Incident.system == system, col(Incident.status).in_(list(OPEN_STATUSES)))
        .where(col(Incident.is_drill).is_(False))
        .order_by(col(Incident.id))
    )
    return session.exec(query).first()
