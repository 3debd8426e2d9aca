"""chat.*, pins.*, reactions.* and bookmarks.* methods."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.sandbox.blockkit_limits import MESSAGE_MAX_TEXT, message_block_errors
from bot.sandbox.models import Bookmark, Channel, Ephemeral, Message
from bot.sandbox.params import Params, SlackError

if TYPE_CHECKING:
    from bot.sandbox.workspace import Workspace

_REACTION = re.compile(r"^[a-z0-9_+'-]+(::skin-tone-[2-6])?$")
_MAX_ATTACHMENTS = 100


def validated_content(values: Mapping[str, Any], *, required: bool = True) -> dict[str, Any]:
    """text/blocks/attachments checked like Slack; only the keys that were given."""
    p = Params(values)
    content: dict[str, Any] = {}
    if values.get("text") is not None:
        content["text"] = p.str("text")
        if len(content["text"]) > MESSAGE_MAX_TEXT:
            raise SlackError("msg_too_long")
    blocks = p.json("blocks", error="invalid_blocks_format")
    if values.get("blocks") is not None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        errors = message_block_errors(blocks)
        if errors:
            raise SlackError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
        content["blocks"] = with_block_ids(blocks)
    attachments = p.json("attachments", error="invalid_attachments")
    if attachments is not None:
        if not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        if len(attachments) > _MAX_ATTACHMENTS:
            raise SlackError("too_many_attachments")
        content["attachments"] = attachments
    if required and not (
        content.get("text") or content.get("blocks") or content.get("attachments")
    ):
        raise SlackError("no_text")
    return content


def with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slack gives every block without a block_id a short generated one."""
    result = []
    for index, block in enumerate(blocks):
        block = dict(block)
        if not block.get("block_id"):
            digest = hashlib.sha1(f"{index}:{json.dumps(block, sort_keys=True)}".encode())
            block["block_id"] = digest.hexdigest()[:5]
        result.append(block)
    return result


def _warnings(content: Mapping[str, Any]) -> dict[str, Any]:
    if content.get("text"):
        return {}
    warning = "missing_text_or_fallback_argument"
    return {"warning": warning, "response_metadata": {"warnings": [warning]}}


def chat_post_message(ws: Workspace, p: Params) -> dict[str, Any]:
    content = validated_content(p.values)
    metadata = p.json("metadata", error="invalid_metadata_format")
    channel = ws.postable(p.required("channel", "channel_not_found"))
    thread_ts = p.str("thread_ts") or None
    if thread_ts:
        parent = next((m for m in channel.messages if m.ts == thread_ts), None)
        if parent is not None and parent.is_reply:
            thread_ts = parent.thread_ts
    message = ws.bot_message(channel, thread_ts=thread_ts, metadata=metadata, **content)
    return {
        "channel": channel.id,
        "ts": message.ts,
        "message": ws.render(message),
        **_warnings(content),
    }


def _own_message(ws: Workspace, p: Params, refusal: str) -> tuple[Channel, Message]:
    """The channel and message named by `channel` and `ts`; Slack lets a bot change only
    its own messages."""
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    message = ws.message(channel, p.required("ts", "message_not_found"))
    if message.bot_id != ws.bot.bot_id:
        raise SlackError(refusal)
    return channel, message


def chat_update(ws: Workspace, p: Params) -> dict[str, Any]:
    channel, message = _own_message(ws, p, "cant_update_message")
    content = validated_content(p.values)
    for key, value in content.items():
        setattr(message, key, value)
    message.edited = {"user": ws.bot.id, "ts": ws.next_ts()}
    ws.emit("message_updated", channel=channel.id, ts=message.ts, message=ws.render(message))
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": ws.render(message),
        **_warnings(content),
    }


def chat_delete(ws: Workspace, p: Params) -> dict[str, Any]:
    channel, message = _own_message(ws, p, "cant_delete_message")
    channel.messages.remove(message)
    ws.emit("message_deleted", channel=channel.id, ts=message.ts)
    return {"channel": channel.id, "ts": message.ts}


def chat_post_ephemeral(ws: Workspace, p: Params) -> dict[str, Any]:
    content = validated_content(p.values)
    channel = ws.postable(p.required("channel", "channel_not_found"))
    user = p.required("user", "user_not_in_channel")
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    ephemeral = Ephemeral(
        ts=ws.next_ts(),
        channel=channel.id,
        user=user,
        text=content.get("text", ""),
        blocks=content.get("blocks", []),
        thread_ts=p.str("thread_ts") or None,
    )
    ws.ephemerals.append(ephemeral)
    ws.emit(
        "ephemeral_posted",
        channel=channel.id,
        user=user,
        ts=ephemeral.ts,
        message=ephemeral.to_api(),
    )
    return {"message_ts": ephemeral.ts}


