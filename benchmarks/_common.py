"""Shared set-up for benchmarks: the real `incidentbot serve` in its own process, and the
sandbox workspace playing Slack in this one, as in production where Slack is elsewhere."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import tempfile
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.sandbox.slack_actor import SlackActor  # noqa: E402
from bot.sandbox.web_api import WebApiServer, start_web_api  # noqa: E402
from bot.sandbox.workspace import Workspace  # noqa: E402

SECRET = "benchmark-signing-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Bench:
    workspace: Workspace
    api: WebApiServer
    actor: SlackActor
    url: str
    database: Path


@asynccontextmanager
async def running_bot(**env: str):
    """`incidentbot serve` against the workspace; yields once /healthz answers."""
    workspace = Workspace.default()
    api = await start_web_api(workspace)
    folder = Path(tempfile.mkdtemp(prefix="incidentbot-bench-"))
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": workspace.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api.api_url,
        "DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "INCIDENTBOT_CONFIG": str(ROOT / "examples" / "incidentbot.yml"),
        "PORT": str(port),
        **env,
    }
    environment.pop("SLACK_APP_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    actor = SlackActor(f"{url}/slack/events", SECRET, workspace)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"{url}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("the bot did not start")
        yield Bench(workspace, api, actor, url, folder / "bench.db")
    finally:
        await actor.close()
        process.terminate()
        await process.wait()
        await api.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"{name}: n={len(ms)} p50={percentile(ms, 50):.1f} ms "
            f"p99={percentile(ms, 99):.1f} ms max={max(ms):.1f} ms "
            f"mean={statistics.mean(ms):.1f} ms")


def emptied(url: str | None) -> dict[str, str]:
    """The environment that points the bot at `url`, emptied first; SQLite by default."""
    if url is None:
        return {}
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return {"DATABASE_URL": url}
