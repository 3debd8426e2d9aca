"""Root cause and business impact, as the review finally understands them.

Both are first guessed during the incident (the resolve form asks for a root cause
category) and often corrected at the post-incident review, after resolution. Each change is
a timeline event with the values before and after, so the incident log (the seed's
"severity, root cause, time to detection, time to resolution, and business impact") can be
trusted and its history read back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from incidents import outbox, service
from incidents.models import Incident, TimelineEvent
from incidents.types import EventKind, Status

MAX_TEXT = 1000


def _editable(incident: Incident) -> None:
    if incident.status == Status.MERGED:
        raise service.Refused(f"This incident was merged into incident "
                              f"#{incident.merged_into_id}: record its findings there.")


def _clean(text: str | None) -> str:
    text = " ".join((text or "").split())
    if len(text) > MAX_TEXT:
        raise service.Refused(f"Keep it under {MAX_TEXT} characters; the review has room for "
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
        raise service.Refused(f"`{category}` is not a root cause category. Choose one of: "
                              + ", ".join(f"`{k}`" for k in categories) + ".")
    words = _clean(text) or incident.root_cause
    before = {"category": incident.root_cause_category, "text": incident.root_cause}
    after = {"category": key, "text": words}
    if before == after:
        raise service.Refused(f"The root cause is already {categories[key]}"
                              + (f": {words}" if words else "") + ".")
    incident.root_cause_category, incident.root_cause = key, words
    return _posted(session, service.record(
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
        raise service.Refused("Say what the business impact was: `/incident impact <what the "
                              "client lost or suffered>`.")
    if words == incident.business_impact:
        raise service.Refused("That is already the recorded business impact.")
    before = incident.business_impact
    incident.business_impact = words
    return _posted(session, service.record(
        session, incident=incident, kind=EventKind.IMPACT_CHANGED, now=now, actor=actor,
        text=f"Business impact: {words}", data={"from": before, "to": words},
    ))
