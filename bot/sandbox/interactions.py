"""What Slack does with the bot's answers to interactions: response_url posts, slash-command
acknowledgements that carry a message, and view_submission response_actions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.sandbox.api_chat import validated_content
from bot.sandbox.api_views import MAX_STACK, checked_view, close_views, push_view, replace_view
from bot.sandbox.models import Ephemeral, ResponsePost, ResponseUrl, View
from bot.sandbox.params import SlackError

if TYPE_CHECKING:
    from bot.sandbox.workspace import Workspace

RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60


def post_to_response_url(ws: Workspace, url_id: str, payload: Any) -> tuple[int, dict[str, Any]]:
    """A POST to /sandbox/response/<id>: HTTP status and JSON answer."""
    url = ws.response_urls.get(url_id)
    if url is None:
        return 404, {"ok": False, "error": "invalid_url"}
    if ws.now() - url.created > RESPONSE_URL_LIFETIME:
        status, body = 404, {"ok": False, "error": "expired_url"}
    elif url.uses >= RESPONSE_URL_USES:
        status, body = 404, {"ok": False, "error": "used_url"}
    elif not isinstance(payload, dict):
        status, body = 400, {"ok": False, "error": "invalid_payload"}
    else:
        try:
            outcome = respond(ws, url, payload)
            url.uses += 1
            status, body = 200, {"ok": True}
        except SlackError as error:
            outcome, status, body = error.error, 400, error.body()
    ws.response_posts.append(
        ResponsePost(
            url_id,
            payload if isinstance(payload, dict) else {},
            status,
            body.get("error") or outcome,
        )
    )
    ws.emit("response_url_post", url_id=url_id, status=status, outcome=body.get("error") or outcome)
    return status, body


def respond(ws: Workspace, url: ResponseUrl, payload: dict[str, Any]) -> str:
    """Apply one response payload; returns what happened ("deleted", "replaced", …)."""
    if payload.get("delete_original") in (True, "true") and url.message_ts:
        _delete_original(ws, url)
        return "deleted"
    content = validated_content(payload)
    if payload.get("replace_original") in (True, "true") and url.message_ts:
        _replace_original(ws, url, content)
        return "replaced"
    thread_ts = payload.get("thread_ts")
    channel = ws.channels.get(url.channel)
    if payload.get("response_type") == "in_channel" and channel is not None:
        ws.bot_message(channel, thread_ts=thread_ts, **content)
        return "in_channel"
    ephemeral = Ephemeral(
        ts=ws.next_ts(),
        channel=url.channel,
        user=url.user,
        text=content.get("text", ""),
        blocks=content.get("blocks", []),
        thread_ts=thread_ts,
        source="response_url",
    )
    ws.ephemerals.append(ephemeral)
    ws.emit(
        "ephemeral_posted",
        channel=url.channel,
        user=url.user,
        ts=ephemeral.ts,
        message=ephemeral.to_api(),
    )
    return "ephemeral"


def _original_ephemeral(ws: Workspace, url: ResponseUrl) -> Ephemeral:
    for ephemeral in ws.ephemerals:
        if ephemeral.ts == url.message_ts and not ephemeral.deleted:
            return ephemeral
    raise SlackError("message_not_found")


def _delete_original(ws: Workspace, url: ResponseUrl) -> None:
    if url.ephemeral:
        _original_ephemeral(ws, url).deleted = True
        ws.emit("ephemeral_deleted", channel=url.channel, user=url.user, ts=url.message_ts)
        return
    channel = ws.channels[url.channel]
    message = ws.message(channel, url.message_ts or "")
    channel.messages.remove(message)
    ws.emit("message_deleted", channel=channel.id, ts=message.ts)


def _replace_original(ws: Workspace, url: ResponseUrl, content: dict[str, Any]) -> None:
    if url.ephemeral:
        ephemeral = _original_ephemeral(ws, url)
        ephemeral.text = content.get("text", "")
        ephemeral.blocks = content.get("blocks", [])
        ws.emit(
            "ephemeral_replaced",
            channel=url.channel,
            user=url.user,
            ts=ephemeral.ts,
            message=ephemeral.to_api(),
        )
        return
    message = ws.message(ws.channels[url.channel], url.message_ts or "")
    if message.bot_id != ws.bot.bot_id:
        raise SlackError("cant_update_message")
    message.text = content.get("text", "")
    message.blocks = content.get("blocks", [])
    message.edited = {"user": ws.bot.id, "ts": ws.next_ts()}
    ws.emit("message_updated", channel=message.channel, ts=message.ts, message=ws.render(message))


def apply_command_ack(ws: Workspace, url_id: str, status: int, body: str) -> str | None:
    """Slack shows a slash command's non-empty 200 answer to the user, like a response_url."""
    url = ws.response_urls[url_id]
    if status != 200:
        ws.emit("command_failed", channel=url.channel, user=url.user, status=status)
        return "failed"
    if not body.strip():
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        payload = {"text": body}
    if not isinstance(payload, dict):
        payload = {"text": body}
    try:
        return respond(ws, url, payload)
    except SlackError as error:
        ws.emit("command_ack_rejected", channel=url.channel, user=url.user, error=error.error)
        return error.error


def apply_view_response(ws: Workspace, view: View, status: int, body: Any) -> str:
    """Apply a view_submission answer to the modal stack; returns the action taken."""
    if status != 200:
        ws.emit("view_submission_failed", view_id=view.id, status=status)
        return "failed"
    action = body.get("response_action") if isinstance(body, dict) else None
    try:
        if action is None:
            close_views(ws, view)
        elif action == "clear":
            close_views(ws, view, clear=True)
        elif action == "errors":
            errors = body.get("errors")
            inputs = {b.get("block_id") for b in view.blocks if b.get("type") == "input"}
            # Slack only accepts errors keyed by the block_id of an input block.
            if not isinstance(errors, dict) or not errors or not set(errors) <= inputs:
                raise SlackError("invalid_errors", errors=errors, input_blocks=sorted(inputs))
            view.errors = {str(k): str(v) for k, v in errors.items()}
            ws.emit("view_errors", view_id=view.id, user=view.user, errors=view.errors)
        elif action == "update":
            replace_view(ws, view, checked_view(ws, body.get("view"), kind="modal", replacing=view))
        elif action == "push":
            if len(ws.view_stacks.get(view.user, [])) >= MAX_STACK:
                raise SlackError("push_limit_reached")
            push_view(ws, view.user, checked_view(ws, body.get("view"), kind="modal"))
        else:
            raise SlackError("invalid_response_action")
    except SlackError as error:
        ws.emit("view_response_rejected", view_id=view.id, error=error.error, **error.extra)
        return error.error
    return action or "close"
