"""The Slack-compatible workspace: state, Web API dispatch, events, and people acting in it;
the read-only lookups tests and the page use are in workspace_queries.py.

Web API methods live in the api_* modules, one per family, as functions of (workspace, params).
Nothing here knows about HTTP; web_api.py serves `Workspace.handle` over aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox import api_chat, api_conversations, api_users_files, api_views
from bot.sandbox.faults import Faults
from bot.sandbox.models import (
    ApiCall,
    Channel,
    Ephemeral,
    File,
    Message,
    ResponsePost,
    ResponseUrl,
    Trigger,
    User,
    View,
)
from bot.sandbox.params import Params, SlackError, decode_json_arguments
from bot.sandbox.workspace_queries import WorkspaceQueries

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "xoxb-sandbox"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:3000"
GENERAL_CHANNEL_ID = "C_GENERAL"

Method = Callable[["Workspace", Params], dict[str, Any]]


@dataclass
class ApiResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Workspace(WorkspaceQueries):
    """One Slack team with a bot user, people, channels and everything the bot did to them."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        team_id: str = "T0SANDBOX",
        team_name: str = "Sandbox",
        domain: str = "sandbox",
        app_id: str = "A0SANDBOX",
        clock: Callable[[], float] = time.time,
        trigger_ttl: float | None = None,
        chat_write_public: bool = True,
        public_url: str | None = None,
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.team_name = team_name
        self.domain = domain
        self.app_id = app_id
        self.clock = clock
        # Slack expires trigger_ids after 3 s; None keeps them valid so a paused debugger or
        # a person in the sandbox page is not punished. Tests that care pass 3.0.
        self.trigger_ttl = trigger_ttl
        # Bots with chat:write.public post to public channels they are not in.
        self.chat_write_public = chat_write_public
        self.public_url = public_url  # origin serving /sandbox/...; web_api learns it if None
        self.sandbox_prefix = "/sandbox"

        self.bot = User(
            id="UBOT", name="incidentbot", real_name="Incident Bot", is_bot=True, bot_id="BBOT"
        )
        self.users: dict[str, User] = {self.bot.id: self.bot}
        self.channels: dict[str, Channel] = {}
        self.views: dict[str, View] = {}
        self.view_stacks: dict[str, list[str]] = {}  # user → open modal ids, root first
        self.home_views: dict[str, str] = {}  # user → Home tab view id
        self.files: dict[str, File] = {}
        self.ephemerals: list[Ephemeral] = []
        self.response_urls: dict[str, ResponseUrl] = {}
        self.response_posts: list[ResponsePost] = []
        self.triggers: dict[str, Trigger] = {}
        self.calls: list[ApiCall] = []
        self.events: list[dict[str, Any]] = []
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.faults = Faults()
        self._ids = itertools.count(1)
        self._last_micros = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._methods: dict[str, Method] = {
            **api_users_files.METHODS,
            **api_conversations.METHODS,
            **api_chat.METHODS,
            **api_views.METHODS,
        }

    @classmethod
    def default(cls, **options: Any) -> Workspace:
        """The bot plus Alice (Berlin), Bob (New York) and Carol (Kolkata) in #general, and
        Dave (Chicago), who the example catalog pages too."""
        workspace = cls(**options)
        for user_id, name, real_name, tz in (
            ("U_ALICE", "alice", "Alice Schmidt", "Europe/Berlin"),
            ("U_BOB", "bob", "Bob Miller", "America/New_York"),
            ("U_CAROL", "carol", "Carol Iyer", "Asia/Kolkata"),
            ("U_DAVE", "dave", "Dave Okafor", "America/Chicago"),
        ):
            workspace.add_user(
                user_id, name, real_name=real_name, tz=tz, email=f"{name}@example.com"
            )
        general = workspace.add_channel(
            "general",
            members=["U_ALICE", "U_BOB", "U_CAROL"],
            id=GENERAL_CHANNEL_ID,
            creator="U_ALICE",
        )
        general.is_general = True
        return workspace

    # ------------------------------------------------------------------ building state

    def add_user(self, user_id: str, name: str, **fields: Any) -> User:
        user = User(id=user_id, name=name, **fields)
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        name: str,
        *,
        members: list[str] | tuple[str, ...] = (),
        is_private: bool = False,
        id: str | None = None,
        creator: str = "",
    ) -> Channel:
        channel = Channel(
            id=id or self.new_id("C"),
            name=name,
            is_private=is_private,
            creator=creator,
            created=int(self.now()),
            members=set(members),
        )
        self.channels[channel.id] = channel
        return channel

    def now(self) -> float:
        return self.clock()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}0SB{next(self._ids):05d}"

    def next_ts(self) -> str:
        """A message timestamp: unique and increasing even when the clock stands still."""
        micros = max(int(self.now() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def url_for(self, path: str) -> str:
        return f"{(self.public_url or DEFAULT_PUBLIC_URL).rstrip('/')}{self.sandbox_prefix}{path}"

    # ------------------------------------------------------------------ events

    def emit(self, kind: str, /, **data: Any) -> dict[str, Any]:
        """Record a state change for live views; listeners must not raise. (`kind` is
        positional-only: events such as delivery_failed carry a `kind` of their own.)"""
        event = {"seq": len(self.events) + 1, "type": kind, "at": self.now(), **data}
        self.events.append(event)
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # a broken page must not fail the bot's API call
                log.exception("sandbox event listener failed")
        self._wake()
        return event

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], Any], seconds: float = 5.0) -> Any:
        """Wait until predicate() is truthy (re-checked on every event and API call)."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(seconds):
                while not (result := predicate()):
                    waiter: asyncio.Future[None] = loop.create_future()
                    self._waiters.append(waiter)
                    await waiter
        except TimeoutError:
            raise TimeoutError(f"sandbox condition not met within {seconds}s") from None
        return result

    # ------------------------------------------------------------------ Web API dispatch

    def handle(
        self, method: str, params: Mapping[str, Any], *, token: str | None = None
    ) -> ApiResponse:
        """Run one Web API call; never raises for client mistakes."""
        arguments = decode_json_arguments(params)
        token = token or arguments.get("token")
        arguments.pop("token", None)
        call = ApiCall(method=method, params=arguments, at=self.now())
        channel = arguments.get("channel") or arguments.get("channel_id")
        fault = self.faults.take(method, channel if isinstance(channel, str) else None)
        if fault is not None and fault.after and token == self.token and method in self._methods:
            with contextlib.suppress(SlackError):  # carried out, then answered with the fault
                self._methods[method](self, Params(arguments))
        if fault is not None:
            status, body, headers = fault.response()
            call.status, call.ok, call.error, call.injected = status, False, body["error"], True
            return self._record(call, ApiResponse(status, body, headers))
        impl = self._methods.get(method)
        try:
            if not token:
                raise SlackError("not_authed")
            if token != self.token:
                raise SlackError("invalid_auth")
            if impl is None:
                raise SlackError("unknown_method")
            body = {"ok": True, **impl(self, Params(arguments))}
        except SlackError as error:
            body = error.body()
        call.ok, call.error = bool(body.get("ok")), body.get("error")
        return self._record(call, ApiResponse(200, body))

    def reject(self, method: str, error: str) -> ApiResponse:
        """Answer a request the transport could not read (e.g. invalid_json), and log it."""
        call = ApiCall(method=method, params={}, ok=False, error=error, at=self.now())
        return self._record(call, ApiResponse(200, {"ok": False, "error": error}))

    def _record(self, call: ApiCall, response: ApiResponse) -> ApiResponse:
        self.calls.append(call)
        self._wake()
        return response

    @property
    def methods(self) -> list[str]:
        return sorted(self._methods)

    # ------------------------------------------------------------------ lookups for methods

    def user(self, user_id: str, error: str = "user_not_found") -> User:
        user = self.users.get(user_id)
        if user is None or user.deleted:
            raise SlackError(error)
        return user

    def conversation(self, channel_id: str) -> Channel:
        """A channel the bot can see: public ones, and private ones it belongs to."""
        channel = self.channels.get(channel_id)
        if channel is None or (channel.is_private and self.bot.id not in channel.members):
            raise SlackError("channel_not_found")
        return channel

    def postable(self, ref: str) -> Channel:
        """The channel chat.* may post into, or Slack's reason why not."""
        channel = self.channels.get(ref)
        if channel is None:
            channel = self.channel_by_name(ref.removeprefix("#"))
        if channel is None and ref in self.users:
            channel = self.open_im(ref)
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.archived:
            raise SlackError("is_archived")
        member = self.bot.id in channel.members
        if not member and (channel.is_private or channel.is_im or not self.chat_write_public):
            raise SlackError("not_in_channel")
        return channel

    def message(self, channel: Channel, ts: str, error: str = "message_not_found") -> Message:
        for message in channel.messages:
            if message.ts == ts:
                return message
        raise SlackError(error)

    def open_im(self, user_id: str) -> Channel:
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        channel = Channel(
            id=self.new_id("D"),
            name=user_id,
            is_private=True,
            is_im=True,
            im_user=user_id,
            created=int(self.now()),
            members={user_id, self.bot.id},
        )
        self.channels[channel.id] = channel
        self.emit("im_opened", channel=channel.id, user=user_id)
        return channel

    def add_message(self, channel: Channel, **fields: Any) -> Message:
        message = Message(channel=channel.id, ts=self.next_ts(), **fields)
        channel.messages.append(message)
        # A new message has no replies yet, so its plain rendering is complete.
        self.emit(
            "message_posted",
            channel=channel.id,
            ts=message.ts,
            message=message.to_api(team_id=self.team_id),
        )
        return message

    def bot_message(self, channel: Channel, **fields: Any) -> Message:
        return self.add_message(
            channel, user=self.bot.id, bot_id=self.bot.bot_id, app_id=self.app_id, **fields
        )

    def render(self, message: Message) -> dict[str, Any]:
        """A stored message as the API shows it, with thread summary on parents."""
        data = message.to_api(team_id=self.team_id)
        replies = [m for m in self.messages(message.channel, thread_ts=message.ts) if m.is_reply]
        if replies and not message.is_reply:
            data["reply_count"] = len(replies)
            data["reply_users"] = sorted({m.user for m in replies if m.user})
            data["latest_reply"] = replies[-1].ts
        return data

    # ------------------------------------------------------------------ people acting in Slack

    def post_as_user(
        self, user: str, channel_id: str, text: str, *, thread_ts: str | None = None
    ) -> Message:
        channel = self.channels[channel_id]
        return self.add_message(channel, user=user, text=text, thread_ts=thread_ts)

    def react_as_user(self, user: str, channel_id: str, ts: str, name: str) -> Message:
        message = self.message(self.channels[channel_id], ts)
        users = message.reactions.setdefault(name, [])
        if user not in users:
            users.append(user)
            self.emit("reaction_added", channel=channel_id, ts=ts, name=name, user=user)
        return message

    def pin_as_user(self, user: str, channel_id: str, ts: str) -> Message:
        message = self.message(self.channels[channel_id], ts)
        if not message.pinned:
            message.pinned, message.pinned_by = True, user
            self.emit("pin_added", channel=channel_id, ts=ts, user=user)
        return message

    def issue_trigger(self, user: str, *, view_id: str | None = None) -> str:
        """A trigger_id as Slack sends with interactions: "<n>.<n>.<hex>"."""
        serial = next(self._ids)
        trigger_id = f"{serial}.{int(self.now())}.{serial * 2654435761 % 16**32:032x}"
        self.triggers[trigger_id] = Trigger(trigger_id, user, self.now(), view_id=view_id)
        return trigger_id

    def issue_response_url(
        self, *, channel: str, user: str, message_ts: str | None = None, ephemeral: bool = False
    ) -> str:
        url_id = self.new_id("R")
        self.response_urls[url_id] = ResponseUrl(
            url_id, channel, user, self.now(), message_ts=message_ts, ephemeral=ephemeral
        )
        return self.url_for(f"/response/{url_id}")
