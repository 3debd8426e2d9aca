"""The result of each mitigation (an HTTP action's answer, a registry rollback or a manual
step), and of undoing a registry rollback, posted in the incident channel."""

from __future__ import annotations

from bot.container import Bot
from bot.slack.blocks.mitigation import result_blocks
from bot.slack.blocks.registry import undo_result_blocks
from bot.slack.deliveries.posting import channel_of, post_once
from incidents import registry_record
from incidents.models import Incident, Outbox, TimelineEvent
from incidents.outbox import Kind
from incidents.types import EventKind


async def post_result(bot: Bot, item: Outbox) -> None:
    with bot.session() as session:
        event = session.get(TimelineEvent, item.payload["event"])
        incident = session.get(Incident, item.incident_id)
        change = (event.data or {}).get("change")
        undone = bool(change) and registry_record.undone(session, change)
    if event.kind == EventKind.MODEL_ROLLBACK_UNDONE:
        text, blocks = undo_result_blocks(event)
    else:
        text, blocks = result_blocks(event, status=incident.status, undone=undone)
    await post_once(bot, item, channel=channel_of(incident), text=text, blocks=blocks)


HANDLERS = {Kind.MITIGATION_RESULT: post_result}
