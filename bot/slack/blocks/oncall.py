"""Pages (direct messages), paging notices in the incident channel, `/incident oncall` and
handoff messages. Builders take data, never a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, SectionBlock

from bot.slack.blocks.common import md, plain, severity_label, slack_date, title_text
from bot.slack.ids import Action, encode
from bot.slack.mrkdwn import escape, truncate, user
from incidents.catalog.durations import format_duration
from incidents.models import Incident
from incidents.oncall.paging import Why


def channel_url(channel_id: str | None) -> str | None:
    """Slack's deep link into a channel: opens the app or the browser at the channel."""
    return f"https://slack.com/app_redirect?channel={channel_id}" if channel_id else None


def _buttons(incident_id: int, url: str | None, *, acknowledge: bool = True) -> ActionsBlock:
    elements = []
    if acknowledge:
        elements.append(ButtonElement(text=plain("Acknowledge"), action_id=Action.ACKNOWLEDGE,
                                      value=encode(incident_id), style="primary"))
    if url:
        elements.append(ButtonElement(text=plain("Open channel"), action_id=Action.OPEN_CHANNEL,
                                      value=encode(incident_id), url=url))
    return ActionsBlock(block_id=f"page-{incident_id}", elements=elements)


def _why_text(why: Why, *, schedule: str | None, requested_by: str | None, level: int,
              wait: timedelta | None) -> str:
    after = f" within {format_duration(wait)}" if wait else ""
    match why:
        case Why.REQUESTED:
            return f"{user(requested_by)} paged you."
        case Why.ESCALATED:
            return f"Nobody at level {level} acknowledged{after}, so you are paged (level " \
                f"{level + 1})."
        case Why.REPEATED:
            return "Still nobody has acknowledged: you are paged again."
    if schedule:
        return f"You are on call for *{escape(schedule)}*."
    return "You are the first to be paged for this system."


def page_message(
    *,
    incident: Incident,
    system_label: str,
    why: Why,
    schedule: str | None,
    requested_by: str | None,
    level: int,
    previous_wait: timedelta | None,
    next_wait: timedelta | None,
    last: bool,
) -> tuple[str, list[Block]]:
    """The direct message that pages one person."""
    title = title_text(incident.id, escape(incident.title), incident.is_drill)
    reason = _why_text(why, schedule=schedule, requested_by=requested_by, level=level,
                       wait=previous_wait)
    blocks: list[Block] = [
        SectionBlock(text=md(f":rotating_light: *{title}*\n{reason}"), fields=[
            md(f"*Severity*\n{severity_label(incident.severity)}"),
            md(f"*AI system*\n{escape(system_label)}"),
            md(f"*Status*\n{incident.status}"),
            md(f"*Commander*\n{user(incident.commander)}"),
        ]),
    ]
    if incident.description:
        blocks.append(SectionBlock(text=md(escape(truncate(incident.description, 600)))))
    blocks.append(_buttons(incident.id, channel_url(incident.channel_id)))
    if next_wait:
        then = "you are paged again" if last else "the next level is paged"
        blocks.append(ContextBlock(elements=[md(
            f"Acknowledge within {format_duration(next_wait)}, or {then}."
        )]))
    fallback = f"Paged: Sev{incident.severity} incident #{incident.id}: {escape(incident.title)}"
    return fallback, blocks


def page_closed_message(
    *, incident: Incident, acknowledged_by: str | None, at: datetime | None
) -> tuple[str, list[Block]]:
    """What a page turns into once nobody needs to act on it any more."""
    title = title_text(incident.id, escape(incident.title), incident.is_drill)
    if acknowledged_by:
        text = f":white_check_mark: *{title}*\nAcknowledged by {user(acknowledged_by)} " \
            f"{slack_date(at)}."
    else:
        text = f":white_check_mark: *{title}*\nThe incident is {incident.status}: no " \
            "acknowledgement needed any more."
    blocks: list[Block] = [SectionBlock(text=md(text))]
    url = channel_url(incident.channel_id)
    if url:
        blocks.append(_buttons(incident.id, url, acknowledge=False))
    return f"Incident #{incident.id}: page closed", blocks


@dataclass(frozen=True)
class Paged:
    user_id: str
    error: str | None = None