def permalink(ws: Workspace, message: Message) -> str:
    link = (
        f"https://{ws.domain}.slack.com/archives/{message.channel}/p{message.ts.replace('.', '')}"
    )
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
    return link


def chat_get_permalink(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    message = ws.message(channel, p.required("message_ts", "message_not_found"))
    return {"channel": channel.id, "permalink": permalink(ws, message)}


def _item(ws: Workspace, p: Params, *, member: bool) -> Message:
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    timestamp = p.required("timestamp", "no_item_specified")
    if member and ws.bot.id not in channel.members:
        raise SlackError("not_in_channel")
    return ws.message(channel, timestamp)


def pins_add(ws: Workspace, p: Params) -> dict[str, Any]:
    message = _item(ws, p, member=True)
    if message.pinned:
        raise SlackError("already_pinned")
    message.pinned, message.pinned_by = True, ws.bot.id
    ws.emit("pin_added", channel=message.channel, ts=message.ts, user=ws.bot.id)
    return {}


def pins_remove(ws: Workspace, p: Params) -> dict[str, Any]:
    message = _item(ws, p, member=True)
    if not message.pinned:
        raise SlackError("no_pin")
    message.pinned, message.pinned_by = False, None
    ws.emit("pin_removed", channel=message.channel, ts=message.ts, user=ws.bot.id)
    return {}


def pins_list(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    items = [
        {
            "type": "message",
            "channel": channel.id,
            "created_by": m.pinned_by,
            "message": ws.render(m),
        }
        for m in channel.messages
        if m.pinned
    ]
    return {"items": items}


def _reaction_name(p: Params) -> str:
    name = p.str("name").strip(":")
    if not name or not _REACTION.match(name):
        raise SlackError("invalid_name")
    return name


def reactions_add(ws: Workspace, p: Params) -> dict[str, Any]:
    name = _reaction_name(p)
    message = _item(ws, p, member=False)
    if ws.channels[message.channel].archived:
        raise SlackError("is_archived")
    users = message.reactions.get(name, [])
    if ws.bot.id in users:
        raise SlackError("already_reacted")
    message.reactions[name] = [*users, ws.bot.id]
    ws.emit("reaction_added", channel=message.channel, ts=message.ts, name=name, user=ws.bot.id)
    return {}


def reactions_remove(ws: Workspace, p: Params) -> dict[str, Any]:
    name = _reaction_name(p)
    message = _item(ws, p, member=False)
    users = message.reactions.get(name, [])
    if ws.bot.id not in users:
        raise SlackError("no_reaction")
    users.remove(ws.bot.id)
    if not users:
        del message.reactions[name]
    ws.emit("reaction_removed", channel=message.channel, ts=message.ts, name=name, user=ws.bot.id)
    return {}


def reactions_get(ws: Workspace, p: Params) -> dict[str, Any]:
    message = _item(ws, p, member=False)
    data = ws.render(message)
    data["permalink"] = permalink(ws, message)
    return {"type": "message", "channel": message.channel, "message": data}


def bookmarks_add(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.required("channel_id", "channel_not_found"))
    title = p.required("title", "invalid_arguments")
    if p.str("type") != "link":
        raise SlackError("invalid_bookmark_type")
    link = p.str("link")
    if not link.startswith(("http://", "https://")):
        raise SlackError("invalid_link")
    if ws.bot.id not in channel.members:
        raise SlackError("not_in_channel")
    bookmark = Bookmark(
        id=ws.new_id("Bk"),
        channel_id=channel.id,
        title=title,
        link=link,
        emoji=p.str("emoji") or None,
        created=int(ws.now()),
        user=ws.bot.id,
    )
    channel.bookmarks.append(bookmark)
    ws.emit("bookmark_added", channel=channel.id, title=title, link=link)
    return {"bookmark": bookmark.to_api(team_id=ws.team_id)}


def bookmarks_list(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.required("channel_id", "channel_not_found"))
    return {"bookmarks": [b.to_api(team_id=ws.team_id) for b in channel.bookmarks]}


METHODS = {
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "pins.list": pins_list,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "reactions.get": reactions_get,
    "bookmarks.add": bookmarks_add,
    "bookmarks.list": bookmarks_list,
}
