"""`/incident` and its subcommands. Each handler acks first, then works."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Bot
from bot.slack.blocks.modals import declare_modal, resolve_modal
from bot.slack.commands_text import help_text, parse, parse_incident_ref, parse_severity_arg
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.mrkdwn import escape
from incidents import service
from incidents.types import Role, Severity, Status

NEEDS_INCIDENT = {"severity", "status", "assign", "note", "resolve", "decline", "merge"}


def register(app: AsyncApp, bot: Bot) -> None:
    @app.command("/incident")
    async def incident_command(ack, body, respond, client) -> None:
        await ack()
        command = parse(body.get("text", ""))
        user, channel = body["user_id"], body.get("channel_id")

        if command.name == "declare":
            systems = [(key, bot.system_label(key)) for key in bot.catalog.systems]
            view = declare_modal(title=command.args, systems=systems, origin_channel=channel)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        if command.name == "list":
            await respond(response_type="ephemeral", text=_list_text(bot))
            return
        if command.name not in NEEDS_INCIDENT:
            prefix = "" if command.name == "help" else (
                f"I don't know `{escape(command.name)}`."
            )
            await respond(response_type="ephemeral", text=help_text(prefix))
            return

        incident = context.incident_in_channel(bot, channel)
        if incident is None:
            await respond(response_type="ephemeral", text=context.NO_INCIDENT)
            return
        if command.name == "resolve":
            if not await context.is_member(bot, channel, user):
                await respond(response_type="ephemeral", text=context.NOT_A_MEMBER)
                return
            view = resolve_modal(incident_id=incident.id, title=incident.title)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        change = _change_for(command, user)
        if isinstance(change, str):
            await respond(response_type="ephemeral", text=change)
            return
        await apply_change(bot, incident_id=incident.id, user=user, channel=channel,
                           change=change, respond=respond)


def _change_for(command, user: str):
    """A function applying the command to an incident, or a usage message."""
    args = command.args
    match command.name:
        case "severity":
            severity = parse_severity_arg(args)
            if severity is None:
                return "Usage: `/incident severity <1-4>`, for example `/incident severity 2`."
            return lambda s, inc, now: service.change_severity(
                s, incident=inc, severity=Severity(severity), actor=user, now=now)
        case "status":
            try:
                status = Status(args.strip().lower())
            except ValueError:
                return "Usage: `/incident status <triage|investigating|mitigated|closed>`."
            return lambda s, inc, now: service.change_status(
                s, incident=inc, status=status, actor=user, now=now)
        case "assign":
            role_word, _, _ = args.partition(" ")
            mentions = command.mentions
            try:
                role = Role(role_word.lower())
            except ValueError:
                role = None
            if role is None or len(mentions) != 1:
                return ("Usage: `/incident assign <commander|comms|scribe|engineer> @person`.")
            return lambda s, inc, now: service.assign(
                s, incident=inc, role=role, user=mentions[0], actor=user, now=now)
        case "note":
            if not args:
                return "Usage: `/incident note <text>`."
            return lambda s, inc, now: service.add_note(
                s, incident=inc, text=args, actor=user, now=now)
        case "decline":
            return lambda s, inc, now: service.decline(
                s, incident=inc, actor=user, now=now, reason=args)
        case "merge":
            target = parse_incident_ref(args)
            if target is None:
                return "Usage: `/incident merge <incident id>`, for example `/incident merge 12`."

            def merge(s, inc, now):
                into = service.get(s, target)
                if into is None:
                    raise service.Refused(f"There is no incident #{target}.")
                service.merge(s, incident=inc, into=into, actor=user, now=now)

            return merge
    return help_text()


def _list_text(bot: Bot) -> str:
    with bot.session() as session:
        incidents = service.open_incidents(session)
    if not incidents:
        return "No open incidents. :tada:"
    lines = []
    for inc in incidents:
        where = f"<#{inc.channel_id}>" if inc.channel_id else "(channel being created)"
        drill = " DRILL" if inc.is_drill else ""
        lines.append(
            f"• *#{inc.id}*{drill} Sev{inc.severity} · {inc.status} · "
            f"{escape(inc.title)} · {escape(inc.system)} · {where}"
        )
    return "*Open incidents*\n" + "\n".join(lines)
