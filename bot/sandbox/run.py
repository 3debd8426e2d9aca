"""`incidentbot sandbox`: the bot wired to the built-in workspace, on one local port."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
from pathlib import Path

from aiohttp import web

from bot.cli.database import SANDBOX_DATABASE
from bot.heap import freeze_after_startup
from bot.sandbox.mlflow import local_registry
from bot.sandbox.mlops import local_actions
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


def cli_hint(database_url: str) -> str:
    """The exact command for using the CLI against the sandbox's database."""
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
        path = Path(database_url.removeprefix("sqlite:///")).resolve()
        database_url = f"sqlite:///{path}"
    if "@" in database_url:  # credentials stay out of what is printed
        return "DATABASE_URL=<the sandbox's database URL> incidentbot export 1"
    return f"DATABASE_URL={database_url} incidentbot export 1"


def banner(base: str, catalog: Catalog, database_url: str, *, fresh: str | None = None) -> str:
    systems = ", ".join(catalog.systems) or "(none)"
    started = f"{fresh}\n\n" if fresh else ""
    return f"""{started}incidentbot sandbox is running — no Slack account needed.

  Sandbox page              {base}/
  Slack-compatible Web API  {base}/api/
  Slack events endpoint     {base}/slack/events
  Health / metrics          {base}/healthz  {base}/metrics
  Database                  {database_url.split('@')[-1]}
  AI systems in catalog     {systems}
  Fake ML-ops service       {base}/sandbox/mlops/ (the catalog's *.example action URLs)
  Sandbox model registry    {base}/sandbox/mlflow/ (the catalog's *.example MLflow servers)

The CLI against this database (report, export, stats), from this folder:
  {cli_hint(database_url)}

Open the page to see the channels, click through incidents, type /incident commands and
fire a sample alert for one of the AI failure modes (data drift, pipeline nulls, a bad
deployment…); `/incident drill` lists drills.

Or fire a sample alert from a shell:
  curl -s -X POST {base}/alerts -H 'Content-Type: application/json' \\
    -d '{{"system": "fraud-detector", "title": "Fraud flag rate 40%",
         "signal": "prediction_distribution",
         "metric": {{"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10}}}}'

Press Ctrl+C to stop."""


def _fresh_sandbox_database(settings: Settings) -> tuple[Settings, str | None]:
    """Keep practice incidents out of a real bot's database in the same folder. The
    workspace lives in memory, so its database starts afresh too: otherwise old incidents
    would point at channels that no longer exist. Says so when it removes one."""
    if "database_url" in settings.model_fields_set:
        return settings, None
    path = Path(SANDBOX_DATABASE.removeprefix("sqlite:///"))
    existed = path.exists()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    note = (f"Starting with a fresh database: the previous sandbox's {path} was removed "
            "(the sandbox workspace lives in memory, so its old incidents would point at "
            "channels that no longer exist). Set DATABASE_URL to keep one.") if existed else None
    return settings.model_copy(update={"database_url": SANDBOX_DATABASE}), note


async def _serve(settings: Settings, port: int, fresh: str | None) -> None:
    workspace = Workspace.default()
    sock = bind(settings.host, port)
    base = f"http://{settings.host}:{sock.getsockname()[1]}"
    catalog = local_registry(local_actions(sandbox_catalog(settings), base), base)
    app = sandbox_app(settings, catalog, workspace, base_url=base,
                      signing_secret=secrets.token_hex(16))
    freeze_after_startup(app)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(banner(base, catalog, settings.database_url, fresh=fresh), flush=True)
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
    wired, fresh = _fresh_sandbox_database(settings)
    asyncio.run(_serve(wired, port, fresh))
