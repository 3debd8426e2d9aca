"""The triage checklist message, the response buttons of the summary, and the Sev1 call to
emergency response. Builders take data, never a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)

from bot.slack.blocks.common import md, plain, severity_label, slack_date
from bot.slack.blocks.runbooks import open_button
from bot.slack.ids import Action, encode
from bot.slack.mrkdwn import clip, escape, user
from incidents.models import Alert
from incidents.triage import checklist, runbooks
from incidents.triage import proposal as triage
from incidents.triage.checklist import Answer
from incidents.triage.mitigation import Mitigation
from incidents.types import Severity
from incidents.wording import describe_metric

# What Sev1's call to arms offers: the runbook for putting the previous model back.
EMERGENCY_RUNBOOK = "emergency_model_rollback"


def response_buttons(incident_id: int) -> ActionsBlock:
    """Triage, mitigation and runbooks: the summary's second row of controls."""
    value = encode(incident_id)
    return ActionsBlock(
        block_id=f"response-{incident_id}",
        elements=[
            ButtonElement(text=plain("Triage"), action_id=Action.TRIAGE, value=value),
            ButtonElement(text=plain("Mitigate"), action_id=Action.MITIGATE_MENU, value=value),
            ButtonElement(text=plain("Runbooks"), action_id=Action.RUNBOOKS, value=value),
        ],
    )


@dataclass(frozen=True)
class Opening:
    """What item one is pre-filled from: the first alert, or the person who declared."""

    alert: Alert | None
    alert_count: int
    declared_by: str | None
    declared_at: datetime


def opening_text(opening: Opening) -> str:
    lines = []
    alert = opening.alert
    if alert is not None:
        detail = describe_metric(alert.metric)
        extra = ", ".join(x for x in (alert.signal and alert.signal.replace("_", " "), detail) if x)
        lines.append(
            f":rotating_light: *{clip(alert.title, 200)}*"
            + (f" ({clip(extra, 300)})" if extra else "")
            + f" fired at {slack_date(alert.starts_at)}"
        )
        if opening.alert_count > 1:
            lines.append(f"…and {opening.alert_count - 1} more firing alert(s) since.")
    if opening.declared_by or alert is None:
        who = user(opening.declared_by, none="a person")
        lines.append(f"Declared by {who} at {slack_date(opening.declared_at)}")
    return "\n".join(lines)


def checklist_blocks(
    *,
    incident_id: int,
    severity: int,
    answers: dict[str, Answer],
    opening: Opening,
    outcome: triage.TriageProposal | None,
    open_: bool,
    preserve_first: bool = False,
) -> tuple[str, list[Block]]:
    """`preserve_first`: opening the proposed runbook keeps the evidence first."""
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"Triage checklist · incident #{incident_id}", 150)),
        ContextBlock(elements=[md(
            "Answer each item with its buttons. The latest answer counts; every answer is "
            "kept in the timeline with who gave it and when."
        )]),
    ]
    for number, item in enumerate(checklist.ITEMS, start=1):
        blocks += _item(incident_id, number, item, answers.get(item.key), opening, open_)
    blocks += _outcome(incident_id, severity, outcome, answered=len(answers), open_=open_,
                       preserve_first=preserve_first)
    done = len(answers)
    return f"Triage checklist for incident #{incident_id}: {done} of {len(checklist.ITEMS)} " \
        "answered", blocks


def _item(
    incident_id: int,
    number: int,
    item: checklist.Item,
    answer: Answer | None,
    opening: Opening,
    open_: bool,
) -> list[Block]:
    text = f"*{number}. {item.question}*  _{item.check}_"
    if item.key == "alert":
        text += "\n" + opening_text(opening)
    if answer is not None:
        label = item.choice(answer.value).label
        changed = f" · changed {answer.changes}×" if answer.changes else ""
        text += (f"\n:white_check_mark: *{label}* · {user(answer.actor, none='someone')}"
                 f" · {slack_date(answer.at)}{changed}")
        if answer.note:  # answered by the bot from the model registry: say what it read
            text += f"\n_From the model registry: {escape(answer.note)}_"
    else:
        text += "\n_Not answered yet_"
    blocks: list[Block] = [SectionBlock(block_id=f"triage-item-{item.key}", text=md(text))]
    if open_:
        blocks.append(ActionsBlock(
            block_id=f"triage-{item.key}",
            elements=[
                ButtonElement(
                    text=plain(choice.label),
                    action_id=f"{Action.TRIAGE_ANSWER}:{choice.value}",
                    value=encode(incident_id, item.key, choice.value),
                    style="primary" if answer and answer.value == choice.value else None,
                )
                for choice in item.choices
            ],
        ))
    return blocks


