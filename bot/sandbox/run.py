"""`incidentbot sandbox`: the bot wired to the built-in workspace, on one local port."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
from pathlib import Path

from aiohttp import web

from bot.heap import freeze_after_startup
from bot.sandbox.stack import bind, sandbox_app
from bot.sandbox.workspace import Workspace
from bot.settings import Settings
from incidents.catalog import Catalog, load_catalog


def example_catalog_path() -> Path:
    """The example catalog: inside the installed package, or in a source checkout."""
    packaged = Path(__file__).parents[1] / "examples" / "incidentbot.yml"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[2] / "examples" / "incidentbot.yml"


def sandbox_catalog(settings: Settings) -> Catalog:
    return load_catalog(settings.catalog_path() or example_catalog_path())


def banner(base: str, catalog: Catalog, database_url: str) -> str:
    systems = ", ".join(catalog.systems) or "(none)"
    return f"""incidentbot sandbox is running — no Slack account needed.

  Sandbox page              {base}/
  Slack-compatible Web API  {base}/api/
  Slack events endpoint     {base}/slack/events
  Health / metrics          {base}/healthz  {base}/metrics
  Database                  {database_url.split('@')[-1]}
  AI systems in catalog     {systems}

Open the page to see the channels, click through incidents, type /incident commands and
fire a sample alert for one of the seed's failure modes; `/incident drill` lists drills.

Or fire a sample alert from a shell:
  curl -s -X POST {base}/alerts -H 'Content-Type: application/json' \\
    -d '{{"system": "fraud-detector", "title": "Fraud flag rate 40%",
         "signal": "prediction_distribution",
         "metric": {{"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10}}}}'

Press Ctrl+C to stop."""


SANDBOX_DATABASE = "sqlite:///./incidentbot-sandbox.db"


def _fresh_sandbox_database(settings: Settings) -> Settings:
    """Keep practice incidents out of a real bot's database in the same folder. The
    workspace lives in memory, so its database starts afresh too: otherwise old incidents
    would point at channels that no longer exist."""
    if "database_url" in settings.model_fields_set:
        return settings
    for suffix in ("", "-wal", "-shm"):
        Path(SANDBOX_DATABASE.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    return settings.model_copy(update={"database_url": SANDBOX_DATABASE})


async def _serve(settings: Settings, port: int) -> None:
    catalog = sandbox_catalog(settings)
    workspace = Workspace.default()
    sock = bind(settings.host, port)
    base = f"http://{settings.host}:{sock.getsockname()[1]}"
    app = sandbox_app(settings, catalog, workspace, base_url=base,
                      signing_secret=secrets.token_hex(16))
    freeze_after_startup(app)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(banner(base, catalog, settings.database_url), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def run_sandbox(settings: Settings, *, port: int) -> None:
    asyncio.run(_serve(_fresh_sandbox_database(settings), port))
