"""`/incident`: each subcommand is registered by its feature's listener module
(bot/slack/subcommands.py); this listener finds it, implies the incident inside an incident
channel, asks the access rule, and hands the call over. Unknown input and `help` answer with
the list of what is registered.

Each handler runs after the ack; Slack's 3-second limit never depends on what it does.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.commands_text import parse
from bot.slack.listeners import context
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.command("/incident")
    async def incident_command(ack, body, respond, client) -> None:
        await ack()
        command = parse(body.get("text", ""))
        entry = runtime.subcommands.get(command.name)
        if entry is None or command.name == "help":
            prefix = "" if command.name == "help" else f"I don't know `{escape(command.name)}`."
            await respond(response_type="ephemeral", text=runtime.subcommands.help_text(prefix))
            return
        call = Invocation(runtime=runtime, body=body, command=command, respond=respond,
                          client=client)
        if entry.needs_incident:
            here = context.incident_in_channel(runtime, call.channel)
            if here is None:
                await call.reply(context.NO_INCIDENT)
                return
            call.incident, refusal = await context.authorise(
                runtime, here.id, call.user, change=entry.members_only)
            if refusal:
                await call.reply(refusal)
                return
        await entry.handler(call)

    @runtime.subcommands.add("help", usage="help", help="show this help")
    async def help_(call: Invocation) -> None:  # answered by the dispatcher
        await call.reply(runtime.subcommands.help_text())
