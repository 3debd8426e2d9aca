"""Paging the on-call and escalating when nobody acknowledges.

Pure policy plus storage: it decides who is paged and when, stores that as `Escalation` and
`Page` rows and queues the Slack work in the outbox, all in the caller's transaction. The
adapter's timer check calls `run_due`, which advances chains whose wait ran out in the same
transaction as the pages it queues: a restart neither loses nor repeats a page.

A system's escalation policy drives its chain: each level waits (by severity) for an
acknowledgement before the next is paged, and the last level is paged again after its wait
until someone acknowledges. A system with a schedule but no policy pages that schedule's
on-call and repeats it the same way. Drills page nobody unless they ask for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, func, select

from incidents import outbox, roles, timeline
from incidents.catalog.models import Catalog
from incidents.deadlines.speed import speed_of
from incidents.models import Incident
from incidents.oncall.models import Escalation, Page
from incidents.oncall.schedule import on_call_at
from incidents.outbox import Kind
from incidents.types import OPEN_STATUSES, EscalationState, EventKind, Role

# How long an on-demand page, or a schedule without a policy, waits before paging again.
DEFAULT_WAIT = timedelta(minutes=15)


class Why(StrEnum):
    OPENED = "opened"  # the incident opened; the first level is paged
    ESCALATED = "escalated"  # the previous level did not acknowledge in time
    REPEATED = "repeated"  # the last level did not acknowledge; paged again
    REQUESTED = "requested"  # someone ran `/incident page`


@dataclass(frozen=True)
class Level:
    wait: timedelta
    schedule: str | None = None
    users: tuple[str, ...] = ()

    def targets(self, catalog: Catalog, at: datetime) -> list[str]:
        """Who this level pages at `at`: its people, or its schedule's on-call."""
        if self.users:
            return list(dict.fromkeys(self.users))
        schedule = catalog.oncall.get(self.schedule) if self.schedule else None
        return [on_call_at(schedule, at)] if schedule is not None else []


def levels(catalog: Catalog, escalation: Escalation, incident: Incident) -> list[Level]:
    """The chain's levels as the catalog says now, with waits for the current severity (a
    drill's waits run at its speed, like its deadlines)."""
    speed = speed_of(incident)
    if escalation.policy is not None:
        return [
            Level(wait=level.wait_for(incident.severity) / speed, schedule=level.schedule,
                  users=tuple(level.users or ()))
            for level in catalog.escalation.get(escalation.policy, [])
        ]
    return [Level(wait=_single_wait(catalog, incident) / speed,
                  schedule=escalation.target_schedule, users=tuple(escalation.target_users))]


def _single_wait(catalog: Catalog, incident: Incident) -> timedelta:
    # A single target waits as long as the system's first level would: that is how long
    # the team has agreed to wait for a person at this severity.
    policy = catalog.escalation_for(incident.system)
    return policy[0].wait_for(incident.severity) if policy else DEFAULT_WAIT


def reason(escalation: Escalation, *, level: int, repeat: int) -> Why:
    if escalation.requested_by is not None and level == 0 and repeat == 0:
        return Why.REQUESTED
    if repeat > 0:
        return Why.REPEATED
    return Why.ESCALATED if level > 0 else Why.OPENED


# ---------------------------------------------------------------------------- starting


def start(
    session: Session,
    *,
    incident: Incident,
    catalog: Catalog,
    now: datetime,
    page: bool | None = None,
) -> Escalation | None:
    """Page the first level for a newly opened incident; `page` forces it on (a drill that
    asks for paging) or off. None when there is nobody to page."""
    if page is False or (page is None and incident.is_drill):
        return None
    system = getattr(catalog, "systems", {}).get(incident.system)
    if system is None or (system.escalation is None and system.oncall is None):
        return None
    escalation = Escalation(
        incident_id=incident.id, policy=system.escalation,
        target_schedule=None if system.escalation else system.oncall, created_at=now,
    )
    return _begin(session, escalation=escalation, incident=incident, catalog=catalog, now=now)


