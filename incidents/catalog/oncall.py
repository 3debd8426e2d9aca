"""The catalog's on-call schedules and escalation policies (`oncall:`, `escalation:`): who
is on call when (incidents/oncall/schedule.py reads them) and how long each level of an
escalation waits for an acknowledgement, per severity."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from incidents.catalog.durations import Duration, PositiveDuration
from incidents.catalog.fields import LocatedErrors, SlackUserId, Strict
from incidents.regulatory.clocks import known_zone


def _hh_mm(value: Any) -> Any:
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"{value!r} is not a time of day as \"HH:MM\"")
        return time(int(match[1]), int(match[2]))
    if isinstance(value, time):
        return value
    raise ValueError(f"{value!r} is not a time of day; write it quoted, as \"HH:MM\"")


class Override(Strict):
    user: SlackUserId
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Override:
        if self.end <= self.start:
            raise LocatedErrors([(("end",), "must be after start")])
        return self


class Schedule(Strict):
    timezone: str
    handoff: Annotated[
        time,
        BeforeValidator(_hh_mm),
        PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json"),
    ] = time(9, 0)
    rotation: PositiveDuration = timedelta(weeks=1)
    start: date
    participants: list[SlackUserId] = Field(min_length=1)
    overrides: list[Override] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SeverityWaits(Strict):
    sev1: Duration | None = None
    sev2: Duration | None = None
    sev3: Duration | None = None
    sev4: Duration | None = None
    default: Duration | None = None

    @model_validator(mode="after")
    def _complete(self) -> SeverityWaits:
        if self.default is None and None in (self.sev1, self.sev2, self.sev3, self.sev4):
            raise LocatedErrors([(("default",), "required unless sev1 to sev4 are all given")])
        return self


def _waits(value: Any) -> Any:
    # A single duration is shorthand for the same wait at every severity.
    if isinstance(value, dict | SeverityWaits) or value is None:
        return value
    return {"default": value}


class EscalationLevel(Strict):
    schedule: str | None = None
    users: list[SlackUserId] | None = Field(None, min_length=1)
    wait: Annotated[SeverityWaits, BeforeValidator(_waits)]

    @model_validator(mode="after")
    def _one_target(self) -> EscalationLevel:
        if (self.schedule is None) == (self.users is None):
            raise LocatedErrors([((), "give exactly one of schedule or users")])
        return self

    def wait_for(self, severity: int) -> timedelta:
        """How long this level has to acknowledge before the next level is paged."""
        if severity not in (1, 2, 3, 4):
            raise ValueError(f"severity must be 1 to 4, not {severity!r}")
        specific = getattr(self.wait, f"sev{int(severity)}")
        return specific if specific is not None else self.wait.default
