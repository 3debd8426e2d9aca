"""The result of each mitigation (an HTTP action's answer, a registry rollback or a manual
step), and of undoing a registry rollback, posted in the incident channel. Once a rollback
is undone, its message is shown again without its Undo button."""

from __future__ import annotations

from bot.container import Runtime
from bot.slack.blocks.mitigation import result_blocks
from bot.slack.blocks.registry import undo_result_blocks
from bot.slack.deliveries.posting import channel_of, post_once
from incidents.models import Incident, Outbox, TimelineEvent
from incidents.outbox import Kind
from incidents.registry import record as registry_record
from incidents.registry.models import ModelChange
from incidents.types import EventKind


async def post_result(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        event = session.get(TimelineEvent, item.payload["event"])
        incident = session.get(Incident, item.incident_id)
        change = (event.data or {}).get("change")
        undone = bool(change) and registry_record.undone(session, change)
    if event.kind == EventKind.MODEL_ROLLBACK_UNDONE:
        text, blocks = undo_result_blocks(event)
    else:
        text, blocks = result_blocks(event, status=incident.status, undone=undone)
    posted = await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)
    if change and event.kind == EventKind.MITIGATION:
        with runtime.session() as session:
            session.get(ModelChange, change).message_ts = posted["ts"]
    elif event.kind == EventKind.MODEL_ROLLBACK_UNDONE and event.data.get("ok"):
        await _retire_undo(runtime, incident, event.data.get("undoes"))


async def _retire_undo(runtime: Runtime, incident: Incident, rollback_id: int | None) -> None:
    """The undone rollback's message loses its Undo button (a second undo is refused anyway,
    but a button that can only be refused should not be offered)."""
    with runtime.session() as session:
        rollback = session.get(ModelChange, rollback_id) if rollback_id else None
        event = session.get(TimelineEvent, rollback.event_id) if rollback else None
    if rollback is None or event is None or not rollback.message_ts:
        return
    text, blocks = result_blocks(event, status=incident.status, undone=True)
    await runtime.client.chat_update(channel=channel_of(incident), ts=rollback.message_ts,
                                     text=text, blocks=blocks)


HANDLERS = {Kind.MITIGATION_RESULT: post_result}
