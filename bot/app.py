"""`create_app(settings, catalog)`: the one place the bot is assembled. Nothing runs at import."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp
from sqlalchemy import func
from sqlmodel import select

from bot import jobs, migrate
from bot.alerts import routes as alerts
from bot.alerts.writer import AlertWriter
from bot.container import Runtime
from bot.http import health, slack_events
from bot.http.body import MAX_BODY
from bot.jobs import timers
from bot.keys import ALERT_WRITER, BOLT, BOT, SCHEDULER, WORKER
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack import deliveries, drill_marking, people
from bot.slack.client import make_client
from bot.slack.listeners import register_all
from bot.slack.outbox_worker import OutboxWorker
from incidents.catalog import Catalog
from incidents.db import checkpoint, make_engine, uses_wal
from incidents.models import Incident, utcnow

log = logging.getLogger(__name__)
# The write-ahead log is copied into the database this often, from a worker thread.
CHECKPOINT_SECONDS = 1.0


def create_app(
    settings: Settings,
    catalog: Catalog,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> web.Application:
    settings.require_slack()
    metrics = Metrics()
    token = settings.slack_bot_token.get_secret_value()
    client = make_client(token=token, base_url=settings.slack_api_url, metrics=metrics)
    runtime = Runtime(
        settings=settings,
        catalog=catalog,
        engine=make_engine(settings.database_url, checkpoint_on_commit=False),
        client=client,
        metrics=metrics,
        clock=clock,
    )
    metrics.watch_database(lambda: _database_gauges(runtime))

    bolt = AsyncApp(
        client=client,
        signing_secret=(
            settings.slack_signing_secret.get_secret_value()
            if settings.slack_signing_secret else None
        ),
        # Listeners answer as soon as they ack and keep working afterwards (EarlyAckApp).
        process_before_response=True,
        logger=logging.getLogger("bot.slack"),
        # bot/http/slack_events.py checks every signature on the raw body before Bolt sees it.
        request_verification_enabled=False,
    )
    bolt.use(slack_events.team_guard(runtime))
    bolt.use(people.middleware(runtime))
    register_all(bolt, runtime)
    drill_marking.install(runtime)
    jobs.install(runtime)
    if uses_wal(settings.database_url):
        runtime.timer_checks.append(("wal_checkpoint", _checkpoint, CHECKPOINT_SECONDS))

    app = web.Application(client_max_size=MAX_BODY)
    app[BOT] = runtime
    app[BOLT] = bolt
    app[ALERT_WRITER] = AlertWriter(runtime)
    slack_events.add_routes(app)
    health.add_routes(app)
    alerts.add_routes(app)
    app.cleanup_ctx.append(_lifecycle)
    # Before the server waits for open requests: our own work may be one of them.
    app.on_shutdown.append(_stop_work)
    return app


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    runtime = app[BOT]
    migrate.upgrade(runtime.engine)
    # One connection pool for every Web API call instead of a new session per call.
    runtime.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    # In the background: the server is not listening yet, and Slack may be down.
    runtime.spawn(_identify(runtime))
    worker = OutboxWorker(runtime, handlers=deliveries.handlers(), storm=app[ALERT_WRITER].busy)
    app[WORKER] = worker
    scheduler = AsyncIOScheduler(timezone="UTC")
    app[SCHEDULER] = scheduler
    for name, check, every in runtime.timer_checks:
        timers.add_check(scheduler, runtime, name, check, every)
    scheduler.start()
    worker.start()
    socket_mode = None
    if runtime.settings.socket_mode:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        socket_mode = AsyncSocketModeHandler(
            app[BOLT], runtime.settings.slack_app_token.get_secret_value()
        )
        await socket_mode.connect_async()
    try:
        yield
    finally:
        if socket_mode is not None:
            await socket_mode.close_async()
        await _stop_work(app)
        await runtime.client.session.close()
        runtime.engine.dispose()


async def _stop_work(app: web.Application) -> None:
    runtime = app[BOT]
    if runtime.stopped:
        return
    runtime.stopped = True
    await app[ALERT_WRITER].stop()
    if WORKER in app:
        await app[WORKER].stop()
    scheduler = app.get(SCHEDULER)
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
    for task in list(runtime.background):
        task.cancel()


async def _identify(runtime: Runtime) -> None:
    """Learn our own user id (to skip ourselves in invites); Slack being down must not stop us."""
    try:
        response = await runtime.client.auth_test()
        runtime.bot_user_id = response.get("user_id")
        runtime.team_id = response.get("team_id")
        runtime.enterprise_id = response.get("enterprise_id")
    except Exception as exc:
        log.warning("auth.test failed, continuing without the bot's user id: %s", exc)


async def _checkpoint(runtime: Runtime) -> int:
    """Off the event loop: SQLite lets go of the GIL while it copies pages."""
    await asyncio.to_thread(checkpoint, runtime.engine)
    return 0


def _database_gauges(runtime: Runtime) -> dict:
    with runtime.session() as session:
        rows = session.exec(
            select(Incident.severity, Incident.status, func.count())
            .where(Incident.is_drill == False)  # noqa: E712 (SQL expression)
            .group_by(Incident.severity, Incident.status)
        ).all()
    return {
        "incidents": {(sev, status): count for sev, status, count in rows},
        **{f"outbox_{key}": value for key, value in health.outbox_figures(runtime).items()},
    }
