"""Deadline reminders and overdue escalations posted in the incident channel."""

from __future__ import annotations

from sqlmodel import col, select

from bot.container import Runtime
from bot.slack.blocks.deadlines import ReminderView, reminder
from bot.slack.deliveries import regulatory
from bot.slack.deliveries.posting import channel_of, post_once
from incidents.deadlines import policy as deadline_policy
from incidents.deadlines import recipients
from incidents.models import Deadline, Incident, Outbox
from incidents.outbox import Kind
from incidents.types import REGULATORY_DEADLINES, DeadlineKind


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
            _mentions(runtime, incident, DeadlineKind(deadline.kind)))
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
        mentions=_mentions(runtime, incident, kind),
        contact=recipients.contact_to_notify(runtime.catalog.client_for(incident.system), kind),
        people=recipients.roles_to_show(incident, kind),
    )


def _mentions(runtime: Runtime, incident: Incident, kind: DeadlineKind) -> list[str]:
    return recipients.who_to_remind(incident, kind, runtime.catalog.systems.get(incident.system))


HANDLERS = {Kind.REMINDER: deliver}
