"""Value types shared by the models and the policies."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Severity(IntEnum):
    SEV1 = 1
    SEV2 = 2
    SEV3 = 3
    SEV4 = 4

    @property
    def label(self) -> str:
        return f"Sev{self.value}"

    @property
    def meaning(self) -> str:
        return SEVERITY_MEANINGS[self]


# The one-line meaning of each level; shown wherever a severity is chosen.
SEVERITY_MEANINGS = {
    Severity.SEV1: "Critical: predictions are causing significant business harm",
    Severity.SEV2: "High: materially wrong predictions are affecting operations",
    Severity.SEV3: "Medium: noticeable degradation, still within tolerance",
    Severity.SEV4: "Low: early signs of degradation, no current impact",
}


class Status(StrEnum):
    TRIAGE = "triage"
    INVESTIGATING = "investigating"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DECLINED = "declined"
    MERGED = "merged"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({Status.TRIAGE, Status.INVESTIGATING, Status.MITIGATED})


class Role(StrEnum):
    COMMANDER = "commander"
    COMMS = "comms"
    SCRIBE = "scribe"
    ENGINEER = "engineer"

    @property
    def purpose(self) -> str:
        return ROLE_PURPOSES[self]


ROLE_PURPOSES = {
    Role.COMMANDER: "runs the response: decides severity, priorities and who does what, "
    "and keeps the incident moving until it is resolved",
    Role.COMMS: "owns communication: drafts and sends client notifications and status "
    "updates on time",
    Role.SCRIBE: "keeps the timeline: records decisions, findings and actions as they happen",
    Role.ENGINEER: "investigates and fixes: diagnosis, mitigation and the permanent fix",
}


class Signal(StrEnum):
    PREDICTION_DISTRIBUTION = "prediction_distribution"
    FEATURE_DISTRIBUTION = "feature_distribution"
    PERFORMANCE = "performance"
    CONFIDENCE = "confidence"
    BUSINESS_METRIC = "business_metric"
    PIPELINE = "pipeline"
    INFRASTRUCTURE = "infrastructure"


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class EventKind(StrEnum):
    """Every kind of timeline event; one member per kind so the review can group them."""

    DECLARED = "declared"
    OPENED_BY_ALERT = "opened_by_alert"
    ALERT = "alert"
    ALERT_RESOLVED = "alert_resolved"
    SEVERITY_CHANGED = "severity_changed"
    STATUS_CHANGED = "status_changed"
    ROLE_ASSIGNED = "role_assigned"
    NOTE = "note"
    SLACK_MESSAGE = "slack_message"
    RESOLVED = "resolved"
    DECLINED = "declined"
    MERGED = "merged"
    MERGED_IN = "merged_in"
    CHANNEL_CREATED = "channel_created"
    TRIAGE_ANSWER = "triage_answer"
    MITIGATION = "mitigation"
    RUNBOOK_STEP = "runbook_step"
    NOTIFICATION_SENT = "notification_sent"
    STATUS_UPDATE = "status_update"
    REMINDER_SENT = "reminder_sent"
    DEADLINE_MET = "deadline_met"
    DEADLINE_MISSED = "deadline_missed"
    DEADLINE_SNOOZED = "deadline_snoozed"
    FOLLOWUP = "followup"
    FOLLOWUP_DONE = "followup_done"
    REVIEW_SHARED = "review_shared"
    DRIFT_REPORT = "drift_report"
    PAGED = "paged"
    ACKNOWLEDGED = "acknowledged"
    DRILL_INJECT = "drill_inject"  # a drill scenario's metric reading or message arrived
    DRILL_DEBRIEF = "drill_debrief"
    ROOT_CAUSE_CHANGED = "root_cause_changed"  # often after resolution, at the review
    IMPACT_CHANGED = "business_impact_changed"
    # Regulatory reporting (incidents/regulatory/assessment.py): an assessment, and what it did to
    # the clocks; a report drafted or submitted.
    REPORTABILITY_ASSESSED = "reportability_assessed"
    REGULATORY_CLOCK_STARTED = "regulatory_clock_started"
    REGULATORY_CLOCK_MOVED = "regulatory_clock_moved"
    REGULATORY_CLOCK_STOPPED = "regulatory_clock_stopped"
    REGULATORY_REPORT_DRAFTED = "regulatory_report_drafted"
    REGULATORY_REPORT_SUBMITTED = "regulatory_report_submitted"
    IMPACT_STARTED = "impact_started"  # a person recorded when the impact began
    # The model registry (incidents/registry/policy.py): what it said about the serving version,
    # and undoing a rollback; the rollback itself is a MITIGATION with `data.model`.
    MODEL_VERSION = "model_version"
    MODEL_ROLLBACK_UNDONE = "model_rollback_undone"
    # incidents/regulatory/evidence.py, before a model change
    EVIDENCE_PRESERVED = "evidence_preserved"


class DeadlineKind(StrEnum):
    EXECUTIVE_NOTIFICATION = "executive_notification"
    TECHNICAL_NOTIFICATION = "technical_notification"
    FIRST_RESPONSE = "first_response"
    STATUS_UPDATE = "status_update"
    REVIEW = "review"
    # Regulatory reports, one kind each (incidents/regulatory/clocks.yml): started by a
    # person's reportability assessment, not by severity or status.
    AI_ACT_SERIOUS_INCIDENT = "ai_act_serious_incident"
    AI_ACT_COMPLETE_REPORT = "ai_act_complete_report"
    AI_ACT_INFORM_PROVIDER = "ai_act_inform_provider"
    GDPR_BREACH_NOTIFICATION = "gdpr_breach_notification"
    NIS2_EARLY_WARNING = "nis2_early_warning"
    NIS2_INCIDENT_NOTIFICATION = "nis2_incident_notification"
    NIS2_FINAL_REPORT = "nis2_final_report"


REGULATORY_DEADLINES = frozenset({
    DeadlineKind.AI_ACT_SERIOUS_INCIDENT, DeadlineKind.AI_ACT_COMPLETE_REPORT,
    DeadlineKind.AI_ACT_INFORM_PROVIDER, DeadlineKind.GDPR_BREACH_NOTIFICATION,
    DeadlineKind.NIS2_EARLY_WARNING, DeadlineKind.NIS2_INCIDENT_NOTIFICATION,
    DeadlineKind.NIS2_FINAL_REPORT,
})


class DeadlineState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SNOOZED = "snoozed"
    MISSED = "missed"
    CANCELLED = "cancelled"


class EscalationState(StrEnum):
    ACTIVE = "active"  # paging; `next_at` is when the current level's wait runs out
    ACKNOWLEDGED = "acknowledged"
    CANCELLED = "cancelled"  # the incident ended (resolved, declined, merged) first


# Where an incident came from, as the review and the quarterly report group them (the AI
# failure modes the drills play, incidents/drills/scenarios.py, plus plain infrastructure).
ROOT_CAUSE_CATEGORIES = {
    "data_pipeline": "Data pipeline",
    "data_drift": "Data drift",
    "concept_drift": "Concept drift",
    "model_or_deployment": "Model or deployment",
    "environment": "Environment",
    "business_context": "Business context",
    "adversarial_input": "Adversarial input",
    "feedback_loop": "Feedback loop",
    "catastrophic_forgetting": "Catastrophic forgetting",
    "infrastructure": "Infrastructure",
    "other": "Other",
}
