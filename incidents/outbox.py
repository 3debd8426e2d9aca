"""Slack work queued in the database, so an accepted change is announced even after a crash.

The core only says *what* must reach Slack, through the functions below (one per kind of
message, so each payload is written in one place); `bot/slack/deliveries/` says how, and
`incidents.outbox_claims` hands the work to one replica at a time.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from incidents.models import Incident, Outbox, TimelineEvent


class Kind(StrEnum):
    """What an outbox item asks Slack for. The values are stored: never rename one."""

    SYNC = "sync"  # bring the channel, topic, invites, summary and bookmarks up to date
    ANNOUNCE = "announce"  # post one timeline event in the channel
    ALERTS = "alerts"  # post the alerts that joined an incident since the last batch
    REMINDER = "deadline_reminder"  # payload.deadline, .stage: one reminder or escalation
    EMERGENCY = "emergency_response"  # the Sev1 call to arms
    TRIAGE_MESSAGE = "triage_message"  # post the checklist, or re-render it at payload.ts
    RUNBOOK_MESSAGE = "runbook_message"  # post a runbook, or re-render it at payload.ts
    MITIGATION_RESULT = "mitigation_result"  # post the result of one MITIGATION event
    DRAFT = "comms.draft"  # post a notification draft, or refresh it once sent
    FOLLOWUP = "comms.followup"  # confirm a follow-up in the incident channel
    PAGE = "page"  # invite one person to the channel and page them by direct message
    PAGE_NOTICE = "page_notice"  # tell the channel who was paged, and why
    PAGE_CLOSED = "page_closed"  # the chain stopped: update the pages, say who acknowledged
    HANDOFF = "handoff"  # direct message to the person a handoff put on call
    DRILL_BRIEFING = "drill_briefing"  # payload.drill: what the drill is and how it runs
    DRILL_MESSAGE = "drill_message"  # payload.event: a metric reading or message inject
    DRILL_DEBRIEF = "drill_debrief"  # payload.drill: the debrief
    REGULATORY_CLOCKS = "regulatory.clocks"  # an assessment or submission changed the clocks
    REGULATORY_DRAFT = "regulatory.draft"  # payload.text: a drafted report, for the team
    # The model registry (incidents/registry/record.py). Not Slack, but work one replica must
    # do once after a change is stored: the outbox's claims give exactly that. No incident
    # id on the row, so a slow registry never holds up the incident's Slack messages.
    REGISTRY_READ = "registry.read"  # payload.incident: read the serving model version
    MODEL_CHANGE = "registry.change"  # payload.change: move the alias (rollback or undo)
    EVIDENCE_UPLOAD = "evidence.upload"  # payload.snapshot: upload the preserved evidence


def _add(session: Session, kind: Kind, *, incident_id: int | None, payload: dict | None = None,
         at: datetime | None = None) -> Outbox:
    item = Outbox(kind=str(kind), incident_id=incident_id, payload=payload or {})
    if at is not None:
        item.next_attempt_at = at
    session.add(item)
    # Lets the adapter wake its worker after commit only when there is new work.
    session.info["outbox_added"] = True
    return item


# ------------------------------------------------------------------ the channel itself

def _pending(session: Session, kind: Kind, incident_id: int | None) -> Outbox | None:
    query = select(Outbox).where(
        Outbox.kind == str(kind),
        Outbox.incident_id == incident_id,
        col(Outbox.done_at).is_(None),
        col(Outbox.claimant).is_(None),
    )
    return session.exec(query).first()


def sync(session: Session, incident: Incident, *, new: bool = False) -> None:
    """Queue a sync unless one is already waiting: a sync always renders the latest state.
    `new`: the incident was opened in this transaction, so nothing can be waiting yet."""
    if new:
        _add(session, Kind.SYNC, incident_id=incident.id)
        return
    session.flush()
    if _pending(session, Kind.SYNC, incident.id) is None:
        _add(session, Kind.SYNC, incident_id=incident.id)


def announce(session: Session, event: TimelineEvent) -> None:
    _add(session, Kind.ANNOUNCE, incident_id=event.incident_id, payload={"event": event.id})


def alerts(session: Session, incident: Incident) -> None:
    alerts_for(session, [incident.id])


# Being delivered counts as waiting: when it has posted, the delivery itself queues the
# next batch for whatever joined meanwhile, a few seconds later (the channel's pace).
_WAITING_ALERTS = select(Outbox.incident_id).where(
    Outbox.kind == str(Kind.ALERTS),
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
            _add(session, Kind.ALERTS, incident_id=incident_id)


def next_alert_batch(session: Session, incident_id: int, *, at: datetime) -> None:
    """The follow-up batch a posted batch queues for what joined while it posted."""
    _add(session, Kind.ALERTS, incident_id=incident_id, at=at)


def emergency(session: Session, incident: Incident, *, actor: str | None,
              now: datetime) -> None:
    _add(session, Kind.EMERGENCY, incident_id=incident.id,
         payload={"actor": actor, "at": now.isoformat()})


# ------------------------------------------------------------------ features' messages

def reminder(session: Session, *, incident_id: int, deadline_id: int, stage: str,
             now: datetime) -> None:
    _add(session, Kind.REMINDER, incident_id=incident_id, at=now,
         payload={"deadline": deadline_id, "stage": stage})


def render(session: Session, kind: Kind, *, incident_id: int, payload: dict[str, Any]) -> None:
    """Post or re-render the triage checklist or a runbook (`payload.ts` set: in place)."""
    if kind not in (Kind.TRIAGE_MESSAGE, Kind.RUNBOOK_MESSAGE):
        raise ValueError(f"{kind} is not a re-rendered message")
    _add(session, kind, incident_id=incident_id, payload=payload)


def mitigation_result(session: Session, *, incident_id: int, event_id: int) -> None:
    _add(session, Kind.MITIGATION_RESULT, incident_id=incident_id, payload={"event": event_id})


def draft(session: Session, *, incident_id: int, notification_id: int) -> None:
    _add(session, Kind.DRAFT, incident_id=incident_id, payload={"notification": notification_id})


def followup(session: Session, *, incident_id: int, followup_id: int, done: bool) -> None:
    _add(session, Kind.FOLLOWUP, incident_id=incident_id,
         payload={"followup": followup_id, "done": done})


def paging(session: Session, kind: Kind, *, incident_id: int, payload: dict[str, Any],
           now: datetime) -> None:
    """A page, the channel's notice of it, or closing the pages of a stopped chain."""
    if kind not in (Kind.PAGE, Kind.PAGE_NOTICE, Kind.PAGE_CLOSED):
        raise ValueError(f"{kind} is not a paging message")
    _add(session, kind, incident_id=incident_id, payload=payload, at=now)