def _outcome(
    incident_id: int, severity: int, outcome: triage.TriageProposal | None, *, answered: int,
    open_: bool, preserve_first: bool,
) -> list[Block]:
    if outcome is None:
        return [DividerBlock(), ContextBlock(elements=[md(
            f"A proposal appears once the business impact and at least {checklist.MIN_ANSWERS} "
            f"items are answered ({answered} so far), or as soon as the model is known not to "
            "be producing predictions."
        )])]
    total = len(checklist.ITEMS)
    heading = "*Proposal*" if outcome.complete else \
        f"*Proposal* (provisional: {outcome.answered} of {total} answered)"
    current = " (the current severity)" if int(outcome.severity) == severity else ""
    lines = [
        heading,
        f"*Severity:* {severity_label(outcome.severity)}{current}: {outcome.severity_reason}",
        f"*Immediate action:* {outcome.action.label}. {outcome.action.description}",
    ]
    if outcome.path is not None:
        lines.append(f"*Likely diagnosis:* {outcome.path.label}: {outcome.path_reason}")
        lines.append("*Next checks:*\n" + "\n".join(f"• {c}" for c in outcome.path.next_checks))
    else:
        lines.append(f"*Likely diagnosis:* not clear yet: {outcome.path_reason}")
    if outcome.runbook:
        lines.append(f"*Runbook:* {runbooks.title(outcome.runbook)}")
    lines += [f":bulb: {note}" for note in outcome.notes]
    blocks: list[Block] = [DividerBlock(), SectionBlock(block_id="triage-outcome",
                                                        text=md("\n".join(lines)))]
    buttons = []
    if open_ and int(outcome.severity) != severity:
        sev = Severity(outcome.severity)
        buttons.append(ButtonElement(
            text=plain(f"Apply {sev.label}"),
            action_id=Action.TRIAGE_APPLY,
            value=encode(incident_id, int(sev)),
            style="danger" if sev == Severity.SEV1 else "primary",
        ))
    if outcome.runbook:
        buttons.append(open_button(
            incident_id=incident_id, name=outcome.runbook, label="Open runbook",
            title=runbooks.title(outcome.runbook), preserve_first=preserve_first))
    if open_:
        buttons.append(ButtonElement(text=plain("Mitigate"), action_id=Action.MITIGATE_MENU,
                                     value=encode(incident_id)))
    if buttons:
        blocks.append(ActionsBlock(block_id="triage-outcome-actions", elements=buttons))
    return blocks


def emergency_blocks(
    *, incident_id: int, system_label: str, at: datetime, preserve_first: bool = False
) -> tuple[str, list[Block]]:
    """Sev1 calls for emergency response (the immediate action incidents/triage/outcome.py
    proposes for it): what that means now, with the buttons that carry it out."""
    text = (
        f":rotating_light: *{escape(system_label)} is Sev1: emergency response.*\n"
        "• *All hands:* everyone needed joins this channel now.\n"
        "• *Disable the AI system* and fall back to the rule-based alternative or to manual "
        "processes (human review).\n"
        "• *Notify the client's executive contact* now; the deadline is running."
    )
    fallback = Mitigation.RULES_FALLBACK
    blocks: list[Block] = [
        SectionBlock(text=md(text)),
        ActionsBlock(block_id=f"emergency-{incident_id}", elements=[
            ButtonElement(
                text=plain(fallback.label), action_id=Action.MITIGATE,
                value=encode(incident_id, fallback), style="danger",
                confirm=ConfirmObject(
                    title="Fall back to rules?",
                    text=f"{fallback.title}. The system's fallback endpoint is called if the "
                    "catalog configures one; otherwise this records that you did it by hand.",
                    confirm="Fall back", deny="Cancel",
                ),
            ),
            ButtonElement(text=plain("All mitigations"), action_id=Action.MITIGATE_MENU,
                          value=encode(incident_id)),
            open_button(incident_id=incident_id, name=EMERGENCY_RUNBOOK,
                        title=runbooks.title(EMERGENCY_RUNBOOK),
                        label="Emergency rollback runbook", preserve_first=preserve_first),
        ]),
        ContextBlock(elements=[md(slack_date(at))]),
    ]
    return f"{escape(system_label)} is Sev1: emergency response", blocks