def page_on_demand(
    session: Session,
    *,
    incident: Incident,
    catalog: Catalog,
    now: datetime,
    actor: str,
    user: str | None = None,
    schedule: str | None = None,
) -> Escalation:
    """`/incident page`: one person, or a schedule's on-call, paged until someone acknowledges."""
    if not incident.status_enum.is_open:
        raise timeline.Refused(
            f"Incident #{incident.id} is {incident.status}; nobody needs paging.")
    if (user is None) == (schedule is None):
        raise timeline.Refused("Page one person or one schedule: `/incident page @person` or "
                              "`/incident page <schedule>`.")
    if schedule is not None and schedule not in catalog.oncall:
        known = ", ".join(f"`{key}`" for key in sorted(catalog.oncall)) or "none defined"
        raise timeline.Refused(f"There is no on-call schedule `{schedule}` (known: {known}).")
    escalation = Escalation(
        incident_id=incident.id, target_schedule=schedule,
        target_users=[user] if user else [], requested_by=actor, created_at=now,
    )
    return _begin(session, escalation=escalation, incident=incident, catalog=catalog, now=now)


def _begin(
    session: Session, *, escalation: Escalation, incident: Incident, catalog: Catalog, now: datetime
) -> Escalation:
    session.add(escalation)
    session.flush()
    _page_level(session, escalation=escalation, incident=incident, catalog=catalog, now=now)
    return escalation


def _page_level(
    session: Session, *, escalation: Escalation, incident: Incident, catalog: Catalog, now: datetime
) -> list[Page]:
    """Page everyone at the chain's current level and set when its wait runs out."""
    chain = levels(catalog, escalation, incident)
    if not chain:  # the policy left the catalog
        _stop(session, escalation=escalation, state=EscalationState.CANCELLED, now=now)
        return []
    index = min(escalation.level, len(chain) - 1)
    level = chain[index]
    pages = [
        Page(escalation_id=escalation.id, incident_id=incident.id, user_id=user, level=index,
             repeat=escalation.repeat, schedule=level.schedule, created_at=now)
        for user in level.targets(catalog, now)
    ]
    session.add_all(pages)
    session.flush()
    for page in pages:
        _queue(session, kind=Kind.PAGE, incident_id=incident.id, now=now, payload={"page": page.id})
    last = index == len(chain) - 1
    wait = _wait(chain, index)
    _queue(session, kind=Kind.PAGE_NOTICE, incident_id=incident.id, now=now, payload={
        "escalation": escalation.id, "level": index, "repeat": escalation.repeat,
        "why": str(reason(escalation, level=index, repeat=escalation.repeat)),
        "wait_seconds": wait.total_seconds(), "last": last, "levels": len(chain),
    })
    escalation.next_at = now + wait
    return pages


def _wait(chain: list[Level], index: int) -> timedelta:
    wait = chain[index].wait
    if index == len(chain) - 1 and wait <= timedelta(0):
        return DEFAULT_WAIT  # a zero wait would page the last level on every check
    return wait


def _queue(session: Session, *, kind: Kind, incident_id: int, now: datetime, payload: dict) -> None:
    outbox.paging(session, kind, incident_id=incident_id, payload=payload, now=now)


# ---------------------------------------------------------------------------- the timer


def active(session: Session, incident_id: int) -> list[Escalation]:
    query = select(Escalation).where(
        Escalation.incident_id == incident_id, Escalation.state == EscalationState.ACTIVE
    )
    return list(session.exec(query.order_by(col(Escalation.id))))


def run_due(session: Session, *, catalog: Catalog, now: datetime) -> int:
    """Stop chains whose incident ended, and advance those whose wait ran out. Returns how
    many chains changed. Nothing here awaits: two overlapping runs cannot page twice."""
    changed = 0
    ended = session.exec(
        select(Escalation, Incident)
        .join(Incident, col(Incident.id) == col(Escalation.incident_id))
        .where(Escalation.state == EscalationState.ACTIVE)
        .where(col(Incident.status).not_in(list(OPEN_STATUSES)))
    ).all()
    for escalation, _incident in ended:
        _stop(session, escalation=escalation, state=EscalationState.CANCELLED, now=now)
        changed += 1
    due = session.exec(
        select(Escalation, Incident)
        .join(Incident, col(Incident.id) == col(Escalation.incident_id))
        .where(Escalation.state == EscalationState.ACTIVE, col(Escalation.next_at) <= now)
        .order_by(col(Escalation.next_at))
    ).all()
    for escalation, incident in due:
        advance(session, escalation=escalation, incident=incident, catalog=catalog, now=now)
        changed += 1
    return changed


