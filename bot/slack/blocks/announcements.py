"""Messages that announce a timeline event in the incident channel."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, SectionBlock

from bot.slack.blocks.common import md, severity_label, slack_date
from bot.slack.blocks.comms import resolution_offer
from bot.slack.mrkdwn import escape, user
from incidents.models import TimelineEvent
from incidents.types import ROOT_CAUSE_CATEGORIES, EventKind, Role, Severity


def announcement(event: TimelineEvent) -> tuple[str, list[Block]] | None:
    """(fallback text, blocks) for an event, or None when the event is not announced."""
    data = event.data or {}
    who = user(event.actor, none="incidentbot")
    match event.kind:
        case EventKind.SEVERITY_CHANGED:
            sev = Severity(data["to"])
            verb = "raised" if data["to"] < data["from"] else "lowered"
            text = f"{who} {verb} the severity to *{severity_label(sev)}*: {sev.meaning}."
        case EventKind.STATUS_CHANGED:
            text = f"{who} changed the status from *{data['from']}* to *{data['to']}*."
        case EventKind.ROLE_ASSIGNED:
            role = Role(data["role"])
            text = f"{user(data['user'])} is now the *{role}*: {role.purpose}."
        case EventKind.NOTE:
            text = f":memo: Note from {who}: {escape(event.text)}"
        case EventKind.RESOLVED:
            text = f":white_check_mark: {who} resolved the incident: {escape(data['summary'])}"
        case EventKind.DECLINED:
            reason = f": {escape(data['reason'])}" if data.get("reason") else "."
            text = f"{who} declined the incident as a false alarm{reason}"
        case EventKind.MERGED:
            text = f"{who} merged this incident into incident #{data['into']}."
        case EventKind.MERGED_IN:
            text = f"{who} merged incident #{data['merged']} into this incident."
        case EventKind.ROOT_CAUSE_CHANGED:
            after, before = data.get("to") or {}, data.get("from") or {}
            text = f":mag: {who} recorded the root cause: *{escape(data.get('label', ''))}*"
            if after.get("text"):
                text += f": {escape(after['text'])}"
            previous = before.get("category")
            if previous and previous != after.get("category"):
                text += f" (was {escape(ROOT_CAUSE_CATEGORIES.get(previous, previous))})"
        case EventKind.IMPACT_STARTED:
            text = (f":stopwatch: {who} recorded when the impact began: "
                    f"{slack_date(event.occurred_at)}; time to detect runs from then.")
        case EventKind.IMPACT_CHANGED:
            text = (f":chart_with_downwards_trend: {who} recorded the business impact: "
                    f"{escape(data.get('to', ''))}")
        case _:
            return None
    blocks: list[Block] = [
        SectionBlock(text=md(text)),
        ContextBlock(elements=[md(slack_date(event.occurred_at))]),
    ]
    if event.kind == EventKind.RESOLVED:
        blocks.append(resolution_offer(event.incident_id))
    return _fallback(text), blocks


def _fallback(text: str) -> str:
    # Notification text without markup; mentions stay escaped where they were escaped.
    return text.replace("*", "")
