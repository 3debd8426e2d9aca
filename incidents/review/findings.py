"""Root cause, business impact and when the impact began, as the review finally
understands them.

All are first guessed during the incident (the resolve form asks for a root cause
category, the declare form when the impact began) and often corrected at the post-incident
review, after resolution. Each change is a timeline event with the values before and after,
so the incident log (severity, root cause, time to detect, time to resolve and business
impact, as `incidentbot report` counts them) can be trusted and its history read back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from incidents import outbox, timeline
from incidents.catalog.durations import parse_duration
from incidents.models import Incident, TimelineEvent
from incidents.types import EventKind, Status

MAX_TEXT = 1000


def _editable(incident: Incident) -> None:
    if incident.status == Status.MERGED:
        raise timeline.Refused(f"This incident was merged into incident "
                              f"#{incident.merged_into_id}: record its findings there.")


def _clean(text: str | None) -> str:
    text = " ".join((text or "").split())
    if len(text) > MAX_TEXT:
        raise timeline.Refused(f"Keep it under {MAX_TEXT} characters; the review has room for "
                              "the detail.")
    return text


def _posted(session: Session, event: TimelineEvent) -> TimelineEvent:
    session.flush()
    outbox.announce(session, event)
    return event


def set_root_cause(
    session: Session,
    *,
    incident: Incident,
    category: str,
    text: str | None,
    categories: Mapping[str, str],
    actor: str | None,
    now: datetime,
) -> TimelineEvent:
    """Set the root cause category (one of `categories`: key → label) and, when given, the
    root cause in words; without words the recorded ones stay."""
    _editable(incident)
    key = category.strip().lower().replace("-", "_")
    if key not in categories:
        raise timeline.Refused(f"`{category}` is not a root cause category. Choose one of: "
                              + ", ".join(f"`{k}`" for k in categories) + ".")
    words = _clean(text) or incident.root_cause
    before = {"category": incident.root_cause_category, "text": incident.root_cause}
    after = {"category": key, "text": words}
    if before == after:
        raise timeline.Refused(f"The root cause is already {categories[key]}"
                              + (f": {words}" if words else "") + ".")
    incident.root_cause_category, incident.root_cause = key, words
    return _posted(session, timeline.record(
        session, incident=incident, kind=EventKind.ROOT_CAUSE_CHANGED, now=now, actor=actor,
        text=f"Root cause: {categories[key]}" + (f": {words}" if words else ""),
        data={"from": before, "to": after, "label": categories[key]},
    ))


def set_business_impact(
    session: Session, *, incident: Incident, text: str, actor: str | None, now: datetime
) -> TimelineEvent:
    _editable(incident)
    words = _clean(text)
    if not words:
        raise timeline.Refused("Say what the business impact was: `/incident impact <what the "
                              "client lost or suffered>`.")
    if words == incident.business_impact:
        raise timeline.Refused("That is already the recorded business impact.")
    before = incident.business_impact
    incident.business_impact = words
    return _posted(session, timeline.record(
        session, incident=incident, kind=EventKind.IMPACT_CHANGED, now=now, actor=actor,
        text=f"Business impact: {words}", data={"from": before, "to": words},
    ))


STARTED_USAGE = ("Say when the impact began, in your time zone: `09:40` (the last 09:40), "
                 "`2026-12-06 09:40`, or `25m ago`.")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_AGO = re.compile(r"^(.+?)\s+ago$", re.IGNORECASE)


def parse_moment(text: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """A past moment as people type it: `09:40` (the latest such time, in `zone`),
    `2026-12-06 09:40` (in `zone`), an ISO time with its offset, or `25m ago`. Raises
    timeline.Refused saying what is wrong."""
    text = " ".join(text.split())
    ago = _AGO.match(text)
    if ago:
        try:
            return now - parse_duration(ago.group(1).replace(" ", ""))
        except ValueError:
            raise timeline.Refused(f"`{text}` is not a duration. {STARTED_USAGE}") from None
    clock = _CLOCK.match(text)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            raise timeline.Refused(f"`{text}` is not a time of day. {STARTED_USAGE}")
        local = now.astimezone(zone)
        moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if moment > local:
            moment -= timedelta(days=1)
        return moment.astimezone(UTC)
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise timeline.Refused(f"I don't understand `{text}`. {STARTED_USAGE}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def set_impact_start(
    session: Session, *, incident: Incident, at: datetime, actor: str | None, now: datetime
) -> TimelineEvent:
    """When the impact began, as people found out: time to detect runs from here to the
    incident opening (the first alert's own start counts when nobody recorded one)."""
    _editable(incident)
    at = at.astimezone(UTC).replace(microsecond=0)
    if at > now:
        raise timeline.Refused("The impact cannot have begun in the future.")
    if at == incident.impact_started_at:
        raise timeline.Refused("That is already when the impact began.")
    before = incident.impact_started_at
    incident.impact_started_at = at
    was = f" (was {before.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)" if before else ""
    return _posted(session, timeline.record(
        session, incident=incident, kind=EventKind.IMPACT_STARTED, now=now, actor=actor,
        occurred_at=at, text=f"The impact began at {at:%Y-%m-%d %H:%M:%S} UTC{was}",
        data={"from": before.isoformat() if before else None, "to": at.isoformat()},
    ))
