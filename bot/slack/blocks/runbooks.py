"""Runbook messages: a checklist whose steps are ticked in Slack, and the list to open one."""

from __future__ import annotations

import re

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    SectionBlock,
)

from bot.slack.blocks.common import MESSAGE_BLOCK_LIMIT, md, plain, slack_date
from bot.slack.ids import Action, encode
from bot.slack.mrkdwn import escape, truncate, user
from incidents.triage.runbook_steps import Tick
from incidents.triage.runbooks import Heading, Note, Runbook, Step

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s|]+)\)")


def mrkdwn(markdown: str) -> str:
    """The Markdown of a runbook line as Slack mrkdwn: escaped, bold and links kept."""
    text = escape(markdown)
    text = _BOLD.sub(r"*\1*", text)
    return _LINK.sub(lambda m: f"<{m[2]}|{m[1]}>", text)


def runbook_blocks(
    *, incident_id: int, runbook: Runbook, ticks: dict[int, Tick], open_: bool
) -> tuple[str, list[Block]]:
    done = sum(1 for s in runbook.steps if ticks.get(s.number) and ticks[s.number].done)
    total = len(runbook.steps)
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"Runbook: {runbook.title}", 150)),
        ContextBlock(elements=[md(
            f"Incident #{incident_id} · {done} of {total} steps done · each tick goes into the "
            "timeline"
        )]),
    ]
    parts = list(runbook.parts)
    room = MESSAGE_BLOCK_LIMIT - len(blocks) - 1  # keep one block for the "more steps" note
    if len(parts) > room:
        parts = [p for p in parts if not isinstance(p, Note)]  # steps matter more than prose
    for part in parts[:room]:
        match part:
            case Heading(text=text):
                blocks.append(SectionBlock(text=md(f"*{mrkdwn(text)}*")))
            case Note(text=text):
                blocks.append(ContextBlock(elements=[md(mrkdwn(text))]))
            case Step():
                blocks.append(_step(incident_id, runbook.name, part, ticks.get(part.number),
                                    open_))
    hidden = [p for p in parts[room:] if isinstance(p, Step)]
    if hidden:
        blocks.append(ContextBlock(elements=[md(
            f"…and {len(hidden)} more steps that do not fit in one message: see the runbook file."
        )]))
    return f"Runbook: {escape(runbook.title)} ({done} of {total} steps done)", blocks


def _step(incident_id: int, name: str, step: Step, tick: Tick | None, open_: bool) -> Block:
    done = bool(tick and tick.done)
    if done:
        text = (f":white_check_mark: ~{step.number}. {mrkdwn(step.text)}~\n"
                f"Done by {user(tick.actor, none='someone')} · {slack_date(tick.at)}")
    else:
        text = f":white_large_square: {step.number}. {mrkdwn(step.text)}"
    button = ButtonElement(
        text=plain("Undo" if done else "Done"),
        action_id=Action.RUNBOOK_TICK,
        value=encode(incident_id, name, step.number, 0 if done else 1),
        style=None if done else "primary",
    ) if open_ else None
    return SectionBlock(block_id=f"step-{step.number}", text=md(text), accessory=button)


PRESERVED_FIRST = (
    "Its steps change the model, so the bot first preserves the evidence (EU AI Act Art. "
    "73(6)): the model registry's versions, the latest drift report, the alerts and the "
    "catalog entry, as one file in this channel."
)


def open_button(*, incident_id: int, name: str, title: str, label: str = "Open",
                preserve_first: bool = False) -> ButtonElement:
    """A button that posts the runbook in the channel. `preserve_first`: opening it keeps
    the evidence first (incidents/regulatory/evidence.py), so it asks and says so."""
    confirm = ConfirmObject(title=truncate(f"Open {title}?", 100), text=PRESERVED_FIRST,
                            confirm="Open it", deny="Cancel") if preserve_first else None
    return ButtonElement(text=plain(label), action_id=Action.RUNBOOK_OPEN,
                         value=encode(incident_id, name), confirm=confirm)


def runbook_list_blocks(
    *, incident_id: int, runbooks: list[tuple[str, str]], suggested: str | None = None,
    preserve_first: frozenset[str] = frozenset(),
) -> tuple[str, list[Block]]:
    """(name, title) pairs, each with a button that posts it in the incident channel;
    `preserve_first`: the runbooks whose opening keeps the evidence first."""
    blocks: list[Block] = [SectionBlock(text=md(
        "*Runbooks* for this incident's AI system. Opening one posts it in the channel as a "
        "checklist."
    ))]
    for name, title in runbooks[: MESSAGE_BLOCK_LIMIT - 1]:
        star = " :star: _suggested by triage_" if name == suggested else ""
        kept = name in preserve_first
        blocks.append(SectionBlock(
            block_id=f"runbook-{name}"[:255],
            text=md(f"{escape(title)}{star}"
                    + (" :lock: _the evidence is preserved first_" if kept else "")),
            accessory=open_button(incident_id=incident_id, name=name, title=title,
                                  preserve_first=kept),
        ))
    return "Runbooks", blocks[:MESSAGE_BLOCK_LIMIT]
