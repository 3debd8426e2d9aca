"""Alert webhooks. An accepted alert is committed before the 2xx answer; Slack hears about it
afterwards from the outbox, so Slack being down never loses an alert."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot.alerts.parsers import PARSERS, PayloadError
from bot.http.body import BodyTooLarge, read_body
from bot.keys import ALERT_WRITER, BOT

log = logging.getLogger(__name__)


def _error(status: int, message: str, details: list | None = None) -> web.Response:
    body: dict = {"error": message}
    if details:
        body["details"] = details[:50]
    return web.json_response(body, status=status)


def _check_token(request: web.Request) -> web.Response | None:
    token = request.app[BOT].settings.alert_webhook_token
    if token is None:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return _error(401, "missing bearer token: send 'Authorization: Bearer <token>'")
    # Headers arrive as any bytes: a token that is not UTF-8 is simply a wrong token.
    offered = given.strip().encode("utf-8", "backslashreplace")
    if not hmac.compare_digest(offered, token.get_secret_value().encode()):
        return _error(403, "wrong bearer token")
    return None


def _check_origin(request: web.Request) -> web.Response | None:
    """A web page may post a "simple" body (text/plain, a form) to any address without asking
    first; alert senders post JSON and send no Origin. A browser's cross-site post is refused,
    so a page a responder visits cannot fire alerts into the bot when no token is set."""
    if "Origin" not in request.headers:
        return None
    if request.content_type in ("application/json",) or request.content_type.endswith("+json"):
        return None  # a browser sends JSON cross-site only after a CORS preflight we never allow
    return _error(415, "alerts must be sent as application/json")


async def _read_json(request: web.Request):
    try:
        body = await read_body(request)
    except BodyTooLarge as exc:
        raise PayloadError(413, str(exc)) from None
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(400, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise PayloadError(400, "invalid JSON: nested too deeply") from None


def _handler(source: str):
    parse = PARSERS[source]

    async def receive(request: web.Request) -> web.Response:
        runtime = request.app[BOT]
        refused = _check_token(request) or _check_origin(request)
        if refused is not None:
            runtime.metrics.alerts_received.labels(source, "unauthorized").inc()
            return refused
        try:
            alerts = parse(await _read_json(request))
        except PayloadError as exc:
            runtime.metrics.alerts_received.labels(source, "rejected").inc()
            return _error(exc.status, exc.message, exc.details)

        # Committed before we answer: a 2xx means the alert is safe in the database.
        results = await request.app[ALERT_WRITER].submit(alerts, source)
        for result in results:
            runtime.metrics.alerts_received.labels(source, result.outcome).inc()
            if result.outcome == "opened":
                runtime.metrics.incidents_opened.labels("alert").inc()
        status = 201 if any(r.outcome == "opened" for r in results) else 202
        return web.json_response(
            {
                "accepted": len(results),
                "alerts": [
                    {"id": r.alert_id, "incident": r.incident_id, "outcome": r.outcome}
                    for r in results
                ],
            },
            status=status,
        )

    return receive


def add_routes(app: web.Application) -> None:
    app.router.add_post("/alerts", _handler("generic"))
    app.router.add_post("/alerts/alertmanager", _handler("alertmanager"))
    app.router.add_post("/alerts/grafana", _handler("grafana"))
