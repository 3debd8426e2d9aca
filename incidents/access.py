"""Who may see and who may change an incident: one rule for every Slack surface.

A private incident exists only for the people working it: the members of its channel and
the people who hold one of its roles (or declared it). Everybody else is told the same as
for an incident that does not exist, so a refusal never confirms that a private incident
is there, nor what state it is in. Changing any incident takes membership of its channel
once it has one (README, "Who can see and change an incident").

Membership is a fact the adapter looks up in Slack; these functions only decide.
"""

from __future__ import annotations

from enum import StrEnum

from incidents.models import Incident
from incidents.types import Role


class Verdict(StrEnum):
    ALLOWED = "allowed"
    UNSEEN = "unseen"  # as if there were no such incident
    NOT_A_MEMBER = "not_a_member"  # may see it, must join the channel to change it


def people_of(incident: Incident) -> set[str]:
    """Who works the incident without needing to be in its channel: role holders, declarer."""
    people = {getattr(incident, role) for role in Role} | {incident.declared_by}
    return {p for p in people if p}


def can_see(incident: Incident, *, user: str, in_channel: bool) -> bool:
    if not incident.private:
        return True
    return in_channel or user in people_of(incident)


def decide(incident: Incident | None, *, user: str, in_channel: bool, change: bool) -> Verdict:
    """`in_channel`: the user is a member of the incident's channel (False when it has none)."""
    if incident is None or not can_see(incident, user=user, in_channel=in_channel):
        return Verdict.UNSEEN
    if change and incident.channel_id is not None and not in_channel:
        return Verdict.NOT_A_MEMBER
    return Verdict.ALLOWED


def no_such_incident(incident_id: int | str) -> str:
    """The one wording for an incident that is missing or not the person's to see."""
    return f"There is no incident #{incident_id} that you can see."
