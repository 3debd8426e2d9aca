"""Who a deadline's reminder speaks to and of, pure: the people it mentions, the roles it
shows beside the task, and the client contact a notification deadline is about."""

from __future__ import annotations

from incidents.catalog.models import Client, System
from incidents.deadlines.policy import NOTIFICATIONS
from incidents.models import Incident
from incidents.types import DeadlineKind

# Who is told first about each kind, besides the commander.
_ALSO = {
    DeadlineKind.EXECUTIVE_NOTIFICATION: ("comms",),
    DeadlineKind.TECHNICAL_NOTIFICATION: ("comms",),
    DeadlineKind.FIRST_RESPONSE: ("comms",),
    DeadlineKind.STATUS_UPDATE: ("comms",),
}
# What the reminder shows next to the task, so a missing engineer is visible.
_SHOWN = {
    DeadlineKind.TECHNICAL_NOTIFICATION: ("engineer",),
    DeadlineKind.FIRST_RESPONSE: ("engineer",),
}


def who_to_remind(incident: Incident, kind: DeadlineKind, system: System | None) -> list[str]:
    """The commander (and whoever else owns this kind of task); the system's owners when
    nobody commands the incident yet, else whoever declared it. User ids, each once."""
    people = [incident.commander] if incident.commander else []
    if people:
        people += [getattr(incident, role) for role in _ALSO.get(kind, ())]
    else:
        people = list(system.owners) if system else []
        people = people or [incident.declared_by]
    return list(dict.fromkeys(p for p in people if p))


def roles_to_show(incident: Incident, kind: DeadlineKind) -> dict[str, str | None]:
    """Role → who holds it (None: nobody yet), for the roles the task needs."""
    return {role: getattr(incident, role) for role in _SHOWN.get(kind, ())}


def contact_to_notify(client: Client | None, kind: DeadlineKind) -> str | None:
    """`Dana Lee, Acme Bank (dana@acme.example, +1 555 0100)` for a notification deadline:
    the executive contact for the executive notification, else the technical one; the
    client's name alone when the catalog names no such contact."""
    if client is None or kind not in NOTIFICATIONS:
        return None
    contact = (client.executive_contact if kind == DeadlineKind.EXECUTIVE_NOTIFICATION
               else client.technical_contact)
    if contact is None:
        return client.name
    reach = ", ".join(x for x in (contact.email, contact.phone) if x)
    return f"{contact.name}, {client.name}" + (f" ({reach})" if reach else "")
