"""`/incident`: dispatch to registered subcommands, and the core ones of an incident's life.

Each handler runs after the ack; Slack's 3-second limit never depends on what it does.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.blocks.modals import declare_modal, resolve_modal
from bot.slack.commands_text import parse, parse_incident_ref, parse_severity_arg
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.listeners.deadlines import status_report
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation
from incidents import queries, roles, timeline
from incidents.lifecycle import changes as lifecycle
from incidents.types import Role, Severity, Status


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

    _register_core(runtime)


def _register_core(runtime: Runtime) -> None:
    add = runtime.subcommands.add

    @add("declare", usage="declare [title]",
         help="declare an incident (a form asks for title, AI system and severity)")
    async def declare(call: Invocation) -> None:
        systems = [(key, runtime.system_label(key)) for key in runtime.catalog.systems]
        await call.open_modal(
            declare_modal(title=call.args, systems=systems, origin_channel=call.channel)
        )

    async def change(call: Invocation, fn) -> None:
        await apply_change(runtime, incident_id=call.incident.id, user=call.user,
                           change=fn, respond=call.respond)

    @add("severity", usage="severity <1-4>", needs_incident=True,
         help="change the severity of this channel's incident")
    async def severity(call: Invocation) -> None:
        level = parse_severity_arg(call.args)
        if level is None:
            await call.reply("Usage: `/incident severity <1-4>`, for example "
                             "`/incident severity 2`.")
            return
        await change(call, lambda s, inc, now: lifecycle.change_severity(
            s, incident=inc, severity=Severity(level), actor=call.user, now=now,
            policy=runtime.catalog.policy, catalog=runtime.catalog))

    @add("status", usage="status [status]", needs_incident=True,
         help="show the status and open deadlines; with a status, move the incident to "
         "triage, investigating, mitigated or closed")
    async def status(call: Invocation) -> None:
        if not call.args.strip():
            await call.reply(status_report(runtime, call.incident.id))
            return
        try:
            target = Status(call.args.strip().lower())
        except ValueError:
            await call.reply("Usage: `/incident status <triage|investigating|mitigated|closed>`.")
            return
        await change(call, lambda s, inc, now: lifecycle.change_status(
            s, incident=inc, status=target, actor=call.user, now=now,
            policy=runtime.catalog.policy))

    @add("assign", usage="assign <commander|comms|scribe|engineer> @person", needs_incident=True,
         help="make someone commander, comms, scribe or engineer")
    async def assign(call: Invocation) -> None:
        word = call.args.partition(" ")[0].lower()
        mentions = call.command.mentions
        if word not in set(Role) or len(mentions) != 1:
            await call.reply("Usage: `/incident assign <commander|comms|scribe|engineer> @person`.")
            return
        await change(call, lambda s, inc, now: roles.assign(
            s, incident=inc, role=Role(word), user=mentions[0], actor=call.user, now=now))

    @add("note", usage="note <text>", needs_incident=True, help="add a note to the timeline")
    async def note(call: Invocation) -> None:
        if not call.args:
            await call.reply("Usage: `/incident note <text>`.")
            return
        await change(call, lambda s, inc, now: timeline.add_note(
            s, incident=inc, text=call.args, actor=call.user, now=now))

    @add("resolve", usage="resolve", needs_incident=True,
         help="resolve the incident (asks for a one-line summary and the root cause)")
    async def resolve(call: Invocation) -> None:
        incident = call.incident
        await call.open_modal(resolve_modal(
            incident_id=incident.id, title=incident.title, summary=incident.resolution_summary,
            category=incident.root_cause_category, root_cause=incident.root_cause))

    @add("decline", usage="decline [reason]", needs_incident=True,
         help="close the incident as a false alarm")
    async def decline(call: Invocation) -> None:
        await change(call, lambda s, inc, now: lifecycle.decline(
            s, incident=inc, actor=call.user, now=now, reason=call.args,
            policy=runtime.catalog.policy))

    @add("merge", usage="merge <incident id>", needs_incident=True,
         help="merge this incident into another open incident")
    async def merge(call: Invocation) -> None:
        target = parse_incident_ref(call.args)
        if target is None:
            await call.reply("Usage: `/incident merge <incident id>`, for example "
                             "`/incident merge 12`.")
            return

        # Merging writes into both incidents: the person must be allowed to change each.
        _, refusal = await context.authorise(runtime, target, call.user)
        if refusal:
            await call.reply(refusal)
            return

        def fn(s, inc, now):
            into = queries.get(s, target)
            lifecycle.merge(s, incident=inc, into=into, actor=call.user, now=now,
                          policy=runtime.catalog.policy)

        await change(call, fn)

    @add("list", usage="list", help="list open incidents with their channels")
    async def list_(call: Invocation) -> None:
        with runtime.session() as session:
            incidents = queries.open_incidents(session)
        await call.reply(_list_text(await context.visible(runtime, incidents, call.user)))

    @add("help", usage="help", help="show this help")
    async def help_(call: Invocation) -> None:  # answered by the dispatcher
        await call.reply(runtime.subcommands.help_text())


def _list_text(incidents: list) -> str:
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
