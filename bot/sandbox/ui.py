"""The sandbox web page's side of the workspace: what the page shows (`SandboxUi.state`) and
what a person's click, command or reaction does, handed to a `SlackActor` so the bot
receives each one as a signed request on `/slack/events`, exactly as Slack would send it.
The page's HTTP endpoints are in bot/sandbox/ui_routes.py.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
from typing import Any

import aiohttp

from bot.sandbox.slack_actor import SlackActor
from bot.sandbox.workspace import Workspace
from bot.slack.ids import Shortcut
from incidents.drills import scenarios

PREFIX = "/sandbox/ui"
MAX_MESSAGES = 300
SANDBOX_LABELS = {"source": "sandbox-page"}
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
# `@name` typed at the start or after a space; Slack's clients turn it into a mention when
# the name is a member of the workspace.
TYPED_MENTION = re.compile(r"(?<![\w<|@])@([a-z0-9][a-z0-9._-]*)", re.IGNORECASE)


# The message shortcuts of manifest.yml, offered on each message as Slack's "More actions".
MESSAGE_SHORTCUTS = [{"callback_id": str(Shortcut.ADD_TO_TIMELINE),
                      "name": "Add to incident timeline"}]
INLINE_TEXT_BYTES = 200_000
TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".json", ".csv", ".log", ".yml", ".yaml")


def kind_of(filename: str) -> str:
    """How the page shows a file: text inline, an image drawn, anything else as a link."""
    lowered = filename.lower()
    if lowered.endswith(TEXT_SUFFIXES):
        return "text"
    guessed = mimetypes.guess_type(lowered)[0] or ""
    return "image" if guessed.startswith("image/") else "other"


class UiError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class SandboxUi:
    def __init__(self, workspace: Workspace, *, base_url: str, signing_secret: str) -> None:
        self.workspace = workspace
        self.base_url = base_url
        self.actor = SlackActor(f"{base_url}/slack/events", signing_secret, workspace)
        self.streams: set[asyncio.Queue] = set()
        self.runtime: Any = None  # the bot's container, known once the app starts
        self._http: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ reading

    def people(self) -> list[dict[str, Any]]:
        return [
            {"id": u.id, "name": u.name, "real_name": u.real_name, "tz": u.tz,
             "is_bot": u.is_bot}
            for u in self.workspace.users.values() if not u.deleted
        ]

    def visible_channels(self, user: str) -> list[dict[str, Any]]:
        found = []
        for channel in self.workspace.channels.values():
            if channel.archived or channel.is_mpim:
                continue
            if channel.is_im and channel.im_user != user:
                continue
            if channel.is_private and not channel.is_im and user not in channel.members:
                continue
            found.append({
                "id": channel.id,
                "name": channel.name,
                "label": "incidentbot" if channel.is_im else channel.name,
                "is_im": channel.is_im,
                "is_private": channel.is_private,
                "is_member": user in channel.members,
                "latest": channel.messages[-1].ts if channel.messages else None,
            })
        found.sort(key=lambda c: (c["is_im"], c["name"]))
        return found

    def channel_view(self, channel_id: str, user: str) -> dict[str, Any] | None:
        ws = self.workspace
        channel = ws.channels.get(channel_id)
        if channel is None:
            return None
        messages = [{**ws.render(m), "ephemeral": False, "files": self.files_of(m.files)}
                    for m in channel.messages]
        messages += [{**e.to_api(), "ephemeral": True, "user": ws.bot.id,
                      "thread_ts": e.thread_ts}
                     for e in ws.ephemerals_for(user=user, channel=channel_id)]
        messages.sort(key=lambda m: float(m["ts"]))
        return {
            "id": channel.id,
            "name": channel.name,
            "is_im": channel.is_im,
            "topic": channel.topic.value,
            "members": sorted(channel.members),
            "bookmarks": [{"title": b.title, "link": b.link} for b in channel.bookmarks],
            "messages": messages[-MAX_MESSAGES:],
        }

    def files_of(self, ids: list[str]) -> list[dict[str, Any]]:
        """A message's files as the page shows them, as Slack's client does: images drawn,
        text (Markdown, JSON) shown inline, each with a download link."""
        shown = []
        for file_id in ids:
            file = self.workspace.files.get(file_id)
            if file is None:
                continue
            kind = kind_of(file.filename)
            text = None
            if kind == "text" and file.content is not None:
                text = file.content[:INLINE_TEXT_BYTES].decode("utf-8", "replace")
            shown.append({"id": file.id, "name": file.filename,
                          "title": file.title or file.filename, "kind": kind,
                          "url": f"{PREFIX}/files/{file.id}", "text": text,
                          "alt": file.alt_txt or file.title or file.filename})
        return shown

    def modal_of(self, user: str) -> dict[str, Any] | None:
        ws = self.workspace
        view = ws.open_modal(user)
        if view is None:
            return None
        data = view.to_api(team_id=ws.team_id, app_id=ws.app_id, bot_id=ws.bot.bot_id or "")
        data["errors"] = view.errors or {}
        return data

    def state(self, user: str, channel: str | None) -> dict[str, Any]:
        return {
            "team": self.workspace.team_name,
            "user": user,
            "users": self.people(),
            "channels": self.visible_channels(user),
            "channel": self.channel_view(channel, user) if channel else None,
            "modal": self.modal_of(user),
            "scenarios": [
                {"key": s.key, "title": s.title, "failure_mode": s.failure_mode,
                 "system": s.system}
                for s in scenarios.SCENARIOS
            ],
            "shortcuts": MESSAGE_SHORTCUTS,
            "seq": len(self.workspace.events),
        }

    # ------------------------------------------------------------------ acting

    def trusted_host(self, host: str) -> bool:
        """Pages reach the sandbox by a loopback name or the address it listens on; any
        name on a sandbox listening on all interfaces."""
        name = host.rsplit(":", 1)[0].strip("[]") if host else ""
        listening = self.base_url.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
        return listening in ("0.0.0.0", "::") or name in LOOPBACK | {listening}

    def person(self, body: dict[str, Any]) -> str:
        user = body.get("user")
        found = self.workspace.users.get(user) if isinstance(user, str) else None
        if found is None or found.is_bot or found.deleted:
            raise UiError("choose one of the sandbox's people")
        return found.id

    def mentions(self, text: str) -> str:
        """Typed `@bob` as Slack sends it with `should_escape: true` (manifest.yml):
        `<@U…|bob>`; a name nobody has stays as typed."""
        people = {u.name.lower(): u for u in self.workspace.users.values() if not u.deleted}

        def swap(match: re.Match[str]) -> str:
            name = match.group(1).rstrip(".-")
            found = people.get(name.lower())
            if found is None:
                return match.group(0)
            return f"<@{found.id}|{found.name}>{match.group(1)[len(name):]}"

        return TYPED_MENTION.sub(swap, text)

    def join(self, user: str, channel_id: str) -> dict[str, Any]:
        """The Join button of a public channel the person is not in."""
        channel = self.workspace.channels[channel_id]
        if channel.is_im or channel.is_private or channel.archived:
            raise UiError("only open public channels can be joined")
        if user not in channel.members:
            channel.members.add(user)
            self.workspace.emit("member_joined", channel=channel.id, user=user, inviter=user)
        return {"status": 200, "channel": channel.id}

    def channel(self, body: dict[str, Any]) -> str:
        channel = body.get("channel")
        if not isinstance(channel, str) or channel not in self.workspace.channels:
            raise UiError("no such channel")
        return channel

    async def fire(self, key: str) -> dict[str, Any]:
        """Fire a scenario's opening alert at the bot's own `POST /alerts`, as monitoring
        would (with the bearer token when the bot requires one)."""
        scenario = scenarios.get(key)
        if scenario is None:
            raise UiError(f"no scenario {key!r}")
        runtime = self.runtime
        headers = {"Content-Type": "application/json"}
        token = runtime.settings.alert_webhook_token if runtime is not None else None
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        body = scenario.alert(labels={**SANDBOX_LABELS, "scenario": scenario.key})
        async with self._http.post(f"{self.base_url}/alerts", data=json.dumps(body),
                                   headers=headers) as response:
            return {"status": response.status,
                    "answer": await response.json(content_type=None)}

    async def close(self) -> None:
        for queue in list(self.streams):
            queue.put_nowait(None)
        await self.actor.close()
        if self._http is not None:
            await self._http.close()
            self._http = None
