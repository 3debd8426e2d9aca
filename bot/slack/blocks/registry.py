"""The model registry in Slack: the rollback form (which earlier version, what will be
preserved), the result of undoing a rollback, the summary's model field and the buttons
under a registry rollback's result. Builders take data, never a session."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ContextBlock, InputBlock, SectionBlock
from slack_sdk.models.blocks.basic_components import ConfirmObject
from slack_sdk.models.blocks.block_elements import ButtonElement, StaticSelectElement
from slack_sdk.models.views import View

from bot.slack.blocks.common import md, modal, option, plain, slack_date
from bot.slack.ids import VALUE, Action, Field, ViewId, encode
from bot.slack.mrkdwn import escape, truncate, user
from incidents.models import TimelineEvent
from incidents.registry import policy as registry


def _modal(*, incident_id: int, blocks: list[Block], submit: str | None = None,
           metadata: dict | None = None) -> View:
    return modal(ViewId.MODEL_ROLLBACK, "Roll back the model", submit, blocks,
                 {"incident_id": incident_id, **(metadata or {})})


def rollback_reading(*, incident_id: int, system_label: str, model: str, host: str) -> View:
    """Opened at once (a trigger lasts 3 seconds); replaced when the registry has answered."""
    return _modal(incident_id=incident_id, blocks=[SectionBlock(text=md(
        f"*{escape(system_label)}*: reading the versions of *{escape(model)}* from the model "
        f"registry at {escape(host)}…"))])


def rollback_unavailable(*, incident_id: int, system_label: str, reason: str) -> View:
    return _modal(incident_id=incident_id, blocks=[SectionBlock(text=md(
        f"*{escape(system_label)}*: the model cannot be rolled back from here: "
        f"{escape(reason)}\nNothing was changed."))])


def rollback_form(
    *,
    incident_id: int,
    system_label: str,
    state: registry.RegistryState,
    serving_text: str,
    preserved: str | None,
) -> View:
    """Choose the version to return to (the one served before is preselected)."""
    earlier = registry.earlier_versions(state)
    default = registry.default_target(state)
    options = [option(truncate(registry.version_label(v), 75), str(v.number),
                      truncate(v.description, 75) if v.description else None) for v in earlier]
    chosen = next((o for o, v in zip(options, earlier, strict=True) if v == default), None)
    blocks: list[Block] = [
        SectionBlock(text=md(
            f"*{escape(system_label)}*: the alias *{escape(state.alias)}* of "
            f"*{escape(state.name)}* points at *v{state.serving}*, "
            f"{escape(serving_text.removeprefix(f'v{state.serving} '))}.")),
        InputBlock(
            block_id=Field.MODEL_VERSION,
            label=plain("Roll back to version"),
            element=StaticSelectElement(action_id=VALUE, options=options,
                                        initial_option=chosen,
                                        placeholder=plain("Choose an earlier version")),
            hint=plain("Earlier versions, newest first, with when each was registered and "
                       "(where the bot or a pipeline recorded it) promoted.", 150),
        ),
        ContextBlock(elements=[md(
            f"On *Roll back* the bot moves *{escape(state.alias)}* to the version you chose in "
            f"the model registry at {escape(state.host)}, tags that version with the time, "
            f"records v{state.serving} and the new version in the timeline and offers *Undo "
            "rollback* here.")]),
    ]
    if preserved:
        blocks.append(ContextBlock(elements=[md(f":lock: {escape(preserved)}")]))
    return _modal(incident_id=incident_id, blocks=blocks, submit="Roll back",
                  metadata={"from_version": state.serving})


def serving_field(model: dict | None) -> str | None:
    """The summary's "Model" field: "v42 (champion), promoted <date>"."""
    if not model or model.get("version") is None:
        return None
    text = f"{escape(model['name'])} *v{model['version']}* ({escape(model['alias'])})"
    since = datetime.fromisoformat(model["since"]) if model.get("since") else None
    when = f" {slack_date(since)}" if since else ""
    if model.get("how") == "rollback":
        return f"{text}, rolled back from v{model.get('previous')}{when}"
    if model.get("how") == "undo":
        return f"{text}, back from v{model.get('previous')}{when} (rollback undone)"
    if since is None:
        return text
    if model.get("exact"):
        return f"{text}, promoted{when}"
    return f"{text}, registered{when} (when it was promoted is not recorded)"


def rollback_buttons(event: TimelineEvent, *, undone: bool) -> list[ButtonElement]:
    """Under a registry rollback's result: Undo after a success, Retry after a failure."""
    data = event.data or {}
    change = data.get("change")
    parameters = data.get("parameters") or {}
    if data.get("ok"):
        if undone or parameters.get("from_version") is None:
            return []
        back = f"v{parameters['from_version']}"
        return [ButtonElement(
            text=plain("Undo rollback"), action_id=Action.MODEL_UNDO,
            value=encode(event.incident_id, change),
            confirm=ConfirmObject(
                title="Undo the rollback?",
                text=truncate(f"Moves {parameters.get('alias')} of {parameters.get('model')} "
                              f"back to {back} in the model registry and records it in the "
                              "timeline.", 300),
                confirm="Undo rollback", deny="Cancel"),
        )]
    return [ButtonElement(
        text=plain("Retry"), action_id=Action.MODEL_RETRY, style="primary",
        value=encode(event.incident_id, change),
        confirm=ConfirmObject(
            title="Retry the rollback?",
            text=truncate(f"Moves {parameters.get('alias')} of {parameters.get('model')} to "
                          f"v{parameters.get('to_version')} in the model registry.", 300),
            confirm="Retry", deny="Cancel"),
    )]


def undo_result_blocks(event: TimelineEvent) -> tuple[str, list[Block]]:
    data = event.data or {}
    who = user(event.actor, none="someone")
    what = escape(data.get("what") or "Undo the rollback")
    if data.get("ok"):
        verdict = f":leftwards_arrow_with_hook: *{what}*: done " \
            f"({escape(data.get('detail', ''))}), asked by {who}"
    else:
        verdict = f":x: *{what}* *failed*: " \
            f"{escape(data.get('detail', ''))}. Asked by {who}; the alias was not moved."
    blocks: list[Block] = [SectionBlock(text=md(verdict))]
    if not data.get("ok"):
        blocks.append(ActionsBlock(block_id=f"model-undo-{event.id}", elements=[ButtonElement(
            text=plain("Try the undo again"), action_id=Action.MODEL_RETRY, style="primary",
            value=encode(event.incident_id, data.get("change")))]))
    blocks.append(ContextBlock(elements=[md(slack_date(event.occurred_at))]))
    return f"Rollback undo: {'done' if data.get('ok') else 'failed'}", blocks
