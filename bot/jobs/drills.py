"""Drills' timer check: play the injects that fell due and debrief drills that are over.
What it queues is posted by bot/slack/deliveries/drills.py."""

from __future__ import annotations

from bot.container import Runtime
from incidents.drills import play as drills

CHECK_SECONDS = 1.0


async def check(runtime: Runtime) -> int:
    """Play the injects that fell due, then debrief drills that are over."""
    with runtime.session() as session:
        played = drills.play_due(session, now=runtime.now(), catalog=runtime.catalog)
        finished = drills.finish_due(session, now=runtime.now(), catalog=runtime.catalog)
    return len(played) + len(finished)
