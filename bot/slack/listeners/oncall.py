"""On-call: `/incident oncall`, and `/incident page`; the paging checks are in bot/jobs/oncall.py.

Acknowledging is the Acknowledge button (`Action.ACKNOWLEDGE` in `actions.py`), the same on
alert messages, paging notices and the page itself.
"""

from __future__ import annotations

from datetime import datetime

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.blocks.oncall import ScheduleNow, oncall_text
from bot.slack.listeners.changes import apply_change
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation
from incidents.oncall import handoffs, paging
from incidents.oncall.schedule import next_handoffs, on_call_at

HANDOFFS_SHOWN = 3


def register(app: AsyncApp, runtime: Runtime) -> None:
    add = runtime.subcommands.add

    @add("oncall", usage="oncall [schedule or system]",
         help="who is on call now and the next handoffs, in your time zone")
    async def oncall(call: Invocation) -> None:
        wanted = call.args.strip()
        keys = schedule_keys(runtime, wanted)
        if keys is None:
            known = ", ".join(f"`{escape(k)}`" for k in sorted(runtime.catalog.oncall)) or "none"
            await call.reply(f"There is no schedule or system `{escape(wanted)}` with an on-call "
                             f"schedule (schedules: {known}).")
            return
        await call.reply(oncall_text(schedules_now(runtime, keys, runtime.now())))

    @add("page", usage="page <@person|schedule>", needs_incident=True,
         help="page someone (or a schedule's on-call) until they acknowledge")
    async def page(call: Invocation) -> None:
        mentions = call.command.mentions
        word = call.args.strip()
        if not word or len(mentions) > 1:
            await call.reply("Usage: `/incident page @person` or `/incident page <schedule>` "
                             "(schedules: " + ", ".join(sorted(runtime.catalog.oncall)) + ").")
            return
        user = mentions[0] if mentions else None
        schedule = None if user else word.split()[0]
        await apply_change(
            runtime, incident_id=call.incident.id, user=call.user, respond=call.respond,
            change=lambda s, inc, now: paging.page_on_demand(
                s, incident=inc, catalog=runtime.catalog, now=now, actor=call.user, user=user,
                schedule=schedule),
        )


def schedule_keys(runtime: Runtime, wanted: str) -> list[str] | None:
    """All schedules, the one named, or the one of the system named; None when unknown."""
    if not wanted:
        return sorted(runtime.catalog.oncall)
    if wanted in runtime.catalog.oncall:
        return [wanted]
    system = runtime.catalog.systems.get(wanted)
    if system is not None and system.oncall:
        return [system.oncall]
    return None


def schedules_now(runtime: Runtime, keys: list[str], now: datetime) -> list[ScheduleNow]:
    return [
        ScheduleNow(
            key=key,
            timezone=schedule.timezone,
            on_call=on_call_at(schedule, now),
            handoffs=next_handoffs(schedule, now, HANDOFFS_SHOWN),
            systems=[runtime.system_label(s)
                     for s in handoffs.covered_systems(runtime.catalog, key)],
        )
        for key in keys
        if (schedule := runtime.catalog.oncall.get(key)) is not None
    ]
