"""Regulatory reporting: `/incident reportable` and the summary's "Assess reportability"
button (the assessment form), and the report buttons on the clocks message, the drafts and
the reminders: Draft report, Mark as submitted, Mark initial report submitted, Snooze.

Only systems whose catalog entry names `obligations` have any of this; for the others the
command says so and no button is shown.
"""

from __future__ import annotations

import json
import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.blocks.common import slack_date
from bot.slack.blocks.regulatory import assessment_modal, settle, snooze_modal, status_lines
from bot.slack.deliveries.regulatory import duties
from bot.slack.ids import Action, Field, ViewId
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.listeners.comms import display_name
from bot.slack.mrkdwn import escape
from bot.slack.mrkdwn import user as mention
from bot.slack.subcommands import Invocation
from incidents.models import Incident
from incidents.regulatory import (
    assessment as regulatory,
)
from incidents.regulatory import (
    clocks as regulatory_clocks,
)
from incidents.regulatory import (
    policy as regulatory_policy,
)
from incidents.regulatory import (
    reports as regulatory_reports,
)

log = logging.getLogger(__name__)
GONE = "That report's clock no longer runs: it was submitted, moved or stopped."


def assessment_view(runtime: Runtime, incident: Incident):
    """(the form, None), or (None, why there is nothing to assess)."""
    obligations = regulatory.obligations_of(runtime.catalog, incident.system)
    if obligations is None:
        return None, regulatory.NOT_REGULATED.format(system=escape(incident.system))
    with runtime.session() as session:
        previous = regulatory.assessments(session, incident.id)[-1:]
    questions = regulatory_policy.questions_for(regulatory_clocks.shipped(), obligations)
    return assessment_modal(incident_id=incident.id, title=incident.title,
                            duties=duties(runtime, incident.system), questions=questions,
                            previous=previous[0].answers if previous else None), None


def reportability_status(runtime: Runtime, incident: Incident) -> str | None:
    """`/incident status`'s lines on reporting: the latest assessment and every report
    still owed; None for a system without obligations."""
    if regulatory.obligations_of(runtime.catalog, incident.system) is None:
        return None
    with runtime.session() as session:
        latest = regulatory.assessments(session, incident.id)[-1:]
        clocks = regulatory.open_clocks(session, incident.id, runtime.catalog)
    return status_lines(assessment=latest[0] if latest else None, clocks=clocks,
                        duties=duties(runtime, incident.system))


