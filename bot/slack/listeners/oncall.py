"""On-call: `/incident oncall`, `/incident page`, and the Acknowledge button, the same on
alert messages, paging notices and the page itself. The paging checks are in
bot/jobs/oncall.py.
"""

from __future__ import annotations

from datetime import datetime

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.blocks.oncall import ScheduleNow, oncall_text
from bot.slack.ids import Action
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation
from incidents.lifecycle import changes as lifecycle
from incidents.oncall import handoffs, paging
from incidents.oncall.schedule import next_handoffs, on_call_at
from incidents.types import Status

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

    @app.action(Action.ACKNOWLEDGE)
    async def acknowledge(ack, body, respond) -> None:
        await ack()
        incident_id, _ = context.clicked(body)
        user = body["user"]["id"]

        def take_command(session, incident, now):
            # Stops any paging, counts for time to acknowledge, makes them commander if none.
            paging.acknowledge(session, incident=incident, user=user, now=now)
            if incident.status == Status.TRIAGE:
                lifecycle.change_status(session, incident=incident, status=Status.INVESTIGATING,
                                      actor=user, now=now, policy=runtime.catalog.policy)

        await apply_change(runtime, incident_id=incident_id, user=user, respond=respond,
                           change=take_command)


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
