"""Regulatory reporting in Slack: the summary's "Assess reportability" button, the
assessment and snooze forms, the clocks message, report drafts and report reminders.
Builders take plain data (incidents.regulatory.OpenClock), never a session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks.basic_components import ConfirmObject
from slack_sdk.models.blocks.block_elements import (
    ButtonElement,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.blocks.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    InputBlock,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.blocks.common import md, modal, option, plain, slack_date
from bot.slack.blocks.comms import code_chunks
from bot.slack.ids import VALUE, Action, Field, ViewId, encode
from bot.slack.mrkdwn import escape, user
from incidents.deadlines.policy import Stage
from incidents.regulatory.assessment import OpenClock
from incidents.regulatory.clocks import Question

SNOOZES = ((15 * 60, "15 minutes"), (60 * 60, "1 hour"), (4 * 3600, "4 hours"),
           (24 * 3600, "1 day"))
AWARENESS = ("Recording the assessment makes you the person who assessed it and now the "
             "moment of awareness: the reporting clocks that apply start from it. Assess "
             "again when the facts change; the clocks move or stop with it.")


def summary_row(incident_id: int) -> ActionsBlock:
    """Under the summary's controls, for a system the catalog gives reporting obligations."""
    return ActionsBlock(block_id=f"reportability-{incident_id}", elements=[ButtonElement(
        text=plain("Assess reportability"), action_id=Action.REPORTABILITY,
        value=encode(incident_id))])


def assessment_modal(*, incident_id: int, title: str, duties: str,
                     questions: Mapping[str, Question],
                     previous: Mapping[str, str] | None = None) -> View:
    """The questions of the system's regulations, each answered with a choice; a later
    assessment starts from the previous answers."""
    blocks: list[Block] = [
        SectionBlock(text=md(f"*Incident #{incident_id}:* {escape(title)}\n"
                             f"Reporting duties of this system: {escape(duties)}.")),
        ContextBlock(elements=[md(AWARENESS)]),
    ]
    for key, question in questions.items():
        options = [option(label, value) for value, label in question.choices.items()]
        chosen = (previous or {}).get(key)
        blocks.append(InputBlock(
            block_id=key, label=plain(question.text, 2000), hint=plain(question.article, 2000),
            element=RadioButtonsElement(
                action_id=VALUE, options=options,
                initial_option=next((o for o in options if o.value == chosen), None))))
    blocks.append(InputBlock(
        block_id=Field.ASSESSMENT_NOTE, optional=True,
        label=plain("What the assessment is based on"),
        element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=2000)))
    return modal(ViewId.REPORTABILITY, "Reportability", "Record assessment", blocks,
                  {"incident_id": incident_id})


def snooze_modal(*, incident_id: int, clock: OpenClock) -> View:
    """Snoozing a report's reminders asks why; the due time does not move."""
    choices = [option(label, str(seconds)) for seconds, label in SNOOZES]
    blocks: list[Block] = [
        SectionBlock(text=md(f"*{escape(clock.title)}* ({escape(clock.article)}) is due "
                             f"{slack_date(clock.due_at)}. Snoozing delays its reminders only; "
                             "the due time stays.")),
        InputBlock(block_id=Field.SNOOZE_REASON, label=plain("Why can it wait?"),
                   element=PlainTextInputElement(action_id=VALUE, max_length=500)),
        InputBlock(block_id=Field.SNOOZE_FOR, label=plain("No reminder for"),
                   element=StaticSelectElement(action_id=VALUE, options=choices,
                                               initial_option=choices[1])),
    ]
    return modal(ViewId.REPORT_SNOOZE, "Snooze reminders", "Snooze reminders", blocks,
                  {"incident_id": incident_id, "deadline_id": clock.deadline_id})


def clock_line(clock: OpenClock) -> str:
    overdue = " — *overdue*" if clock.state == "missed" else ""
    return (f"*{escape(clock.title)}* ({escape(clock.article)}): due "
            f"{slack_date(clock.due_at)}{overdue}, {escape(clock.within)} from "
            f"{slack_date(clock.starts_at)}. To {escape(clock.to)}.")


def clock_actions(incident_id: int, clock: OpenClock, *, draft: bool = True,
                  snooze: bool = False) -> ActionsBlock:
    value = encode(incident_id, clock.deadline_id)
    buttons = []
    if draft:
        buttons.append(ButtonElement(text=plain("Draft report"), action_id=Action.REPORT_DRAFT,
                                     value=value))
    buttons.append(ButtonElement(
        text=plain("Mark as submitted"), action_id=Action.REPORT_SUBMITTED, value=value,
        style="primary", confirm=ConfirmObject(
            title="Mark as submitted?",
            text=f"Records that the {clock.title} reached the authority now, and stops its "
            "clock.", confirm="Mark as submitted", deny="Not yet")))
    if clock.initial_allowed:
        buttons.append(ButtonElement(
            text=plain("Mark initial report submitted"),
            action_id=Action.REPORT_SUBMITTED_INITIAL, value=value, confirm=ConfirmObject(
                title="Initial report submitted?",
                text=f"Records an initial, incomplete {clock.title} as submitted now. Its "
                "clock stops and the complete report's clock starts.",
                confirm="Mark initial report", deny="Not yet")))
    if snooze:
        buttons.append(ButtonElement(text=plain("Snooze reminders…"),
                                     action_id=Action.REPORT_SNOOZE, value=value))
    return ActionsBlock(block_id=f"clock-{clock.deadline_id}", elements=buttons)


