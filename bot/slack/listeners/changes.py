"""Applying a change to an incident on behalf of a Slack user: membership, rules, reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel import Session

from bot.container import Bot
from bot.slack.listeners import context
from incidents import service
from incidents.models import Incident

Change = Callable[[Session, Incident, datetime], object]


async def apply_change(
    bot: Bot,
    *,
    incident_id: int,
    user: str,
    channel: str | None,
    change: Change,
    respond: Callable[..., Awaitable[object]] | None = None,
) -> bool:
    """Persist the change (the outbox carries it to Slack); refusals are told ephemerally."""
    incident = context.incident_by_id(bot, incident_id)
    if incident is None:
        await _tell(respond, f"There is no incident #{incident_id}.")
        return False
    if incident.channel_id and not await context.is_member(bot, incident.channel_id, user):
        await _tell(respond, context.NOT_A_MEMBER)
        return False
    try:
        with bot.session() as session:
            row = session.get(Incident, incident_id)
            change(session, row, bot.now())
    except service.Refused as refused:
        await _tell(respond, str(refused))
        return False
    return True


async def _tell(respond, text: str) -> None:
    if respond is not None:
        await respond(response_type="ephemeral", replace_original=False, text=text)
