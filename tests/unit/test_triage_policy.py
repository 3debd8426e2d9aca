"""The triage policy (incidents/triage/outcome.py): worked examples of each severity and
every diagnosis path, answer by answer."""

from datetime import UTC, datetime

import pytest

from incidents.catalog.models import System
from incidents.triage.checklist import ITEMS, MIN_ANSWERS, Answer, answer_text
from incidents.triage.proposal import (
    DiagnosisPath,
    ImmediateAction,
    assess,
    is_ready,
    proposal_for,
)
from incidents.types import Severity

E = ImmediateAction.EMERGENCY
ESC = ImmediateAction.ESCALATE
MON = ImmediateAction.CONTINUE_MONITORING
P = DiagnosisPath


def answers(spec: str) -> dict[str, str]:
    """'predictions=yes ranges=no' → {'predictions': 'yes', 'ranges': 'no'}."""
    return dict(part.split("=") for part in spec.split())


FULL = "alert=real predictions=yes "
CASES = [
    # (example, answers, alert signal, criticality, severity, action, path, runbook)
    # --- Severity 1 examples
    ("fraud detection missing active fraud (fraudsters adapted)",
     FULL + "ranges=yes inputs_changed=no model_updated=no upstream_healthy=yes "
     "impact=significant_harm trend=worse", "performance", "critical",
     Severity.SEV1, E, P.BUSINESS_CONTEXT, "emergency_retraining"),
    ("medical diagnosis: dangerous recommendations after a lab-feed schema change",
     FULL + "ranges=no inputs_changed=yes model_updated=no upstream_healthy=no "
     "impact=significant_harm trend=stable", "pipeline", "critical",
     Severity.SEV1, E, P.DATA_PIPELINE, "data_pipeline_failure"),
    ("credit scoring denying all applications after a release",
     FULL + "ranges=no inputs_changed=no model_updated=yes upstream_healthy=yes "
     "impact=significant_harm trend=worse", "prediction_distribution", "high",
     Severity.SEV1, E, P.MODEL, "emergency_model_rollback"),
    # --- Severity 2
    ("recommendations driving significantly lower conversion",
     FULL + "ranges=yes inputs_changed=no model_updated=no upstream_healthy=yes "
     "impact=material trend=stable", "business_metric", "high",
     Severity.SEV2, ESC, P.BUSINESS_CONTEXT, "model_performance_degradation"),
    ("demand forecasts 40% off actual",
     FULL + "ranges=no inputs_changed=yes model_updated=no upstream_healthy=yes "
     "impact=material trend=stable", "performance", "standard",
     Severity.SEV2, ESC, P.DATA_DRIFT, "model_performance_degradation"),
    ("classifier accuracy below the acceptable threshold after retraining",
     FULL + "ranges=yes inputs_changed=no model_updated=yes upstream_healthy=yes "
     "impact=material trend=worse", "performance", "standard",
     Severity.SEV2, ESC, P.MODEL, "emergency_model_rollback"),
    # --- Severity 3
    ("accuracy down 5-10%, still above the contractual threshold",
     FULL + "ranges=yes inputs_changed=yes model_updated=no upstream_healthy=yes "
     "impact=within_tolerance trend=worse", "performance", "standard",
     Severity.SEV3, ESC, P.DATA_DRIFT, "model_performance_degradation"),
    ("some prediction categories worse, others normal",
     FULL + "ranges=no inputs_changed=no model_updated=no upstream_healthy=yes "
     "impact=within_tolerance trend=stable", "performance", "high",
     Severity.SEV3, ESC, P.ENVIRONMENT, "model_performance_degradation"),
    # --- Severity 4
    ("input distribution shift detected",
     FULL + "ranges=yes inputs_changed=yes model_updated=no upstream_healthy=yes "
     "impact=none trend=stable", "feature_distribution", "critical",
     Severity.SEV4, MON, P.DATA_DRIFT, "model_performance_degradation"),
    ("confidence scores trending downward",
     FULL + "ranges=yes inputs_changed=unsure model_updated=no upstream_healthy=yes "
     "impact=none trend=worse", "confidence", "standard",
     Severity.SEV4, ESC, P.DATA_DRIFT, "model_performance_degradation"),
    ("feature importance changes, nothing else known",
     "alert=unsure predictions=yes ranges=unsure inputs_changed=unsure impact=none "
     "trend=stable", "feature_distribution", "standard",
     Severity.SEV4, MON, P.DATA_DRIFT, "model_performance_degradation"),
    # --- examples of models that are wrong without failing
    ("fraud detector flagging 40% of legitimate transactions (third-party API nulls)",
     FULL + "ranges=no inputs_changed=yes model_updated=no upstream_healthy=no "
     "impact=material trend=worse", "prediction_distribution", "critical",
     Severity.SEV1, E, P.DATA_PIPELINE, "data_pipeline_failure"),
    ("same failure on a standard system stays Sev2",
     FULL + "ranges=no inputs_changed=yes model_updated=no upstream_healthy=no "
     "impact=material trend=worse", "prediction_distribution", "standard",
     Severity.SEV2, ESC, P.DATA_PIPELINE, "data_pipeline_failure"),
    ("predictive maintenance missed three failures in a row",
     FULL + "ranges=yes inputs_changed=no model_updated=no upstream_healthy=yes "
     "impact=material trend=stable", "performance", "standard",
     Severity.SEV2, ESC, P.BUSINESS_CONTEXT, "model_performance_degradation"),
    # --- outages: the model produces nothing
    ("critical system silent: enough to act on alone",
     "predictions=no", "infrastructure", "critical",
     Severity.SEV1, E, P.OUTAGE, None),
    ("standard system silent after a deployment",
     "predictions=no model_updated=yes", None, "standard",
     Severity.SEV3, ESC, P.OUTAGE, "emergency_model_rollback"),
    ("silent standard system with significant harm",
     "predictions=no impact=significant_harm", None, "standard",
     Severity.SEV1, E, P.OUTAGE, None),
    # --- the remaining branches
    ("inputs broke suddenly, upstream not confirmed healthy",
     FULL + "ranges=no inputs_changed=yes model_updated=no upstream_healthy=unsure "
     "impact=material trend=stable", None, "standard",
     Severity.SEV2, ESC, P.DATA_PIPELINE, "data_pipeline_failure"),
    ("drift doing significant harm needs emergency retraining",
     FULL + "ranges=yes inputs_changed=yes model_updated=no upstream_healthy=yes "
     "impact=significant_harm trend=stable", None, "high",
     Severity.SEV1, E, P.DATA_DRIFT, "emergency_retraining"),
    ("drift, material and getting worse",
     FULL + "ranges=yes inputs_changed=yes model_updated=no upstream_healthy=yes "
     "impact=material trend=worse", None, "standard",
     Severity.SEV2, ESC, P.DATA_DRIFT, "emergency_retraining"),
    ("unsure answers: a pipeline alert points at the pipeline",
     "alert=real predictions=yes ranges=unsure inputs_changed=unsure impact=material",
     "pipeline", "standard", Severity.SEV2, ESC, P.DATA_PIPELINE, "data_pipeline_failure"),
    ("unsure answers: an infrastructure alert points at the environment",
     "alert=real predictions=yes ranges=unsure inputs_changed=unsure impact=within_tolerance",
     "infrastructure", "standard", Severity.SEV3, ESC, P.ENVIRONMENT,
     "model_performance_degradation"),
    ("unsure answers: a business metric alert points at the business context",
     "alert=real predictions=yes model_updated=unsure inputs_changed=unsure impact=material",
     "business_metric", "standard", Severity.SEV2, ESC, P.BUSINESS_CONTEXT,
     "model_performance_degradation"),
    ("false alarm: nothing wrong anywhere",
     "alert=false_alarm predictions=yes ranges=yes inputs_changed=no model_updated=no "
     "upstream_healthy=yes impact=none trend=stable", "prediction_distribution", "critical",
     Severity.SEV4, MON, None, None),
]


