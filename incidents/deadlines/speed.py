"""How fast an incident's clocks run: 1 for a real incident, its speed for a drill.

A drill played at speed 60 plays an hour of scenario in a minute; its deadlines, reminders,
escalation waits and the update times the forms propose run 60 times faster too, so that
the debrief's "missed" and "met" mean what they would in a real incident (README, drills).
"""

from __future__ import annotations

from incidents.catalog.models import Policy, SeverityPolicy
from incidents.models import Incident


def speed_of(incident: Incident | None) -> float:
    return getattr(incident, "clock_speed", None) or 1.0


def at_speed(policy: Policy, speed: float) -> Policy:
    """The policy as an incident whose clocks run `speed` times faster sees it: at speed 60
    a 30-minute executive notification is due in 30 seconds, reminded 10 seconds ahead."""
    if speed == 1:
        return policy

    def faster(rules: SeverityPolicy) -> SeverityPolicy:
        return rules.model_copy(update={
            name: None if getattr(rules, name) is None else getattr(rules, name) / speed
            for name in type(rules).model_fields})

    return policy.model_copy(update={
        **{f"sev{level}": faster(policy.for_severity(level)) for level in (1, 2, 3, 4)},
        "reminder_lead": policy.reminder_lead / speed})
