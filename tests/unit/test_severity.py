"""The severity policy, rule by rule, following the four levels (`SEVERITY_MEANINGS` in
incidents/types.py)."""

import pytest

from incidents.severity import Metric, parse_severity, propose_severity
from incidents.types import Severity


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sev1", Severity.SEV1), ("SEV2", Severity.SEV2), ("3", Severity.SEV3), (4, Severity.SEV4),
        ("critical", Severity.SEV1), ("high", Severity.SEV2), ("medium", Severity.SEV3),
        ("warning", Severity.SEV3), ("low", Severity.SEV4), ("info", Severity.SEV4),
        ("Sev 2", Severity.SEV2), ("bogus", None), (7, None), (None, None), (True, None),
    ],
)
def test_parse_severity(given, expected):
    assert parse_severity(given) == expected


def test_stated_severity_wins_over_every_rule():
    proposal = propose_severity(
        signal="performance", metric=Metric("accuracy", 0.1, 0.9, 0.8),
        criticality="critical", stated="low",
    )
    assert proposal.severity == Severity.SEV4
    assert "stated" in proposal.reason


def test_performance_under_contractual_threshold_is_at_least_sev2():
    # accuracy 85% → 74%, contract says 80%
    proposal = propose_severity(
        signal="performance", metric=Metric("accuracy", 0.74, 0.85, 0.80), criticality="standard"
    )
    assert proposal.severity == Severity.SEV2


def test_noticeable_drop_within_tolerance_is_sev3():
    # Sev3's example: accuracy dropped 5–10% but still above the contractual threshold
    proposal = propose_severity(
        signal="performance", metric=Metric("accuracy", 0.80, 0.88, 0.75), criticality="critical"
    )
    assert proposal.severity == Severity.SEV3


def test_tiny_wobble_is_sev4():
    proposal = propose_severity(
        signal="performance", metric=Metric("accuracy", 0.875, 0.88, 0.75), criticality="high"
    )
    assert proposal.severity == Severity.SEV4


@pytest.mark.parametrize("signal", ["feature_distribution", "confidence"])
def test_input_drift_or_falling_confidence_without_impact_is_sev4(signal):
    proposal = propose_severity(
        signal=signal, metric=Metric("psi", 0.15, 0.0, 0.1), criticality="critical"
    )
    assert proposal.severity == Severity.SEV4


def test_severe_harm_on_critical_system_is_sev1():
    # fraud detector flags 40% of transactions instead of 2%, alert threshold 10%
    proposal = propose_severity(
        signal="prediction_distribution", metric=Metric("flag_rate", 0.40, 0.02, 0.10),
        criticality="critical",
    )
    assert proposal.severity == Severity.SEV1


def test_same_harm_on_standard_system_is_sev2():
    proposal = propose_severity(
        signal="prediction_distribution", metric=Metric("flag_rate", 0.40, 0.02, 0.10),
        criticality="standard",
    )
    assert proposal.severity == Severity.SEV2


def test_business_metric_breach_is_sev2():
    proposal = propose_severity(
        signal="business_metric", metric=Metric("conversion", 0.018, 0.031, 0.025),
        criticality="high",
    )
    assert proposal.severity == Severity.SEV2


def test_pipeline_failure_is_sev2_and_sev1_on_critical():
    assert propose_severity(signal="pipeline", metric=None).severity == Severity.SEV2
    assert propose_severity(
        signal="pipeline", metric=None, criticality="critical"
    ).severity == Severity.SEV1


def test_infrastructure_on_critical_is_sev1():
    assert propose_severity(
        signal="infrastructure", metric=None, criticality="critical"
    ).severity == Severity.SEV1


def test_no_signal_falls_back_to_criticality():
    assert propose_severity(signal=None, metric=None, criticality="critical").severity == 2
    assert propose_severity(signal=None, metric=None, criticality="standard").severity == 3


def test_breach_ratio_follows_the_threshold_direction():
    falling = Metric("accuracy", 0.70, 0.90, 0.80)
    rising = Metric("flag_rate", 0.12, 0.02, 0.10)
    assert falling.breach_ratio == pytest.approx(2.0)
    assert rising.breach_ratio == pytest.approx(1.25)
    assert falling.breached and rising.breached
    assert not Metric("accuracy", 0.85, 0.90, 0.80).breached
