"""Paging's timer checks: advance escalations whose wait ran out and announce handoffs. What
they queue is delivered by bot/slack/deliveries/oncall.py."""

from __future__ import annotations

from bot.container import Runtime
from incidents.oncall import handoffs, paging

ESCALATION_CHECK_SECONDS = 1.0
HANDOFF_CHECK_SECONDS = 5.0


async def check_escalations(runtime: Runtime) -> int:
    """Timer check: page the next level of every chain whose wait ran out."""
    with runtime.session() as session:
        return paging.run_due(session, catalog=runtime.catalog, now=runtime.now())


async def check_handoffs(runtime: Runtime) -> int:
    """Timer check: message everyone a handoff just put on call."""
    with runtime.session() as session:
        return len(handoffs.check(session, catalog=runtime.catalog, now=runtime.now()))
