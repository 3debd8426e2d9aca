"""`GET /healthz` and `GET /metrics`."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from bot.container import Runtime
from bot.keys import BOT, SCHEDULER
from incidents import outbox, outbox_claims
from incidents.models import utcnow


def outbox_figures(runtime: Runtime) -> dict:
    """The outbox as this replica sees it: the backlog and the age of its oldest item are
    the whole database's (every replica shows the same), `claimed` is this replica's own."""
    with runtime.session() as session:
        oldest = outbox.oldest_waiting(session)
        figures = {
            "backlog": outbox.backlog(session),
            # Creation times are wall-clock times, so the age is too.
            "oldest_seconds": round(max((utcnow() - oldest).total_seconds(), 0.0), 3)
            if oldest else 0.0,
            "claimed": outbox_claims.claimed_by(session, runtime.replica),
        }
    return figures


async def healthz(request: web.Request) -> web.Response:
    """503 when this replica cannot work (database or scheduler down). A slow or stuck
    outbox is reported but stays 200: the outbox is shared by every replica, so it would
    turn them all 503 at once and a load balancer would stop accepting alerts too, while
    restarting a replica cannot make Slack answer sooner. Alert on
    `incidentbot_outbox_oldest_seconds` instead (README, "Running several replicas")."""
    runtime = request.app[BOT]
    checks = {"database": "ok", "scheduler": "ok"}
    figures = None
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        figures = outbox_figures(runtime)
    except Exception as exc:  # any failure means "not healthy", reported, not raised
        checks["database"] = f"error: {type(exc).__name__}"
    scheduler = request.app.get(SCHEDULER)
    if scheduler is None or not scheduler.running:
        checks["scheduler"] = "not running"
    if all(value == "ok" for value in checks.values()):
        return web.json_response({"status": "ok", "replica": runtime.replica, "outbox": figures})
    return web.json_response({"status": "unavailable", "checks": checks,
                              "replica": runtime.replica}, status=503)


async def metrics(request: web.Request) -> web.Response:
    body = request.app[BOT].metrics.render()
    response = web.Response(body=body)
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    response.charset = "utf-8"
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
