"""The policy that turns the triage checklist's answers (checklist.py) into a proposal.

Pure: the latest answer per item, the opening alert's signal and the system's criticality
go in; a proposed severity, the immediate action, the likely diagnosis path with its next
checks, and the matching runbook come out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from incidents.catalog.models import System
from incidents.severity import propose_severity
from incidents.triage.checklist import ITEMS, ITEMS_BY_KEY, MIN_ANSWERS, Answer
from incidents.types import Severity, Signal


class ImmediateAction(StrEnum):
    CONTINUE_MONITORING = "continue_monitoring"
    ESCALATE = "escalate_to_investigation"
    EMERGENCY = "emergency_response"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self][0]

    @property
    def description(self) -> str:
        return _ACTION_LABELS[self][1]


# Outbox kind: a Sev1 (declared or applied) puts the emergency response in the channel.
# No durations here: the deadlines themselves come from the catalog's policy.
EMERGENCY_RESPONSE = (
    "All hands. Disable the AI system and fall back to the rule-based alternative or to "
    "manual processes, and notify the client's executive contact now."
)
_ACTION_LABELS = {
    ImmediateAction.CONTINUE_MONITORING: (
        "Continue monitoring",
        "Schedule the investigation within the normal work cycle; document findings and "
        "trends, and plan corrective action if the trend continues.",
    ),
    ImmediateAction.ESCALATE: (
        "Escalate to investigation",
        "Assign an engineer and start the root cause investigation; keep the client informed.",
    ),
    ImmediateAction.EMERGENCY: ("Emergency response", EMERGENCY_RESPONSE),
}


class DiagnosisPath(StrEnum):
    DATA_PIPELINE = "data_pipeline_failure"
    DATA_DRIFT = "data_drift"
    MODEL = "model_issue"
    ENVIRONMENT = "environmental_change"
    BUSINESS_CONTEXT = "business_context_change"
    OUTAGE = "outage"

    @property
    def label(self) -> str:
        return _PATHS[self][0]

    @property
    def next_checks(self) -> tuple[str, ...]:
        return _PATHS[self][1]


_PATHS: dict[DiagnosisPath, tuple[str, tuple[str, ...]]] = {
    DiagnosisPath.DATA_PIPELINE: ("Data pipeline failure", (
        "Check the upstream data sources: are they available?",
        "Have their schemas changed?",
        "Are feature values within expected ranges (nulls, defaults, units)?",
    )),
    DiagnosisPath.DATA_DRIFT: ("Data drift", (
        "Compare current input distributions with the training distributions "
        "(KS test, PSI: `incidentbot drift`).",
        "Identify which features have drifted, and by how much.",
    )),
    DiagnosisPath.MODEL: ("Model issue", (
        "Has the model been recently retrained or updated?",
        "Are there known issues with this model version?",
        "Can the previous model version reproduce the problem?",
    )),
    DiagnosisPath.ENVIRONMENT: ("Environmental change", (
        "New library versions in the serving environment?",
        "Infrastructure changes?",
        "Configuration modifications?",
    )),
    DiagnosisPath.BUSINESS_CONTEXT: ("Business context change", (
        "A new competitor, or a policy change?",
        "A seasonal shift?",
        "A market disruption that makes the learned patterns invalid?",
    )),
    DiagnosisPath.OUTAGE: ("Outage (no predictions)", (
        "Are the model servers up and reachable?",
        "Errors or timeouts in the serving logs?",
        "Did a deployment or infrastructure change just happen?",
    )),
}

_IMPACT_SEVERITY = {
    "none": (Severity.SEV4, "no current business impact"),
    "within_tolerance": (Severity.SEV3, "noticeable degradation, still within tolerance"),
    "material": (Severity.SEV2, "materially wrong predictions affect operations"),
    "significant_harm": (Severity.SEV1, "predictions cause significant business harm"),
}

# When people are unsure, the kind of alert that opened the incident hints at the cause.
_SIGNAL_PATH = {
    Signal.PIPELINE: DiagnosisPath.DATA_PIPELINE,
    Signal.FEATURE_DISTRIBUTION: DiagnosisPath.DATA_DRIFT,
    Signal.CONFIDENCE: DiagnosisPath.DATA_DRIFT,
    Signal.INFRASTRUCTURE: DiagnosisPath.ENVIRONMENT,
    Signal.BUSINESS_METRIC: DiagnosisPath.BUSINESS_CONTEXT,
}


@dataclass(frozen=True)
class TriageProposal:
    severity: Severity
    severity_reason: str
    action: ImmediateAction
    path: DiagnosisPath | None
    path_reason: str
    runbook: str | None
    answered: int
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.answered == len(ITEMS)


def is_ready(answers: Mapping[str, str]) -> bool:
    """Enough is known to propose: the impact and most items, or plainly no predictions."""
    if answers.get("predictions") == "no":
        return True
    return "impact" in answers and len(answers) >= MIN_ANSWERS


def assess(
    answers: Mapping[str, str], *, signal: str | None = None, criticality: str = "standard",
    model_note: str | None = None,
) -> TriageProposal | None:
    """The proposal for the latest answers (item key → choice value); None until ready.
    `model_note`: what the model registry said about the deployment check ("v42 promoted
    3 h before the first alert"), the reason given when it points at the model."""
    answers = {k: v for k, v in answers.items() if k in ITEMS_BY_KEY}
    if not is_ready(answers):
        return None
    severity, severity_reason = _severity(answers, criticality)
    path, path_reason = _path(answers, signal)
    if path == DiagnosisPath.MODEL and model_note:
        path_reason = model_note
    action = _action(answers, severity)
    return TriageProposal(
        severity=severity,
        severity_reason=severity_reason,
        action=action,
        path=path,
        path_reason=path_reason,
        runbook=_runbook(path, answers),
        answered=len(answers),
        notes=_notes(answers, severity, path),
    )


def proposal_for(
    answers: Mapping[str, Answer], *, signal: str | None, system: System | None
) -> TriageProposal | None:
    """The proposal for the answers recorded in the channel: the system's criticality
    weighs the severity, and the model registry's note on the deployment check (the bot's
    answer) is the reason given when it points at the model."""
    deployment = answers.get("model_updated")
    return assess(
        {key: a.value for key, a in answers.items()},
        signal=signal,
        criticality=system.criticality if system else "standard",
        model_note=deployment.note if deployment else None,
    )


def _severity(answers: Mapping[str, str], criticality: str) -> tuple[Severity, str]:
    impact, trend = answers.get("impact"), answers.get("trend")
    severity, reason = _IMPACT_SEVERITY.get(impact, (None, ""))
    if answers.get("predictions") == "no":
        # The same rule as for an infrastructure alert: how bad a silent model is depends on
        # how critical the system is.
        outage = propose_severity(signal=Signal.INFRASTRUCTURE, metric=None,
                                  criticality=criticality)
        if severity is None or outage.severity < severity:
            severity, reason = outage.severity, f"no predictions: {outage.reason}"
    if severity == Severity.SEV2 and trend == "worse" and criticality == "critical":
        severity, reason = Severity.SEV1, "materially wrong and getting worse on a critical system"
    return severity, reason


def _action(answers: Mapping[str, str], severity: Severity) -> ImmediateAction:
    if severity == Severity.SEV1:
        return ImmediateAction.EMERGENCY
    if severity == Severity.SEV4:
        worse = answers.get("trend") == "worse"
        return ImmediateAction.ESCALATE if worse else ImmediateAction.CONTINUE_MONITORING
    return ImmediateAction.ESCALATE


def _path(answers: Mapping[str, str], signal: str | None) -> tuple[DiagnosisPath | None, str]:
    a = answers.get
    if a("predictions") == "no":
        return DiagnosisPath.OUTAGE, "the model is not producing predictions"
    if a("upstream_healthy") == "no":
        return DiagnosisPath.DATA_PIPELINE, "an upstream data source is unhealthy"
    if a("model_updated") == "yes":
        return DiagnosisPath.MODEL, "the model was recently updated"
    if a("inputs_changed") == "yes":
        if a("ranges") == "no" and a("upstream_healthy") != "yes":
            # A sudden break in the inputs is most often the pipeline, not the world.
            return (DiagnosisPath.DATA_PIPELINE,
                    "inputs changed and predictions left their range; upstream not confirmed "
                    "healthy")
        return DiagnosisPath.DATA_DRIFT, "the inputs changed while their sources are healthy"
    if a("inputs_changed") == "no" and a("model_updated") == "no":
        if a("ranges") == "no":
            return (DiagnosisPath.ENVIRONMENT,
                    "inputs and model are unchanged, yet predictions are out of range")
        if a("impact") in ("within_tolerance", "material", "significant_harm"):
            return (DiagnosisPath.BUSINESS_CONTEXT,
                    "inputs, model and predictions look normal, yet the business is affected")
    if signal in _SIGNAL_PATH:
        return _SIGNAL_PATH[Signal(signal)], f"the opening alert watches {signal.replace('_', ' ')}"
    return None, "nothing points at a cause yet: answer the remaining checks"


def _unacceptable(answers: Mapping[str, str]) -> bool:
    impact, trend = answers.get("impact"), answers.get("trend")
    return impact == "significant_harm" or (impact == "material" and trend == "worse")


def _runbook(path: DiagnosisPath | None, answers: Mapping[str, str]) -> str | None:
    match path:
        case DiagnosisPath.OUTAGE:
            return "emergency_model_rollback" if answers.get("model_updated") == "yes" else None
        case DiagnosisPath.DATA_PIPELINE:
            return "data_pipeline_failure"
        case DiagnosisPath.MODEL:
            return "emergency_model_rollback"
        case DiagnosisPath.DATA_DRIFT | DiagnosisPath.BUSINESS_CONTEXT:
            # Retraining under pressure only when today's performance is unacceptable.
            if _unacceptable(answers):
                return "emergency_retraining"
            return "model_performance_degradation"
        case DiagnosisPath.ENVIRONMENT:
            return "model_performance_degradation"
    return None


def _notes(
    answers: Mapping[str, str], severity: Severity, path: DiagnosisPath | None
) -> tuple[str, ...]:
    notes = []
    if answers.get("alert") == "false_alarm" and answers.get("impact") in (None, "none"):
        notes.append("The alert looks like a false alarm: decline the incident if nothing "
                     "else points at a problem.")
    if path == DiagnosisPath.OUTAGE:
        notes.append("While the model is down, fall back to the rule-based system or route "
                     "predictions to human review.")
    if severity == Severity.SEV2:
        notes.append("Consider a partial fallback while the root cause is found.")
    if severity == Severity.SEV4 and answers.get("trend") == "worse":
        notes.append("The trend is getting worse: plan corrective action now.")
    return tuple(notes)
