"""Block Kit element lookup and the value shapes Slack sends for each element type.

Shared by the actor's block_actions (actions[...]) and view_submission (view.state.values).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

_MISSING = object()
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_ONE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
_MANY_OPTIONS = {"multi_static_select", "multi_external_select", "checkboxes"}
# element type → (state key, initial_* key)
_SELECTED = {
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}


def interactive_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(block_id, element) for every element a person can act on, in display order."""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        kind = block.get("type")
        if kind == "actions":
            for element in block.get("elements") or []:
                yield block_id, element
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block_id, block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), dict):
            yield block_id, block["element"]


def find_element(
    blocks: list[dict[str, Any]],
    action_id: str,
    *,
    block_id: str | None = None,
    value: Any = None,
) -> tuple[str, dict[str, Any]]:
    """The element to act on; `value` picks among buttons sharing an action_id."""
    matches = [
        (bid, el)
        for bid, el in interactive_elements(blocks)
        if el.get("action_id") == action_id and block_id in (None, bid)
    ]
    if len(matches) > 1 and value is not None:
        by_value = [(bid, el) for bid, el in matches if el.get("value") == value]
        matches = by_value or matches
    if not matches:
        available = sorted({str(el.get("action_id")) for _, el in interactive_elements(blocks)})
        raise LookupError(f"no element with action_id {action_id!r}; available: {available}")
    if len(matches) > 1:
        raise LookupError(
            f"action_id {action_id!r} is in blocks {[bid for bid, _ in matches]}; "
            "pass block_id or the button's value"
        )
    return matches[0]


def _options(element: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from element.get("options") or []
    for group in element.get("option_groups") or []:
        yield from group.get("options") or []


def option_for(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The option object whose value matches (external selects get a synthesized one)."""
    if isinstance(value, dict):
        return value
    if element.get("type") in ("external_select", "multi_external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    for option in _options(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    values = [o.get("value") for o in _options(element)]
    raise LookupError(f"option {value!r} not in {element.get('action_id')!r}; choose from {values}")


def state_entry(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """What Slack reports for `element` set to `value` (plain Python value)."""
    kind = str(element.get("type"))
    entry: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        entry["value"] = None if value is None else str(value)
    elif kind in _ONE_OPTION:
        entry["selected_option"] = None if value is None else option_for(element, value)
    elif kind in _MANY_OPTIONS:
        values = [] if value is None else value if isinstance(value, list) else [value]
        entry["selected_options"] = [option_for(element, v) for v in values]
    elif kind in _SELECTED:
        key = _SELECTED[kind][0]
        many = kind.startswith("multi_")
        if many and value is not None and not isinstance(value, list):
            value = [value]
        entry[key] = ([] if many else None) if value is None else value
    elif kind == "rich_text_input":
        entry["rich_text_value"] = (
            None
            if value is None
            else {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [{"type": "text", "text": str(value)}],
                    }
                ],
            }
        )
    else:
        entry["value"] = value
    return entry


def initial_entry(element: dict[str, Any]) -> dict[str, Any]:
    """The state of an element nobody touched: its initial_* value, or empty."""
    kind = str(element.get("type"))
    if kind in _TEXT_INPUTS:
        return state_entry(element, element.get("initial_value"))
    if kind in _ONE_OPTION:
        return {"type": kind, "selected_option": copy.deepcopy(element.get("initial_option"))}
    if kind in _MANY_OPTIONS:
        return {"type": kind, "selected_options": copy.deepcopy(element.get("initial_options", []))}
    if kind in _SELECTED:
        key, initial = _SELECTED[kind]
        default = [] if kind.startswith("multi_") else None
        return {"type": kind, key: copy.deepcopy(element.get(initial, default))}
    return state_entry(element, None)


def is_empty(entry: dict[str, Any]) -> bool:
    return all(v in (None, "", [], {}) for k, v in entry.items() if k != "type")


def view_state(
    view: dict[str, Any], values: dict[str, Any], previous: dict[str, Any]
) -> dict[str, Any]:
    """state.values for a submission: given values over earlier state over initial values.

    `values` maps block_id → {action_id: value}, or block_id → value when the block holds
    one element. Raises ValueError where Slack's client would refuse to submit.
    """
    state: dict[str, Any] = copy.deepcopy(previous)
    inputs = {
        str(block.get("block_id")): (block, block["element"])
        for block in view.get("blocks") or []
        if block.get("type") == "input" and isinstance(block.get("element"), dict)
    }
    unknown = set(values) - set(inputs)
    if unknown:
        raise LookupError(f"no input blocks {sorted(unknown)}; the view has {sorted(inputs)}")
    for block_id, (block, element) in inputs.items():
        action_id = str(element.get("action_id"))
        given = values.get(block_id, _MISSING)
        if isinstance(given, dict) and action_id in given:
            given = given[action_id]
        if given is not _MISSING:
            entry = state_entry(element, given)
        else:
            entry = state.get(block_id, {}).get(action_id) or initial_entry(element)
        if is_empty(entry) and not block.get("optional"):
            raise ValueError(f"input {block_id!r} is required and empty; Slack would not submit")
        state[block_id] = {action_id: entry}
    return state


def action_entry(
    block_id: str, element: dict[str, Any], value: Any, action_ts: str
) -> dict[str, Any]:
    """One item of a block_actions payload's `actions`."""
    kind = element.get("type")
    action: dict[str, Any] = {"action_id": element.get("action_id"), "block_id": block_id}
    if kind == "button":
        action.update(type="button", text=copy.deepcopy(element.get("text")))
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
    else:
        action.update(state_entry(element, value))
    action["action_ts"] = action_ts
    return action
