"""Action, view and block ids. Values encode the incident id so any message or DM works."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    SET_SEVERITY = "incident.set_severity"
    SET_STATUS = "incident.set_status"
    ASSIGN_ROLE = "incident.assign_role"
    ADD_NOTE = "incident.add_note"
    RESOLVE = "incident.resolve"
    DECLINE = "incident.decline"
    ACKNOWLEDGE = "incident.acknowledge"
    OPEN_CHANNEL = "incident.open_channel"


class ViewId(StrEnum):
    DECLARE = "incident.declare"
    RESOLVE = "incident.resolve"
    ASSIGN = "incident.assign"
    NOTE = "incident.note"
    SEVERITY = "incident.severity"
    PICK_INCIDENT = "incident.pick_for_timeline"


class Shortcut(StrEnum):
    ADD_TO_TIMELINE = "add_to_incident_timeline"


class Field(StrEnum):
    """Block ids of modal inputs; each input's action id is `value`."""

    TITLE = "title"
    SYSTEM = "system"
    SEVERITY = "severity"
    DESCRIPTION = "description"
    PRIVATE = "private"
    SUMMARY = "summary"
    ROOT_CAUSE_CATEGORY = "root_cause_category"
    ROLE = "role"
    USER = "user"
    NOTE = "note"
    INCIDENT = "incident"


VALUE = "value"


def encode(incident_id: int, *parts: object) -> str:
    return ":".join(str(p) for p in (incident_id, *parts))


def decode(value: str) -> tuple[int, list[str]]:
    head, *rest = value.split(":")
    return int(head), rest
