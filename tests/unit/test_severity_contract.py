"""Contract thresholds in the severity policy and in the client's wording: Sev2
("accuracy dropped below acceptable threshold") and Sev3 ("accuracy dropped 5-10% but is
still above the contractual threshold")."""

import pytest

from incidents.catalog.ai import Bound
from incidents.contract import describe, standing
from incidents.severity import Metric, propose_severity
from incidents.types import Severity

ACME = {"accuracy": Bound(min=0.80), "false_positive_rate": Bound(max=0.05)}


def propose(metric, signal="performance", criticality="standard", **extra):
    return propose_severity(signal=signal, metric=metric, criticality=criticality,
                            contract=ACME, client="Acme Bank", **extra)


def test_seed_sev2_accuracy_below_the_contract():
    proposal = propose(Metric("accuracy", 0.74, 0.85))

    assert proposal.severity == Severity.SEV2
    assert proposal.reason.startswith(
        "accuracy 0.74 is below the 0.80 the contract with Acme Bank guarantees")


def test_seed_sev3_accuracy_down_but_above_the_contract_even_past_the_alerts_threshold():
    # 0.88 → 0.82 is a 7% drop; the alert's own line (0.84) is crossed, which alone makes
    # it Sev2, but the contract (0.80) still holds: within tolerance.
    metric = Metric("accuracy", 0.82, 0.88, 0.84)
    assert propose_severity(signal="performance", metric=metric).severity == Severity.SEV2

    proposal = propose(metric)

    assert proposal.severity == Severity.SEV3
    assert proposal.reason == (
        "accuracy 0.82 is worse than its baseline 0.88 but still above the 0.80 the contract "
        "with Acme Bank guarantees: noticeable degradation within tolerance")


def test_a_ceiling_is_breached_from_below():
    proposal = propose(Metric("false_positive_rate", 0.07, 0.03), signal="business_metric")

    assert proposal.severity == Severity.SEV2
    assert "false positive rate 0.07 is above the 0.05 the contract with Acme Bank allows" \
        in proposal.reason


def test_past_the_contract_is_at_least_sev2_and_keeps_a_sev1():
    floor = propose(Metric("accuracy", 0.79, 0.80), criticality="standard")
    assert floor.severity == Severity.SEV2  # barely past, barely moved: still Sev2
    far = propose(Metric("accuracy", 0.30, 0.90, 0.80), criticality="critical")
    assert far.severity == Severity.SEV1
    assert far.reason.startswith("accuracy 0.30 is below the 0.80")


def test_within_the_contract_and_close_to_baseline_is_sev4():
    assert propose(Metric("accuracy", 0.87, 0.88)).severity == Severity.SEV4


def test_a_stated_severity_still_wins():
    proposal = propose(Metric("accuracy", 0.74, 0.85), stated="sev4")
    assert proposal.severity == Severity.SEV4 and "stated" in proposal.reason


def test_a_monitors_dotted_metric_name_is_covered():
    proposal = propose(Metric("is_fraud.accuracy", 0.70, 0.90, 0.85))
    assert proposal.severity == Severity.SEV2 and "accuracy 0.70 is below" in proposal.reason


def test_metrics_the_contract_does_not_name_and_outages_follow_the_usual_rules():
    plain = Metric("flag_rate", 0.40, 0.02, 0.10)
    assert propose(plain, signal="prediction_distribution") == propose_severity(
        signal="prediction_distribution", metric=plain)
    within = Metric("accuracy", 0.86, 0.88)
    assert propose(within, signal="pipeline").severity == Severity.SEV2  # what broke decides
    assert propose_severity(signal="performance", metric=Metric("accuracy", 0.74, 0.85, 0.80),
                            contract={}).reason == "past its threshold: materially wrong " \
                                                   "predictions"


@pytest.mark.parametrize(("metric", "said"), [
    ({"name": "accuracy", "value": 0.74, "baseline": 0.85, "threshold": 0.82},
     "accuracy 85.0% → 74.0%, below the contractual 80.0%"),
    ({"name": "accuracy", "value": 0.82, "baseline": 0.88},
     "accuracy 88.0% → 82.0%, still above the contractual 80.0%"),
    ({"name": "false_positive_rate", "value": 0.07, "baseline": 0.03},
     "false positive rate 3.0% → 7.0%, above the contractual 5.0%"),
    ({"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10},
     "flag rate 2.0% → 40.0% (threshold 10.0%)"),  # not in the contract: as before
])
def test_client_wording_states_the_metric_against_the_contract(metric, said):
    assert describe(metric, ACME) == said


def test_without_a_contract_the_wording_is_unchanged():
    metric = {"name": "accuracy", "value": 0.74, "baseline": 0.85, "threshold": 0.82}
    assert describe(metric, {}) == "accuracy 85.0% → 74.0% (threshold 82.0%)"
    assert standing(metric, None) is None


def test_both_bounds_judge_by_the_side_the_reading_moved_to():
    band = {"recall": Bound(min=0.6, max=0.95)}
    assert standing({"name": "recall", "value": 0.97, "baseline": 0.9}, band).side == "max"
    assert standing({"name": "recall", "value": 0.7, "baseline": 0.9}, band).side == "min"
    assert standing({"name": "recall", "value": 0.5}, band).breached
