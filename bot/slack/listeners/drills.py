"""`/incident drill`: practise on a scenario (incidents/drills/scenarios.py) in any workspace.

The core stores the drill and its injects; a timer check (bot/jobs/drills.py) plays what
fell due and debriefs drills that are over; outbox deliveries
(bot/slack/deliveries/drills.py) post the briefing, the injects and the debrief; a hook on
the Web API client (bot/slack/drill_marking.py, installed by create_app) marks every message
in a drill's channel DRILL.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.jobs import drills as drill_jobs
from bot.slack.blocks.drills import scenario_list
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation
from incidents import timeline
from incidents.drills import play as drills
from incidents.drills import scenarios


def register(app: AsyncApp, runtime: Runtime) -> None:
    def listing() -> tuple[str, list]:
        where = {s.key: drills.choose_system(s, runtime.catalog) for s in scenarios.SCENARIOS}
        return scenario_list(scenarios.SCENARIOS, systems=where)

    @runtime.subcommands.add(
        "drill", usage="drill [scenario] [speed=N] | drill end",
        help="practise: a practice incident marked DRILL plays a scenario's alerts and "
             "messages over time, then debriefs; alone, lists the scenarios")
    async def drill(call: Invocation) -> None:
        args = call.args.strip()
        if not args or args.lower() in ("list", "help"):
            text, blocks = listing()
            await call.reply(text, blocks=blocks)
            return
        if args.lower() in ("end", "stop"):
            await _end(runtime, call)
            return
        try:
            request = drills.parse_request(args)
        except ValueError as exc:
            text, blocks = listing()
            await call.reply(f"{escape(str(exc))} {text}", blocks=blocks)
            return
        try:
            with runtime.session() as session:
                started = drills.start(
                    session, scenario=request.scenario, speed=request.speed,
                    system=request.system, started_by=call.user, now=runtime.now(),
                    catalog=runtime.catalog,
                )
                incident_id = started.incident_id
        except timeline.Refused as refused:
            await call.reply(str(refused))
            return
        pace = "" if request.speed == 1 else f" at {request.speed:g}× speed"
        await call.reply(
            f":performing_arts: Drill started{pace}: practice incident #{incident_id}, "
            f"{escape(request.scenario.failure_mode)}. Its channel is being created and you "
            "are invited."
        )


async def _end(runtime: Runtime, call: Invocation) -> None:
    incident = context.incident_in_channel(runtime, call.channel)
    if incident is None or not incident.is_drill:
        await call.reply("Run `/incident drill end` in the channel of a drill.")
        return
    ended = await apply_change(
        runtime, incident_id=incident.id, user=call.user, respond=call.respond,
        change=lambda s, inc, now: drills.end(s, incident=inc, actor=call.user, now=now,
                                              policy=runtime.catalog.policy),
    )
    if ended:
        runtime.spawn(drill_jobs.check(runtime))  # the debrief now, not at the next tick
