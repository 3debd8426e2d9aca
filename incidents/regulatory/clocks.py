"""Regulatory reporting clocks as data: `clocks.yml`, loaded once and validated,
with the periods it is written in (calendar days and months, elapsed hours) and the
catalog's `policy.regulatory`. The policy over it is `incidents.regulatory.policy`.

A clock is a deadline like the others once it runs (incidents/regulatory/assessment.py
persists it as
a `Deadline` row). What the law fixes (durations, what starts a clock, the article) lives
in the data file, so a change in the law is a change there. Calendar periods ("2 days",
"1 month") are counted on the wall clock of the data file's time zone (or the catalog's
`policy.regulatory.timezone`); hours are elapsed time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from incidents.catalog.ai import EuAiActRole, Regulation
from incidents.types import REGULATORY_DEADLINES, DeadlineKind

DATA = Path(__file__).with_name("clocks.yml")

REGULATION_NAMES: dict[str, str] = {"eu_ai_act": "EU AI Act", "gdpr": "GDPR", "nis2": "NIS2"}
# What each report is called wherever a deadline is named (reminders, status, review,
# report); the article comes from the clock that set its due time.
TITLES: dict[DeadlineKind, str] = {
    DeadlineKind.AI_ACT_SERIOUS_INCIDENT: "EU AI Act serious-incident report",
    DeadlineKind.AI_ACT_COMPLETE_REPORT: "EU AI Act complete serious-incident report",
    DeadlineKind.AI_ACT_INFORM_PROVIDER: "EU AI Act: inform the provider",
    DeadlineKind.GDPR_BREACH_NOTIFICATION: "GDPR personal-data breach notification",
    DeadlineKind.NIS2_EARLY_WARNING: "NIS2 early warning",
    DeadlineKind.NIS2_INCIDENT_NOTIFICATION: "NIS2 incident notification",
    DeadlineKind.NIS2_FINAL_REPORT: "NIS2 final report",
}
TASKS: dict[DeadlineKind, str] = {
    kind: "Draft the report from the incident's facts, submit it to the authority, then "
    "press Mark as submitted." for kind in TITLES
}


# ---------------------------------------------------------------- periods


_UNITS = {"month": "months", "months": "months", "day": "days", "days": "days", "d": "days",
          "hour": "hours", "hours": "hours", "h": "hours", "minute": "minutes",
          "minutes": "minutes", "m": "minutes", "second": "seconds", "seconds": "seconds",
          "s": "seconds"}
_PERIOD = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Period:
    """A legal period: calendar months or days (wall clock), or elapsed hours and less."""

    amount: int
    unit: str  # months | days | hours | minutes | seconds

    @property
    def calendar(self) -> bool:
        return self.unit in ("months", "days")

    def after(self, start: datetime, zone: ZoneInfo) -> datetime:
        """When the period that starts at `start` ends, in UTC. A calendar period keeps the
        local time of day: 10:00 + 2 days is 10:00 (47 or 49 elapsed hours across a
        daylight-saving change). A local time the change skips (02:30 on the spring day) is
        the same instant as before the change's shift, i.e. 03:30; a repeated one (the
        autumn hour) is its first, earlier occurrence."""
        if not self.calendar:
            return start.astimezone(UTC) + timedelta(**{self.unit: self.amount})
        wall = start.astimezone(zone).replace(tzinfo=None)
        if self.unit == "days":
            wall += timedelta(days=self.amount)
        else:
            wall = add_months(wall, self.amount)
        return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)

    def approximately(self) -> timedelta:
        """As elapsed time, for reminder leads (a month as 30 days)."""
        if self.unit == "months":
            return timedelta(days=30 * self.amount)
        return timedelta(**{self.unit: self.amount})

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"


def add_months(moment: datetime, months: int) -> datetime:
    """The same day of the month `months` later, or that month's last day when it is
    shorter (EU Regulation 1182/71, Art. 3(2)(c))."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def parse_period(value: Any) -> Any:
    if isinstance(value, Period):
        return value
    match = _PERIOD.match(str(value).lower()) if isinstance(value, str) else None
    if match is None or match[2] not in _UNITS or int(match[1]) <= 0:
        raise ValueError(f"{value!r} is not a period such as 15 days, 72 hours or 1 month")
    return Period(int(match[1]), _UNITS[match[2]])


PeriodField = Annotated[Period, BeforeValidator(parse_period), PlainSerializer(str)]


def known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                         "Europe/Berlin)") from None
    return value


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Condition:
    """`health`, `health=death`, a named condition, or {any: […]} / {all: […]} of them."""

    question: str | None = None
    value: str | None = None  # None: any answer but "no"
    any_of: tuple[Condition, ...] = ()
    all_of: tuple[Condition, ...] = ()

    def holds(self, answers: Mapping[str, str]) -> bool:
        if self.question is not None:
            answer = answers.get(self.question)
            return answer == self.value if self.value is not None else answer not in (None, "no")
        if self.any_of:
            return any(c.holds(answers) for c in self.any_of)
        return all(c.holds(answers) for c in self.all_of)


