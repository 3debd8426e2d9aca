"""How the review writes times and table cells: UTC and the viewer's zone, to the second."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

GAP = "not yet recorded"


class Moment(NamedTuple):
    utc: str
    local: str | None  # the viewer's zone; None when that is UTC


class Clock:
    """Formats moments in UTC and in the viewer's zone, to the second.

    A long incident has thousands of events, mostly within the same minutes: each minute is
    formatted once and the seconds appended (zone offsets are whole minutes).
    """

    def __init__(self, zone: ZoneInfo | None) -> None:
        self.zone = None if zone is None or zone.key in ("UTC", "Etc/UTC") else zone
        self._minutes: dict[int, tuple[str, str | None, str]] = {}

    def _minute(self, minute: int) -> tuple[str, str | None, str]:
        start = datetime.fromtimestamp(minute * 60, UTC)
        utc, local, name = start.isoformat(" ", "minutes")[:16], None, ""
        if self.zone is not None:
            there = start.astimezone(self.zone)
            if there.utcoffset().total_seconds() % 60:
                return "", None, ""  # a historical offset with seconds: no shortcut
            local, name = there.isoformat(" ", "minutes")[:16], there.tzname() or ""
        found = self._minutes[minute] = (utc, local, name)
        return found

    def moment(self, at: datetime | None) -> Moment:
        if at is None:
            return Moment(GAP, None if self.zone is None else GAP)
        minute, second = divmod(math.floor(at.timestamp()), 60)
        utc, local, name = self._minutes.get(minute) or self._minute(minute)
        if not utc:
            return self._slow(at)
        return Moment(f"{utc}:{second:02d} UTC",
                      None if local is None else f"{local}:{second:02d} {name}")

    def _slow(self, at: datetime) -> Moment:
        there = at.astimezone(self.zone)
        return Moment(at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
                      there.strftime("%Y-%m-%d %H:%M:%S ") + (there.tzname() or ""))

    def text(self, at: datetime | None) -> str:
        moment = self.moment(at)
        return moment.utc if moment.local is None else f"{moment.utc} ({moment.local})"


def cell(text: str) -> str:
    """One Markdown table cell: no line breaks, pipes escaped."""
    text = str(text)
    if "\n" in text or "\r" in text:
        text = " ".join(text.split())
    return text.replace("|", "\\|")
