"""Who is on call: pure functions over a `Schedule`.

Shift n starts at the schedule's local wall-clock time `start + handoff + n * rotation`,
so a 09:00 Berlin handoff stays at 09:00 in Berlin across daylight saving changes and
its UTC instant moves by an hour. A local time that does not exist (skipped by a spring
change) or exists twice (repeated in autumn) takes the offset from before the change.
Overrides win over the rotation; when overrides overlap, the one listed last wins.
"""

from __future__ import annotations

from datetime import UTC, datetime

from incidents.catalog.oncall import Schedule


def shift_start(schedule: Schedule, index: int) -> datetime:
    """When rotation shift `index` begins, in UTC; shift 0 is the first participant's first."""
    local = datetime.combine(schedule.start, schedule.handoff) + index * schedule.rotation
    return local.replace(tzinfo=schedule.tz).astimezone(UTC)


def shift_index(schedule: Schedule, at: datetime) -> int:
    """The rotation shift running at `at`; negative before the schedule's start."""
    _require_aware(at)
    first = datetime.combine(schedule.start, schedule.handoff)
    local = at.astimezone(schedule.tz).replace(tzinfo=None)
    index = (local - first) // schedule.rotation
    # The wall-clock estimate can be one off around a daylight saving change.
    while shift_start(schedule, index) > at:
        index -= 1
    while shift_start(schedule, index + 1) <= at:
        index += 1
    return index


def rotation_user(schedule: Schedule, index: int) -> str:
    return schedule.participants[index % len(schedule.participants)]


def on_call_at(schedule: Schedule, at: datetime) -> str:
    """The user id on call at `at` (aware).

    Before the schedule's start the rotation is extended backwards rather than leaving
    nobody to page.
    """
    _require_aware(at)
    for override in reversed(schedule.overrides):
        if override.start <= at < override.end:
            return override.user
    return rotation_user(schedule, shift_index(schedule, at))


def next_handoffs(schedule: Schedule, after: datetime, count: int) -> list[tuple[datetime, str]]:
    """The next `count` moments after `after` when someone else goes on call, in UTC,
    with who takes over. Rotation handoffs hidden by an override are not handoffs; an
    override's start and end are. A schedule whose on-call person never changes again
    yields fewer than `count`."""
    _require_aware(after)
    if count <= 0:
        return []
    boundaries = sorted(
        {moment.astimezone(UTC) for o in schedule.overrides for moment in (o.start, o.end)
         if moment > after}
    )
    index = shift_index(schedule, after) + 1
    current = on_call_at(schedule, after)
    handoffs: list[tuple[datetime, str]] = []
    # Once overrides are behind us, a full cycle without a change means there is no next.
    unchanged_rotations = 0
    cycle = len(schedule.participants)
    while len(handoffs) < count and (boundaries or unchanged_rotations <= cycle):
        rotation_at = shift_start(schedule, index)
        if boundaries and boundaries[0] <= rotation_at:
            moment = boundaries.pop(0)
            if moment == rotation_at:
                index += 1
        else:
            moment = rotation_at
            index += 1
        user = on_call_at(schedule, moment)
        if user != current:
            handoffs.append((moment, user))
            current = user
            unchanged_rotations = 0
        elif not boundaries:
            unchanged_rotations += 1
    return handoffs


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; on-call times must be aware")
