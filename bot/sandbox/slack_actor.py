"""Plays Slack towards the bot: signed slash commands, clicks, view submissions and events,
built from the workspace's state, with the bot's answers applied back to the workspace."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.sandbox import envelopes
from bot.sandbox.api_views import close_views
from bot.sandbox.interactions import apply_command_ack, apply_view_response
from bot.sandbox.models import Channel, Message
from bot.sandbox.payloads import action_entry, find_element, state_entry, view_state
from bot.sandbox.workspace import GENERAL_CHANNEL_ID, Workspace

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass
class ActorResponse:
    """The bot's HTTP answer to one delivery."""

    status: int
    headers: dict[str, str]
    text: str
    json: Any
    elapsed: float
    trigger_id: str | None = None
    response_url: str | None = None
    applied: str | None = None  # what the workspace did with the answer, e.g. "close"

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class SlackActor:
    """Sends what Slack sends, signed with the app's signing secret, to the bot's URL."""

    def __init__(
        self,
        events_url: str,
        signing_secret: str,
        workspace: Workspace,
        session: aiohttp.ClientSession | None = None,
        *,
        default_user: str = "U_ALICE",
        verification_token: str = "sandbox-verification-token",
    ) -> None:
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.workspace = workspace
        self.default_user = default_user
        self.verification_token = verification_token
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> SlackActor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ transport

    def sign(self, body: str | bytes, timestamp: int | str) -> str:
        """X-Slack-Signature for body at timestamp: v0=HMAC-SHA256("v0:{ts}:{body}")."""
        raw = body.encode() if isinstance(body, str) else body
        base = b"v0:" + str(timestamp).encode() + b":" + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()

    async def send(
        self,
        body: str,
        *,
        content_type: str = FORM,
        timestamp: int | str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> ActorResponse:
        """POST a body as Slack would; override timestamp/signature to test verification."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        request_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature or self.sign(body, timestamp),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **(headers or {}),
        }
        if self._session is None:
            self._session = aiohttp.ClientSession()
        started = time.perf_counter()
        async with self._session.post(
            self.events_url, data=body.encode(), headers=request_headers
        ) as response:
            text = await response.text()
            elapsed = time.perf_counter() - started
            try:
                parsed = json.loads(text) if text.strip() else None
            except ValueError:
                parsed = None
            return ActorResponse(response.status, dict(response.headers), text, parsed, elapsed)

    async def _interaction(self, payload: dict[str, Any]) -> ActorResponse:
        response = await self.send(urlencode({"payload": json.dumps(payload)}), content_type=FORM)
        if not response.ok:
            self.workspace.emit("delivery_failed", kind=payload["type"], status=response.status)
        response.trigger_id = payload.get("trigger_id")
        response.response_url = payload.get("response_url")
        return response

    # ------------------------------------------------------------------ payload parts

    def _common(self, kind: str, user: str) -> dict[str, Any]:
        return envelopes.interaction(self.workspace, kind, user, self.verification_token)

    def _channel(self, channel_id: str | None) -> Channel:
        return self.workspace.channels[channel_id or GENERAL_CHANNEL_ID]

    def _now_ts(self) -> str:
        return f"{self.workspace.now():.6f}"

    # ------------------------------------------------------------------ slash commands

    async def command(
        self, command: str, text: str = "", *, user: str | None = None, channel: str | None = None
    ) -> ActorResponse:
        """A slash command; Slack shows a non-empty answer to the user, so does the workspace."""
        user = user or self.default_user
        target = self._channel(channel)
        response_url = self.workspace.issue_response_url(channel=target.id, user=user)
        trigger_id = self.workspace.issue_trigger(user)
        form = {
            "token": self.verification_token,
            "team_id": self.workspace.team_id,
            "team_domain": self.workspace.domain,
            "channel_id": target.id,
            "channel_name": envelopes.channel_name(target),
            "user_id": user,
            "user_name": self.workspace.users[user].name,
            "command": command,
            "text": text,
            "api_app_id": self.workspace.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        response = await self.send(urlencode(form), content_type=FORM)
        response.trigger_id, response.response_url = trigger_id, response_url
        url_id = response_url.rsplit("/", 1)[-1]
        response.applied = apply_command_ack(self.workspace, url_id, response.status, response.text)
        return response

    # ------------------------------------------------------------------ block actions

    async def click(
        self,
        channel: str,
        ts: str,
        action_id: str,
        value: Any = None,
        *,
        user: str | None = None,
        block_id: str | None = None,
    ) -> ActorResponse:
        """Act on an element of a stored message (or ephemeral message) at ts.

        Buttons: `value` picks among buttons sharing the action_id. Selects, overflow,
        pickers: `value` is what the person chooses (an option value, user id, date…).
        """
        user = user or self.default_user
        workspace = self.workspace
        target = workspace.channels[channel]
        message: Message | None = next((m for m in target.messages if m.ts == ts), None)
        source = message or next(
            (
                e
                for e in workspace.ephemerals
                if e.ts == ts and e.channel == channel and not e.deleted
            ),
            None,
        )
        if source is None:
            raise LookupError(f"no message {ts} in {channel}")
        found_block, element = find_element(
            source.blocks, action_id, block_id=block_id, value=value
        )
        payload = self._common("block_actions", user)
        payload.update(
            container={
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": message is None,
            },
            trigger_id=workspace.issue_trigger(user),
            channel={"id": channel, "name": envelopes.channel_name(target)},
            state={"values": {}},
            response_url=workspace.issue_response_url(
                channel=channel, user=user, message_ts=ts, ephemeral=message is None
            ),
            actions=[action_entry(found_block, element, value, self._now_ts())],
        )
        if message is not None:
            payload["message"] = workspace.render(message)
        return await self._interaction(payload)

    async def click_in_view(
        self,
        view_id: str,
        action_id: str,
        value: Any = None,
        *,
        user: str | None = None,
        block_id: str | None = None,
    ) -> ActorResponse:
        """Act on an element inside an open modal or Home tab."""
        view = self.workspace.views[view_id]
        user = user or view.user
        found_block, element = find_element(view.blocks, action_id, block_id=block_id, value=value)
        if element.get("type") != "button":
            view.state_values.setdefault(found_block, {})[action_id] = state_entry(element, value)
        payload = self._common("block_actions", user)
        payload.update(
            container={"type": "view", "view_id": view_id},
            trigger_id=self.workspace.issue_trigger(user, view_id=view_id),
            view=self._view_api(view_id),
            actions=[action_entry(found_block, element, value, self._now_ts())],
        )
        return await self._interaction(payload)

    # ------------------------------------------------------------------ modals

    def _view_api(self, view_id: str) -> dict[str, Any]:
        workspace = self.workspace
        return workspace.views[view_id].to_api(
            team_id=workspace.team_id, app_id=workspace.app_id, bot_id=workspace.bot.bot_id or ""
        )

    async def submit_view(
        self, view_id: str, values: dict[str, Any] | None = None, *, user: str | None = None
    ) -> ActorResponse:
        """Submit an open modal with values={block_id: {action_id: value}} (or block_id: value).

        The answer's response_action (errors/update/push/clear, or none: close) is applied to
        the workspace's modal stack; `applied` says which.
        """
        workspace = self.workspace
        view = workspace.views[view_id]
        if view.closed or view.type != "modal":
            raise LookupError(f"view {view_id} is not an open modal")
        user = user or view.user
        view.state_values = view_state(view.payload, values or {}, view.state_values)
        payload = self._common("view_submission", user)
        payload.update(
            trigger_id=workspace.issue_trigger(user, view_id=view_id),
            view=self._view_api(view_id),
            response_urls=envelopes.view_response_urls(workspace, view, user),
        )
        response = await self._interaction(payload)
        response.applied = apply_view_response(workspace, view, response.status, response.json)
        return response

    async def close_view(self, view_id: str, *, user: str | None = None) -> ActorResponse | None:
        """The person closes the modal; the bot hears of it only with notify_on_close."""
        view = self.workspace.views[view_id]
        user = user or view.user
        payload = self._common("view_closed", user)
        payload.update(view=self._view_api(view_id), is_cleared=False)
        close_views(self.workspace, view)
        if not view.payload.get("notify_on_close"):
            return None
        return await self._interaction(payload)

    # ------------------------------------------------------------------ shortcuts

    async def message_shortcut(
        self, callback_id: str, channel: str, ts: str, *, user: str | None = None
    ) -> ActorResponse:
        user = user or self.default_user
        workspace = self.workspace
        target = workspace.channels[channel]
        message = workspace.message(target, ts)
        payload = self._common("message_action", user)
        payload.update(
            callback_id=callback_id,
            trigger_id=workspace.issue_trigger(user),
            response_url=workspace.issue_response_url(channel=channel, user=user, message_ts=ts),
            channel={"id": channel, "name": envelopes.channel_name(target)},
            message=workspace.render(message),
            message_ts=ts,
            action_ts=self._now_ts(),
        )
        return await self._interaction(payload)

    # ------------------------------------------------------------------ events

    async def event(self, event: dict[str, Any]) -> ActorResponse:
        """Deliver one Events API event in its event_callback envelope."""
        workspace = self.workspace
        event = {"event_ts": self._now_ts(), **event}
        envelope = envelopes.event_callback(workspace, event, self.verification_token)
        response = await self.send(json.dumps(envelope), content_type=JSON)
        if not response.ok:
            workspace.emit("delivery_failed", kind=event.get("type"), status=response.status)
        return response

    async def message(
        self, user: str, channel: str, text: str, *, thread_ts: str | None = None
    ) -> ActorResponse:
        """A person posts a message: it is stored, then the bot gets the message event."""
        stored = self.workspace.post_as_user(user, channel, text, thread_ts=thread_ts)
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": stored.ts,
            "team": self.workspace.team_id,
            "channel_type": envelopes.channel_type(self.workspace.channels[channel]),
            "event_ts": stored.ts,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return await self.event(event)

    async def reaction_added(
        self, user: str, channel: str, ts: str, name: str = "pushpin"
    ) -> ActorResponse:
        message = self.workspace.react_as_user(user, channel, ts, name)
        event = {
            "type": "reaction_added",
            "user": user,
            "reaction": name,
            "item": {"type": "message", "channel": channel, "ts": ts},
        }
        if message.user:
            event["item_user"] = message.user
        return await self.event(event)

    async def pin_added(self, user: str, channel: str, ts: str) -> ActorResponse:
        message = self.workspace.pin_as_user(user, channel, ts)
        return await self.event(
            {
                "type": "pin_added",
                "user": user,
                "channel_id": channel,
                "item": {
                    "type": "message",
                    "channel": channel,
                    "created": int(self.workspace.now()),
                    "created_by": user,
                    "message": self.workspace.render(message),
                },
            }
        )
