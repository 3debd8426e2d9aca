"""An incident's life in Slack (incidents/lifecycle): `/incident severity`, `status`,
`assign`, `note`, `resolve`, `decline`, `merge` and `list`, the summary's buttons and menus
that do the same, and the resolve, assign and note forms. Declaring is in declare.py.

Validation errors go back in a form's ack; everything else runs after the ack.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack import membership
from bot.slack.blocks.lifecycle import assign_modal, note_modal, resolve_modal
from bot.slack.commands_text import parse_incident_ref, parse_severity_arg
from bot.slack.ids import Action, Field, ViewId
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.listeners.deadlines import status_report
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation
from incidents import queries, roles, timeline
from incidents.lifecycle import changes as lifecycle
from incidents.review import findings
from incidents.types import ROOT_CAUSE_CATEGORIES, Role, Severity, Status


def register(app: AsyncApp, runtime: Runtime) -> None:
    _register_commands(runtime)
    _register_buttons(app, runtime)
    _register_forms(app, runtime)


def _register_commands(runtime: Runtime) -> None:
    add = runtime.subcommands.add

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
        await call.reply(_list_text(await membership.visible(runtime, incidents, call.user)))


def _register_buttons(app: AsyncApp, runtime: Runtime) -> None:
    """The summary's buttons and menus (and the same ones on alert messages)."""

    @app.action(Action.SET_SEVERITY)
    async def set_severity(ack, body, respond) -> None:
        await ack()
        incident_id, (severity,) = context.clicked(body)
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: lifecycle.change_severity(
                s, incident=inc, severity=Severity(int(severity)), actor=user, now=now,
                policy=runtime.catalog.policy, catalog=runtime.catalog),
        )

    @app.action(Action.SET_STATUS)
    async def set_status(ack, body, respond) -> None:
        await ack()
        incident_id, (status,) = context.clicked(body)
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: lifecycle.change_status(
                s, incident=inc, status=Status(status), actor=user, now=now,
                policy=runtime.catalog.policy),
        )

    @app.action(Action.DECLINE)
    async def decline(ack, body, respond) -> None:
        await ack()
        incident_id, _ = context.clicked(body)
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: lifecycle.decline(s, incident=inc, actor=user, now=now,
                                                       policy=runtime.catalog.policy),
        )

    async def open_modal(body, client, respond, build) -> None:
        incident_id, _ = context.clicked(body)
        incident, refusal = await context.authorise(runtime, incident_id, body["user"]["id"])
        if refusal:
            await context.say(respond, refusal)
            return
        await client.views_open(trigger_id=body["trigger_id"], view=build(incident))

    @app.action(Action.ASSIGN_ROLE)
    async def assign_role(ack, body, client, respond) -> None:
        await ack()
        await open_modal(body, client, respond, lambda inc: assign_modal(incident_id=inc.id))

    @app.action(Action.ADD_NOTE)
    async def add_note(ack, body, client, respond) -> None:
        await ack()
        await open_modal(body, client, respond, lambda inc: note_modal(incident_id=inc.id))

    @app.action(Action.RESOLVE)
    async def resolve(ack, body, client, respond) -> None:
        await ack()
        await open_modal(
            body, client, respond,
            lambda inc: resolve_modal(
                incident_id=inc.id, title=inc.title, summary=inc.resolution_summary,
                category=inc.root_cause_category, root_cause=inc.root_cause),
        )

    @app.action(Action.OPEN_CHANNEL)
    async def open_channel(ack) -> None:
        await ack()  # a link button: Slack opens the URL itself


def _register_forms(app: AsyncApp, runtime: Runtime) -> None:
    """The resolve, assign and note forms; a modal has no response_url, so refusals come as
    a direct message."""

    @app.view(ViewId.RESOLVE)
    async def resolve(ack, body, view) -> None:
        values = context.view_values(view)
        summary = (values.get(Field.SUMMARY) or "").strip()
        category = values.get(Field.ROOT_CAUSE_CATEGORY)
        cause = " ".join((values.get(Field.ROOT_CAUSE) or "").split())
        errors = {}
        if not summary:
            errors[Field.SUMMARY] = "Say in one line what fixed it."
        if cause and not category:
            errors[Field.ROOT_CAUSE_CATEGORY] = "Choose the category of this root cause."
        if not await context.accepted(ack, errors):
            return
        user = body["user"]["id"]

        def resolve_(s, inc, now):
            if category and cause and cause != (inc.root_cause or ""):
                findings.set_root_cause(s, incident=inc, category=category, text=cause,
                                        categories=ROOT_CAUSE_CATEGORIES, actor=user, now=now)
            lifecycle.resolve(s, incident=inc, summary=summary, actor=user, now=now,
                            root_cause_category=category, policy=runtime.catalog.policy)

        await apply_change(runtime, incident_id=context.view_incident_id(view), user=user,
                           change=resolve_, respond=context.dm(runtime, user))

    @app.view(ViewId.ASSIGN)
    async def assign(ack, body, view) -> None:
        values = context.view_values(view)
        await ack()
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=context.view_incident_id(view), user=user,
            change=lambda s, inc, now: roles.assign(
                s, incident=inc, role=Role(values[Field.ROLE]), user=values[Field.USER],
                actor=user, now=now),
            respond=context.dm(runtime, user),
        )

    @app.view(ViewId.NOTE)
    async def note(ack, body, view) -> None:
        text = (context.view_values(view).get(Field.NOTE) or "").strip()
        if not await context.accepted(ack, {} if text else {Field.NOTE: "Write the note."}):
            return
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=context.view_incident_id(view), user=user,
            change=lambda s, inc, now: timeline.add_note(
                s, incident=inc, text=text, actor=user, now=now),
            respond=context.dm(runtime, user),
        )


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
