"""Fixtures: a seeded workspace, served over HTTP, and a real slack_sdk client pointed at it."""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.web_api import WebApiServer, start_web_api
from bot.sandbox.workspace import Workspace


@pytest.fixture
def workspace() -> Workspace:
    return Workspace.default()


@pytest_asyncio.fixture
async def server(workspace: Workspace) -> AsyncIterator[WebApiServer]:
    running = await start_web_api(workspace)
    yield running
    await running.close()


@pytest_asyncio.fixture
async def client(server: WebApiServer) -> AsyncIterator[AsyncWebClient]:
    web_client = AsyncWebClient(token="xoxb-sandbox", base_url=server.api_url)
    yield web_client
    if web_client.session is not None:
        await web_client.session.close()
