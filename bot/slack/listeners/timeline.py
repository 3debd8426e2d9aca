"""Copying Slack messages into an incident's timeline: 📌, pins and the message shortcut."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.listeners import context
from bot.slack.mrkdwn import unescape
from incidents import timeline
from incidents.models import Incident

Reply = Callable[..., Awaitable[object]]


async def add_message_to_incident(
    runtime: Runtime,
    *,
    incident_id: int,
    message: dict,
    actor: str,
    how: str,
    reply: Reply | None = None,
) -> bool:
    """Store the message once, at its own timestamp; tell the person what happened."""
    _, refusal = await context.authorise(runtime, incident_id, actor)
    if refusal:
        if reply:
            await reply(text=refusal)
        return False
    permalink = await _permalink(runtime, message)
    with runtime.session() as session:
        added = timeline.add_slack_message(
            session,
            incident=session.get(Incident, incident_id),
            ts=message["ts"],
            author=message.get("user") or message.get("bot_id"),
            # Slack sends text escaped; the timeline keeps what the person wrote.
            text=unescape(message.get("text", "")),
            actor=actor,
            now=runtime.now(),
            how=how,
            permalink=permalink,
        )
    if reply:
        await reply(
            text=f"Added to the timeline of incident #{incident_id}."
            if added else f"That message is already in the timeline of incident #{incident_id}."
        )
    return added is not None


async def _permalink(runtime: Runtime, message: dict) -> str | None:
    channel = message.get("channel")
    if not channel:
        return None
    try:
        response = await runtime.client.chat_getPermalink(channel=channel, message_ts=message["ts"])
    except SlackApiError:
        return None
    return response.get("permalink")


async def fetch_message(runtime: Runtime, channel: str, ts: str) -> dict | None:
    response = await runtime.client.conversations_history(
        channel=channel, latest=ts, inclusive=True, limit=1
    )
    for message in response.get("messages", []):
        if message.get("ts") == ts:
            return {**message, "channel": channel}
    return None
