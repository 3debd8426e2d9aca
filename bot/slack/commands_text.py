"""Parsing `/incident …` text. Pure, so every form is tested without Slack."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MENTION = re.compile(r"<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>")

HELP: dict[str, str] = {
    "declare [title]": "declare an incident (opens a form: title, AI system, severity)",
    "severity <1-4>": "change the severity of this channel's incident",
    "status <status>": "move the incident to triage, investigating or mitigated",
    "assign <role> @user": "make someone commander, comms, scribe or engineer",
    "note <text>": "add a note to the timeline",
    "resolve": "resolve the incident (asks for a one-line summary)",
    "decline [reason]": "close the incident as a false alarm",
    "merge <incident id>": "merge this incident into another open incident",
    "list": "list open incidents",
    "help": "show this help",
}


@dataclass(frozen=True)
class Command:
    name: str
    args: str = ""

    @property
    def mentions(self) -> list[str]:
        return _MENTION.findall(self.args)


def parse(text: str) -> Command:
    text = (text or "").strip()
    if not text:
        return Command("help")
    name, _, args = text.partition(" ")
    return Command(name.lower(), args.strip())


def parse_severity_arg(args: str) -> int | None:
    value = args.strip().lower().removeprefix("sev")
    return int(value) if value in {"1", "2", "3", "4"} else None


def parse_incident_ref(args: str) -> int | None:
    value = args.strip().lstrip("#")
    return int(value) if value.isdigit() else None


def help_text(prefix: str = "") -> str:
    lines = [f"• `/incident {usage}`: {what}" for usage, what in HELP.items()]
    intro = (prefix + "\n") if prefix else ""
    return intro + "*incidentbot commands*\n" + "\n".join(lines) + (
        "\nInside an incident channel the incident is implied."
    )
