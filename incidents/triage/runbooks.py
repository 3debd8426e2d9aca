"""Runbooks: four shipped as templates (templates/runbooks/), overridable or extended per
system.

A runbook is Markdown rendered through the one Jinja2 environment. Its `# ` line is the
title, `## ` lines group steps, list items (`- [ ] …`, `- …`, `1. …`) are the steps people
tick in Slack, and any other line is a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment

from incidents.catalog.models import RUNBOOK_NAMES, System
from incidents.models import Incident

TITLES = {
    "model_performance_degradation": "Model performance degradation",
    "data_pipeline_failure": "Data pipeline failure",
    "emergency_model_rollback": "Emergency model rollback",
    "emergency_retraining": "Emergency model retraining",
}
_STEP = re.compile(r"^\s*(?:[-*]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)(?P<text>\S.*)$")


class UnknownRunbook(LookupError):
    pass


@dataclass(frozen=True)
class Step:
    number: int  # 1-based across the whole runbook; what a tick refers to
    text: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Note:
    text: str


Part = Step | Heading | Note


@dataclass(frozen=True)
class Runbook:
    name: str
    title: str
    parts: tuple[Part, ...]

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(p for p in self.parts if isinstance(p, Step))

    def step(self, number: int) -> Step | None:
        return next((s for s in self.steps if s.number == number), None)


def title(name: str) -> str:
    return TITLES.get(name) or name.replace("_", " ").replace("-", " ").capitalize()


def available(system: System | None) -> list[str]:
    """The shipped runbooks, then any a system adds under its own names."""
    extra = [n for n in (system.runbooks if system else {}) if n not in RUNBOOK_NAMES]
    return [*RUNBOOK_NAMES, *extra]


def find(names: list[str], text: str) -> str | None:
    """Which of `names` someone means: the name itself, or words of its title, each word
    the start of one ("emergency rollback", "pipe")."""
    words = text.lower().replace("_", " ").split()
    for name in names:
        known = f"{name} {title(name)}".lower().replace("_", " ").split()
        if name == text.strip() or (words and all(
            any(k.startswith(w) for k in known) for w in words
        )):
            return name
    return None


def template_context(
    *, incident: Incident, system_key: str, system: System | None, client_name: str | None
) -> dict[str, Any]:
    """Plain data for runbook templates; every key is always present (StrictUndefined)."""
    actions = system.actions if system else {}
    return {
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "severity": incident.severity,
            "status": str(incident.status),
        },
        "system": {
            "key": system_key,
            "name": (system.name if system else None) or system_key,
            "description": system.description if system else "",
            "criticality": system.criticality if system else "standard",
            "dashboard": system.dashboard if system else None,
            "runbook_url": system.runbook if system else None,
            "automated": {name: name in actions for name in
                          ("rollback", "rules_fallback", "manual_review", "threshold")},
        },
        "client": client_name,
    }


def render(
    name: str, *, env: Environment, system: System | None, context: dict[str, Any]
) -> Runbook:
    """The runbook as this system sees it: its own file if it has one, else the shipped one."""
    override: Path | None = (system.runbooks.get(name) if system else None)
    if override is not None:
        text = env.from_string(Path(override).read_text(encoding="utf-8")).render(context)
    elif name in RUNBOOK_NAMES:
        text = env.get_template(f"runbooks/{name}.md").render(context)
    else:
        raise UnknownRunbook(name)
    return parse(name, text)


def parse(name: str, text: str) -> Runbook:
    heading = title(name)
    parts: list[Part] = []
    number = 0
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith("# "):
            heading = line[2:].strip()
        elif line.startswith("#"):
            parts.append(Heading(line.lstrip("#").strip()))
        elif match := _STEP.match(line):
            number += 1
            parts.append(Step(number, match["text"].strip()))
        else:
            parts.append(Note(line.strip()))
    return Runbook(name=name, title=heading, parts=tuple(parts))
