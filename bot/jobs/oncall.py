"""Paging's timer checks: advance escalations whose wait ran out and announce handoffs. What
they queue is delivered by bot/slack/deliveries/oncall.py."""

from __future__ import annotations

from bot.container import Bot
from incidents.oncall import handoffs, paging


async def check_escalations(bot: Bot) -> int:
    """Timer check: page the next level of every chain whose wait ran out."""
    with bot.session() as session:
        return paging.run_due(session, catalog=bot.catalog, now=bot.now())


async def check_handoffs(bot: Bot) -> int:
    """Timer check: message everyone a handoff just put on call."""
    with bot.session() as session:
        return len(handoffs.check(session, catalog=bot.catalog, now=bot.now()))
