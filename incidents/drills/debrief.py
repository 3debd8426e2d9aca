"""The short debrief that ends a drill: how fast the team triaged, whether and when its
triage pointed at the scenario's diagnosis path, whether anything limited the impact, and
which deadlines it met.

A drill's clocks all run at its speed (injects, deadlines, reminders, escalation waits), so
its times are told in scenario time, with the real time they took beside them.

Pure: the drill's recorded answers, mitigations and deadlines go in, a Debrief of plain
data comes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from incidents.deadlines.outcome import DeadlineOutcome, deadline_outcome
from incidents.drills.scenarios import Scenario
from incidents.response_times import format_duration
from incidents.triage.checklist import ITEMS_BY_KEY
from incidents.triage.proposal import DiagnosisPath, assess

MAX_DIFFERENCES = 4


@dataclass(frozen=True)
class AnswerAt:
    at: datetime
    item: str
    value: str


@dataclass(frozen=True)
class DeadlineAt:
    title: str
    due_at: datetime
    state: str
    completed_at: datetime | None = None
    escalated: bool = False


@dataclass(frozen=True)
class MitigationAt:
    at: datetime
    label: str  # "Fall back to the rule-based system"
    ok: bool = True


@dataclass(frozen=True)
class Debrief:
    scenario: str
    title: str
    failure_mode: str
    speed: float
    duration: float  # seconds from start to end
    time_to_triage: float | None  # seconds until the checklist first proposed something
    expected_path: str
    final_path: str | None
    time_to_path: float | None  # seconds until the proposal first named the expected path
    met: tuple[str, ...]
    missed: tuple[str, ...]
    not_due: int
    injects_played: int
    injects_total: int
    differences: tuple[str, ...]
    explanation: str
    # The first mitigation that worked; debriefs stored before it was told have neither.
    mitigation: str | None = None
    time_to_mitigate: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Debrief:
        fields = dict(data)
        for key in ("met", "missed", "differences"):
            fields[key] = tuple(fields.get(key) or ())
        return cls(**fields)

    @property
    def path_right(self) -> bool:
        return self.time_to_path is not None

    def _time(self, seconds: float | None) -> str:
        """Scenario time, the clock every deadline of the drill ran on; the real time too."""
        real = timedelta(seconds=seconds or 0)
        if self.speed == 1:
            return format_duration(real)
        return f"{format_duration(real * self.speed)} of scenario time " \
            f"({format_duration(real)} at {self.speed:g}×)"

    def lines(self) -> list[str]:
        """The debrief as short plain sentences, for the channel and the timeline."""
        expected = DiagnosisPath(self.expected_path).label
        lines = [f"Drill length: {self._time(self.duration)}; injects played: "
                 f"{self.injects_played} of {self.injects_total}."]
        if self.time_to_triage is None:
            lines.append("Time to triage: the checklist never reached a proposal.")
        else:
            lines.append(f"Time to triage (first proposal): {self._time(self.time_to_triage)}.")
        if self.time_to_path is not None:
            lines.append(f"Diagnosis path: {expected}, as expected, reached after "
                         f"{self._time(self.time_to_path)}.")
        else:
            final = DiagnosisPath(self.final_path).label if self.final_path else "none"
            lines.append(f"Diagnosis path: expected {expected}; the triage never proposed it "
                         f"(its last proposal: {final}).")
        if self.time_to_mitigate is not None:
            lines.append(f"Mitigation: {self.mitigation}, after "
                         f"{self._time(self.time_to_mitigate)}.")
        else:
            lines.append("Mitigation: none happened. Nothing limited the impact during the "
                         "drill: roll back, fall back to rules, route to human review or adjust "
                         "the threshold while the cause is found.")
        parts = [f"{len(self.met)} met" + (f" ({', '.join(self.met)})" if self.met else ""),
                 f"{len(self.missed)} missed"
                 + (f" ({', '.join(self.missed)})" if self.missed else "")]
        if self.not_due:
            parts.append(f"{self.not_due} not due before the end")
        lines.append("Deadlines: " + ", ".join(parts) + ".")
        if self.differences:
            lines.append("Answers that differ from the scenario's facts: "
                         + "; ".join(self.differences) + ".")
        lines.append(f"What was going on: {self.explanation}")
        return lines

    def headline(self) -> str:
        verdict = "right diagnosis path" if self.path_right else "diagnosis path not reached"
        return f"Drill over: {self.title} ({verdict}, {len(self.met)} deadline(s) met, " \
            f"{len(self.missed)} missed)"


def compute(
    scenario: Scenario,
    *,
    started_at: datetime,
    ended_at: datetime,
    speed: float,
    answers: Iterable[AnswerAt],
    signal: str | None,
    criticality: str,
    deadlines: Iterable[DeadlineAt],
    injects_played: int,
    injects_total: int,
    mitigations: Iterable[MitigationAt] = (),
) -> Debrief:
    triaged_at, path_at, final_path = None, None, None
    current: dict[str, str] = {}
    for answer in sorted(answers, key=lambda a: a.at):
        current[answer.item] = answer.value
        outcome = assess(current, signal=signal, criticality=criticality)
        if outcome is None:
            continue
        triaged_at = triaged_at or answer.at
        final_path = outcome.path
        if path_at is None and outcome.path == scenario.expected_path:
            path_at = answer.at
    met, missed, not_due = _deadlines(deadlines, ended_at)
    mitigated = min((m for m in mitigations if m.ok and m.at <= ended_at),
                    key=lambda m: m.at, default=None)

    def since(moment: datetime | None) -> float | None:
        return None if moment is None else max((moment - started_at).total_seconds(), 0.0)

    return Debrief(
        scenario=scenario.key,
        title=scenario.title,
        failure_mode=scenario.failure_mode,
        speed=speed,
        duration=since(ended_at) or 0.0,
        time_to_triage=since(triaged_at),
        expected_path=str(scenario.expected_path),
        final_path=str(final_path) if final_path else None,
        time_to_path=since(path_at),
        met=tuple(met),
        missed=tuple(missed),
        not_due=not_due,
        injects_played=injects_played,
        injects_total=injects_total,
        differences=tuple(differences(current, scenario.facts)[:MAX_DIFFERENCES]),
        explanation=scenario.explanation,
        mitigation=mitigated.label if mitigated else None,
        time_to_mitigate=since(mitigated.at) if mitigated else None,
    )


def differences(answers: Mapping[str, str], facts: Mapping[str, str]) -> list[str]:
    """Final answers the scenario's facts contradict ("unsure" is no contradiction)."""
    found = []
    for key, value in answers.items():
        item, truth = ITEMS_BY_KEY.get(key), facts.get(key)
        if item is None or truth is None or value in (truth, "unsure"):
            continue
        found.append(f"“{item.question}” {item.choice(value).label}, "
                     f"the facts say {item.choice(truth).label}")
    return found


def _deadlines(
    deadlines: Iterable[DeadlineAt], ended_at: datetime
) -> tuple[list[str], list[str], int]:
    """As every document counts them (incidents/deadlines/outcome.py), at the drill's end."""
    met, missed, not_due = [], [], 0
    for deadline in deadlines:
        outcome = deadline_outcome(state=deadline.state, due_at=deadline.due_at,
                                   completed_at=deadline.completed_at,
                                   escalated=deadline.escalated, now=ended_at)
        if outcome == DeadlineOutcome.MET:
            met.append(deadline.title)
        elif outcome in (DeadlineOutcome.LATE, DeadlineOutcome.MISSED):
            missed.append(deadline.title)
        else:
            not_due += 1  # still running at the end, or no longer required
    return met, missed, not_due