@pytest.mark.parametrize(
    ("example", "spec", "signal", "criticality", "severity", "action", "path", "runbook"),
    CASES, ids=[case[0] for case in CASES],
)
def test_outcome(example, spec, signal, criticality, severity, action, path, runbook):
    outcome = assess(answers(spec), signal=signal, criticality=criticality)
    assert outcome is not None
    assert (outcome.severity, outcome.action, outcome.path, outcome.runbook) == (
        severity, action, path, runbook
    )
    assert outcome.severity_reason and outcome.path_reason


def test_every_path_and_every_shipped_runbook_is_reachable():
    outcomes = [assess(answers(c[1]), signal=c[2], criticality=c[3]) for c in CASES]
    assert {o.path for o in outcomes} == set(DiagnosisPath) | {None}
    assert {o.runbook for o in outcomes} >= {
        "model_performance_degradation", "data_pipeline_failure", "emergency_model_rollback",
        "emergency_retraining",
    }
    assert {o.action for o in outcomes} == set(ImmediateAction)
    assert {o.severity for o in outcomes} == set(Severity)


def test_no_proposal_until_enough_is_known():
    seven_without_impact = answers("alert=real predictions=yes ranges=no inputs_changed=yes "
                                   "model_updated=no upstream_healthy=yes trend=worse")
    assert assess(seven_without_impact) is None
    few = answers("alert=real predictions=yes impact=material")
    assert len(few) < MIN_ANSWERS and assess(few) is None
    enough = {**few, "ranges": "yes", "trend": "stable"}
    assert is_ready(enough) and assess(enough).answered == 5
    assert not assess(enough).complete