def register(app: AsyncApp, runtime: Runtime) -> None:

    @app.action(Action.REPORTABILITY)
    async def open_assessment(ack, body, client, respond) -> None:
        await ack()
        incident_id, _ = context.clicked(body)
        incident, refusal = await context.authorise(runtime, incident_id, body["user"]["id"])
        view = None
        if incident is not None:
            view, refusal = assessment_view(runtime, incident)
        if refusal:
            await context.say(respond, refusal)
            return
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @runtime.subcommands.add(
        "reportable", usage="reportable", needs_incident=True,
        help="assess whether this incident must be reported (EU AI Act, GDPR, NIS2, as the "
        "catalog says); the reporting clocks that apply start from your answer")
    async def reportable(call: Invocation) -> None:
        view, refusal = assessment_view(runtime, call.incident)
        if refusal:
            await call.reply(refusal)
            return
        await call.open_modal(view)

    @app.view(ViewId.REPORTABILITY)
    async def submit_assessment(ack, body, view) -> None:
        await ack()
        user = body["user"]["id"]
        values = context.view_values(view)
        note = values.pop(Field.ASSESSMENT_NOTE, None) or ""
        answers = {question: answer for question, answer in values.items() if answer}
        await apply_change(
            runtime, incident_id=context.view_incident_id(view),
            user=user, respond=context.dm(runtime, user),
            change=lambda s, inc, now: regulatory.assess(
                s, incident=inc, catalog=runtime.catalog, answers=answers, actor=user, now=now,
                note=note))

    @app.action(Action.REPORT_DRAFT)
    async def draft(ack, body, respond) -> None:
        await ack()
        incident_id, (deadline_id, *_) = context.clicked(body)
        user = body["user"]["id"]
        incident = context.incident_by_id(runtime, incident_id)
        people = await _names(runtime, incident)
        await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: regulatory_reports.draft(
                s, incident=inc, catalog=runtime.catalog, deadline_id=int(deadline_id), actor=user,
                now=now, people=people))

    async def submitted(body, respond, *, initial: bool) -> None:
        incident_id, (deadline_id, *_) = context.clicked(body)
        user = body["user"]["id"]
        if await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: regulatory.submit(
                s, incident=inc, catalog=runtime.catalog, deadline_id=int(deadline_id),
                initial=initial, actor=user, now=now)):
            how = "Initial report marked submitted" if initial else "Marked submitted"
            await _settle(runtime, body, int(deadline_id),
                          f":outbox_tray: {how} by {mention(user)} · {slack_date(runtime.now())}")

    @app.action(Action.REPORT_SUBMITTED)
    async def mark_submitted(ack, body, respond) -> None:
        await ack()
        await submitted(body, respond, initial=False)

    @app.action(Action.REPORT_SUBMITTED_INITIAL)
    async def mark_initial(ack, body, respond) -> None:
        await ack()
        await submitted(body, respond, initial=True)

    @app.action(Action.REPORT_SNOOZE)
    async def open_snooze(ack, body, client, respond) -> None:
        await ack()
        incident_id, (deadline_id, *_) = context.clicked(body)
        _, refusal = await context.authorise(runtime, incident_id, body["user"]["id"])
        clock = None
        if refusal is None:
            with runtime.session() as session:
                clocks = regulatory.open_clocks(session, incident_id, runtime.catalog)
            clock = next((c for c in clocks if c.deadline_id == int(deadline_id)), None)
        if clock is None:
            await context.say(respond, refusal or GONE)
            return
        view = snooze_modal(incident_id=incident_id, clock=clock)
        message = body.get("message") or {}
        view.private_metadata = json.dumps({**json.loads(view.private_metadata),
                                            "channel": context.channel_id(body),
                                            "ts": message.get("ts")})
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ViewId.REPORT_SNOOZE)
    async def submit_snooze(ack, body, view) -> None:
        values = context.view_values(view)
        reason = values.get(Field.SNOOZE_REASON) or ""
        if not await context.accepted(ack, {} if reason.strip() else {
                Field.SNOOZE_REASON: "Say why the report can wait."}):
            return
        chosen = values.get(Field.SNOOZE_FOR)
        seconds = int(chosen) if chosen else 3600
        meta, user = json.loads(view["private_metadata"]), body["user"]["id"]
        until = []

        def change(session, incident, now):
            snoozed = regulatory.snooze(session, incident=incident,
                                        deadline_id=int(meta["deadline_id"]), seconds=seconds,
                                        reason=reason, actor=user, now=now)
            until.append(snoozed.snoozed_until)

        if await apply_change(runtime, incident_id=int(meta["incident_id"]), user=user,
                              change=change, respond=context.dm(runtime, user)) \
                and meta.get("ts"):
            note = (f":zzz: Snoozed by {mention(user)} until {slack_date(until[0])}: "
                    f"{escape(reason.strip())}")
            await _update(runtime, meta["channel"], meta["ts"], int(meta["deadline_id"]), note)


async def _names(runtime: Runtime, incident: Incident | None) -> dict[str, str]:
    """The names a draft shows: the commander (its contact) and whoever assessed it."""
    if incident is None:
        return {}
    with runtime.session() as session:
        latest = regulatory.assessments(session, incident.id)[-1:]
    people = {incident.commander, latest[0].assessed_by if latest else None} - {None}
    names = {person: await display_name(runtime, person) for person in people}
    return {person: name for person, name in names.items() if name}


async def _settle(runtime: Runtime, body: dict, deadline_id: int, note: str) -> None:
    message = body.get("message")
    if message and context.channel_id(body):
        await _update(runtime, context.channel_id(body), message["ts"], deadline_id, note,
                      blocks=message.get("blocks") or [], text=message.get("text"))


async def _update(runtime: Runtime, channel: str, ts: str, deadline_id: int, note: str, *,
                  blocks: list | None = None, text: str | None = None) -> None:
    """Take that clock's buttons off the message that was acted on, saying who did what."""
    try:
        if blocks is None:
            found = await runtime.client.conversations_history(channel=channel, latest=ts,
                                                               inclusive=True, limit=1)
            message = (found.get("messages") or [{}])[0]
            blocks, text = message.get("blocks") or [], message.get("text")
        await runtime.client.chat_update(channel=channel, ts=ts, text=text or note,
                                         blocks=settle(blocks, deadline_id, note))
    except SlackApiError as exc:  # the change is saved; a stale button only answers
        log.warning("could not update report message %s: %s", ts, exc)
