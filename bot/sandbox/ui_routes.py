"""The sandbox web page's HTTP endpoints.

`/` serves one static page (bot/sandbox/static/). It reads the workspace through
`GET /sandbox/ui/state`, hears of changes through server-sent events (`/sandbox/ui/events`,
fed by the workspace's listeners), and acts through small JSON endpoints, each handing the
person's action to `SandboxUi` (bot/sandbox/ui.py).
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.keys import BOT
from bot.sandbox.slack_actor import ActorResponse
from bot.sandbox.ui import MESSAGE_SHORTCUTS, PREFIX, SandboxUi, UiError, kind_of
from bot.sandbox.workspace import Workspace
from bot.slack.mrkdwn import escape

STATIC = Path(__file__).parent / "static"
KEEPALIVE_SECONDS = 15.0


def _safe_name(filename: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "file"


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
        kind = kind_of(found.filename)
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
        ui.runtime = app.get(BOT)

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