def _condition(raw: Any, book: ClockBook, named: Mapping[str, Any], seen: tuple[str, ...] = ()
               ) -> Condition:
    if isinstance(raw, str):
        name, _, value = raw.partition("=")
        if name in named and not value:
            if name in seen:
                raise ValueError(f"condition {name!r} refers to itself")
            return _condition(named[name], book, named, (*seen, name))
        question = book.questions.get(name)
        if question is None:
            raise ValueError(f"{raw!r} names no question or condition")
        if value and value not in question.choices:
            raise ValueError(f"{raw!r}: {name} has no answer {value!r} "
                             f"(choices: {', '.join(question.choices)})")
        return Condition(question=name, value=value or None)
    if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in ("any", "all") \
            and isinstance(next(iter(raw.values())), list) and next(iter(raw.values())):
        (how, items), = raw.items()
        parts = tuple(_condition(item, book, named, seen) for item in items)
        return Condition(any_of=parts) if how == "any" else Condition(all_of=parts)
    raise ValueError(f"{raw!r} is not a condition: an answer, `question=answer`, a named "
                     "condition, or {any: [...]} / {all: [...]}")


# ---------------------------------------------------------------- the data file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Question(_Strict):
    regulation: Regulation
    article: str
    text: str
    finding: str  # a "yes", in a few words: "Personal data breach"
    choices: dict[str, str] = {"yes": "Yes", "no": "No"}  # stored answer -> label

    @field_validator("choices")
    @classmethod
    def _has_no(cls, value: dict[str, str]) -> dict[str, str]:
        if "no" not in value or len(value) < 2:
            raise ValueError('give "no" and at least one other answer')
        return value


class Report(_Strict):
    regulation: Regulation
    to: str  # who receives it
    remind_before: PeriodField
    initial_report: bool = False  # an incomplete report may come first


class Starts(_Strict):
    after: str | None = None  # that report was submitted
    after_initial: str | None = None  # that report was submitted as an initial report

    @model_validator(mode="after")
    def _one(self) -> Starts:
        if (self.after is None) == (self.after_initial is None):
            raise ValueError("give exactly one of after or after_initial")
        return self

    @property
    def report(self) -> str:
        return self.after or self.after_initial


class Clock(_Strict):
    report: DeadlineKind
    article: str
    why: str  # what starts it, in words: "the death of a person"
    when: Any
    within: PeriodField
    role: EuAiActRole | None = None
    starts: Starts | None = None
    note: str | None = None


class ClockBook(_Strict):
    timezone: Annotated[str, BeforeValidator(lambda v: known_zone(str(v)))]
    questions: dict[str, Question]
    conditions: dict[str, Any] = {}
    reports: dict[DeadlineKind, Report]
    clocks: dict[str, Clock]
    _when: dict[str, Condition] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> ClockBook:
        missing = REGULATORY_DEADLINES - set(self.reports)
        if missing or set(self.reports) - REGULATORY_DEADLINES:
            raise ValueError(f"reports must be exactly the regulatory deadline kinds; missing: "
                             f"{sorted(missing)}")
        clash = set(self.conditions) & set(self.questions)
        if clash:
            raise ValueError(f"conditions and questions share names: {sorted(clash)}")
        for key, clock in self.clocks.items():
            report = self.reports[clock.report]
            if clock.role is not None and report.regulation != "eu_ai_act":
                raise ValueError(f"clocks.{key}: a role applies to eu_ai_act clocks only")
            if clock.starts is not None and clock.starts.report not in self.reports:
                raise ValueError(f"clocks.{key}.starts: no report {clock.starts.report!r}")
            try:
                self._when[key] = _condition(clock.when, self, self.conditions)
            except ValueError as exc:
                raise ValueError(f"clocks.{key}.when: {exc}") from None
        return self

    def regulation_of(self, clock: str) -> str:
        return self.reports[self.clocks[clock].report].regulation

    def condition(self, clock: str) -> Condition:
        return self._when[clock]


class ClockFileError(ValueError):
    """The clocks file cannot be used; the message names the file, the key and why."""


def load(path: Path = DATA) -> ClockBook:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ClockBook.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise ClockFileError(f"{path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ClockFileError(f"{path}: {where}: {first['msg']}".replace(": : ", ": ")) from None


@lru_cache(maxsize=1)
def shipped() -> ClockBook:
    """The package's clocks, read once on first use (not at import)."""
    return load(DATA)


# ---------------------------------------------------------------- the catalog's say


class RegulatoryPolicy(_Strict):
    """`policy.regulatory` in the catalog: where calendar days are counted, and clocks made
    stricter than the law's (or, in tests, seconds long)."""

    timezone: Annotated[str, BeforeValidator(lambda v: known_zone(str(v)))] | None = None
    clocks: dict[str, PeriodField] = {}  # clock id (as in clocks.yml) -> period

    @field_validator("clocks")
    @classmethod
    def _known_clocks(cls, value: dict[str, Period]) -> dict[str, Period]:
        unknown = set(value) - set(shipped().clocks)
        if unknown:
            raise ValueError(f"unknown clocks {sorted(unknown)} (known: "
                             f"{', '.join(shipped().clocks)})")
        return value

    def zone(self, book: ClockBook) -> ZoneInfo:
        return ZoneInfo(self.timezone or book.timezone)


def lead(kind: str) -> timedelta:
    """How long before a report's due time its reminder comes."""
    return shipped().reports[DeadlineKind(kind)].remind_before.approximately()