def page_notice(
    *,
    incident_id: int,
    paged: list[Paged],
    why: Why,
    level: int,
    levels: int,
    schedule: str | None,
    requested_by: str | None,
    wait: timedelta,
    previous_wait: timedelta | None,
    last: bool,
) -> tuple[str, list[Block]]:
    """The incident channel's view of one paging step, with an Acknowledge button for anyone."""
    people = ", ".join(user(p.user_id) for p in paged) or "nobody (no one to page)"
    where = f" (on call for *{escape(schedule)}*)" if schedule else ""
    step = f"level {level + 1} of {levels}" if levels > 1 else ""
    match why:
        case Why.REQUESTED:
            text = f":pager: {user(requested_by)} paged {people}{where}."
        case Why.ESCALATED:
            waited = f" within {format_duration(previous_wait)}" if previous_wait else ""
            text = f":arrow_double_up: Nobody acknowledged{waited}: escalated to {step}, " \
                f"paged {people}{where}."
        case Why.REPEATED:
            text = f":repeat: Still not acknowledged: paged {people}{where} again."
        case _:
            text = f":pager: Paged {people}{where}" + (f", {step}" if step else "") + "."
    then = "paged again" if last else "the next level is paged"
    text += f" Unless someone acknowledges within {format_duration(wait)}, {then}."
    failed = [p for p in paged if p.error]
    if failed:
        text += "\n:warning: Could not reach " + ", ".join(
            f"{user(p.user_id)} ({escape(p.error)})" for p in failed) + "."
    blocks: list[Block] = [SectionBlock(text=md(text)), _buttons(incident_id, None)]
    return text.replace("*", ""), blocks


def notice_closed(*, paged: list[str], incident: Incident, acknowledged_by: str | None,
                  at: datetime | None) -> tuple[str, list[Block]]:
    """A paging notice once its chain stopped: who was paged, and who acknowledged when,
    without the Acknowledge button that would no longer do anything."""
    people = ", ".join(user(p) for p in paged) or "nobody"
    if acknowledged_by:
        text = f":pager: Paged {people}. :white_check_mark: Acknowledged by " \
            f"{user(acknowledged_by)} {slack_date(at)}: paging stopped."
    else:
        text = f":pager: Paged {people}. Paging stopped: the incident is {incident.status}."
    return text.replace("*", ""), [SectionBlock(text=md(text))]


def acknowledged_notice(*, acknowledged_by: str, at: datetime | None) -> tuple[str, list[Block]]:
    text = f":white_check_mark: {user(acknowledged_by)} acknowledged: paging stopped."
    blocks: list[Block] = [SectionBlock(text=md(text)),
                           ContextBlock(elements=[md(slack_date(at))])]
    return text, blocks


@dataclass(frozen=True)
class ScheduleNow:
    key: str
    timezone: str
    on_call: str
    handoffs: list[tuple[datetime, str]]
    systems: list[str]


def oncall_text(schedules: list[ScheduleNow]) -> str:
    """`/incident oncall`: who is on call and the next handoffs, in the reader's time zone."""
    if not schedules:
        return "No on-call schedules are defined: add them under `oncall:` in incidentbot.yml."
    parts = []
    for entry in schedules:
        covers = f" · covers {escape(', '.join(entry.systems))}" if entry.systems else ""
        lines = [f"*{escape(entry.key)}* ({escape(entry.timezone)}){covers}"]
        until = f" until {slack_date(entry.handoffs[0][0])}" if entry.handoffs else ""
        lines.append(f"On call now: {user(entry.on_call)}{until}")
        if entry.handoffs:
            lines.append("Next: " + " · ".join(
                f"{user(who)} from {slack_date(moment)}" for moment, who in entry.handoffs
            ))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def handoff_message(
    *,
    schedule: str,
    until: tuple[datetime, str] | None,
    systems: list[str],
    incidents: list[Incident],
) -> tuple[str, list[Block]]:
    """The direct message to the person a handoff makes on call."""
    end = f" until {slack_date(until[0])}, when {user(until[1])} takes over" if until else ""
    covers = f" You cover {escape(', '.join(systems))}." if systems else ""
    head = f":pager: You are now on call for *{escape(schedule)}*{end}.{covers}"
    if incidents:
        lines = [
            f"• {severity_label(i.severity)} · *#{i.id}* {escape(truncate(i.title, 120))} · "
            f"{i.status} · commander: {user(i.commander)}"
            + (f" · <#{i.channel_id}>" if i.channel_id else "")
            for i in incidents[:20]
        ]
        if len(incidents) > 20:
            lines.append(f"…and {len(incidents) - 20} more: `/incident list`.")
        body = f"*Open incidents you now cover ({len(incidents)})*\n" + "\n".join(lines)
    else:
        body = "No open incidents on the systems you cover. :tada:"
    blocks: list[Block] = [SectionBlock(text=md(head)), SectionBlock(text=md(body))]
    return f"You are now on call for {escape(schedule)}", blocks
