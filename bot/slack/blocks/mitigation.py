"""The mitigation menu, the threshold form and the message that reports a mitigation."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    InputBlock,
    NumberInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.blocks.common import md, modal, plain, slack_date
from bot.slack.blocks.registry import rollback_buttons
from bot.slack.ids import VALUE, Action, Field, ViewId, encode
from bot.slack.mrkdwn import escape, truncate, user
from incidents.models import TimelineEvent
from incidents.triage.mitigation import THRESHOLD_TRADE_OFF, Mitigation, describe
from incidents.types import Status


def _how(target: str | None) -> str:
    if target:
        return f"Automated: the bot calls the system's {escape(target)} endpoint and reports " \
            "the result here."
    return "Not automated for this system: do it by hand, then confirm to record it " \
        "(with your name) as a manual step."


def _confirm(mitigation: Mitigation, target: str | None, preserved: bool) -> ConfirmObject:
    action = f"call {target}" if target else "record it as a manual step done by you"
    first = f" Before {'the call' if target else 'recording it'} the bot preserves the " \
        "evidence (EU AI Act Art. 73(6)): the model registry's versions, the latest drift " \
        "report, the alerts and the catalog entry, as one file in this channel." \
        if preserved else ""
    return ConfirmObject(
        title=truncate(f"{mitigation.label}?", 100),
        text=truncate(f"{mitigation.title}. This will {action}.{first}", 300),
        confirm="Go ahead",
        deny="Cancel",
    )


def menu_blocks(
    *, incident_id: int, system_label: str, targets: dict[Mitigation, str | None],
    model_target: str | None = None, preserved: frozenset[Mitigation] = frozenset(),
) -> tuple[str, list[Block]]:
    """One section per mitigation; `targets` maps each to the host it calls, or None.
    `model_target` ("the alias champion of fraud-detector at mlflow.example"): rollback
    moves that registry alias through a form instead. `preserved`: mitigations that
    preserve the evidence before the bot changes the model."""
    blocks: list[Block] = [SectionBlock(text=md(
        f"*Mitigations for {escape(system_label)}*: immediate measures that reduce the impact "
        "while the diagnosis goes on. Each asks for confirmation."
    ))]
    for mitigation in Mitigation:
        target = targets.get(mitigation)
        is_threshold = mitigation == Mitigation.THRESHOLD
        # A form asks first: the threshold's value, or the registry version to return to.
        by_form = is_threshold or (mitigation == Mitigation.ROLLBACK and model_target)
        how = _how(target)
        if mitigation == Mitigation.ROLLBACK and model_target:
            how = f"Automated: choose the earlier version in the next step; the bot moves " \
                f"{escape(model_target)} and reports the result here."
        if mitigation in preserved:
            how += " :lock: The evidence is preserved first (EU AI Act Art. 73(6))."
        blocks.append(SectionBlock(
            block_id=f"mitigation-{mitigation}",
            text=md(f"*{mitigation.title}*\n{mitigation.when} {how}"
                    + (f"\n_{THRESHOLD_TRADE_OFF}_" if is_threshold else "")),
            accessory=ButtonElement(
                text=plain(f"{mitigation.label}…" if by_form else mitigation.label),
                action_id=Action.MITIGATE,
                value=encode(incident_id, mitigation),
                confirm=None if by_form else _confirm(mitigation, target,
                                                      mitigation in preserved),
            ),
        ))
    return f"Mitigations for {escape(system_label)}", blocks


def threshold_modal(*, incident_id: int, system_label: str, target: str | None,
                    preserved: str | None = None) -> View:
    """`preserved`: what the evidence snapshot before the call will hold, when one is."""
    more = [ContextBlock(elements=[md(f":lock: {escape(preserved)}")])] if preserved else []
    return modal(
        ViewId.THRESHOLD, "Adjust threshold", "Adjust",
        metadata={"incident_id": incident_id},
        blocks=[
            SectionBlock(text=md(
                f"*{escape(system_label)}*: adjust the prediction threshold.\n{THRESHOLD_TRADE_OFF}"
            )),
            InputBlock(
                block_id=Field.THRESHOLD,
                label=plain("New threshold"),
                element=NumberInputElement(action_id=VALUE, is_decimal_allowed=True,
                                           placeholder=plain("0.7")),
            ),
            InputBlock(
                block_id=Field.PREVIOUS_THRESHOLD,
                label=plain("Current threshold (to record the direction)"),
                optional=True,
                element=NumberInputElement(action_id=VALUE, is_decimal_allowed=True,
                                           placeholder=plain("0.5")),
            ),
            ContextBlock(elements=[md(_how(target))]),
            *more,
        ],
    )


def retry_value(incident_id: int, mitigation: Mitigation, parameters: dict) -> str:
    threshold, previous = parameters.get("threshold"), parameters.get("previous")
    return encode(incident_id, mitigation, "" if threshold is None else threshold,
                  "" if previous is None else previous)


def result_blocks(event: TimelineEvent, *, status: str,
                  undone: bool = False) -> tuple[str, list[Block]]:
    """What a mitigation did; after a failure Retry or Record as done by hand, after a
    success an offer to mark it mitigated (and, for a registry rollback not `undone` yet,
    Undo rollback)."""
    data = event.data or {}
    mitigation = Mitigation(data["action"])
    who = user(event.actor, none="someone")
    if data.get("manual"):
        icon, verdict = ":hammer_and_wrench:", f"recorded as a manual step done by {who}"
    elif data.get("ok"):
        icon, verdict = ":white_check_mark:", f"succeeded ({escape(data.get('detail', ''))}), " \
            f"asked by {who}"
    else:
        icon, verdict = ":x:", f"*failed*: {escape(data.get('detail', ''))}. Asked by {who}; " \
            "nothing was changed by the bot. Retry, or do it by hand and record it."
    via = f" via {escape(data['target'])}" if data.get("target") else ""
    attempt = f" (attempt {data['attempt']})" if data.get("attempt", 1) > 1 else ""
    what = describe(mitigation, data.get("parameters") or {})
    text = f"{icon} *{escape(what)}*{via}{attempt}: {verdict}"
    blocks: list[Block] = [SectionBlock(text=md(text))]
    # A registry rollback (incidents/registry/record.py) retries and undoes by its change.
    buttons = rollback_buttons(event, undone=undone) if data.get("change") else []
    if not data.get("ok"):
        if not data.get("change"):
            buttons.append(ButtonElement(
                text=plain("Retry"), action_id=Action.MITIGATE_RETRY, style="primary",
                value=retry_value(event.incident_id, mitigation, data.get("parameters") or {}),
            ))
        buttons.append(ButtonElement(
            text=plain("Record as done by hand"), action_id=Action.MITIGATE_BY_HAND,
            value=retry_value(event.incident_id, mitigation, data.get("parameters") or {}),
            confirm=ConfirmObject(
                title="Record as done by hand?",
                text=truncate(f"{describe(mitigation, data.get('parameters') or {})}: records "
                              "it in the timeline as a manual step done by you. The bot calls "
                              "nothing.", 300),
                confirm="Record it", deny="Cancel"),
        ))
    elif status in (Status.TRIAGE, Status.INVESTIGATING):
        buttons.append(ButtonElement(
            text=plain("Set status to mitigated"), action_id=Action.SET_STATUS,
            value=encode(event.incident_id, Status.MITIGATED), style="primary",
        ))
    if buttons:
        blocks.append(ActionsBlock(block_id=f"mitigation-result-{event.id}", elements=buttons))
    blocks.append(ContextBlock(elements=[md(slack_date(event.occurred_at))]))
    return f"{mitigation.title}: {'done' if data.get('ok') else 'failed'}", blocks
