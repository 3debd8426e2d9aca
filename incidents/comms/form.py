"""What a notification or status-update form needs before it can be drafted, and whom it
names as our contact. Pure: the adapter collects the values, the rules judge them here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidents.comms.notifications import FIELDS, NotificationKind
from incidents.models import Incident

# Fields a form may leave empty; every other field of FIELDS the client needs.
OPTIONAL = frozenset({
    "recipient", "mitigation", "our_contact", "root_cause", "expected_resolution",
    "client_action", "current_performance", "key_events",
})
REQUIRED = "Fill this in: the client needs it."
PAST_PROMISE = "Promise the next update for a time still to come."


def problems(kind: NotificationKind, values: dict[str, Any], *, now: datetime) -> dict[str, str]:
    """Field → what is wrong with it; empty when the form can be drafted. A required field
    left empty, or a next update promised for a time already past."""
    found = {name: REQUIRED for name in FIELDS[kind]
             if name not in OPTIONAL and not values.get(name)}
    due = values.get("next_update_at")
    if "next_update_at" in FIELDS[kind] and due is not None and due <= now:
        found["next_update_at"] = PAST_PROMISE
    return found


def speaks_for_us(incident: Incident, drafter: str) -> str:
    """Whoever speaks for us to the client: the comms lead, else the commander, else the
    person drafting. A user id."""
    return incident.comms or incident.commander or drafter
