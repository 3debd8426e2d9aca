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
    # Triage, runbooks and mitigations. Answer buttons are `TRIAGE_ANSWER:<choice>`, so
    # the ids stay unique within each item's actions block.
    TRIAGE = "incident.triage"
    TRIAGE_ANSWER = "incident.triage_answer"
    TRIAGE_APPLY = "incident.triage_apply_severity"
    RUNBOOKS = "incident.runbooks"
    RUNBOOK_OPEN = "incident.runbook_open"
    RUNBOOK_TICK = "incident.runbook_tick"
    MITIGATE_MENU = "incident.mitigate_menu"
    MITIGATE = "incident.mitigate"
    MITIGATE_RETRY = "incident.mitigate_retry"
    MITIGATE_BY_HAND = "incident.mitigate_by_hand"
    # Model registry rollbacks; values are encode(incident id, model change id).
    MODEL_UNDO = "incident.model_undo"
    MODEL_RETRY = "incident.model_retry"
    # Deadline reminders; values are encode(incident id, deadline id[, seconds]).
    DEADLINE_DONE = "incident.deadline_done"
    DEADLINE_SNOOZE_15M = "incident.deadline_snooze_15m"
    DEADLINE_SNOOZE_1H = "incident.deadline_snooze_1h"
    # Client communication; DRAFT_NOTIFICATION's value is the incident id (on reminders too),
    # optionally `:<kind>`; MARK_SENT and SEND_TO_CLIENT carry encode(incident, notification).
    DRAFT_NOTIFICATION = "incident.draft_notification"
    NOTIFICATION_KIND = "incident.notification_kind"
    MARK_SENT = "incident.notification_mark_sent"
    SEND_TO_CLIENT = "incident.notification_send_to_client"
    # Regulatory reporting: REPORTABILITY's value is the incident id; the report buttons
    # carry encode(incident id, deadline id).
    REPORTABILITY = "incident.reportability"
    REPORT_DRAFT = "incident.report_draft"
    REPORT_SUBMITTED = "incident.report_submitted"
    REPORT_SUBMITTED_INITIAL = "incident.report_submitted_initial"
    REPORT_SNOOZE = "incident.report_snooze"


class ViewId(StrEnum):
    DECLARE = "incident.declare"
    RESOLVE = "incident.resolve"
    ASSIGN = "incident.assign"
    NOTE = "incident.note"
    SEVERITY = "incident.severity"
    PICK_INCIDENT = "incident.pick_for_timeline"
    THRESHOLD = "incident.mitigate_threshold"
    MODEL_ROLLBACK = "incident.model_rollback"
    NOTIFY = "incident.notify"
    STATUS_UPDATE = "incident.status_update"
    DECLARE_OPEN_ONE = "incident.declare_open_one"
    REPORTABILITY = "incident.reportability"
    REPORT_SNOOZE = "incident.report_snooze"


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
    THRESHOLD = "threshold"
    PREVIOUS_THRESHOLD = "previous_threshold"
    MODEL_VERSION = "model_version"
    SEPARATE = "separate"
    ASSESSMENT_NOTE = "assessment_note"  # the reportability questions use their own keys
    SNOOZE_FOR = "snooze_for"
    SNOOZE_REASON = "snooze_reason"
    IMPACT_STARTED = "impact_started"
    ROOT_CAUSE = "root_cause"


VALUE = "value"


def encode(incident_id: int, *parts: object) -> str:
    return ":".join(str(p) for p in (incident_id, *parts))


def decode(value: str) -> tuple[int, list[str]]:
    head, *rest = value.split(":")
    return int(head), rest
