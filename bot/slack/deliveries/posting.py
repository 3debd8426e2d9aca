"""What every delivery shares: the handler type, the incident's channel, and posting a
message exactly once even when Slack's chat.postMessage is not idempotent.

Each post carries Slack message metadata naming the outbox item. A delivery that may have
posted before (a retry after a failure, or a lease taken over from a replica that died
between posting and storing the message's ts) first looks for that metadata among the
channel's latest messages and reuses the message it finds instead of posting again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import select

from bot.container import Runtime
from incidents.models import Incident, Outbox

Handler = Callable[[Runtime, Outbox], Awaitable[None]]
EVENT_TYPE = "incidentbot_outbox"
# How far back a retry looks for its own message: it was posted at most a lease and a
# backoff ago, so it is among the channel's latest messages.
HISTORY_PAGES = 3
HISTORY_PAGE_SIZE = 200


def channel_of(incident: Incident) -> str:
    """The incident's channel. Before the channel sync has made it, this raises, so the
    delivery fails and the outbox tries it again later (the one "no channel yet" check)."""
    if incident.channel_id is None:
        raise RuntimeError("the incident has no channel yet")
    return incident.channel_id


def tag(item: Outbox, *, key: str | None = None, **extra: Any) -> dict[str, Any]:
    """The metadata that lets a retry recognise this post: the incident, the item and
    `key` (a post that must exist once per incident whichever item makes it, e.g. the
    summary, uses `key` instead of the item id)."""
    payload = {"incident": item.incident_id or 0, "kind": item.kind,
               "key": key or f"item-{item.id}", **extra}
    return {"event_type": EVENT_TYPE, "event_payload": payload}


async def find_posted(runtime: Runtime, channel: str, *, incident: int, key: str) -> dict | None:
    """Our earlier post with this incident and key among the channel's latest messages."""
    cursor = None
    for _ in range(HISTORY_PAGES):
        response = await runtime.client.conversations_history(
            channel=channel, limit=HISTORY_PAGE_SIZE, include_all_metadata=True,
            **({"cursor": cursor} if cursor else {}))
        for message in response.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key
                    and payload.get("incident") == incident):
                return message
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def _tried_before(runtime: Runtime, item: Outbox) -> bool:
    """A post keyed by its incident (the summary) may have been made by an earlier item of
    the same kind that failed after posting and now waits for its retry, while this one,
    queued later, is due first."""
    with runtime.session() as session:
        return session.exec(
            select(Outbox.id).where(Outbox.incident_id == item.incident_id,
                                    Outbox.kind == item.kind, Outbox.attempts > 0).limit(1)
        ).first() is not None


async def post_once(runtime: Runtime, item: Outbox, *, channel: str, text: str, blocks: list,
                    key: str | None = None, **extra: Any) -> dict:
    """Post the message unless an earlier attempt of this delivery already did; returns the
    message (its `ts`, the metadata it was posted with, and `reused`: found, not posted)."""
    metadata = tag(item, key=key, **extra)
    payload = metadata["event_payload"]
    if item.attempts > 0 or (key is not None and _tried_before(runtime, item)):
        found = await find_posted(runtime, channel, incident=payload["incident"],
                                  key=payload["key"])
        if found is not None:
            return {**found, "reused": True}
    response = await runtime.client.chat_postMessage(
        channel=channel, text=text, blocks=blocks, unfurl_links=False, metadata=metadata)
    return {"ts": response["ts"], "channel": response.get("channel", channel),
            "metadata": metadata, "reused": False}
