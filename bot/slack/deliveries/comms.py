"""Client-communication messages in the incident channel: notification drafts for the comms
lead (refreshed in place once sent) and follow-up confirmations."""

from __future__ import annotations

from bot.container import Runtime
from bot.slack.blocks.comms import draft_message, followup_message
from bot.slack.deliveries.posting import channel_of, post_once
from incidents.comms import notifications as communications
from incidents.comms.models import Notification
from incidents.comms.notifications import NotificationKind
from incidents.deadlines import policy as deadline_policy
from incidents.models import Incident, Outbox
from incidents.outbox import Kind
from incidents.review.models import FollowUp
from incidents.types import DeadlineKind


async def post_draft(runtime: Runtime, item: Outbox) -> None:
    """Outbox: post the draft in the incident channel, or refresh it once it is sent."""
    with runtime.session() as session:
        row = session.get(Notification, item.payload["notification"])
        incident = session.get(Incident, item.incident_id)
        if row is None or incident is None:
            return
        deadline = None
        if row.sent_at is None:
            deadline = communications.pending_deadline(session, incident,
                                                       NotificationKind(row.kind))
    channel = channel_of(incident)
    text, blocks = draft_message(
        row, client_channel=communications.client_channel(runtime.catalog, incident),
        deadline_title=(deadline_policy.TITLES.get(DeadlineKind(deadline.kind))
                        if deadline else None),
        deadline_due=deadline.due_at if deadline else None,
    )
    if row.draft_ts:
        await runtime.client.chat_update(channel=channel, ts=row.draft_ts, text=text,
                                     blocks=blocks)
        return
    posted = await post_once(runtime, item, channel=channel, text=text, blocks=blocks,
                             key=f"draft-{row.id}")
    with runtime.session() as session:
        session.get(Notification, row.id).draft_ts = posted["ts"]


async def post_followup(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        row = session.get(FollowUp, item.payload["followup"])
        incident = session.get(Incident, item.incident_id)
    if row is None or incident is None:
        return
    text, blocks = followup_message(row, done=bool(item.payload.get("done")))
    await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)


HANDLERS = {Kind.DRAFT: post_draft, Kind.FOLLOWUP: post_followup}