def rescale_waits(session: Session, *, incident: Incident, catalog: Catalog, now: datetime) -> None:
    """The severity changed: the level being paged waits as long as the new severity says,
    counted from its page. Raised to Sev1 half an hour into a Sev3's hour-long wait, the
    next level is paged at the next check instead of half an hour later."""
    for escalation in active(session, incident.id):
        chain = levels(catalog, escalation, incident)
        if not chain:
            continue
        index = min(escalation.level, len(chain) - 1)
        paged_at = session.exec(
            select(func.max(Page.created_at)).where(
                Page.escalation_id == escalation.id, Page.level == index,
                Page.repeat == escalation.repeat)
        ).one()
        if paged_at is None:  # nobody to page at this level: keep the wait it has
            continue
        escalation.next_at = max(paged_at + _wait(chain, index), now)


def advance(
    session: Session, *, escalation: Escalation, incident: Incident, catalog: Catalog, now: datetime
) -> None:
    """Nobody acknowledged within the wait: page the next level, or the last one again."""
    if not incident.status_enum.is_open:
        _stop(session, escalation=escalation, state=EscalationState.CANCELLED, now=now)
        return
    chain = levels(catalog, escalation, incident)
    if escalation.level + 1 < len(chain):
        escalation.level += 1
        escalation.repeat = 0
    else:
        escalation.repeat += 1
    _page_level(session, escalation=escalation, incident=incident, catalog=catalog, now=now)


def _stop(session: Session, *, escalation: Escalation, state: EscalationState,
          now: datetime, by: str | None = None, announce: bool = True) -> None:
    """`announce`: queue the Slack work that closes this chain's pages and notices; an
    acknowledgement stopping several chains queues one for all (one message, not one per
    chain)."""
    escalation.state = state
    escalation.next_at = None
    if state == EscalationState.ACKNOWLEDGED:
        escalation.acknowledged_at, escalation.acknowledged_by = now, by
    if announce:
        _queue(session, kind=Kind.PAGE_CLOSED, incident_id=escalation.incident_id, now=now,
               payload={"escalations": [escalation.id]})


# ---------------------------------------------------------------------------- acknowledging


def acknowledge(session: Session, *, incident: Incident, user: str, now: datetime) -> bool:
    """Someone acknowledged the incident: every active chain stops, it counts for time to
    acknowledge, and they become commander if there is none. False when there was nothing
    left to acknowledge."""
    if not incident.status_enum.is_open:
        raise timeline.Refused(
            f"Incident #{incident.id} is {incident.status}; there is nothing to acknowledge."
        )
    chains = active(session, incident.id)
    first = incident.acknowledged_at is None
    if not chains and not first:
        if incident.commander is None:
            _take_command(session, incident=incident, user=user, now=now)
        return False
    for escalation in chains:
        _stop(session, escalation=escalation, state=EscalationState.ACKNOWLEDGED, now=now,
              by=user, announce=False)
    if chains:
        _queue(session, kind=Kind.PAGE_CLOSED, incident_id=incident.id, now=now,
               payload={"escalations": [e.id for e in chains]})
    if first:
        incident.acknowledged_at = now
    stopped = " (paging stopped)" if chains else ""
    timeline.record(
        session, incident=incident, kind=EventKind.ACKNOWLEDGED, now=now, actor=user,
        text=f"Acknowledged{stopped}",
        data={"user": user, "escalations": [e.id for e in chains], "first": first},
    )
    if incident.commander is None:
        _take_command(session, incident=incident, user=user, now=now)
    return True


def _take_command(session: Session, *, incident: Incident, user: str, now: datetime) -> None:
    roles.assign(session, incident=incident, role=Role.COMMANDER, user=user, actor=user,
                   now=now)


def pages_of(session: Session, escalation_id: int, *, level: int | None = None,
             repeat: int | None = None) -> list[Page]:
    query = select(Page).where(Page.escalation_id == escalation_id)
    if level is not None:
        query = query.where(Page.level == level)
    if repeat is not None:
        query = query.where(Page.repeat == repeat)
    return list(session.exec(query.order_by(col(Page.id))))
