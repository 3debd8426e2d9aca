"""Dataset analysis: verdicts, error rates, missing values, model health and signals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from incidents.drift import DriftDataError, DriftSettings, analyse_drift


def normal_columns(rng: np.random.Generator, n: int, k: int, shift: float = 0.0) -> dict:
    return {f"c{i}": rng.normal(loc=shift if i == 0 else 0.0, size=n) for i in range(k)}


def test_same_distribution_rarely_flags_anything() -> None:
    """At most 5% of same-distribution runs flag any column.

    BH at q = 0.05 alone would allow 5% under the global null; the effect-size gate,
    whose Wasserstein bar rises above sampling noise for small samples, brings it far
    below (0 of 400 runs for several seeds), so any seed passes with a wide margin.
    """
    rng = np.random.default_rng(2026)
    runs = 200
    flagged = sum(
        bool(
            analyse_drift(
                normal_columns(rng, 1_000, 10), normal_columns(rng, 1_000, 10)
            ).drifted_columns
        )
        for _ in range(runs)
    )
    assert flagged / runs <= 0.05


def test_half_sd_shift_is_almost_always_flagged() -> None:
    rng = np.random.default_rng(5)
    runs = 100
    hits = 0
    for _ in range(runs):
        report = analyse_drift(
            normal_columns(rng, 1_000, 10), normal_columns(rng, 1_000, 10, shift=0.5)
        )
        hits += "c0" in {c.column for c in report.drifted_columns}
    assert hits >= 99


def test_shifted_column_reports_effect_sizes_and_ranks_first() -> None:
    rng = np.random.default_rng(1)
    report = analyse_drift(normal_columns(rng, 5_000, 4), normal_columns(rng, 5_000, 4, 0.5))
    top = report.ranked_columns()[0]
    assert top.column == "c0"
    assert top.verdict == "drift" and top.reasons == ("distribution",)
    assert top.wasserstein == pytest.approx(0.5, abs=0.05)
    assert top.psi_band in ("moderate", "major")
    assert top.p_adjusted is not None and top.p_adjusted < 1e-12
    # One drifted column is a finding: the verdict says drift, as the exit code does,
    # though a quarter of the columns is not the dataset-wide drift of half of them.
    assert report.verdict == "drift" and report.drift_found
    assert not report.dataset_drift
    assert report.drifted_share == pytest.approx(0.25)
    assert [s.metric.name for s in report.findings()] == ["c0.psi"]


def test_dataset_drift_when_half_the_columns_drift() -> None:
    rng = np.random.default_rng(2)
    ref = normal_columns(rng, 2_000, 4)
    cur = normal_columns(rng, 2_000, 4)
    cur["c0"] = cur["c0"] + 1
    cur["c1"] = cur["c1"] * 3
    report = analyse_drift(ref, cur)
    assert {c.column for c in report.drifted_columns} == {"c0", "c1"}
    assert report.verdict == "drift" and report.dataset_drift
    assert report.findings()[0].metric.name == "drifted_column_share"


def test_categorical_share_drop_from_10_to_1_percent_is_flagged() -> None:
    rng = np.random.default_rng(3)
    labels = np.array(["card", "bank", "wallet"], dtype=object)
    ref = {"method": rng.choice(labels, size=2_000, p=[0.10, 0.45, 0.45])}
    cur = {"method": rng.choice(labels, size=2_000, p=[0.01, 0.495, 0.495])}
    col = analyse_drift(ref, cur).columns[0]
    assert col.kind == "categorical" and col.test == "chi2"
    assert col.verdict == "drift"
    assert col.psi is not None and col.psi > 0.15


def test_new_and_vanished_categories_are_listed() -> None:
    ref = {"country": np.array(["DE"] * 300 + ["FR"] * 300 + ["IT"] * 100, dtype=object)}
    cur = {"country": np.array(["DE"] * 300 + ["FR"] * 300 + ["XX"] * 100, dtype=object)}
    col = analyse_drift(ref, cur).columns[0]
    assert col.categories_new == ("XX",)
    assert col.categories_vanished == ("IT",)
    assert col.new_category_share == pytest.approx(100 / 700)
    assert col.drifted


def test_booleans_are_categorical() -> None:
    ref = {"flag": np.array([True, False] * 300)}
    cur = {"flag": np.array([True] * 540 + [False] * 60)}
    col = analyse_drift(ref, cur).columns[0]
    assert col.kind == "categorical"
    assert col.drifted


def test_null_rate_rise_drifts_a_column_on_its_own() -> None:
    rng = np.random.default_rng(4)
    ref = {"a": rng.normal(size=2_000), "b": rng.normal(size=2_000)}
    cur = {"a": rng.normal(size=2_000), "b": rng.normal(size=2_000)}
    cur["a"][:200] = np.nan  # 10 points more missing
    cur["b"][:60] = np.nan  # 3 points: below the 5-point rule
    by_name = {c.column: c for c in analyse_drift(ref, cur).columns}
    assert by_name["a"].reasons == ("null rate",)
    assert by_name["a"].null_rate_current == pytest.approx(0.1)
    assert by_name["a"].n_current == 1_800
    assert by_name["b"].verdict == "no drift"


def test_column_the_pipeline_stopped_filling() -> None:
    rng = np.random.default_rng(6)
    ref = {"amount": rng.normal(size=500), "other": rng.normal(size=500)}
    cur = {"amount": np.full(500, None, dtype=object), "other": rng.normal(size=500)}
    report = analyse_drift(ref, cur)
    amount = next(c for c in report.columns if c.column == "amount")
    assert amount.kind == "numeric"
    assert amount.null_rate_current == 1.0
    assert amount.verdict == "drift" and amount.reasons == ("null rate",)
    signal = next(s for s in report.findings() if s.column == "amount")
    assert (signal.metric.value, signal.metric.baseline) == (1.0, 0.0)
    assert signal.metric.threshold == pytest.approx(0.05)


def test_fewer_than_200_current_rows_is_insufficient_data() -> None:
    rng = np.random.default_rng(7)
    report = analyse_drift({"a": rng.normal(size=1_000)}, {"a": rng.normal(3, size=150)})
    assert report.verdict == "insufficient data"
    assert report.columns[0].verdict == "insufficient data"
    assert report.columns[0].statistic is not None  # still measured, just not judged
    assert report.findings() == []
    assert not report.drift_found


def test_type_mismatch_is_an_error_naming_the_column() -> None:
    ref = {"amount": np.arange(300.0)}
    cur = {"amount": np.array(["12,50"] * 300, dtype=object)}
    with pytest.raises(DriftDataError, match="'amount' is numeric in reference but text"):
        analyse_drift(ref, cur)


def test_no_shared_columns_is_an_error() -> None:
    with pytest.raises(DriftDataError, match="no columns in common"):
        analyse_drift({"a": np.zeros(300)}, {"b": np.zeros(300)})


def test_named_columns_must_exist() -> None:
    data = {"a": np.zeros(300), "p": np.zeros(300)}
    with pytest.raises(DriftDataError, match="prediction column 'x'"):
        analyse_drift(data, data, prediction="x")
    with pytest.raises(DriftDataError, match="needs a prediction column"):
        analyse_drift(data, data, label="p")
    with pytest.raises(DriftDataError, match="excluded column 'zz'"):
        analyse_drift(data, data, exclude=["zz"])


def test_model_columns_and_excluded_columns_leave_the_feature_table() -> None:
    rng = np.random.default_rng(8)
    data = {name: rng.random(400) for name in ("f1", "f2", "score", "conf", "y")}
    report = analyse_drift(
        data, dict(data), prediction="score", confidence="conf", label="y", exclude=["f2"]
    )
    assert [c.column for c in report.columns] == ["f1"]


def test_unsupported_types_are_skipped() -> None:
    days = np.arange("2026-01-01", "2026-12-01", dtype="datetime64[D]")[:300]
    report = analyse_drift({"a": np.zeros(300), "day": days}, {"a": np.zeros(300), "day": days})
    assert "day" in report.skipped
    assert [c.column for c in report.columns] == ["a"]


def test_binary_prediction_shift_reads_as_positive_rate() -> None:
    ref = {"x": np.zeros(1_000), "flag": np.array([1] * 20 + [0] * 980)}
    cur = {"x": np.zeros(1_000), "flag": np.array([1] * 400 + [0] * 600)}
    report = analyse_drift(ref, cur, prediction="flag")
    pred = report.model_health.prediction
    assert pred is not None and pred.kind == "binary"
    assert pred.summary.startswith("positive rate 2.0% → 40.0%")
    assert pred.shifted
    signal = next(s for s in report.findings() if s.signal == "prediction_distribution")
    assert signal.details["positive_rate_current"] == pytest.approx(0.4)
    assert signal.metric.threshold == 0.25 and signal.metric.value > 1


def test_a_rate_below_the_threshold_reads_as_mean_and_median_not_positive_rate() -> None:
    # A click-through rate: a score in [0, 1] that never reaches 0.5.
    rng = np.random.default_rng(12)
    ref = {"x": np.zeros(3_000), "predicted_ctr": rng.beta(2, 60, 3_000)}
    cur = {"x": np.zeros(3_000), "predicted_ctr": rng.beta(2, 75, 3_000)}
    report = analyse_drift(ref, cur, prediction="predicted_ctr")
    pred = report.model_health.prediction
    assert pred is not None and pred.kind == "score" and pred.shifted
    assert "positive rate" not in pred.summary
    assert pred.summary.startswith("mean 0.03")
    assert "median" in pred.summary
    assert pred.positive_rate_reference is None and pred.positive_rate_current is None
    signal = next(s for s in report.findings() if s.signal == "prediction_distribution")
    assert set(signal.details) == {"mean_reference", "mean_current"}


def test_a_score_crossing_the_threshold_keeps_its_positive_rate() -> None:
    rng = np.random.default_rng(13)
    ref = {"x": np.zeros(2_000), "fraud_score": rng.uniform(0.0, 0.4, 2_000)}
    cur = {"x": np.zeros(2_000), "fraud_score": rng.uniform(0.2, 0.8, 2_000)}
    pred = analyse_drift(ref, cur, prediction="fraud_score").model_health.prediction
    assert pred is not None and pred.kind == "score"
    assert pred.summary.startswith("positive rate 0.0% → ")
    assert "(score ≥ 0.5); mean " in pred.summary
    assert pred.positive_rate_current == pytest.approx(0.5, abs=0.05)


def test_categorical_prediction_reports_class_shares() -> None:
    ref = {"label": np.array(["ok"] * 900 + ["fraud"] * 100, dtype=object)}
    cur = {"label": np.array(["ok"] * 500 + ["fraud"] * 450 + ["review"] * 50, dtype=object)}
    pred = analyse_drift(
        {"x": np.zeros(1_000), **ref}, {"x": np.zeros(1_000), **cur}, prediction="label"
    ).model_health.prediction
    assert pred is not None and pred.kind == "categorical"
    assert pred.class_shares_current == {"ok": 0.5, "fraud": 0.45, "review": 0.05}
    assert "share of 'fraud' 10.0% → 45.0%" in pred.summary


def test_numeric_prediction_reports_mean_and_quantiles() -> None:
    rng = np.random.default_rng(9)
    ref = {"x": np.zeros(2_000), "price": rng.normal(100, 10, size=2_000)}
    cur = {"x": np.zeros(2_000), "price": rng.normal(100, 10, size=2_000)}
    pred = analyse_drift(ref, cur, prediction="price").model_health.prediction
    assert pred is not None and pred.kind == "numeric"
    assert set(pred.quantiles_reference) == {"p10", "p50", "p90"}
    assert pred.mean_current == pytest.approx(100, abs=1)
    assert not pred.shifted


def test_confidence_drop_and_low_share_rise() -> None:
    rng = np.random.default_rng(10)
    ref = {"x": np.zeros(2_000), "conf": rng.uniform(0.6, 1.0, size=2_000)}
    cur = {"x": np.zeros(2_000), "conf": rng.uniform(0.3, 0.9, size=2_000)}
    report = analyse_drift(ref, cur, confidence="conf")
    conf = report.model_health.confidence
    assert conf is not None and conf.degraded
    assert conf.low_share_reference == 0.0
    assert conf.low_share_current == pytest.approx(1 / 3, abs=0.04)
    signal = next(s for s in report.findings() if s.signal == "confidence")
    assert signal.metric.name == "conf.low_confidence_share"
    stricter = analyse_drift(
        ref, cur, confidence="conf", settings=DriftSettings(low_confidence=0.2)
    )
    assert stricter.model_health.confidence.low_share_current == 0.0


def test_performance_before_and_after() -> None:
    # Reference: 1000 rows, predictions right on all but 50. Current: wrong on 300.
    y = np.array([1] * 200 + [0] * 800)
    pred_ref = y.copy()
    pred_ref[:50] = 0  # 50 missed positives
    pred_cur = y.copy()
    pred_cur[:150] = 0  # 150 missed positives
    pred_cur[200:350] = 1  # 150 false alarms
    ref = {"x": np.zeros(1_000), "score": pred_ref * 0.9, "y": y}
    cur = {"x": np.zeros(1_000), "score": pred_cur * 0.9, "y": y}
    report = analyse_drift(ref, cur, prediction="score", label="y")
    perf = report.model_health.performance
    assert perf is not None
    assert (perf.accuracy_reference, perf.accuracy_current) == (0.95, 0.70)
    assert (perf.precision_reference, perf.precision_current) == (1.0, 0.25)
    assert (perf.recall_reference, perf.recall_current) == (0.75, 0.25)
    assert perf.degraded and perf.worst_metric == "precision"
    assert perf.summary.startswith("accuracy 95.0% → 70.0%")
    signal = next(s for s in report.findings() if s.signal == "performance")
    assert signal.metric.name == "y.precision"
    assert signal.metric.threshold == pytest.approx(0.95)


def test_label_missing_from_current_is_a_note_not_an_error() -> None:
    rng = np.random.default_rng(12)
    ref = {"x": rng.random(300), "p": rng.random(300), "y": rng.random(300) > 0.5}
    cur = {"x": rng.random(300), "p": rng.random(300)}
    report = analyse_drift(ref, cur, prediction="p", label="y")
    assert report.model_health.performance is None
    assert "missing from current" in report.model_health.notes[0]
    assert report.only_in_reference == ()  # labels arriving late are no pipeline outage


def test_column_lost_from_current_is_a_pipeline_signal() -> None:
    rng = np.random.default_rng(13)
    report = analyse_drift({"a": rng.random(300), "b": rng.random(300)}, {"a": rng.random(300)})
    assert report.only_in_reference == ("b",)
    assert [s.signal for s in report.findings()] == ["pipeline"]
    assert report.drift_found


def test_to_dict_is_strict_json() -> None:
    rng = np.random.default_rng(14)
    ref = {"const": np.ones(500), "a": rng.normal(size=500)}
    cur = {"const": np.full(500, 2.0), "a": rng.normal(size=500)}
    report = analyse_drift(ref, cur)
    assert report.columns[0].wasserstein == float("inf")
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["verdict"] == "drift"
    assert data["columns"][0]["column"] == "const"
    assert data["columns"][0]["wasserstein"] is None
    assert data["signals"][0]["metric"]["name"] == "drifted_column_share"
    assert data["settings"]["min_rows"] == 200
