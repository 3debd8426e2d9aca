"""Timeline events announced in the incident channel."""

from __future__ import annotations

from bot.container import Runtime
from bot.slack.blocks.announcements import announcement
from bot.slack.deliveries.posting import channel_of, post_once
from incidents.models import Incident, Outbox, TimelineEvent
from incidents.outbox import Kind


async def announce(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        event = session.get(TimelineEvent, item.payload["event"])
        incident = session.get(Incident, item.incident_id)
    rendered = announcement(event) if event else None
    if rendered is None:
        return
    text, blocks = rendered
    await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)


HANDLERS = {Kind.ANNOUNCE: announce}
