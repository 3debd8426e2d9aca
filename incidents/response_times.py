"""How fast an incident was detected, acknowledged, mitigated and resolved.

Pure functions over the incident's recorded times, shared by the post-incident review and
the metrics report. Every duration is None when one of its ends was never recorded: an
unknown figure is shown as a gap, never guessed.

- Detect: when the impact began (recorded by a person, else the earliest firing alert's
  own start) → the incident opened (its first alert received, or declared).
- Acknowledge: opened → the first human response, whatever it was: a triage answer, a role
  taken or given, a page acknowledged, a note, a severity or status change, a mitigation…
  (`first_response`). Not the commander assignment alone: triage often starts long before.
- Mitigate: opened → the first successful mitigation, or the status `mitigated`.
- Resolve: opened → resolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from incidents.types import EventKind

# Opening an incident is not a response to it; everything else a person records is.
NOT_A_RESPONSE = frozenset({EventKind.DECLARED, EventKind.OPENED_BY_ALERT})
_PERSON = re.compile(r"^[UW][A-Z0-9_]{1,20}$")


class Timed(Protocol):
    created_at: datetime
    impact_started_at: datetime | None
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None


def elapsed(start: datetime | None, end: datetime | None) -> timedelta | None:
    if start is None or end is None:
        return None
    return end - start


def detection_start(
    *, impact_started_at: datetime | None, first_alert_at: datetime | None
) -> datetime | None:
    """When the harm began: the recorded impact start, else when the first alert started."""
    return impact_started_at if impact_started_at is not None else first_alert_at


def time_to_detect(incident: Timed, *, first_alert_at: datetime | None) -> timedelta | None:
    """Impact start → incident opened. An alert that started after someone declared the
    incident by hand means a person was first: zero, not a negative duration."""
    start = detection_start(
        impact_started_at=incident.impact_started_at, first_alert_at=first_alert_at
    )
    value = elapsed(start, incident.created_at)
    return None if value is None else max(value, timedelta(0))


def first_response(
    acknowledged_at: datetime | None, *, created_at: datetime, kind: str, actor: str | None,
    now: datetime, occurred_at: datetime | None = None,
) -> datetime | None:
    """The incident's acknowledgement once this event is recorded: the earliest moment a
    person responded. A Slack message copied into the timeline responded when it was
    written, so an earlier one copied later moves it back (one written before the incident
    opened does not count); anything else responded when it was recorded."""
    if not actor or not _PERSON.match(actor) or kind in NOT_A_RESPONSE:
        return acknowledged_at
    at = (occurred_at or now) if kind == EventKind.SLACK_MESSAGE else now
    if at < created_at:
        return acknowledged_at
    return at if acknowledged_at is None or at < acknowledged_at else acknowledged_at


def time_to_acknowledge(incident: Timed) -> timedelta | None:
    return elapsed(incident.created_at, incident.acknowledged_at)


def time_to_mitigate(incident: Timed) -> timedelta | None:
    return elapsed(incident.created_at, incident.mitigated_at)


def time_to_resolve(incident: Timed) -> timedelta | None:
    return elapsed(incident.created_at, incident.resolved_at)


@dataclass(frozen=True)
class ResponseTimes:
    detect: timedelta | None
    acknowledge: timedelta | None
    mitigate: timedelta | None
    resolve: timedelta | None


def response_times(incident: Timed, *, first_alert_at: datetime | None) -> ResponseTimes:
    return ResponseTimes(
        detect=time_to_detect(incident, first_alert_at=first_alert_at),
        acknowledge=time_to_acknowledge(incident),
        mitigate=time_to_mitigate(incident),
        resolve=time_to_resolve(incident),
    )


def format_duration(value: timedelta | None, *, missing: str = "not recorded") -> str:
    """`1d 02h 03m 04s`, `12m 05s`, `42s`: exact to the second, largest unit first."""
    if value is None:
        return missing
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h {minutes:02d}m {seconds:02d}s"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m {seconds:02d}s"
    if minutes:
        return f"{sign}{minutes}m {seconds:02d}s"
    return f"{sign}{seconds}s"
