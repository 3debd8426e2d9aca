"""Applying a change to an incident on behalf of a Slack user: access, rules, reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel import Session

from bot.container import Runtime
from bot.slack.listeners import context
from bot.slack.mrkdwn import user as mention
from incidents import timeline
from incidents.models import Incident

Change = Callable[[Session, Incident, datetime], object]


async def apply_change(
    runtime: Runtime,
    *,
    incident_id: int,
    user: str,
    change: Change,
    respond: Callable[..., Awaitable[object]] | None = None,
) -> bool:
    """Persist the change (the outbox carries it to Slack); refusals are told ephemerally."""
    _, refusal = await context.authorise(runtime, incident_id, user)
    if refusal:
        await _tell(respond, refusal)
        return False
    try:
        with runtime.session() as session:
            row = session.get(Incident, incident_id)
            change(session, row, runtime.now())
    except timeline.Refused as refused:
        await _tell(respond, refused.worded(mention))
        return False
    return True


async def _tell(respond, text: str) -> None:
    if respond is not None:
        await context.say(respond, text)
