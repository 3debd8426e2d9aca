"""Copying Slack messages into an incident's timeline: the 📌 reaction, pinning a message,
and the message shortcut "Add to incident timeline" (with its form to pick the incident when
the message is outside an incident channel and several are open)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack import membership
from bot.slack.blocks.timeline import pick_incident_modal
from bot.slack.ids import Field, Shortcut, ViewId
from bot.slack.listeners import context
from bot.slack.mrkdwn import unescape
from incidents import queries, timeline
from incidents.models import Incident

Reply = Callable[..., Awaitable[object]]


def message_time(ts: str) -> datetime:
    """When a Slack message was written: its `ts` is seconds since the epoch, in UTC."""
    return datetime.fromtimestamp(float(ts), UTC)
PUSHPIN = "pushpin"
# private_metadata holds at most 3000 characters; keep the message text within that.
METADATA_TEXT_LIMIT = 2500


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.event("reaction_added")
    async def reaction_added(event) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != PUSHPIN or item.get("type") != "message":
            return
        incident = context.incident_in_channel(runtime, item.get("channel"))
        if incident is None:
            return
        message = await fetch_message(runtime, item["channel"], item["ts"])
        if message is not None:
            await add_message_to_incident(
                runtime, incident_id=incident.id, message=message, actor=event["user"],
                how="reaction",
            )

    @app.event("pin_added")
    async def pin_added(event) -> None:
        item = event.get("item") or {}
        message = item.get("message")
        channel = event.get("channel_id") or item.get("channel")
        incident = context.incident_in_channel(runtime, channel)
        if incident is None or not message or message.get("ts") == incident.summary_ts:
            return
        await add_message_to_incident(
            runtime, incident_id=incident.id, message={**message, "channel": channel},
            actor=event["user"], how="pin",
        )

    @app.shortcut(Shortcut.ADD_TO_TIMELINE)
    async def add_to_timeline(ack, body, client, respond) -> None:
        await ack()
        channel = body["channel"]["id"]
        message = {**body["message"], "channel": channel}
        user = body["user"]["id"]

        async def reply(*, text: str) -> None:
            await context.say(respond, text)

        incident = context.incident_in_channel(runtime, channel)
        if incident is None:
            with runtime.session() as session:
                everything = queries.open_incidents(session)
            candidates = await membership.visible(runtime, everything, user)
            if len(candidates) == 1:
                incident = candidates[0]
            elif not candidates:
                await reply(text="There is no open incident to add this message to.")
                return
            else:
                metadata = {
                    "ts": message["ts"], "channel": channel,
                    "user": message.get("user"),
                    "text": message.get("text", "")[:METADATA_TEXT_LIMIT],
                }
                await client.views_open(
                    trigger_id=body["trigger_id"],
                    view=pick_incident_modal(
                        incidents=[(i.id, i.title) for i in candidates], message=metadata
                    ),
                )
                return
        await add_message_to_incident(
            runtime, incident_id=incident.id, message=message, actor=user, how="shortcut",
            reply=reply,
        )

    @app.view(ViewId.PICK_INCIDENT)
    async def pick_incident(ack, body, view) -> None:
        await ack()
        message = json.loads(view["private_metadata"])
        incident_id = int(context.view_values(view)[Field.INCIDENT])
        await add_message_to_incident(
            runtime, incident_id=incident_id, message=message, actor=body["user"]["id"],
            how="shortcut", reply=context.dm(runtime, body["user"]["id"]),
        )


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
            source_ts=message["ts"],
            occurred_at=message_time(message["ts"]),
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