def handoff(session: Session, *, handoff_id: int, now: datetime) -> None:
    _add(session, Kind.HANDOFF, incident_id=None, payload={"handoff": handoff_id}, at=now)


def drill(session: Session, kind: Kind, *, incident_id: int, payload: dict[str, Any]) -> None:
    if kind not in (Kind.DRILL_BRIEFING, Kind.DRILL_MESSAGE, Kind.DRILL_DEBRIEF):
        raise ValueError(f"{kind} is not a drill message")
    _add(session, kind, incident_id=incident_id, payload=payload)


def regulatory(session: Session, kind: Kind, *, incident_id: int,
               payload: dict[str, Any]) -> None:
    """The regulatory clocks after an assessment or a submission, or a drafted report."""
    if kind not in (Kind.REGULATORY_CLOCKS, Kind.REGULATORY_DRAFT):
        raise ValueError(f"{kind} is not a regulatory message")
    _add(session, kind, incident_id=incident_id, payload=payload)
def registry_read(session: Session, *, incident_id: int) -> None:
    _add(session, Kind.REGISTRY_READ, incident_id=None, payload={"incident": incident_id})


def model_change(session: Session, *, incident_id: int, change_id: int) -> None:
    _add(session, Kind.MODEL_CHANGE, incident_id=None,
         payload={"incident": incident_id, "change": change_id})


def evidence_upload(session: Session, *, incident_id: int, snapshot_id: int) -> None:
    _add(session, Kind.EVIDENCE_UPLOAD, incident_id=incident_id,
         payload={"snapshot": snapshot_id})


# ------------------------------------------------------------------ figures

def backlog(session: Session) -> int:
    return session.exec(
        select(func.count()).select_from(Outbox).where(col(Outbox.done_at).is_(None))
    ).one()


def oldest_waiting(session: Session) -> datetime | None:
    """When the longest-waiting undelivered item was queued: a stuck outbox shows here
    (rate-limited or failing work keeps its creation time while it is put off)."""
    return session.exec(
        select(func.min(Outbox.created_at)).where(col(Outbox.done_at).is_(None))
    ).one()
