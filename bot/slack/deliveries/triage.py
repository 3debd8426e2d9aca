"""Triage and runbook messages in the incident channel: the checklist (posted once, then
re-rendered in place as answers come), runbooks, and the Sev1 call to arms."""

from __future__ import annotations

import logging
from datetime import datetime

from jinja2 import TemplateError
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.blocks.runbooks import runbook_blocks
from bot.slack.blocks.triage import (
    EMERGENCY_RUNBOOK,
    Opening,
    checklist_blocks,
    emergency_blocks,
)
from bot.slack.deliveries.posting import channel_of, post_once
from bot.slack.mrkdwn import escape
from bot.slack.runbooks import Runbooks
from incidents.models import Incident, Outbox
from incidents.outbox import Kind
from incidents.regulatory import evidence
from incidents.triage import checklist, runbook_steps, runbooks
from incidents.triage import proposal as triage
from incidents.types import Severity

log = logging.getLogger(__name__)
REPLACED_CHECKLIST = ("This triage checklist was replaced by a newer one further down the "
                      "channel; answer there.")


async def _post_checklist(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        incident = session.get(Incident, item.incident_id)
        answers = checklist.triage_answers(session, incident.id)
        alert, count = checklist.opening_alert(session, incident.id)
        system = runtime.catalog.systems.get(incident.system)
        outcome = triage.proposal_for(answers, signal=alert.signal if alert else None,
                                      system=system)
        preserve_first = bool(outcome and outcome.runbook) and evidence.preserve_first(
            session, system, incident.id, outcome.runbook)
    channel = channel_of(incident)
    text, blocks = checklist_blocks(
        incident_id=incident.id,
        severity=incident.severity,
        answers=answers,
        opening=Opening(alert=alert, alert_count=count, declared_by=incident.declared_by,
                        declared_at=incident.created_at),
        outcome=outcome,
        open_=incident.status_enum.is_open,
        preserve_first=preserve_first,
    )
    if item.payload.get("ts"):
        await _post_or_update(runtime, item, incident, text, blocks)
        return
    posted = await post_once(runtime, item, channel=channel, text=text, blocks=blocks)
    with runtime.session() as session:
        stored = session.get(Incident, incident.id)
        previous, stored.checklist_ts = stored.checklist_ts, posted["ts"]
    if previous and previous != posted["ts"]:
        # The older copy would keep showing answers as they were, with live buttons.
        try:
            await runtime.client.chat_update(channel=channel, ts=previous,
                                             text=REPLACED_CHECKLIST, blocks=[])
        except SlackApiError as exc:  # deleted meanwhile, say; failing would post again
            log.warning("could not retire checklist %s of incident %s: %s", previous,
                        incident.id, exc.response.get("error"))


async def _post_runbook(runtime: Runtime, item: Outbox) -> None:
    books = Runbooks(runtime)
    name = item.payload["runbook"]
    with runtime.session() as session:
        incident = session.get(Incident, item.incident_id)
        ticks = runbook_steps.runbook_ticks(session, incident.id, name)
    channel = channel_of(incident)
    try:
        book = books.load(incident, name)
    except (runbooks.UnknownRunbook, TemplateError, OSError) as exc:
        # Retrying cannot fix a broken template; say so instead of blocking the channel.
        log.warning("runbook %s for incident %s failed to render: %s", name, incident.id, exc)
        await post_once(runtime, item, channel=channel, blocks=[],
                        text=f"The runbook `{escape(name)}` could not be rendered: {escape(exc)}")
        return
    text, blocks = runbook_blocks(incident_id=incident.id, runbook=book, ticks=ticks,
                                  open_=incident.status not in ("closed", "declined", "merged"))
    await _post_or_update(runtime, item, incident, text, blocks)


async def _post_emergency(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        incident = session.get(Incident, item.incident_id)
        if incident.severity != Severity.SEV1 or not incident.status_enum.is_open:
            return  # lowered or ended before we got here: no call to arms
        preserve_first = evidence.preserve_first(
            session, runtime.catalog.systems.get(incident.system), incident.id,
            EMERGENCY_RUNBOOK)
    channel = channel_of(incident)
    text, blocks = emergency_blocks(
        incident_id=incident.id, system_label=runtime.system_label(incident.system),
        at=datetime.fromisoformat(item.payload["at"]) if item.payload.get("at") else runtime.now(),
        preserve_first=preserve_first,
    )
    await post_once(runtime, item, channel=channel, text=text, blocks=blocks)


async def _post_or_update(runtime: Runtime, item: Outbox, incident: Incident, text: str,
                          blocks: list) -> None:
    payload = item.payload
    if payload.get("ts"):
        await runtime.client.chat_update(channel=payload.get("channel") or channel_of(incident),
                                         ts=payload["ts"], text=text, blocks=blocks)
    else:
        await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)


HANDLERS = {
    Kind.TRIAGE_MESSAGE: _post_checklist,
    Kind.RUNBOOK_MESSAGE: _post_runbook,
    Kind.EMERGENCY: _post_emergency,
}
