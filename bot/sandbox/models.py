"""The workspace's state: plain dataclasses, each able to render itself as Slack's API object."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    tz: str = "UTC"
    email: str = ""
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False

    def tz_offset_at(self, when: float) -> int:
        """Seconds east of UTC at `when` (Slack reports the offset in force now)."""
        moment = datetime.fromtimestamp(when, UTC).astimezone(ZoneInfo(self.tz))
        offset = moment.utcoffset()
        return int(offset.total_seconds()) if offset else 0

    def to_api(self, *, team_id: str, now: float) -> dict[str, Any]:
        moment = datetime.fromtimestamp(now, UTC).astimezone(ZoneInfo(self.tz))
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": moment.tzname() or self.tz,
            "tz_offset": self.tz_offset_at(now),
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 0,
        }


@dataclass
class TextMeta:
    """A channel's topic or purpose."""

    value: str = ""
    creator: str = ""
    last_set: int = 0

    def to_api(self) -> dict[str, Any]:
        return {"value": self.value, "creator": self.creator, "last_set": self.last_set}


@dataclass
class Message:
    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    thread_ts: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    pinned: bool = False
    pinned_by: str | None = None
    edited: dict[str, str] | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    subtype: str | None = None
    metadata: dict[str, Any] | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, team_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.subtype:
            data["subtype"] = self.subtype
        if self.user:
            data["user"] = self.user
        if self.bot_id:
            data["bot_id"] = self.bot_id
            data["app_id"] = self.app_id
        data["team"] = team_id
        if self.blocks:
            data["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments:
            data["attachments"] = copy.deepcopy(self.attachments)
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.edited:
            data["edited"] = dict(self.edited)
        if self.reactions:
            data["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.pinned:
            data["pinned_to"] = [self.channel]
        if self.files:
            data["files"] = [{"id": file_id} for file_id in self.files]
        if self.metadata:
            data["metadata"] = copy.deepcopy(self.metadata)
        return data


@dataclass
class Bookmark:
    id: str
    channel_id: str
    title: str
    link: str
    type: str = "link"
    emoji: str | None = None
    created: int = 0
    user: str = ""

    def to_api(self, *, team_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel_id": self.channel_id,
            "title": self.title,
            "link": self.link,
            "emoji": self.emoji,
            "icon_url": None,
            "type": self.type,
            "entity_id": None,
            "date_created": self.created,
            "date_updated": 0,
            "rank": "U",
            "last_updated_by_user_id": self.user,
            "last_updated_by_team_id": team_id,
            "shortcut_id": None,
            "app_id": None,
        }


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    creator: str = ""
    created: int = 0
    members: set[str] = field(default_factory=set)
    archived: bool = False
    topic: TextMeta = field(default_factory=TextMeta)
    purpose: TextMeta = field(default_factory=TextMeta)
    is_general: bool = False
    is_im: bool = False
    is_mpim: bool = False
    im_user: str | None = None
    messages: list[Message] = field(default_factory=list)
    bookmarks: list[Bookmark] = field(default_factory=list)

    def to_api(self, *, viewer: str, include_num_members: bool = False) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private and not self.is_mpim,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private,
            "created": self.created,
            "creator": self.creator,
            "is_archived": self.archived,
            "is_general": self.is_general,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "pending_shared": [],
            "is_pending_ext_shared": False,
            "is_member": viewer in self.members,
            "topic": self.topic.to_api(),
            "purpose": self.purpose.to_api(),
            "previous_names": [],
        }
        if include_num_members:
            data["num_members"] = len(self.members)
        return data


@dataclass
class View:
    id: str
    user: str
    payload: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    state_values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] | None = None
    closed: bool = False

    @property
    def type(self) -> str:
        return str(self.payload.get("type", ""))

    @property
    def external_id(self) -> str:
        return str(self.payload.get("external_id") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.payload.get("blocks") or [])

    def to_api(self, *, team_id: str, app_id: str, bot_id: str) -> dict[str, Any]:
        data = copy.deepcopy(self.payload)
        for key, default in (
            ("private_metadata", ""),
            ("callback_id", ""),
            ("external_id", ""),
            ("clear_on_close", False),
            ("notify_on_close", False),
            ("close", None),
            ("submit", None),
        ):
            data.setdefault(key, default)
        data.update(
            id=self.id,
            team_id=team_id,
            state={"values": copy.deepcopy(self.state_values)},
            hash=self.hash,
            root_view_id=self.root_view_id,
            previous_view_id=self.previous_view_id,
            app_id=app_id,
            app_installed_team_id=team_id,
            bot_id=bot_id,
        )
        return data


@dataclass
class File:
    id: str
    filename: str
    length: int
    user: str
    created: int
    title: str = ""
    content: bytes | None = None
    alt_txt: str | None = None
    snippet_type: str | None = None
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    shares: dict[str, list[str]] = field(default_factory=dict)  # channel → message ts list

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": "application/octet-stream",
            "filetype": self.snippet_type or self.filename.rsplit(".", 1)[-1],
            "user": self.user,
            "size": len(self.content) if self.content is not None else self.length,
            "mode": "hosted",
            "is_external": False,
            "is_public": bool(self.channels),
            "channels": list(self.channels),
            "alt_txt": self.alt_txt,
            "shares": {
                "public": {ch: [{"ts": ts} for ts in tss] for ch, tss in self.shares.items()}
            },
        }


@dataclass
class Ephemeral:
    """A message only `user` sees; replaced in place by a response_url with replace_original."""

    ts: str
    channel: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"
    deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.blocks:
            data["blocks"] = copy.deepcopy(self.blocks)
        return data


@dataclass
class ResponseUrl:
    """A response_url handed to the bot with a command, click or shortcut."""

    id: str
    channel: str
    user: str
    created: float
    message_ts: str | None = None  # the message the interaction came from
    ephemeral: bool = False  # that message is an ephemeral one
    uses: int = 0


@dataclass
class ResponsePost:
    url_id: str
    payload: dict[str, Any]
    status: int
    outcome: str


@dataclass
class Trigger:
    id: str
    user: str
    issued: float
    exchanged: bool = False
    view_id: str | None = None  # set when the interaction happened inside a modal


@dataclass
class ApiCall:
    """One Web API request as received; `injected` marks a fault the workspace answered with."""

    method: str
    params: dict[str, Any]
    status: int = 200
    ok: bool = True
    error: str | None = None
    injected: bool = False
    at: float = 0.0
