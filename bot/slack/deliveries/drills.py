"""A drill's messages in its channel: the briefing, each inject, the debrief."""

from __future__ import annotations

from bot.container import Runtime
from bot.slack.blocks.drills import briefing, debrief_blocks, inject_message
from bot.slack.deliveries.posting import channel_of, post_once
from incidents.drills import play as drills
from incidents.drills import scenarios
from incidents.drills.debrief import Debrief
from incidents.drills.models import Drill
from incidents.models import Incident, Outbox, TimelineEvent
from incidents.outbox import Kind


async def _post_briefing(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        drill = session.get(Drill, item.payload["drill"])
        incident = session.get(Incident, item.incident_id)
        count = len(drills.injects(session, drill.id))
    scenario = scenarios.get(drill.scenario)
    if scenario is None:
        return
    text, blocks = briefing(scenario=scenario, system_label=runtime.system_label(incident.system),
                            speed=drill.speed, injects=count)
    await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)


async def _post_inject(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        event = session.get(TimelineEvent, item.payload["event"])
        incident = session.get(Incident, item.incident_id)
    if event is None:
        return
    data = event.data or {}
    text, blocks = inject_message(kind=data.get("kind", "message"), source=data.get("source"),
                                  text=event.text)
    await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)


async def _post_debrief(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        drill = session.get(Drill, item.payload["drill"])
        incident = session.get(Incident, item.incident_id)
    if drill is None or not drill.debrief:
        return
    text, blocks = debrief_blocks(Debrief.from_dict(drill.debrief), incident_id=incident.id)
    await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)


HANDLERS = {
    Kind.DRILL_BRIEFING: _post_briefing,
    Kind.DRILL_MESSAGE: _post_inject,
    Kind.DRILL_DEBRIEF: _post_debrief,
}
