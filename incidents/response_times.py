"""How fast an incident was detected, acknowledged, mitigated and resolved.

Pure functions over the incident's recorded times, shared by the post-incident review and
the metrics report. Every duration is None when one of its ends was never recorded: an
unknown figure is shown as a gap, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


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
