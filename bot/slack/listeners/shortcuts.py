"""The message shortcut "Add to incident timeline"."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.blocks.modals import pick_incident_modal
from bot.slack.ids import Shortcut
from bot.slack.listeners import context
from bot.slack.listeners.timeline import add_message_to_incident
from incidents import queries

# private_metadata holds at most 3000 characters; keep the message text within that.
METADATA_TEXT_LIMIT = 2500


def register(app: AsyncApp, runtime: Runtime) -> None:
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
            candidates = await context.visible(runtime, everything, user)
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
