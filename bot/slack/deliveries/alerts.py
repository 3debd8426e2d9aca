"""Alert batches: everything that joined an incident since the last post, in one message."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.container import Runtime
from bot.slack.blocks.alerts import BATCH_LISTED, alert_blocks
from bot.slack.deliveries.posting import channel_of, post_once
from incidents import outbox
from incidents.alerts import ingest as alerts
from incidents.models import Incident, Outbox
from incidents.outbox import Kind

# Slack allows about one message per second per channel; during a storm one alert message
# every few seconds is also what people can read.
ALERT_BATCH_SPACING = timedelta(seconds=5)


async def post_batch(runtime: Runtime, item: Outbox) -> None:
    """A storm of thousands becomes a handful of messages, one every few seconds per channel."""
    with runtime.session() as session:
        incident = session.get(Incident, item.incident_id)
        batch = alerts.unposted(session, item.incident_id, shown=BATCH_LISTED)
    if not batch.ids:
        return
    channel = channel_of(incident)
    text, blocks = alert_blocks(batch, incident_id=incident.id, open_=incident.status_enum.is_open)
    posted = await post_once(runtime, item, channel=channel, text=text, blocks=blocks,
                             up_to=batch.ids[-1])
    # A message an earlier attempt posted covers the alerts up to where it said, no further.
    up_to = (posted.get("metadata") or {}).get("event_payload", {}).get("up_to", batch.ids[-1])
    with runtime.session() as session:
        alerts.mark_posted(session, item.incident_id, up_to=up_to)
        # More may have arrived while we posted; they go in the next batch.
        if alerts.has_unposted(session, item.incident_id):
            # Up to a second later at random: channels opened by one storm drift apart
            # instead of all posting in the same moment every five seconds.
            spacing = ALERT_BATCH_SPACING * (1 + random.random() / 5)
            outbox.next_alert_batch(session, item.incident_id, at=runtime.now() + spacing)


HANDLERS = {Kind.ALERTS: post_batch}
