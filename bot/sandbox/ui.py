"""The sandbox web page: the workspace in a browser, driving the bot as Slack would.

`/` serves one static page (bot/sandbox/static/). It reads the workspace through
`GET /sandbox/ui/state`, hears of changes through server-sent events (`/sandbox/ui/events`,
fed by the workspace's listeners), and acts through small JSON endpoints that hand every
click, submission, command and reaction to a `SlackActor`: the bot receives each one as a
signed request on `/slack/events`, exactly as Slack would send it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import re
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.keys import BOT
from bot.sandbox.slack_actor import ActorResponse, SlackActor
from bot.sandbox.workspace import Workspace
from bot.slack.ids import Shortcut
from bot.slack.mrkdwn import escape
from incidents.drills import scenarios

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PREFIX = "/sandbox/ui"
MAX_MESSAGES = 300
KEEPALIVE_SECONDS = 15.0
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


def _kind(filename: str) -> str:
    lowered = filename.lower()
    if lowered.endswith(TEXT_SUFFIXES):
        return "text"
    guessed = mimetypes.guess_type(lowered)[0] or ""
    return "image" if guessed.startswith("image/") else "other"


def _safe_name(filename: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "file"


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
        self.bot: Any = None  # the bot's container, known once the app starts
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
            kind = _kind(file.filename)
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
        runtime = self.bot
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


def _answer(response: ActorResponse | None) -> dict[str, Any]:
    if response is None:
        return {"status": 200}
    return {"status": response.status, "applied": response.applied}


def _event_summary(event: dict[str, Any]) -> dict[str, Any]:
    """What the page needs to know to refresh: which kind, channel, person or view."""
    return {key: event[key] for key in ("seq", "type", "channel", "user", "view_id")
            if key in event}


def add_routes(app: web.Application, workspace: Workspace, *, base_url: str,
               signing_secret: str) -> SandboxUi:
    """Mount the page at `/` and its endpoints under /sandbox/ui on the sandbox's app."""
    ui = SandboxUi(workspace, base_url=base_url, signing_secret=signing_secret)

    async def index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def file(request: web.Request) -> web.Response:
        found = workspace.files.get(request.match_info["file_id"])
        if found is None or found.content is None:
            return web.json_response({"error": "no such file"}, status=404)
        kind = _kind(found.filename)
        # Text is served as plain text whatever its suffix: nothing uploaded runs as a page.
        ctype = ("text/plain" if kind == "text" else
                 mimetypes.guess_type(found.filename)[0] if kind == "image" else None)
        headers = {"X-Content-Type-Options": "nosniff"}
        if kind == "other" or request.query.get("download") == "1":
            headers["Content-Disposition"] = f'attachment; filename="{_safe_name(found.filename)}"'
        return web.Response(body=found.content, content_type=ctype or "application/octet-stream",
                            charset="utf-8" if kind == "text" else None, headers=headers)

    async def state(request: web.Request) -> web.Response:
        user = request.query.get("user") or "U_ALICE"
        if user not in workspace.users:
            user = "U_ALICE" if "U_ALICE" in workspace.users else next(iter(workspace.users))
        return web.json_response(ui.state(user, request.query.get("channel") or None),
                                 dumps=lambda data: json.dumps(data, default=str))

    async def events(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-store",
        })
        await response.prepare(request)
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)

        def listener(event: dict[str, Any]) -> None:
            if queue.full():
                return  # the page refetches the whole state anyway; dropping is harmless
            queue.put_nowait(_event_summary(event))

        workspace.listeners.append(listener)
        ui.streams.add(queue)
        try:
            await response.write(b"retry: 1000\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keepalive\n\n")
                    continue
                if event is None:
                    break
                await response.write(f"data: {json.dumps(event)}\n\n".encode())
        except ConnectionResetError:
            pass  # the page went away
        finally:
            workspace.listeners.remove(listener)
            ui.streams.discard(queue)
        return response

    def endpoint(handler):
        async def run(request: web.Request) -> web.Response:
            origin = request.headers.get("Origin")
            if origin and origin.split("://", 1)[-1] != request.host:
                return web.json_response({"error": "cross-origin request refused"}, status=403)
            if not ui.trusted_host(request.host):  # a rebinding DNS name, not this machine
                return web.json_response({"error": "unknown host"}, status=403)
            if request.content_type != "application/json":
                return web.json_response({"error": "send JSON"}, status=415)
            try:
                body = await request.json()
                if not isinstance(body, dict):
                    raise UiError("send a JSON object")
                return web.json_response(await handler(body))
            except UiError as exc:
                return web.json_response({"error": str(exc)}, status=exc.status)
            except (LookupError, ValueError) as exc:  # the actor's "no such element" and co
                return web.json_response({"error": str(exc)}, status=400)
        return run

    async def command(body: dict[str, Any]) -> dict[str, Any]:
        text = str(body.get("text") or "").strip()
        name, _, rest = text.partition(" ")
        if not name.startswith("/") or len(name) < 2:
            raise UiError("a slash command starts with /, e.g. /incident help")
        response = await ui.actor.command(name, ui.mentions(rest.strip()), user=ui.person(body),
                                          channel=ui.channel(body))
        if response.status == 404:
            raise UiError(f"the bot does not handle {name}")
        return _answer(response)

    async def message(body: dict[str, Any]) -> dict[str, Any]:
        text = str(body.get("text") or "")
        if not text.strip():
            raise UiError("write something first")
        user, channel = ui.person(body), ui.channel(body)
        thread = body.get("thread_ts") or None
        # Slack's clients send what people type with &, < and > escaped, as here.
        delivered = await ui.actor.message(user, channel, ui.mentions(escape(text)),
                                          thread_ts=thread)
        # The message is posted whatever the bot answers: it need not listen to messages.
        return {"status": 200, "delivered": delivered.status}

    async def action(body: dict[str, Any]) -> dict[str, Any]:
        return _answer(await ui.actor.click(
            ui.channel(body), str(body.get("ts")), str(body.get("action_id")),
            body.get("value"), user=ui.person(body), block_id=body.get("block_id") or None))

    async def view_action(body: dict[str, Any]) -> dict[str, Any]:
        view_id = str(body.get("view_id"))
        if view_id not in workspace.views:
            raise UiError("that form is gone")
        return _answer(await ui.actor.click_in_view(
            view_id, str(body.get("action_id")), body.get("value"), user=ui.person(body),
            block_id=body.get("block_id") or None))

    async def submit(body: dict[str, Any]) -> dict[str, Any]:
        view_id = str(body.get("view_id"))
        if view_id not in workspace.views:
            raise UiError("that form is gone")
        values = body.get("values") or {}
        if not isinstance(values, dict):
            raise UiError("values must be an object")
        return _answer(await ui.actor.submit_view(view_id, values, user=ui.person(body)))

    async def close(body: dict[str, Any]) -> dict[str, Any]:
        view_id = str(body.get("view_id"))
        if view_id not in workspace.views:
            raise UiError("that form is gone")
        return _answer(await ui.actor.close_view(view_id, user=ui.person(body)))

    async def react(body: dict[str, Any]) -> dict[str, Any]:
        name = str(body.get("name") or "pushpin")
        return _answer(await ui.actor.reaction_added(
            ui.person(body), ui.channel(body), str(body.get("ts")), name))

    async def fire(body: dict[str, Any]) -> dict[str, Any]:
        return await ui.fire(str(body.get("scenario") or ""))

    async def shortcut(body: dict[str, Any]) -> dict[str, Any]:
        callback_id = str(body.get("callback_id") or "")
        if callback_id not in {s["callback_id"] for s in MESSAGE_SHORTCUTS}:
            raise UiError(f"no message shortcut {callback_id!r}")
        return _answer(await ui.actor.message_shortcut(
            callback_id, ui.channel(body), str(body.get("ts")), user=ui.person(body)))

    async def join(body: dict[str, Any]) -> dict[str, Any]:
        return ui.join(ui.person(body), ui.channel(body))

    async def started(app: web.Application) -> None:
        ui.bot = app.get(BOT)

    async def stopping(app: web.Application) -> None:
        await ui.close()

    app.router.add_get("/", index)
    app.router.add_static(f"{PREFIX}/static", STATIC, show_index=False)
    app.router.add_get(f"{PREFIX}/state", state)
    app.router.add_get(f"{PREFIX}/events", events)
    app.router.add_get(f"{PREFIX}/files/{{file_id}}", file)
    for name, handler in (("command", command), ("message", message), ("action", action),
                          ("view_action", view_action), ("submit", submit),
                          ("close", close), ("react", react), ("fire", fire),
                          ("join", join), ("shortcut", shortcut)):
        app.router.add_post(f"{PREFIX}/{name}", endpoint(handler))
    app.on_startup.append(started)
    app.on_shutdown.append(stopping)
    return ui
