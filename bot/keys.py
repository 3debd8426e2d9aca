"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from slack_bolt.async_app import AsyncApp

    from bot.alerts.writer import AlertWriter
    from bot.container import Runtime
    from bot.slack.outbox_worker import OutboxWorker

BOT: web.AppKey[Runtime] = web.AppKey("bot")
BOLT: web.AppKey[AsyncApp] = web.AppKey("bolt")
SCHEDULER: web.AppKey[AsyncIOScheduler] = web.AppKey("scheduler")
WORKER: web.AppKey[OutboxWorker] = web.AppKey("worker")
ALERT_WRITER: web.AppKey[AlertWriter] = web.AppKey("alert_writer")
