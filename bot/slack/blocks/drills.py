"""Drill messages: the list of scenarios, the briefing, injects and the debrief."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, SectionBlock

from bot.slack.blocks.common import md, plain
from bot.slack.mrkdwn import escape
from incidents.drills.debrief import Debrief
from incidents.drills.scenarios import Scenario
from incidents.response_times import format_duration

USAGE = "/incident drill <scenario> [speed=N] [system=KEY]"


def scenario_list(scenarios: tuple[Scenario, ...], *, systems: dict[str, str]
                  ) -> tuple[str, list[Block]]:
    """`systems`: the catalog system each scenario would run against."""
    lines = []
    for s in scenarios:
        where = systems.get(s.key, s.system)
        lines.append(f"• `{s.key}`: {escape(s.failure_mode)} on {escape(where)}, "
                     f"{format_duration(s.length)} of scenario time. _{escape(s.title)}_")
    blocks: list[Block] = [
        SectionBlock(text=md("*Drill scenarios* (tabletop exercises)\n" + "\n".join(lines))),
        ContextBlock(elements=[md(
            f"`{USAGE}` opens a practice incident marked DRILL and plays the scenario's "
            "alerts, readings and messages over time: `speed=60` plays an hour in a minute, "
            "and its deadlines, reminders and escalation waits keep the same pace. Nobody is "
            "paged and the drill stays out of the metrics. Resolve it (or `/incident drill "
            "end`) to get the debrief."
        )]),
    ]
    return "Drill scenarios: " + ", ".join(s.key for s in scenarios), blocks


def _speed(speed: float) -> str:
    return f"{speed:g}×"


def briefing(*, scenario: Scenario, system_label: str, speed: float, injects: int
             ) -> tuple[str, list[Block]]:
    real = timedelta(seconds=scenario.length.total_seconds() / speed)
    pace = "" if speed == 1 else f" ({format_duration(real)} at {_speed(speed)} speed)"
    clocks = ("Deadlines and reminders run as in a real incident" if speed == 1 else
              f"Deadlines, reminders and escalation waits run at {_speed(speed)} too (a "
              f"30-minute deadline falls due in {format_duration(timedelta(minutes=30) / speed)})")
    text = (
        f":performing_arts: *This is a drill: {escape(scenario.failure_mode)}* on "
        f"{escape(system_label)}.\n{escape(scenario.briefing)}\n\n"
        f"*How it runs:* {injects - 1} more alerts, readings and messages arrive over "
        f"{format_duration(scenario.length)} of scenario time{pace}. {clocks}. Nobody is "
        "paged, and the drill stays out of the metrics.\n"
        "*Start* with *Triage* on the pinned summary. When you are done, resolve the "
        "incident (or `/incident drill end`): a debrief compares your triage with what was "
        "really going on."
    )
    return f"Drill: {scenario.failure_mode}", [SectionBlock(text=md(text))]


def inject_message(*, kind: str, source: str | None, text: str) -> tuple[str, list[Block]]:
    """A metric reading or a message from someone, as the scenario has it arrive."""
    icon = ":chart_with_upwards_trend:" if kind == "metric" else ":speech_balloon:"
    body = text
    if source and text.startswith(f"{source}: "):
        body = text[len(source) + 2:]
    who = f"*{escape(source)}*: " if source else ""
    return text, [SectionBlock(text=md(f"{icon} {who}{escape(body)}"))]


def debrief_blocks(debrief: Debrief, *, incident_id: int) -> tuple[str, list[Block]]:
    bullets = "\n".join(f"• {escape(line)}" for line in debrief.lines())
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"Drill debrief · incident #{incident_id}", 150)),
        SectionBlock(text=md(f"*{escape(debrief.title)}* ({escape(debrief.failure_mode)})\n"
                             f"{bullets}")),
        ContextBlock(elements=[md(
            "Times run from the start of the drill, in scenario time. Run `incidentbot export "
            f"{incident_id}` for the full review draft of this practice incident."
        )]),
    ]
    return debrief.headline(), blocks
