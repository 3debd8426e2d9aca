"""`GET /healthz` and `GET /metrics`."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from bot.keys import BOT, SCHEDULER


async def healthz(request: web.Request) -> web.Response:
    bot = request.app[BOT]
    checks = {"database": "ok", "scheduler": "ok"}
    try:
        with bot.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not healthy", reported, not raised
        checks["database"] = f"error: {type(exc).__name__}"
    scheduler = request.app.get(SCHEDULER)
    if scheduler is None or not scheduler.running:
        checks["scheduler"] = "not running"
    if all(value == "ok" for value in checks.values()):
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "unavailable", "checks": checks}, status=503)


async def metrics(request: web.Request) -> web.Response:
    body = request.app[BOT].metrics.render()
    response = web.Response(body=body)
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    response.charset = "utf-8"
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
