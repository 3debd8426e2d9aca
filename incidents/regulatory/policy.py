"""The pure policy over the regulatory clocks' data (incidents/regulatory/clocks.yml): which
questions an incident of a system is asked, what an assessment found, whether a report is
owed, and when each report is due after a series of assessments and submissions.

Functions over data that take the moments they reason about; nothing here reads the
database or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from incidents.catalog.ai import Obligations
from incidents.regulatory.clocks import ClockBook, Period, Question
from incidents.types import DeadlineKind


def questions_for(book: ClockBook, obligations: Obligations | None) -> dict[str, Question]:
    """The questions an incident of a system with these obligations is asked."""
    if obligations is None:
        return {}
    regulations = set(obligations.regulations)
    return {k: q for k, q in book.questions.items() if q.regulation in regulations}


def applies(book: ClockBook, clock: str, obligations: Obligations | None,
            answers: Mapping[str, str]) -> bool:
    """The clock applies to a system with these obligations, for these answers."""
    if obligations is None or book.regulation_of(clock) not in obligations.regulations:
        return False
    role = book.clocks[clock].role
    if role is not None and (obligations.eu_ai_act is None or obligations.eu_ai_act.role != role):
        return False
    return book.condition(clock).holds(answers)


def findings(book: ClockBook, answers: Mapping[str, str]) -> list[str]:
    """What an assessment found, each with the article that makes it count: "A death (EU
    AI Act Art. 3(49)(a))", "Personal data breach (GDPR Art. 4(12), 33(1))"."""
    found = []
    for key, question in book.questions.items():
        answer = answers.get(key)
        if answer in (None, "no"):
            continue
        what = question.finding if answer == "yes" else question.choices[answer]
        found.append(f"{what} ({question.article})")
    return found


def reportable(book: ClockBook, obligations: Obligations | None,
               answers: Mapping[str, str]) -> bool:
    """Some report is owed: a clock that runs from awareness applies."""
    return any(applies(book, key, obligations, answers)
               for key, clock in book.clocks.items() if clock.starts is None)


@dataclass(frozen=True)
class Assessed:
    at: datetime
    answers: Mapping[str, str]


@dataclass(frozen=True)
class Submitted:
    at: datetime
    initial: bool = False


@dataclass(frozen=True)
class Due:
    """A report that is owed, and the clock that makes it due earliest."""

    report: DeadlineKind
    clock: str
    starts_at: datetime  # the moment of awareness, or the submission it follows
    due_at: datetime
    within: Period


def awareness(book: ClockBook, clock: str, obligations: Obligations | None,
              history: Sequence[Assessed]) -> datetime | None:
    """When people became aware that this clock applies: the first assessment of the run
    of assessments, up to the latest, that found it applies. None: the latest does not."""
    found = None
    for assessed in reversed(history):
        if not applies(book, clock, obligations, assessed.answers):
            break
        found = assessed.at
    return found


def due(book: ClockBook, *, obligations: Obligations | None, history: Sequence[Assessed],
        submitted: Mapping[str, Submitted], zone: ZoneInfo,
        overrides: Mapping[str, Period] | None = None) -> dict[DeadlineKind, Due]:
    """Every report owed after these assessments (oldest first) and submissions, each with
    the due time of its earliest applicable clock."""
    found: dict[DeadlineKind, Due] = {}
    for key, clock in book.clocks.items():
        if clock.starts is None:
            start = awareness(book, key, obligations, history)
        else:
            before = submitted.get(clock.starts.report)
            follows = before is not None and (clock.starts.after is not None or before.initial)
            latest = history[-1].answers if history else {}
            start = before.at if follows and applies(book, key, obligations, latest) else None
        if start is None:
            continue
        within = (overrides or {}).get(key, clock.within)
        candidate = Due(clock.report, key, start, within.after(start, zone), within)
        current = found.get(clock.report)
        if current is None or candidate.due_at < current.due_at:
            found[clock.report] = candidate
    return found
