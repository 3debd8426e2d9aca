"""Reminder buttons (Mark done, Snooze) and the wiring of the deadline timer check."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.blocks.deadlines import done_note, settled, snoozed_note, status_text
from bot.slack.ids import Action
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.listeners.regulatory import reportability_status
from incidents import queries, timeline
from incidents.deadlines import clocks as deadlines
from incidents.types import REGULATORY_DEADLINES

log = logging.getLogger(__name__)
_SNOOZE = re.compile(r"^incident\.deadline_snooze_")
GONE = "That deadline is already done or no longer applies."


def register(app: AsyncApp, runtime: Runtime) -> None:

    @app.action(Action.DEADLINE_DONE)
    async def mark_done(ack, body, respond) -> None:
        await ack()
        incident_id, (deadline_id, *_) = context.clicked(body)
        user = body["user"]["id"]

        def change(session, incident, now):
            met = deadlines.mark_done(session, incident=incident, deadline_id=int(deadline_id),
                                      now=now, actor=user, policy=runtime.catalog.policy)
            if met is None:
                raise timeline.Refused(GONE)

        if await apply_change(runtime, incident_id=incident_id, user=user, change=change,
                              respond=respond):
            await _settle(runtime, body, done_note(user, runtime.now()))

    @app.action(_SNOOZE)
    async def snooze(ack, body, respond) -> None:
        await ack()
        incident_id, (deadline_id, seconds, *_) = context.clicked(body)
        user = body["user"]["id"]
        until = []

        def change(session, incident, now):
            snoozed = deadlines.snooze(session, incident=incident, deadline_id=int(deadline_id),
                                       duration=timedelta(seconds=int(seconds)), now=now,
                                       actor=user)
            if snoozed is None:
                raise timeline.Refused(GONE)
            until.append(snoozed.snoozed_until)

        if await apply_change(runtime, incident_id=incident_id, user=user, change=change,
                              respond=respond):
            await _settle(runtime, body, snoozed_note(user, until[0]))


async def _settle(runtime: Runtime, body: dict, note: str) -> None:
    """Take the buttons off the reminder that was acted on, saying who did what."""
    message, channel = body.get("message"), context.channel_id(body)
    if not message or not channel:
        return
    try:
        await runtime.client.chat_update(channel=channel, ts=message["ts"],
                                         text=message.get("text"),
                                         blocks=settled(message.get("blocks") or [], note))
    except SlackApiError as exc:  # the change is saved; a stale button only answers "done"
        log.warning("could not update reminder %s: %s", message.get("ts"), exc)


def status_report(runtime: Runtime, incident_id: int) -> str:
    """`/incident status` without an argument: the status and the open deadlines, the
    reports owed among them with their articles (bot/slack/listeners/regulatory.py)."""
    with runtime.session() as session:
        incident = queries.get(session, incident_id)
        rows = deadlines.open_deadlines(session, incident_id=incident_id)
    text = status_text(incident, [d for d in rows if d.kind not in REGULATORY_DEADLINES],
                       runtime.now())
    reports = reportability_status(runtime, incident)
    return f"{text}\n{reports}" if reports else text
