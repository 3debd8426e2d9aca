"""The lifecycle's forms: declare (and the offer to join the system's open incident instead),
resolve, assign a role, add a note."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DateTimePickerElement,
    InputBlock,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.blocks.common import md, modal, option, plain, severity_options
from bot.slack.ids import VALUE, Field, ViewId
from bot.slack.mrkdwn import escape
from incidents.types import ROOT_CAUSE_CATEGORIES, Role, Severity


def _long_text(block_id: str, label: str, *, max_length: int, placeholder: str,
               initial: str | None = None) -> InputBlock:
    """An optional multi-line text input."""
    return InputBlock(
        block_id=block_id, label=plain(label), optional=True,
        element=PlainTextInputElement(
            action_id=VALUE, multiline=True, max_length=max_length,
            initial_value=(initial or "")[:max_length] or None, placeholder=plain(placeholder)),
    )


def declare_modal(
    *, title: str, systems: Sequence[tuple[str, str]], origin_channel: str | None
) -> View:
    """`systems` are (key, label) pairs from the catalog; without a catalog the key is typed."""
    if systems:
        system_input = StaticSelectElement(
            action_id=VALUE,
            placeholder=plain("Choose the AI system"),
            options=[option(label, key) for key, label in systems[:100]],
        )
    else:
        system_input = PlainTextInputElement(action_id=VALUE, placeholder=plain("fraud-detector"))
    sev3 = Severity.SEV3
    return modal(
        ViewId.DECLARE,
        "Declare an incident",
        "Declare",
        [
            InputBlock(
                block_id=Field.TITLE,
                label=plain("Title"),
                element=PlainTextInputElement(
                    action_id=VALUE, initial_value=title[:150] or None, max_length=150,
                    placeholder=plain("Fraud flag rate jumped to 40%"),
                ),
            ),
            InputBlock(block_id=Field.SYSTEM, label=plain("AI system"), element=system_input),
            InputBlock(
                block_id=Field.SEVERITY,
                label=plain("Severity"),
                element=RadioButtonsElement(
                    action_id=VALUE,
                    options=severity_options(),
                    initial_option=option(f"Sev{sev3.value}", str(sev3.value), sev3.meaning),
                ),
            ),
            _long_text(Field.DESCRIPTION, "Description", max_length=2500,
                       placeholder="What is wrong, since when, who is affected"),
            InputBlock(
                block_id=Field.IMPACT_STARTED,
                label=plain("When did the impact begin?"),
                hint=plain("If you know it: time to detect runs from then to now. You can "
                           "also set it later with /incident started."),
                optional=True,
                element=DateTimePickerElement(action_id=VALUE),
            ),
            InputBlock(
                block_id=Field.PRIVATE,
                label=plain("Channel"),
                optional=True,
                element=CheckboxesElement(
                    action_id=VALUE, options=[option("Private channel", "private")]
                ),
            ),
        ],
        {"origin_channel": origin_channel},
    )


def resolve_modal(*, incident_id: int, title: str, summary: str | None = None,
                  category: str | None = None, root_cause: str | None = None) -> View:
    """Pre-filled with what is already recorded (`/incident rootcause`, an earlier
    resolution), so resolving never asks twice or quietly drops it."""
    categories = [option(label, key) for key, label in ROOT_CAUSE_CATEGORIES.items()]
    chosen = next((o for o in categories if o.value == category), None)
    return modal(
        ViewId.RESOLVE,
        "Resolve incident",
        "Resolve",
        [
            SectionBlock(text=md(f"*Incident #{incident_id}:* {escape(title)}")),
            InputBlock(
                block_id=Field.SUMMARY,
                label=plain("Resolution summary"),
                element=PlainTextInputElement(
                    action_id=VALUE, max_length=300, initial_value=(summary or "")[:300] or None,
                    placeholder=plain("Rolled back to model v41; flag rate back to 2%"),
                ),
            ),
            InputBlock(
                block_id=Field.ROOT_CAUSE_CATEGORY,
                label=plain("Root cause category"),
                optional=True,
                element=StaticSelectElement(
                    action_id=VALUE,
                    placeholder=plain("Choose a category"),
                    options=categories,
                    initial_option=chosen,
                ),
            ),
            _long_text(Field.ROOT_CAUSE, "Root cause: what allowed it to happen",
                       max_length=1000, initial=root_cause,
                       placeholder="No validation of the merchant feed before scoring"),
        ],
        {"incident_id": incident_id},
    )


def assign_modal(*, incident_id: int, role: str | None = None) -> View:
    roles = [option(r.capitalize(), r, r.purpose[:75]) for r in Role]
    initial = next((o for o in roles if o.value == role), None)
    return modal(
        ViewId.ASSIGN,
        "Assign a role",
        "Assign",
        [
            InputBlock(
                block_id=Field.ROLE,
                label=plain("Role"),
                element=StaticSelectElement(
                    action_id=VALUE, options=roles, initial_option=initial,
                    placeholder=plain("Choose a role"),
                ),
            ),
            InputBlock(
                block_id=Field.USER,
                label=plain("Person"),
                element=UserSelectElement(action_id=VALUE, placeholder=plain("Choose a person")),
            ),
        ],
        {"incident_id": incident_id},
    )


def note_modal(*, incident_id: int) -> View:
    return modal(
        ViewId.NOTE,
        "Add a note",
        "Add note",
        [
            InputBlock(
                block_id=Field.NOTE,
                label=plain("Note for the timeline"),
                element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=2500),
            )
        ],
        {"incident_id": incident_id},
    )


def already_open_modal(*, system: str, incident_id: int, title: str, severity: int,
                       status: str, channel: str | None, declared: dict) -> View:
    """Declaring for a system that already has an open incident: offer to join that one
    (one incident per system, as alerts do), or open a separate one on purpose."""
    where = f" in <#{channel}>" if channel else ""
    return modal(
        ViewId.DECLARE_OPEN_ONE,
        "Already open",
        f"Join incident #{incident_id}",
        [
            SectionBlock(text=md(
                f"*{escape(system)}* already has an open incident: *#{incident_id} "
                f"{escape(title)}* (Sev{severity}, {escape(status)}){where}.\n"
                f"*Join incident #{incident_id}* adds you to its channel, so the work stays in "
                "one place.")),
            InputBlock(
                block_id=Field.SEPARATE,
                label=plain("Or"),
                optional=True,
                element=CheckboxesElement(action_id=VALUE, options=[
                    option("Open a separate incident instead", "separate")]),
            ),
        ],
        {"incident": incident_id, "declared": declared},
    )