def assessment_headline(*, by: str | None, at: datetime, reportable: bool,
                        findings: Sequence[str], duties: str) -> str:
    if not reportable:
        return (f":scales: {user(by)} assessed this incident as *not reportable* under "
                f"{escape(duties)} ({slack_date(at)}): no report is owed. Assess again if the "
                "facts change.")
    return (f":scales: {user(by)} assessed this incident as *reportable*; the moment of "
            f"awareness is {slack_date(at)}. Found: {escape('; '.join(findings))}.")


def change_lines(changes: Sequence[Mapping[str, Any]], titles: Mapping[str, str]) -> list[str]:
    lines = []
    for change in changes:
        title = escape(titles.get(change["report"], change["report"]))
        due = slack_date(datetime.fromisoformat(change["due_at"]))
        match change["change"]:
            case "started":
                lines.append(f"• Started: *{title}*, due {due} ({escape(change['article'])})")
            case "moved":
                before = slack_date(datetime.fromisoformat(change["previous_due_at"]))
                lines.append(f"• Moved: *{title}* now due {due}, was {before} "
                             f"({escape(change['article'])})")
            case _:
                lines.append(f"• Stopped: *{title}* no longer applies")
    return lines


def clocks_message(*, incident_id: int, headline: str, changes: Sequence[str],
                   clocks: Sequence[OpenClock]) -> tuple[str, list[Block]]:
    """What an assessment or a submission did, and every report still owed, with its
    buttons."""
    text = headline + ("\n" + "\n".join(changes) if changes else "")
    blocks: list[Block] = [SectionBlock(text=md(text))]
    for clock in clocks[:15]:
        blocks += [SectionBlock(text=md(clock_line(clock))), clock_actions(incident_id, clock)]
    blocks.append(ContextBlock(elements=[md(
        "Reports still owed: " + (str(len(clocks)) if clocks else "none")
        + ". Each is reminded before it is due; snoozing a reminder asks for a reason. "
        "`/incident status` lists them.")]))
    return _fallback(headline), blocks


def reminder(*, incident_id: int, clock: OpenClock, stage: str, mentions: Sequence[str]
             ) -> tuple[str, list[Block]]:
    """A report's reminder or overdue escalation, with its buttons."""
    who = "".join(f"{user(u)} " for u in mentions)
    title, due = escape(clock.title), slack_date(clock.due_at)
    match Stage(stage):
        case Stage.REMINDER:
            head = f":alarm_clock: {who}Reminder: *{title}* ({escape(clock.article)}) is due {due}."
        case Stage.ESCALATION:
            head = (f":rotating_light: {who}*Overdue:* {title} ({escape(clock.article)}) was "
                    f"due {due} and is not recorded as submitted.")
        case _:
            head = f":rotating_light: {who}*Still overdue:* {title} was due {due}."
    blocks: list[Block] = [
        SectionBlock(text=md(f"{head}\nSubmit it to {escape(clock.to)}. Draft report posts a "
                             "draft filled from the incident.")),
        ContextBlock(elements=[md(f"Incident #{incident_id} · report clock {clock.deadline_id}"
                                  " · Mark as submitted stops the clock; snoozing only delays "
                                  "reminders")]),
        clock_actions(incident_id, clock, snooze=True),
    ]
    return _fallback(head), blocks


def draft_message(*, incident_id: int, clock: OpenClock | None, title: str, article: str,
                  by: str | None, text: str) -> tuple[str, list[Block]]:
    """A drafted report posted for the team: what to do with it, the text, and the buttons
    while its clock runs."""
    head = (f":page_facing_up: Draft *{escape(title)}* ({escape(article)}) by {user(by)}: "
            "complete the lines marked `[to fill: …]`, send it, then mark it submitted.")
    if clock is not None:
        head += f" Due {slack_date(clock.due_at)}."
    blocks: list[Block] = [SectionBlock(text=md(head))]
    blocks += [SectionBlock(text=md(f"```{chunk}```")) for chunk in code_chunks(escape(text))]
    if clock is not None:
        blocks.append(clock_actions(incident_id, clock, draft=False))
    return f"Draft {title} for incident #{incident_id}", blocks


def status_lines(*, assessment: Any, clocks: Sequence[OpenClock], duties: str) -> str:
    """For `/incident status`: how reportability stands, and each report still owed."""
    if assessment is None:
        head = (f"Not assessed yet ({escape(duties)}): `/incident reportable` asks the "
                "questions and starts the clocks that apply.")
    else:
        verdict = "reportable" if assessment.reportable else "not reportable"
        head = (f"Assessed *{verdict}* by {user(assessment.assessed_by)} "
                f"{slack_date(assessment.assessed_at)} ({escape(duties)}).")
    lines = [f"• {clock_line(clock)}" for clock in clocks]
    return "\n".join(["*Reportability*", head, *lines])


def settle(blocks: list[dict[str, Any]], deadline_id: int, note: str) -> list[dict[str, Any]]:
    """The message as it was, that clock's buttons replaced by what someone did."""
    key = f"clock-{deadline_id}"
    return [ContextBlock(elements=[md(note)]).to_dict() if b.get("block_id") == key else b
            for b in blocks]


def _fallback(text: str) -> str:
    return text.replace("*", "")
