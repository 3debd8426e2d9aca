"""aiohttp routes serving a Workspace as Slack's Web API, upload URLs and response URLs.

Point slack_sdk at it with AsyncWebClient(token=..., base_url="http://HOST:PORT/api/").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox import api_users_files
from bot.sandbox.interactions import post_to_response_url
from bot.sandbox.workspace import Workspace

WORKSPACE_KEY = web.AppKey("sandbox_workspace", Workspace)


async def _arguments(request: web.Request) -> dict[str, Any] | None:
    """Query string plus body (form or JSON), as Slack merges them; None for a bad JSON body."""
    arguments: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return arguments
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        arguments.update(body)
    else:
        form = await request.post()
        arguments.update({k: v for k, v in form.items() if isinstance(v, str)})
    return arguments


def _token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _learn_public_url(workspace: Workspace, request: web.Request) -> None:
    # The upload and response URLs we hand out must reach this server; the first request
    # tells us how clients reach it unless the sandbox configured it.
    if workspace.public_url is None:
        workspace.public_url = f"{request.scheme}://{request.host}"


def add_routes(
    app: web.Application,
    workspace: Workspace,
    *,
    api_prefix: str = "/api",
    sandbox_prefix: str = "/sandbox",
) -> None:
    """Mount the Web API under api_prefix and upload/response URLs under sandbox_prefix."""
    workspace.sandbox_prefix = sandbox_prefix
    app[WORKSPACE_KEY] = workspace

    async def api_method(request: web.Request) -> web.Response:
        _learn_public_url(workspace, request)
        method = request.match_info["method"]
        arguments = await _arguments(request)
        if arguments is None:
            return web.json_response(workspace.reject(method, "invalid_json").body)
        result = workspace.handle(method, arguments, token=_token(request))
        gate = workspace.faults.held(method)
        if gate is not None:
            await gate.wait()
        return web.json_response(result.body, status=result.status, headers=result.headers)

    async def upload(request: web.Request) -> web.Response:
        status, text = api_users_files.receive_upload(
            workspace, request.match_info["file_id"], await request.read()
        )
        return web.Response(status=status, text=text, content_type="text/plain")

    async def response_url(request: web.Request) -> web.Response:
        payload: Any = None
        try:
            if request.content_type == "application/x-www-form-urlencoded":
                form = await request.post()
                payload = json.loads(str(form.get("payload", "null")))
            else:
                payload = json.loads(await request.text() or "null")
        except ValueError:
            pass  # answered as invalid_payload
        status, body = post_to_response_url(workspace, request.match_info["url_id"], payload)
        return web.json_response(body, status=status)

    app.router.add_get(f"{api_prefix}/{{method}}", api_method)
    app.router.add_post(f"{api_prefix}/{{method}}", api_method)
    app.router.add_post(f"{sandbox_prefix}/files/upload/{{file_id}}", upload)
    app.router.add_post(f"{sandbox_prefix}/response/{{url_id}}", response_url)


def create_web_api_app(workspace: Workspace) -> web.Application:
    app = web.Application()
    add_routes(app, workspace)
    return app


@dataclass
class WebApiServer:
    """A running Web API server; `api_url` is the base_url for slack_sdk clients."""

    runner: web.AppRunner
    url: str

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_web_api(
    workspace: Workspace, host: str = "127.0.0.1", port: int = 0
) -> WebApiServer:
    """Serve the workspace on host:port (0 picks a free port) and tell it its public URL."""
    runner = web.AppRunner(create_web_api_app(workspace))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    url = f"http://{host}:{bound_port}"
    workspace.public_url = url
    return WebApiServer(runner, url)
