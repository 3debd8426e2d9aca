"""views.* methods and the modal stack they share with view_submission responses."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.sandbox.api_chat import with_block_ids
from bot.sandbox.blockkit_limits import view_errors
from bot.sandbox.models import Trigger, View
from bot.sandbox.params import Params, SlackError

if TYPE_CHECKING:
    from bot.sandbox.workspace import Workspace

MAX_STACK = 3
MAX_VIEW_BYTES = 250_000


def checked_view(ws: Workspace, raw: Any, *, kind: str, replacing: View | None = None) -> dict:
    """The view payload if Slack would accept it; raises invalid_arguments like Slack."""
    if raw is None:
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] missing required field: view"]},
        )
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_arguments") from None
    if len(json.dumps(raw)) > MAX_VIEW_BYTES:
        raise SlackError("view_too_large")
    errors = view_errors(raw)
    if not errors and raw.get("type") != kind:
        errors = ["must be a valid enum value [json-pointer:/view/type]"]
    if errors:
        raise SlackError(
            "invalid_arguments", response_metadata={"messages": [f"[ERROR] {e}" for e in errors]}
        )
    raw = {**raw, "blocks": with_block_ids(raw.get("blocks") or [])}
    external_id = raw.get("external_id")
    if external_id:
        for view in ws.views.values():
            if view.external_id == external_id and view is not replacing and not view.closed:
                raise SlackError("duplicate_external_id")
    return raw


def _new_hash(ws: Workspace) -> str:
    return f"{int(ws.now())}.{ws.new_id('h')[1:]}"


def _trigger(ws: Workspace, p: Params) -> Trigger:
    """The unused, unexpired trigger named by trigger_id (or interactivity_pointer)."""
    trigger_id = p.str("trigger_id") or p.str("interactivity_pointer")
    trigger = ws.triggers.get(trigger_id)
    if trigger is None:
        raise SlackError("invalid_trigger_id")
    if trigger.exchanged:
        raise SlackError("exchanged_trigger_id")
    if ws.trigger_ttl is not None and ws.now() - trigger.issued > ws.trigger_ttl:
        raise SlackError("expired_trigger_id")
    return trigger


def _api(ws: Workspace, view: View) -> dict[str, Any]:
    return {"view": view.to_api(team_id=ws.team_id, app_id=ws.app_id, bot_id=ws.bot.bot_id or "")}


def push_view(ws: Workspace, user: str, payload: dict, *, root: bool = False) -> View:
    """Open `payload` on top of the user's modal stack (or as a new stack)."""
    if root and ws.view_stacks.get(user):
        close_views(ws, ws.views[ws.view_stacks[user][0]], clear=True)
    stack = ws.view_stacks.setdefault(user, [])
    view_id = ws.new_id("V")
    view = View(
        id=view_id,
        user=user,
        payload=payload,
        hash=_new_hash(ws),
        root_view_id=stack[0] if stack else view_id,
        previous_view_id=stack[-1] if stack else None,
    )
    ws.views[view.id] = view
    stack.append(view.id)
    ws.emit("view_opened", view_id=view.id, user=user, depth=len(stack), view=payload)
    return view


def replace_view(ws: Workspace, view: View, payload: dict) -> View:
    view.payload, view.hash, view.errors = payload, _new_hash(ws), None
    ws.emit("view_updated", view_id=view.id, user=view.user, view=payload)
    return view


def close_views(ws: Workspace, view: View, *, clear: bool = False) -> list[View]:
    """Close `view` and everything above it (or the whole stack with clear)."""
    stack = ws.view_stacks.get(view.user, [])
    if view.id not in stack:
        return []
    start = 0 if clear else stack.index(view.id)
    closed = [ws.views[v] for v in stack[start:]]
    del stack[start:]
    for item in closed:
        item.closed = True
        ws.emit("view_closed", view_id=item.id, user=item.user)
    return closed


def views_open(ws: Workspace, p: Params) -> dict[str, Any]:
    trigger = _trigger(ws, p)
    payload = checked_view(ws, p.values.get("view"), kind="modal")
    trigger.exchanged = True
    return _api(ws, push_view(ws, trigger.user, payload, root=True))


def views_push(ws: Workspace, p: Params) -> dict[str, Any]:
    trigger = _trigger(ws, p)
    payload = checked_view(ws, p.values.get("view"), kind="modal")
    stack = ws.view_stacks.get(trigger.user) or []
    if not stack:
        raise SlackError("not_found")
    if len(stack) >= MAX_STACK:
        raise SlackError("push_limit_reached")
    trigger.exchanged = True
    return _api(ws, push_view(ws, trigger.user, payload))


def _find_view(ws: Workspace, p: Params) -> View:
    view_id, external_id = p.str("view_id"), p.str("external_id")
    for view in ws.views.values():
        if view.closed:
            continue
        if (view_id and view.id == view_id) or (
            not view_id and external_id and view.external_id == external_id
        ):
            return view
    raise SlackError("not_found")


def views_update(ws: Workspace, p: Params) -> dict[str, Any]:
    view = _find_view(ws, p)
    if "hash" in p and p.str("hash") != view.hash:
        raise SlackError("hash_conflict")
    payload = checked_view(ws, p.values.get("view"), kind=view.type, replacing=view)
    return _api(ws, replace_view(ws, view, payload))


def views_publish(ws: Workspace, p: Params) -> dict[str, Any]:
    user = ws.user(p.required("user_id", "invalid_arguments"), "invalid_arguments").id
    current = ws.home_view(user)
    if current is not None and "hash" in p and p.str("hash") != current.hash:
        raise SlackError("hash_conflict")
    payload = checked_view(ws, p.values.get("view"), kind="home", replacing=current)
    if current is not None:
        return _api(ws, replace_view(ws, current, payload))
    view_id = ws.new_id("V")
    view = View(id=view_id, user=user, payload=payload, hash=_new_hash(ws), root_view_id=view_id)
    ws.views[view_id] = view
    ws.home_views[user] = view_id
    ws.emit("home_published", view_id=view_id, user=user, view=payload)
    return _api(ws, view)


METHODS = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
