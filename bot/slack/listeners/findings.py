"""`/incident rootcause`, `/incident impact` and `/incident started`: record or correct what
the incident's cause and business impact were and when the impact began, during the
incident or at the review after it. Each change is a timeline event, announced in the
incident channel."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.blocks.common import slack_date
from bot.slack.listeners.changes import apply_change
from bot.slack.listeners.review import viewer_zone
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation
from incidents import timeline
from incidents.review import findings
from incidents.types import ROOT_CAUSE_CATEGORIES

ROOT_CAUSE_USAGE = (
    "Usage: `/incident rootcause <category> [what happened]`, for example `/incident "
    "rootcause data_pipeline The merchant feed sent empty categories`. Categories: "
    + ", ".join(f"`{key}`" for key in ROOT_CAUSE_CATEGORIES) + "."
)
IMPACT_USAGE = ("Usage: `/incident impact <what it cost the client>`, for example "
                "`/incident impact 4,200 legitimate card payments declined over 3 hours`.")


def register(app: AsyncApp, runtime: Runtime) -> None:
    add = runtime.subcommands.add

    @add("rootcause", usage="rootcause <category> [what happened]", needs_incident=True,
         help="record or correct the root cause, also after resolution")
    async def rootcause(call: Invocation) -> None:
        category, _, text = call.args.strip().partition(" ")
        if not category:
            current = ROOT_CAUSE_CATEGORIES.get(call.incident.root_cause_category or "")
            said = f": {escape(call.incident.root_cause)}" if call.incident.root_cause else ""
            known = f"Recorded root cause: *{current or 'none yet'}*{said}\n"
            await call.reply(known + ROOT_CAUSE_USAGE)
            return
        await apply_change(
            runtime, incident_id=call.incident.id, user=call.user, respond=call.respond,
            change=lambda s, inc, now: findings.set_root_cause(
                s, incident=inc, category=category, text=text,
                categories=ROOT_CAUSE_CATEGORIES, actor=call.user, now=now),
        )

    @add("impact", usage="impact <business impact>", needs_incident=True,
         help="record or correct the business impact, in the client's terms")
    async def impact(call: Invocation) -> None:
        if not call.args.strip():
            current = call.incident.business_impact
            known = f"Recorded business impact: {escape(current) if current else '*none yet*'}\n"
            await call.reply(known + IMPACT_USAGE)
            return
        await apply_change(
            runtime, incident_id=call.incident.id, user=call.user, respond=call.respond,
            change=lambda s, inc, now: findings.set_business_impact(
                s, incident=inc, text=call.args, actor=call.user, now=now),
        )

    @add("started", usage="started <when>", needs_incident=True,
         help="record when the impact began (`started 09:40`, `started 25m ago`): time to "
         "detect runs from then")
    async def started(call: Invocation) -> None:
        if not call.args.strip():
            current = call.incident.impact_started_at
            known = (f"Recorded impact start: {slack_date(current)}\n" if current
                     else "Nobody has recorded when the impact began.\n")
            await call.reply(known + findings.STARTED_USAGE)
            return
        zone = await viewer_zone(runtime, call.user) or ZoneInfo("UTC")
        try:
            at = findings.parse_moment(call.args, now=runtime.now(), zone=zone)
        except timeline.Refused as refused:
            await call.reply(str(refused))
            return
        await apply_change(
            runtime, incident_id=call.incident.id, user=call.user, respond=call.respond,
            change=lambda s, inc, now: findings.set_impact_start(
                s, incident=inc, at=at, actor=call.user, now=now),
        )
