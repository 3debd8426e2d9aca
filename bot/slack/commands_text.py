"""Parsing `/incident …` text. Pure, so every form is tested without Slack."""

from __future__ import annotations

from dataclasses import dataclass

from incidents.people import MENTION


@dataclass(frozen=True)
class Command:
    name: str
    args: str = ""

    @property
    def mentions(self) -> list[str]:
        return MENTION.findall(self.args)


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
