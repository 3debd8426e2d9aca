"""Durations as people write them in the catalog: "30m", "2h", "1d", "1w", "1h30m"."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

UNITS: dict[str, timedelta] = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)")
_HINT = "use a number and a unit (w, d, h, m, s), e.g. 45s, 30m, 2h, 1d, 1w or 1h30m"


def parse_duration(text: str | int | float | timedelta) -> timedelta:
    """A duration from "1h30m"-style text, or from a plain number of seconds.

    Units must come largest first and at most once each, so that "1m30m" or "30s1h"
    (almost always typos) are rejected instead of silently summed.
    """
    if isinstance(text, timedelta):
        return text
    if isinstance(text, bool):  # bool is an int; `every: yes` is a mistake, not 1 second
        raise ValueError(f"invalid duration {text!r}: {_HINT}")
    if isinstance(text, int | float):
        if not math.isfinite(text) or text < 0:
            raise ValueError(f"invalid duration {text!r}: must be a non-negative number of seconds")
        return timedelta(seconds=text)
    if not isinstance(text, str):
        raise ValueError(f"invalid duration {text!r}: {_HINT}")
    return _parse_text(text)


def _parse_text(text: str) -> timedelta:
    compact = text.strip()
    if not compact:
        raise ValueError(f"invalid duration {text!r}: empty; {_HINT}")
    if re.fullmatch(r"\d+(?:\.\d+)?", compact):
        raise ValueError(f"invalid duration {text!r}: missing unit; {_HINT}")
    total = timedelta()
    position = 0
    previous_rank = -1
    order = list(UNITS)
    for match in _PART.finditer(compact):
        if compact[position:match.start()].strip():
            break
        number, unit = match.groups()
        if unit not in UNITS:
            raise ValueError(f"invalid duration {text!r}: unknown unit {unit!r}; {_HINT}")
        rank = order.index(unit)
        if rank <= previous_rank:
            raise ValueError(
                f"invalid duration {text!r}: units must appear once each, largest first "
                "(e.g. 1h30m)"
            )
        previous_rank = rank
        total += float(number) * UNITS[unit]
        position = match.end()
    if position == 0 or compact[position:].strip():
        raise ValueError(f"invalid duration {text!r}: {_HINT}")
    return total


def format_duration(td: timedelta) -> str:
    """The shortest text `parse_duration` reads back as `td`: "30m", "2h", "1h30m", "4s"."""
    if td < timedelta(0):
        return "-" + format_duration(-td)
    micros = td // timedelta(microseconds=1)
    whole, fraction = divmod(micros, 1_000_000)
    parts: list[str] = []
    for unit, size in UNITS.items():
        seconds = int(size.total_seconds())
        if unit == "s":
            break
        count, whole = divmod(whole, seconds)
        if count:
            parts.append(f"{count}{unit}")
    if fraction:
        digits = f"{fraction:06d}".rstrip("0")
        parts.append(f"{whole}.{digits}s")
    elif whole or not parts:
        parts.append(f"{whole}s")
    return "".join(parts)


def _field_value(value: Any) -> Any:
    return None if value is None else parse_duration(value)


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than zero")
    return value


# For pydantic fields: reads "1h30m" (or seconds) and writes it back the same way in JSON.
Duration = Annotated[
    timedelta,
    BeforeValidator(_field_value),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]
PositiveDuration = Annotated[Duration, AfterValidator(_positive)]
