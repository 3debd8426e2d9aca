"""conversations.* methods."""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

from bot.sandbox.models import Channel
from bot.sandbox.params import Params, SlackError

if TYPE_CHECKING:
    from bot.sandbox.workspace import Workspace

MAX_NAME = 80
MAX_TOPIC = 250
_NAME = re.compile(r"^[a-z0-9_-]+$")


def validate_channel_name(ws: Workspace, name: str, *, current: Channel | None = None) -> None:
    """Slack's naming rules for conversations.create and conversations.rename."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_NAME:
        raise SlackError("invalid_name_maxlength")
    if not _NAME.match(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    taken = ws.channel_by_name(name)
    if taken is not None and taken is not current:
        raise SlackError("name_taken")


def _page(items: list[Any], p: Params, *, default_limit: int = 100) -> tuple[list[Any], str]:
    """Slack-style cursor pagination over a list: (this page, next_cursor or "")."""
    limit = max(1, min(p.int("limit", default_limit) or default_limit, 1000))
    cursor = p.str("cursor")
    try:
        start = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
    except ValueError:
        raise SlackError("invalid_cursor") from None
    end = start + limit
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], next_cursor


def _member_channel(ws: Workspace, p: Params) -> Channel:
    """A channel the bot must belong to for changing it (topic, invite, archive)."""
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    if channel.archived:
        raise SlackError("is_archived")
    if ws.bot.id not in channel.members:
        raise SlackError("not_in_channel")
    return channel


def _api(ws: Workspace, channel: Channel, *, num_members: bool = False) -> dict[str, Any]:
    return channel.to_api(viewer=ws.bot.id, include_num_members=num_members)


def conversations_create(ws: Workspace, p: Params) -> dict[str, Any]:
    name = p.str("name").strip()
    validate_channel_name(ws, name)
    channel = ws.add_channel(
        name, members=[ws.bot.id], is_private=p.bool("is_private"), creator=ws.bot.id
    )
    ws.emit("channel_created", channel=channel.id, name=name, is_private=channel.is_private)
    return {"channel": _api(ws, channel)}


def conversations_rename(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = _member_channel(ws, p)
    name = p.str("name").strip()
    validate_channel_name(ws, name, current=channel)
    channel.name = name
    ws.emit("channel_renamed", channel=channel.id, name=name)
    return {"channel": _api(ws, channel)}


def conversations_invite(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = _member_channel(ws, p)
    users = p.list("users")
    if not users:
        raise SlackError("no_user")
    errors, valid = [], []
    for user_id in dict.fromkeys(users):
        user = ws.users.get(user_id)
        if user is None or user.deleted:
            error = "user_not_found"
        elif user_id == ws.bot.id:
            error = "cant_invite_self"
        elif user_id in channel.members:
            error = "already_in_channel"
        else:
            valid.append(user_id)
            continue
        errors.append({"user": user_id, "ok": False, "error": error})
    if errors and not (p.bool("force") and valid):
        raise SlackError(errors[0]["error"], errors=errors)
    for user_id in valid:
        channel.members.add(user_id)
        ws.emit("member_joined", channel=channel.id, user=user_id, inviter=ws.bot.id)
    result: dict[str, Any] = {"channel": _api(ws, channel)}
    if errors:
        result["errors"] = errors
    return result


def _set_text(ws: Workspace, p: Params, which: str) -> dict[str, Any]:
    channel = _member_channel(ws, p)
    value = p.str(which)
    if len(value) > MAX_TOPIC:
        raise SlackError("too_long")
    meta = channel.topic if which == "topic" else channel.purpose
    meta.value, meta.creator, meta.last_set = value, ws.bot.id, int(ws.now())
    ws.emit(f"{which}_set", channel=channel.id, value=value)
    return {"channel": _api(ws, channel)}


def conversations_set_topic(ws: Workspace, p: Params) -> dict[str, Any]:
    return _set_text(ws, p, "topic")


def conversations_set_purpose(ws: Workspace, p: Params) -> dict[str, Any]:
    return _set_text(ws, p, "purpose")


def conversations_info(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    return {"channel": _api(ws, channel, num_members=p.bool("include_num_members"))}


def conversations_archive(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    if channel.archived:
        raise SlackError("already_archived")
    if channel.is_general:
        raise SlackError("cant_archive_general")
    if channel.is_im or channel.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")
    if ws.bot.id not in channel.members:
        raise SlackError("not_in_channel")
    channel.archived = True
    ws.emit("channel_archived", channel=channel.id)
    return {}


def conversations_unarchive(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    if not channel.archived:
        raise SlackError("not_archived")
    channel.archived = False
    ws.emit("channel_unarchived", channel=channel.id)
    return {}


def conversations_members(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    page, cursor = _page(sorted(channel.members), p)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def conversations_list(ws: Workspace, p: Params) -> dict[str, Any]:
    types = set(p.list("types") or ["public_channel"])
    if not types <= {"public_channel", "private_channel", "mpim", "im"}:
        raise SlackError("invalid_types")
    visible = []
    for channel in ws.channels.values():
        kind = (
            "im"
            if channel.is_im
            else "mpim"
            if channel.is_mpim
            else "private_channel"
            if channel.is_private
            else "public_channel"
        )
        if kind not in types or (p.bool("exclude_archived") and channel.archived):
            continue
        if kind != "public_channel" and ws.bot.id not in channel.members:
            continue
        visible.append(_api(ws, channel, num_members=True))
    page, cursor = _page(visible, p)
    return {"channels": page, "response_metadata": {"next_cursor": cursor}}


def conversations_join(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    if channel.is_private or channel.is_im or channel.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.archived:
        raise SlackError("is_archived")
    if ws.bot.id in channel.members:
        return {
            "channel": _api(ws, channel),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    channel.members.add(ws.bot.id)
    ws.emit("member_joined", channel=channel.id, user=ws.bot.id, inviter=None)
    return {"channel": _api(ws, channel)}


def _readable(ws: Workspace, p: Params) -> Channel:
    channel = ws.conversation(p.required("channel", "channel_not_found"))
    if ws.bot.id not in channel.members:
        raise SlackError("not_in_channel")
    return channel


def conversations_history(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = _readable(ws, p)
    try:
        latest = float(p.str("latest") or "inf")
        oldest = float(p.str("oldest") or "0")
    except ValueError:
        raise SlackError("invalid_ts_latest") from None
    inclusive = p.bool("inclusive")

    def within(ts: str) -> bool:
        value = float(ts)
        if inclusive:
            return oldest <= value <= latest
        return oldest < value < latest

    # Thread replies stay in their thread, as in Slack.
    top = [m for m in reversed(channel.messages) if not m.is_reply and within(m.ts)]
    page, cursor = _page(top, p)
    messages = [ws.render(m) for m in page]
    if not p.bool("include_all_metadata"):  # as in Slack: metadata only when asked for
        for message in messages:
            message.pop("metadata", None)
    return {
        "messages": messages,
        "has_more": bool(cursor),
        "pin_count": sum(1 for m in channel.messages if m.pinned),
        "response_metadata": {"next_cursor": cursor},
    }


def conversations_replies(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = _readable(ws, p)
    parent = ws.message(channel, p.required("ts", "thread_not_found"), "thread_not_found")
    thread = ws.messages(channel.id, thread_ts=parent.thread_ts or parent.ts)
    page, cursor = _page(thread, p)
    return {
        "messages": [ws.render(m) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def conversations_open(ws: Workspace, p: Params) -> dict[str, Any]:
    if "channel" in p:
        channel = ws.conversation(p.str("channel"))
        return {"channel": _api(ws, channel) if p.bool("return_im") else {"id": channel.id}}
    users = [u for u in dict.fromkeys(p.list("users")) if u != ws.bot.id]
    if not users:
        raise SlackError("users_list_not_supplied")
    for user_id in users:
        ws.user(user_id)
    if len(users) > 8:
        raise SlackError("too_many_users")
    if len(users) == 1:
        existing = any(c.is_im and c.im_user == users[0] for c in ws.channels.values())
        channel = ws.open_im(users[0])
    else:
        members = {*users, ws.bot.id}
        match = [c for c in ws.channels.values() if c.is_mpim and c.members == members]
        existing = bool(match)
        channel = match[0] if match else _open_mpim(ws, members)
    result: dict[str, Any] = {
        "channel": _api(ws, channel) if p.bool("return_im") else {"id": channel.id}
    }
    if existing:
        result.update(no_op=True, already_open=True)
    return result


def _open_mpim(ws: Workspace, members: set[str]) -> Channel:
    names = "--".join(sorted(ws.users[u].name for u in members if u != ws.bot.id))
    channel = Channel(
        id=ws.new_id("G"),
        name=f"mpdm-{names}-1",
        is_private=True,
        is_mpim=True,
        created=int(ws.now()),
        members=members,
        creator=ws.bot.id,
    )
    ws.channels[channel.id] = channel
    ws.emit("mpim_opened", channel=channel.id, members=sorted(members))
    return channel


METHODS = {
    "conversations.create": conversations_create,
    "conversations.rename": conversations_rename,
    "conversations.invite": conversations_invite,
    "conversations.setTopic": conversations_set_topic,
    "conversations.setPurpose": conversations_set_purpose,
    "conversations.info": conversations_info,
    "conversations.archive": conversations_archive,
    "conversations.unarchive": conversations_unarchive,
    "conversations.members": conversations_members,
    "conversations.list": conversations_list,
    "conversations.join": conversations_join,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "conversations.open": conversations_open,
}
