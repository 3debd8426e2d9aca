"""Deadline reminders, escalations and the list of open deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, SectionBlock

from bot.slack.blocks.common import md, plain, slack_date
from bot.slack.ids import Action, encode
from bot.slack.mrkdwn import escape, user
from incidents.deadlines.policy import NOTIFICATIONS, TASKS, TITLES, Stage
from incidents.types import DeadlineKind, DeadlineState

SNOOZES = ((Action.DEADLINE_SNOOZE_15M, "Snooze 15 min", 15 * 60),
           (Action.DEADLINE_SNOOZE_1H, "Snooze 1 h", 60 * 60))


@dataclass(frozen=True)
class ReminderView:
    incident_id: int
    deadline_id: int
    kind: str
    stage: str
    due_at: datetime
    mentions: Sequence[str]  # Slack user ids: the commander (and comms), else the owners
    contact: str | None = None  # the client contact to notify, as the catalog names them
    people: dict[str, str | None] = field(default_factory=dict)  # role -> user, for context


def reminder(view: ReminderView) -> tuple[str, list[Block]]:
    """(notification text, blocks) of a reminder or an overdue escalation."""
    kind = DeadlineKind(view.kind)
    who = "".join(f"{user(u)} " for u in view.mentions)
    title = TITLES[kind]
    due = slack_date(view.due_at)
    match Stage(view.stage):
        case Stage.REMINDER:
            head = f":alarm_clock: {who}Reminder: *{title}* is due {due}."
        case Stage.ESCALATION:
            head = f":rotating_light: {who}*Overdue:* {title} was due {due} and is not done."
        case _:
            head = f":rotating_light: {who}*Still overdue:* {title} was due {due}."
    detail = TASKS[kind]
    if view.contact:
        detail += f"\nContact: {escape(view.contact)}"
    for role, holder in view.people.items():
        detail += f"\n{role.capitalize()}: {user(holder)}"
    blocks: list[Block] = [
        SectionBlock(text=md(f"{head}\n{detail}")),
        ContextBlock(elements=[md(f"Incident #{view.incident_id} · deadline {view.deadline_id}"
                                  " · Mark done when it is done; snoozing only delays reminders")]),
        ActionsBlock(block_id=f"deadline-{view.deadline_id}", elements=_buttons(view, kind)),
    ]
    return head.replace("*", ""), blocks


def _buttons(view: ReminderView, kind: DeadlineKind) -> list[ButtonElement]:
    buttons = [ButtonElement(text=plain("Mark done"), action_id=Action.DEADLINE_DONE,
                             value=encode(view.incident_id, view.deadline_id), style="primary")]
    buttons += [
        ButtonElement(text=plain(label), action_id=action,
                      value=encode(view.incident_id, view.deadline_id, seconds))
        for action, label, seconds in SNOOZES
    ]
    if kind in NOTIFICATIONS:
        buttons.append(ButtonElement(text=plain("Draft notification"),
                                     action_id=Action.DRAFT_NOTIFICATION,
                                     value=str(view.incident_id)))
    return buttons


def settled(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """The reminder as it was, its buttons replaced by what someone did about it."""
    kept = [b for b in blocks if b.get("type") != "actions"]
    return [*kept, ContextBlock(elements=[md(note)]).to_dict()]


def done_note(actor: str, at: datetime) -> str:
    return f":white_check_mark: Marked done by {user(actor)} · {slack_date(at)}"


def snoozed_note(actor: str, until: datetime) -> str:
    return f":zzz: Snoozed by {user(actor)}: next reminder {slack_date(until)}"


def deadline_lines(deadlines: Sequence[Any], now: datetime) -> list[str]:
    """One line per open deadline; times render in each viewer's own time zone."""
    lines = []
    for deadline in deadlines:
        title = TITLES[DeadlineKind(deadline.kind)]
        line = f"• *{title}*: due {slack_date(deadline.due_at)}"
        if deadline.due_at <= now:
            line += " — *overdue*"
        if deadline.state == DeadlineState.SNOOZED and deadline.snoozed_until:
            line += f" (reminders snoozed until {slack_date(deadline.snoozed_until)})"
        lines.append(line)
    return lines


def status_text(incident: Any, deadlines: Sequence[Any], now: datetime) -> str:
    """`/incident status` without an argument: where the incident stands and what is due."""
    commander = user(incident.commander)
    head = (f"*Incident #{incident.id}: {escape(incident.title)}*\n"
            f"Sev{incident.severity} · {incident.status} · Commander: {commander}")
    lines = deadline_lines(deadlines, now)
    body = "\n".join(lines) if lines else "No open deadlines."
    return f"{head}\n*Deadlines*\n{body}"
