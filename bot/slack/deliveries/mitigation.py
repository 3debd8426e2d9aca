"""The result of each mitigation (an HTTP action's answer or a manual step), posted in the
incident channel."""

from __future__ import annotations

from bot.container import Bot
from bot.slack.blocks.mitigation import result_blocks
from bot.slack.deliveries.posting import channel_of, post_once
from incidents.models import Incident, Outbox, TimelineEvent
from incidents.outbox import Kind


async def post_result(bot: Bot, item: Outbox) -> None:
    with bot.session() as session:
        event = session.get(TimelineEvent, item.payload["event"])
        incident = session.get(Incident, item.incident_id)
    text, blocks = result_blocks(event, status=incident.status)
    await post_once(bot, item, channel=channel_of(incident), text=text, blocks=blocks)


HANDLERS = {Kind.MITIGATION_RESULT: post_result}
