"""The bot and the Slack-compatible workspace on one loopback server.

Used by `incidentbot sandbox`, by the scenario tests and by the benchmarks, so all three
exercise the same wiring: signed requests in through /slack/events, Web API calls out to
/api/ on the same server.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from pydantic import SecretStr

from bot.app import create_app
from bot.container import Runtime
from bot.keys import BOT, WORKER
from bot.sandbox import mlflow, mlops, ui_routes
from bot.sandbox.slack_actor import SlackActor
from bot.sandbox.web_api import add_routes
from bot.sandbox.workspace import Workspace
from bot.settings import Settings
from incidents.catalog import Catalog
from incidents.models import utcnow


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def sandbox_app(
    settings: Settings,
    catalog: Catalog,
    workspace: Workspace,
    *,
    base_url: str,
    signing_secret: str,
    clock: Callable[[], datetime] = utcnow,
) -> web.Application:
    """The bot app with the workspace's Web API mounted beside it."""
    wired = settings.model_copy(update={
        "slack_bot_token": SecretStr(workspace.token),
        "slack_signing_secret": SecretStr(signing_secret),
        "slack_app_token": None,
        "slack_api_url": f"{base_url}/api/",
    })
    app = create_app(wired, catalog, clock=clock)
    add_routes(app, workspace)
    mlops.add_routes(app)
    mlflow.add_routes(app, catalog)
    ui_routes.add_routes(app, workspace, base_url=base_url, signing_secret=signing_secret)
    workspace.public_url = base_url
    return app


@dataclass
class Stack:
    workspace: Workspace
    app: web.Application
    runner: web.AppRunner
    url: str
    actor: SlackActor
    signing_secret: str

    @property
    def bot(self) -> Runtime:
        return self.app[BOT]

    async def drain(self) -> int:
        return await self.app[WORKER].drain()

    async def close(self) -> None:
        await self.actor.close()
        await self.runner.cleanup()


async def start_stack(
    settings: Settings,
    catalog: Catalog,
    *,
    workspace: Workspace | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Callable[[], datetime] = utcnow,
    signing_secret: str | None = None,
) -> Stack:
    workspace = workspace or Workspace.default()
    signing_secret = signing_secret or secrets.token_hex(16)
    sock = bind(host, port)
    base_url = f"http://{host}:{sock.getsockname()[1]}"
    app = sandbox_app(settings, catalog, workspace, base_url=base_url,
                      signing_secret=signing_secret, clock=clock)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    actor = SlackActor(f"{base_url}/slack/events", signing_secret, workspace)
    return Stack(workspace, app, runner, base_url, actor, signing_secret)
