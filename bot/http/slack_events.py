"""`POST /slack/events`: a request is taken only when Slack signed it, and only once.

The signature is checked on the raw body before anything parses it, so an unsigned request
costs a hash and gets a 401 (a bad timestamp, a body that is not UTF-8, a `payload=` that is
not JSON never reach Bolt's parser). A signed request is remembered while it could be
replayed (Slack's 5-minute window): a copy sent again is refused, on PostgreSQL by whichever
replica it reaches (the signatures are in the database), on SQLite by the one process.
Slack's own retries carry `X-Slack-Retry-Num`; the first delivery was taken, so they are
answered 200 and do nothing."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from urllib.parse import parse_qs

import sqlalchemy as sa
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.container import Runtime
from bot.http.body import BodyTooLarge, read_body
from bot.keys import BOLT, BOT
from incidents.models import SlackRequest

log = logging.getLogger(__name__)
# Slack's own window: a signature older than this is refused as stale by the verifier.
REPLAY_WINDOW = timedelta(minutes=5)
PRUNE_EVERY = 256


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _signed_text(verifier: SignatureVerifier, headers, body: bytes) -> str | web.Response:
    """The body as text when Slack signed it, else the answer to give."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return _error(401, "missing or malformed X-Slack-Request-Timestamp")
    if not signature.startswith("v0="):
        return _error(401, "missing or malformed X-Slack-Signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "the body is not UTF-8")
    if not verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
        return _error(401, "invalid or stale Slack signature")
    return text


def _parse_problem(content_type: str, text: str) -> str | None:
    """What Bolt could not parse in a signed body, said before Bolt tries (and raises)."""
    try:
        if content_type == "application/json":
            return None if isinstance(json.loads(text), dict) else "expected a JSON object"
        payload = parse_qs(text).get("payload")
        if payload is not None and not isinstance(json.loads(payload[0]), dict):
            return "payload must be a JSON object"
    except (json.JSONDecodeError, RecursionError):
        return "payload is not valid JSON"
    return None


def _first_time(runtime: Runtime, signature: str) -> bool:
    """Remember the signature; False when some replica already took this request.

    SQLite is the single-process deployment: there the signatures are kept in this process
    (a database write per request doubled the ack time, 11 → 25 ms at p50 in ack_bench).
    Replicas share PostgreSQL, where they are kept in the database for all of them."""
    now = runtime.now()
    dialect = runtime.engine.dialect.name
    if dialect == "sqlite":
        return _first_time_here(runtime, signature, now)
    row = {"signature": signature, "expires_at": now + REPLAY_WINDOW}
    if dialect in ("sqlite", "postgresql"):
        insert = (sa.dialects.sqlite.insert if dialect == "sqlite"
                  else sa.dialects.postgresql.insert)(SlackRequest)
        statement = insert.values(**row).on_conflict_do_nothing(
            index_elements=["signature"]).returning(SlackRequest.signature)
        with runtime.engine.begin() as connection:
            taken = connection.execute(statement).first() is not None
    else:  # other databases: a plain insert, its unique key refuses the copy
        try:
            with runtime.engine.begin() as connection:
                connection.execute(sa.insert(SlackRequest), row)
            taken = True
        except sa.exc.IntegrityError:
            taken = False
    runtime.slack_requests_seen += 1
    if runtime.slack_requests_seen % PRUNE_EVERY == 0:
        with runtime.engine.begin() as connection:
            connection.execute(sa.delete(SlackRequest).where(SlackRequest.expires_at < now))
    return taken


def _first_time_here(runtime: Runtime, signature: str, now) -> bool:
    seen = runtime.recent_signatures
    if seen.get(signature, now) > now:
        return False
    seen[signature] = now + REPLAY_WINDOW
    runtime.slack_requests_seen += 1
    if runtime.slack_requests_seen % PRUNE_EVERY == 0:
        for old in [key for key, until in seen.items() if until <= now]:
            del seen[old]
    return True


async def receive(request: web.Request) -> web.Response:
    started = time.perf_counter()
    runtime = request.app[BOT]
    secret = runtime.settings.slack_signing_secret
    if secret is None:  # Socket Mode: Slack sends nothing here
        return _error(404, "this bot takes Slack events over Socket Mode")
    try:
        body = await read_body(request)
    except BodyTooLarge as exc:
        return _error(413, str(exc))
    text = _signed_text(SignatureVerifier(secret.get_secret_value()), request.headers, body)
    if isinstance(text, web.Response):
        log.warning("refused a request to /slack/events: %s", json.loads(text.body)["error"])
        return text
    problem = _parse_problem(request.content_type, text)
    if problem is not None:
        return _error(400, problem)
    if not _first_time(runtime, request.headers["X-Slack-Signature"]):
        if "X-Slack-Retry-Num" in request.headers:
            return web.Response(status=200, headers={"X-Slack-No-Retry": "1"})
        log.warning("refused a replayed request to /slack/events")
        return _error(401, "this signed request was already received (replayed)")
    bolt_request = AsyncBoltRequest(body=text, query=request.query_string,
                                    headers=request.headers)
    response = await request.app[BOLT].async_dispatch(bolt_request)
    runtime.metrics.ack_latency.observe(time.perf_counter() - started)
    return await to_aiohttp_response(response)


def team_guard(runtime: Runtime):
    """Bolt middleware: requests from a workspace (or Enterprise Grid org) other than the one
    the bot is installed in are refused, also over Socket Mode. Known once `auth.test` has
    answered; until then nothing is refused, so Slack being slow at start-up stops nothing."""

    async def guard(req, resp, next):
        context = req.context
        installed = runtime.team_id
        if installed and context.team_id and context.team_id != installed and not (
                runtime.enterprise_id and context.enterprise_id == runtime.enterprise_id):
            log.warning("refused a request from another Slack workspace")
            return BoltResponse(status=403, body=json.dumps(
                {"error": "this app is not installed in that workspace"}))
        return await next()

    return guard


def add_routes(app: web.Application) -> None:
    app.router.add_post("/slack/events", receive)
