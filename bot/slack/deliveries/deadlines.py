"""Deadline reminders and overdue escalations posted in the incident channel."""

from __future__ import annotations

from sqlmodel import col, select

from bot.container import Runtime
from bot.slack.blocks.deadlines import ReminderView, reminder
from bot.slack.deliveries import regulatory
from bot.slack.deliveries.posting import channel_of, post_once
from incidents.deadlines import policy as deadline_policy
from incidents.models import Deadline, Incident, Outbox
from incidents.outbox import Kind
from incidents.types import REGULATORY_DEADLINES, DeadlineKind

# Who is told first about each kind, besides the commander.
_ALSO = {
    DeadlineKind.EXECUTIVE_NOTIFICATION: ("comms",),
    DeadlineKind.TECHNICAL_NOTIFICATION: ("comms",),
    DeadlineKind.FIRST_RESPONSE: ("comms",),
    DeadlineKind.STATUS_UPDATE: ("comms",),
}
# What the reminder shows next to the task, so a missing engineer is visible.
_PEOPLE = {
    DeadlineKind.TECHNICAL_NOTIFICATION: ("engineer",),
    DeadlineKind.FIRST_RESPONSE: ("engineer",),
}


async def deliver(runtime: Runtime, item: Outbox) -> None:
    """Outbox handler: post one reminder or escalation in the incident channel."""
    with runtime.session() as session:  # one round trip: reminders come in bursts
        deadline, incident = session.exec(
            select(Deadline, Incident)
            .join(Incident, col(Incident.id) == col(Deadline.incident_id))
            .where(Deadline.id == item.payload["deadline"])
        ).first() or (None, None)
    if deadline is None or deadline.state not in deadline_policy.LIVE:
        return  # met or stopped while Slack was unreachable: the message would only confuse
    if deadline.kind in REGULATORY_DEADLINES:  # a report: its own words and buttons
        rendered = regulatory.reminder_message(
            runtime, incident, deadline, item.payload["stage"],
            recipients(runtime, incident, DeadlineKind(deadline.kind)))
        if rendered is None:
            return
        text, blocks = rendered
    else:
        text, blocks = reminder(view_of(runtime, incident, deadline, item.payload["stage"]))
    await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)


def view_of(runtime: Runtime, incident: Incident, deadline: Deadline, stage: str) -> ReminderView:
    kind = DeadlineKind(deadline.kind)
    return ReminderView(
        incident_id=incident.id,
        deadline_id=deadline.id,
        kind=kind,
        stage=stage,
        due_at=deadline.due_at,
        mentions=recipients(runtime, incident, kind),
        contact=_contact(runtime, incident, kind),
        people={role: getattr(incident, role) for role in _PEOPLE.get(kind, ())},
    )


def recipients(runtime: Runtime, incident: Incident, kind: DeadlineKind) -> list[str]:
    """The commander (and whoever else owns this kind of task); the system's owners when
    nobody commands the incident yet."""
    people = [incident.commander] if incident.commander else []
    if people:
        people += [getattr(incident, role) for role in _ALSO.get(kind, ())]
    else:
        system = runtime.catalog.systems.get(incident.system)
        people = list(system.owners) if system else []
        people = people or [incident.declared_by]
    return list(dict.fromkeys(p for p in people if p))


def _contact(runtime: Runtime, incident: Incident, kind: DeadlineKind) -> str | None:
    client = runtime.catalog.client_for(incident.system)
    if client is None or kind not in deadline_policy.NOTIFICATIONS:
        return None
    contact = (client.executive_contact if kind == DeadlineKind.EXECUTIVE_NOTIFICATION
               else client.technical_contact)
    if contact is None:
        return client.name
    reach = ", ".join(x for x in (contact.email, contact.phone) if x)
    return f"{contact.name}, {client.name}" + (f" ({reach})" if reach else "")


HANDLERS = {Kind.REMINDER: deliver}
