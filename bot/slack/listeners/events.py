"""Events: the 📌 reaction and pinning a message copy it into the incident timeline."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.listeners import context
from bot.slack.listeners.timeline import add_message_to_incident, fetch_message

PUSHPIN = "pushpin"


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
