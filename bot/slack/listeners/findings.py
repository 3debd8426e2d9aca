"""`/incident rootcause` and `/incident impact`: record or correct what the incident's cause
and business impact were, during the incident or at the review after it. Each change is a
timeline event, announced in the incident channel."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.models.blocks import ContextBlock, SectionBlock

from bot.container import Bot
from bot.slack.blocks.common import md, slack_date
from bot.slack.blocks.modals import ROOT_CAUSE_CATEGORIES
from bot.slack.listeners.changes import apply_change
from bot.slack.mrkdwn import escape, user
from bot.slack.subcommands import Invocation
from incidents import findings
from incidents.models import Incident, Outbox, TimelineEvent
from incidents.types import EventKind

ROOT_CAUSE_USAGE = (
    "Usage: `/incident rootcause <category> [what happened]`, for example `/incident "
    "rootcause data_pipeline The merchant feed sent empty categories`. Categories: "
    + ", ".join(f"`{key}`" for key in ROOT_CAUSE_CATEGORIES) + "."
)
IMPACT_USAGE = ("Usage: `/incident impact <what it cost the client>`, for example "
                "`/incident impact 4,200 legitimate card payments declined over 3 hours`.")


def register(app: AsyncApp, bot: Bot) -> None:
    bot.outbox_handlers[findings.POSTED] = post_finding
    add = bot.subcommands.add

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
            bot, incident_id=call.incident.id, user=call.user, channel=call.channel,
            respond=call.respond,
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
            bot, incident_id=call.incident.id, user=call.user, channel=call.channel,
            respond=call.respond,
            change=lambda s, inc, now: findings.set_business_impact(
                s, incident=inc, text=call.args, actor=call.user, now=now),
        )


def announcement(event: TimelineEvent) -> str:
    data = event.data or {}
    who = user(event.actor, none="incidentbot")
    if event.kind == EventKind.ROOT_CAUSE_CHANGED:
        after, before = data.get("to") or {}, data.get("from") or {}
        text = f":mag: {who} recorded the root cause: *{escape(data.get('label', ''))}*"
        if after.get("text"):
            text += f": {escape(after['text'])}"
        previous = before.get("category")
        if previous and previous != after.get("category"):
            text += f" (was {escape(ROOT_CAUSE_CATEGORIES.get(previous, previous))})"
        return text
    return f":chart_with_downwards_trend: {who} recorded the business impact: " \
           f"{escape(data.get('to', ''))}"


async def post_finding(bot: Bot, item: Outbox) -> None:
    with bot.session() as session:
        event = session.get(TimelineEvent, item.payload["event"])
        incident = session.get(Incident, item.incident_id)
    if event is None or incident is None:
        return
    if incident.channel_id is None:
        raise RuntimeError("the incident has no channel yet")
    text = announcement(event)
    await bot.client.chat_postMessage(
        channel=incident.channel_id, text=text.replace("*", ""), unfurl_links=False,
        blocks=[SectionBlock(text=md(text)),
                ContextBlock(elements=[md(slack_date(event.occurred_at))])],
    )