def test_a_complete_checklist_says_so_and_notes_follow_the_seed():
    outcome = assess(answers(CASES[3][1]), signal="business_metric", criticality="high")
    assert outcome.complete and outcome.answered == len(ITEMS) == 8
    assert any("partial fallback" in note for note in outcome.notes)  # Sev2's response
    silent = assess(answers("predictions=no"), criticality="critical")
    assert any("rule-based" in note for note in silent.notes)
    false_alarm = assess(answers(CASES[-1][1]), criticality="critical")
    assert any("decline" in note for note in false_alarm.notes)


def test_every_path_names_the_seeds_next_checks():
    assert "KS test, PSI" in " ".join(DiagnosisPath.DATA_DRIFT.next_checks)
    assert any("schemas" in c for c in DiagnosisPath.DATA_PIPELINE.next_checks)
    assert any("previous model version" in c for c in DiagnosisPath.MODEL.next_checks)
    assert any("library versions" in c for c in DiagnosisPath.ENVIRONMENT.next_checks)
    assert any("competitor" in c for c in DiagnosisPath.BUSINESS_CONTEXT.next_checks)
    assert all(path.next_checks and path.label for path in DiagnosisPath)


def test_answer_text_is_readable_for_the_timeline():
    assert answer_text("predictions", "yes") == "Is the model producing predictions? → Yes"
    assert answer_text("impact", "significant_harm", previous="material") == (
        "What is the business impact right now? → Significant harm (was Material)"
    )
    assert [item.question for item in ITEMS] == [
        "What monitoring alert fired and when?",
        "Is the model producing predictions?",
        "Are predictions within expected ranges?",
        "Has the input data changed?",
        "Has the model been recently updated?",
        "Are upstream data sources healthy?",
        "What is the business impact right now?",
        "Is the problem getting worse, stable, or improving?",
    ]
    assert [c.label for c in ITEMS[6].choices] == [
        "None", "Within tolerance", "Material", "Significant harm"
    ]
    assert [c.label for c in ITEMS[7].choices] == ["Worse", "Stable", "Improving"]


def test_unknown_items_are_ignored():
    assert assess({"bogus": "yes", "predictions": "yes"}) is None


def recorded(spec: str, **notes: str) -> dict[str, Answer]:
    at = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    return {key: Answer(value, "U_ALICE", at, 0, note=notes.get(key))
            for key, value in answers(spec).items()}


def test_the_proposal_for_recorded_answers_weighs_the_systems_criticality():
    said = recorded(FULL + "ranges=yes inputs_changed=no model_updated=no "
                    "upstream_healthy=yes impact=material trend=worse")
    critical = proposal_for(said, signal=None, system=System(criticality="critical"))
    standard = proposal_for(said, signal=None, system=System(criticality="standard"))
    unknown = proposal_for(said, signal=None, system=None)  # a system not in the catalog
    assert critical.severity == Severity.SEV1
    assert standard.severity == unknown.severity == Severity.SEV2


def test_the_proposal_gives_the_registrys_note_as_the_reason_for_a_model_issue():
    said = recorded(FULL + "ranges=no inputs_changed=no model_updated=yes "
                    "upstream_healthy=yes impact=material",
                    model_updated="v42 promoted 3 h before the first alert")
    found = proposal_for(said, signal="performance", system=None)
    assert found.path == P.MODEL
    assert found.path_reason == "v42 promoted 3 h before the first alert"
    assert proposal_for(recorded("impact=none"), signal=None, system=None) is None
