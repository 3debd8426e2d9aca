"""Client communication in Slack: the draft forms, the drafts posted for the comms lead,
the follow-up confirmations and the offer to draft the resolution notification."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DateTimePickerElement,
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.blocks.common import md, modal, option, plain, slack_date
from bot.slack.ids import VALUE, Action, ViewId, encode
from bot.slack.mrkdwn import escape, user
from incidents.comms.form import OPTIONAL
from incidents.comms.models import Notification
from incidents.comms.notifications import FIELDS, NotificationKind, SentVia
from incidents.review.models import FollowUp

SECTION_TEXT = 2900  # a section holds 3000 characters; leave room for the code fence


# (label, multiline, placeholder) for each form field; next_update_at is a picker. Which
# fields may stay empty is the core's rule (incidents/comms/form.py).
SPECS: dict[str, tuple[str, bool, str | None]] = {
    "recipient": ("To", False, "Name <email> of the client contact"),
    "system": ("AI system", False, None),
    "business_impact": ("Business impact, in the client's terms", True,
                        "Accuracy 85% → 62%: about 1 in 4 at-risk customers is missed"),
    "actions": ("What we are doing", True, None),
    "mitigation": ("Mitigation in place", True, "Switched to the rule-based fallback"),
    "next_update_at": ("Next update by", False, None),
    "our_contact": ("Our contact for questions", False, "Name and phone number"),
    "root_cause": ("Root cause (what we know so far)", True, None),
    "current_status": ("Current status: what is fixed, what remains", True, None),
    "expected_resolution": ("Expected resolution", False, "Within 4 hours"),
    "client_action": ("Action needed from the client", True, None),
    "resolution": ("What we fixed", True, None),
    "current_performance": ("Current performance", True, "Flag rate back to 2.1%"),
    "key_events": ("What happened, in short (times in UTC)", True, None),
    "review_within": ("Review findings shared within", False, None),
}
CHOOSABLE = (NotificationKind.INITIAL, NotificationKind.RESOLUTION)


def _input(name: str, value: Any) -> InputBlock:
    label, multiline, placeholder = SPECS[name]
    if name == "next_update_at":
        element = DateTimePickerElement(
            action_id=VALUE,
            initial_date_time=int(value.timestamp()) if isinstance(value, datetime) else None,
        )
    else:
        text = str(value or "")[:3000]
        element = PlainTextInputElement(
            action_id=VALUE, multiline=multiline, max_length=3000,
            initial_value=text or None,
            placeholder=plain(placeholder, 150) if placeholder else None,
        )
    return InputBlock(block_id=name, label=plain(label, 2000), element=element,
                      optional=name in OPTIONAL)


def notify_modal(*, incident_id: int, title: str, kind: NotificationKind,
                 values: dict[str, Any]) -> View:
    """A notification draft form, pre-filled; choosing the other kind re-fills it."""
    chooser = StaticSelectElement(
        action_id=Action.NOTIFICATION_KIND,
        options=[option(k.label, encode(incident_id, k)) for k in CHOOSABLE],
        initial_option=option(kind.label, encode(incident_id, kind)),
    )
    blocks: list[Block] = [
        SectionBlock(
            block_id="notification_kind",
            text=md(f"*Incident #{incident_id}:* {escape(title)}\nWhich notification?"),
            accessory=chooser,
        ),
        *(_input(name, values.get(name)) for name in FIELDS[kind]),
        ContextBlock(elements=[md(
            "Drafting sends nothing: the draft is posted in the incident channel for the comms "
            "lead to send and mark as sent."
        )]),
    ]
    return modal(ViewId.NOTIFY, "Draft notification", "Post draft", blocks,
                 {"incident_id": incident_id, "kind": str(kind)})


def status_update_modal(*, incident_id: int, title: str, values: dict[str, Any]) -> View:
    blocks: list[Block] = [
        SectionBlock(text=md(f"*Incident #{incident_id}:* {escape(title)}")),
        *(_input(name, values.get(name)) for name in FIELDS[NotificationKind.STATUS_UPDATE]),
        ContextBlock(elements=[md(
            "Posting records the update and makes the next update time the next status-update "
            "deadline."
        )]),
    ]
    return modal(ViewId.STATUS_UPDATE, "Status update", "Post update", blocks,
                 {"incident_id": incident_id})


def code_chunks(text: str) -> list[str]:
    """Text cut at line ends into pieces that fit a section with its code fence."""
    lines, chunks, current = text.splitlines() or [""], [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > SECTION_TEXT:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:SECTION_TEXT]
    chunks.append(current)
    return chunks[:20]


def draft_message(
    notification: Notification,
    *,
    client_channel: str | None,
    deadline_title: str | None = None,
    deadline_due: datetime | None = None,
) -> tuple[str, list[Block]]:
    """The draft as the comms lead sees it: who it is for, the text, and how to send it."""
    kind = NotificationKind(notification.kind)
    value = encode(notification.incident_id, notification.id)
    given = kind == NotificationKind.STATUS_UPDATE
    head = (f":loudspeaker: *{kind.label}* posted by {user(notification.drafted_by)}" if given
            else f":envelope: *{kind.label}* drafted by {user(notification.drafted_by)}, "
            "ready for the comms lead")
    facts = []
    if notification.recipient:
        facts.append(f"To: {escape(notification.recipient)}")
    if notification.next_update_at:
        facts.append(f"Next update promised by {slack_date(notification.next_update_at)}")
    if deadline_title and deadline_due and notification.sent_at is None and not given:
        facts.append(f"{escape(deadline_title)} due {slack_date(deadline_due)}")
    blocks: list[Block] = [SectionBlock(text=md(head))]
    if facts:
        blocks.append(ContextBlock(elements=[md(" · ".join(facts))]))
    blocks += [SectionBlock(text=md(f"```{chunk}```"))
               for chunk in code_chunks(escape(notification.text))]
    if notification.sent_at is not None:
        how = ("Sent to the client channel" if notification.sent_via == SentVia.CLIENT_CHANNEL
               else "Marked as sent")
        blocks.append(ContextBlock(elements=[md(
            f":white_check_mark: {how} by {user(notification.sent_by)} "
            f"{slack_date(notification.sent_at)}"
        )]))
    else:
        buttons = [ButtonElement(text=plain("Mark as sent"), action_id=Action.MARK_SENT,
                                 value=value, style="primary")]
        if client_channel:
            buttons.append(ButtonElement(
                text=plain("Send to client channel"), action_id=Action.SEND_TO_CLIENT,
                value=value,
                confirm=ConfirmObject(
                    title="Send to the client?",
                    text=f"This posts the {kind.label.lower()} in <#{client_channel}>, "
                    "which the client can read.",
                    confirm="Send", deny="Not yet",
                ),
            ))
        blocks.append(ActionsBlock(block_id=f"notification-{notification.id}",
                                   elements=buttons))
    return f"{kind.label} for incident #{notification.incident_id}", blocks


def client_message(notification: Notification) -> tuple[str, list[Block]]:
    """What the client reads in their shared channel: the text, nothing internal."""
    text = escape(notification.text)
    return text[:3000], [SectionBlock(text=md(chunk)) for chunk in code_chunks(text)]


def followup_message(item: FollowUp, *, done: bool) -> tuple[str, list[Block]]:
    owner = f"owner {user(item.owner)}" if item.owner else "no owner yet"
    due = f" · due {item.due_at:%Y-%m-%d}" if item.due_at else ""
    if done:
        text = f":ballot_box_with_check: Follow-up #{item.id} done: {escape(item.text)}"
    else:
        text = (f":clipboard: Follow-up #{item.id} recorded for the review: "
                f"{escape(item.text)} ({owner}{due})")
    return text, [SectionBlock(text=md(text))]


def resolution_offer(incident_id: int) -> ActionsBlock:
    """Under the "resolved" announcement: the client hears it is over, with the cause."""
    return ActionsBlock(
        block_id=f"resolution-offer-{incident_id}",
        elements=[ButtonElement(
            text=plain("Draft resolution notification"),
            action_id=Action.DRAFT_NOTIFICATION,
            value=encode(incident_id, NotificationKind.RESOLUTION),
            style="primary",
        )],
    )
