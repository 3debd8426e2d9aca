"""Model health: shift of predictions, of confidence, and of accuracy against labels.

Summaries are phrased for people who run the business ("positive rate 2.0% → 40.0%",
"accuracy 85.0% → 62.0%"), since they end up in incident channels and client notes.
Scores that never reach the positive threshold (a click-through rate) are described by
their mean and median alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from incidents.drift import stats
from incidents.drift.columns import (
    ColumnDrift,
    category_counts,
    compare_categorical,
    compare_numeric,
    judge,
    missing_mask,
    present_numeric,
)
from incidents.drift.settings import DriftSettings

TRUE_LABELS = ("1", "1.0", "true", "t", "yes", "y", "positive", "pos")
FALSE_LABELS = ("0", "0.0", "false", "f", "no", "n", "negative", "neg")
QUANTILES = (0.1, 0.5, 0.9)
MAX_CLASSES = 10


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


@dataclass(frozen=True)
class PredictionHealth:
    """Shift of the model's output. kind: binary, score (0–1), numeric or categorical."""

    column: str
    kind: str
    drift: ColumnDrift
    shifted: bool
    summary: str
    positive_rate_reference: float | None = None
    positive_rate_current: float | None = None
    mean_reference: float | None = None
    mean_current: float | None = None
    quantiles_reference: dict[str, float] = field(default_factory=dict)
    quantiles_current: dict[str, float] = field(default_factory=dict)
    class_shares_reference: dict[str, float] = field(default_factory=dict)
    class_shares_current: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfidenceHealth:
    column: str
    mean_reference: float | None
    mean_current: float | None
    low_share_reference: float | None
    low_share_current: float | None
    low_threshold: float
    p_value: float | None
    degraded: bool
    summary: str


@dataclass(frozen=True)
class PerformanceHealth:
    """Accuracy, precision and recall before/after. Precision and recall need binary
    predictions and labels; they are None otherwise or when undefined (no positives)."""

    label: str
    prediction: str
    n_reference: int
    n_current: int
    accuracy_reference: float | None
    accuracy_current: float | None
    precision_reference: float | None
    precision_current: float | None
    recall_reference: float | None
    recall_current: float | None
    degraded: bool
    worst_metric: str | None
    verdict: str
    summary: str


def to_binary(values: np.ndarray, *, threshold: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(is_positive, present) for a column readable as yes/no, else None.

    Bools as they are; numbers in [0, 1] as scores cut at `threshold` (0/1 included);
    text when every label is a recognised yes/no word.
    """
    missing = missing_mask(values)
    kind = values.dtype.kind
    if kind == "b":
        return values.astype(bool), ~missing
    if kind in "iuf":
        present = values[~missing]
        if present.size and (present.min() < 0 or present.max() > 1):
            return None
        filled = np.where(missing, 0, values).astype(np.float64)
        return filled >= threshold, ~missing
    labels, _ = category_counts(values[~missing])
    lowered = np.char.lower(labels)
    if not np.isin(lowered, TRUE_LABELS + FALSE_LABELS).all():
        return None
    positive = np.zeros(values.shape, dtype=bool)
    if (~missing).any():
        text = np.char.lower(values[~missing].astype(str))
        positive[~missing] = np.isin(text, TRUE_LABELS)
    return positive, ~missing


def _is_binary_numeric(ref: np.ndarray, cur: np.ndarray) -> bool:
    both = np.concatenate((ref, cur))
    return bool(both.size) and bool(np.isin(both, (0.0, 1.0)).all())


def _quantiles(values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {}
    qs = np.quantile(values, QUANTILES)
    return {f"p{round(q * 100)}": float(v) for q, v in zip(QUANTILES, qs, strict=True)}


def _class_shares(values: np.ndarray) -> dict[str, float]:
    labels, counts = category_counts(values[~missing_mask(values)])
    total = counts.sum()
    if total == 0:
        return {}
    order = np.argsort(-counts, kind="stable")[:MAX_CLASSES]
    return {str(labels[i]): float(counts[i] / total) for i in order}


def prediction_health(
    column: str,
    ref: np.ndarray,
    cur: np.ndarray,
    *,
    enough_rows: bool,
    settings: DriftSettings,
) -> PredictionHealth:
    """Compare the prediction column; its test is judged alone (no BH correction)."""
    numeric = ref.dtype.kind in "iuf" and cur.dtype.kind in "iuf"
    if numeric:
        ref_vals = present_numeric(ref, missing_mask(ref))
        cur_vals = present_numeric(cur, missing_mask(cur))
        if _is_binary_numeric(ref_vals, cur_vals):
            kind = "binary"
        elif ref_vals.size + cur_vals.size and (
            np.concatenate((ref_vals, cur_vals)).min() >= 0
            and np.concatenate((ref_vals, cur_vals)).max() <= 1
        ):
            kind = "score"
        else:
            kind = "numeric"
    else:
        kind = "categorical"
        if to_binary(ref, threshold=0.5) is not None and to_binary(cur, threshold=0.5) is not None:
            kind = "binary"

    if kind in ("binary", "categorical"):
        drift = compare_categorical(column, ref, cur, floor=settings.psi_floor)
    else:
        drift = compare_numeric(column, ref, cur, bins=settings.psi_bins, floor=settings.psi_floor)
    drift = judge(drift, p=drift.p_value, enough_rows=enough_rows, settings=settings)
    shifted = drift.drifted

    extra: dict[str, object] = {}
    summary = ""
    if kind in ("binary", "score"):
        rates = []
        for values in (ref, cur):
            pos, present = to_binary(values, threshold=settings.positive_threshold)
            rates.append(float(pos[present].mean()) if present.any() else None)
        if kind == "binary" or not _threshold_splits_nothing(rates):
            extra["positive_rate_reference"], extra["positive_rate_current"] = rates
            summary = f"positive rate {_pct(rates[0])} → {_pct(rates[1])}"
            if kind == "score":
                summary += f" (score ≥ {settings.positive_threshold:g})"
    if kind in ("score", "numeric"):
        means = [float(v.mean()) if v.size else None for v in (ref_vals, cur_vals)]
        extra["mean_reference"], extra["mean_current"] = means
        extra["quantiles_reference"] = _quantiles(ref_vals)
        extra["quantiles_current"] = _quantiles(cur_vals)
        mean_text = f"mean {_num(means[0])} → {_num(means[1])}"
        q_ref, q_cur = extra["quantiles_reference"], extra["quantiles_current"]
        if q_ref and q_cur:
            mean_text += f", median {_num(q_ref['p50'])} → {_num(q_cur['p50'])}"
        summary = f"{summary}; {mean_text}" if summary else mean_text
    if kind == "categorical":
        ref_shares, cur_shares = _class_shares(ref), _class_shares(cur)
        extra["class_shares_reference"] = ref_shares
        extra["class_shares_current"] = cur_shares
        summary = _share_changes(ref_shares, cur_shares)
    if drift.null_rate_change > 0:
        summary += f"; missing {_pct(drift.null_rate_reference)} → {_pct(drift.null_rate_current)}"
    return PredictionHealth(
        column=column, kind=kind, drift=drift, shifted=shifted, summary=summary, **extra
    )


def _threshold_splits_nothing(rates: list[float | None]) -> bool:
    """True when every score in both samples lies on one side of the threshold, and the
    same side: a click-through rate or a probability the model never acts on. "positive
    rate 0.0% → 0.0%" would say nothing about them; their mean and median do."""
    before, after = rates
    return before == after and before in (0.0, 1.0)


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def _share_changes(ref: dict[str, float], cur: dict[str, float]) -> str:
    """Class shares, largest change first: "share of 'fraud' 2.0% → 40.0%"."""
    labels = set(ref) | set(cur)
    ranked = sorted(labels, key=lambda k: -abs(cur.get(k, 0.0) - ref.get(k, 0.0)))[:3]
    parts = [
        f"share of {label!r} {_pct(ref.get(label, 0.0))} → {_pct(cur.get(label, 0.0))}"
        for label in ranked
    ]
    return ", ".join(parts) or "no predictions"


def confidence_health(
    column: str,
    ref: np.ndarray,
    cur: np.ndarray,
    *,
    enough_rows: bool,
    settings: DriftSettings,
) -> ConfidenceHealth:
    """Mean confidence and share of low-confidence predictions, before and after.

    Degraded when the mean falls (or the low share rises) by at least the configured
    amount and the change is significant; a model meeting unfamiliar inputs shows it
    here before labels arrive.
    """
    ref_vals = np.sort(present_numeric(ref, missing_mask(ref)))
    cur_vals = np.sort(present_numeric(cur, missing_mask(cur)))
    if not ref_vals.size or not cur_vals.size:
        return ConfidenceHealth(
            column,
            None,
            None,
            None,
            None,
            settings.low_confidence,
            None,
            False,
            "no confidence values to compare",
        )
    low = settings.low_confidence
    mean_ref, mean_cur = float(ref_vals.mean()), float(cur_vals.mean())
    low_ref_n = int(np.searchsorted(ref_vals, low, side="left"))
    low_cur_n = int(np.searchsorted(cur_vals, low, side="left"))
    low_ref, low_cur = low_ref_n / ref_vals.size, low_cur_n / cur_vals.size
    p_value = stats.compare_sorted(ref_vals, cur_vals).ks_p_value
    mean_dropped = mean_ref - mean_cur >= settings.min_confidence_drop and (
        p_value <= settings.alpha
    )
    low_rose = low_cur - low_ref >= settings.min_low_confidence_rise and (
        stats.two_proportion_p(low_ref_n, ref_vals.size, low_cur_n, cur_vals.size) <= settings.alpha
    )
    summary = (
        f"mean confidence {mean_ref:.2f} → {mean_cur:.2f}; "
        f"below {low:g}: {_pct(low_ref)} → {_pct(low_cur)}"
    )
    return ConfidenceHealth(
        column=column,
        mean_reference=mean_ref,
        mean_current=mean_cur,
        low_share_reference=low_ref,
        low_share_current=low_cur,
        low_threshold=low,
        p_value=p_value,
        degraded=enough_rows and (mean_dropped or low_rose),
        summary=summary,
    )


def _labelled(pred: np.ndarray, label: np.ndarray, threshold: float):
    """(pred, label, binary?) restricted to rows where both are present."""
    pred_bin = to_binary(pred, threshold=threshold)
    label_bin = to_binary(label, threshold=threshold)
    if pred_bin is not None and label_bin is not None:
        both = pred_bin[1] & label_bin[1]
        return pred_bin[0][both], label_bin[0][both], True
    both = ~missing_mask(pred) & ~missing_mask(label)
    pred, label = pred[both], label[both]
    if pred.dtype.kind in "iuf" and label.dtype.kind in "iuf":
        return pred.astype(np.float64), label.astype(np.float64), False
    return pred.astype(str), label.astype(str), False


@dataclass(frozen=True)
class _Scores:
    n: int
    correct: int
    tp: int
    predicted_pos: int
    actual_pos: int
    binary: bool

    def rate(self, metric: str) -> float | None:
        num, den = self.counts(metric)
        return num / den if den else None

    def counts(self, metric: str) -> tuple[int, int]:
        if metric == "accuracy":
            return self.correct, self.n
        if not self.binary:
            return 0, 0
        return self.tp, self.predicted_pos if metric == "precision" else self.actual_pos


def _scores(pred: np.ndarray, label: np.ndarray, threshold: float) -> _Scores:
    p, y, binary = _labelled(pred, label, threshold)
    if binary:
        return _Scores(
            n=int(p.size),
            correct=int((p == y).sum()),
            tp=int((p & y).sum()),
            predicted_pos=int(p.sum()),
            actual_pos=int(y.sum()),
            binary=True,
        )
    return _Scores(int(p.size), int((p == y).sum()), 0, 0, 0, binary=False)


PERFORMANCE_METRICS = ("accuracy", "precision", "recall")


def performance_health(
    label: str,
    prediction: str,
    *,
    ref_pred: np.ndarray,
    ref_label: np.ndarray,
    cur_pred: np.ndarray,
    cur_label: np.ndarray,
    settings: DriftSettings,
) -> PerformanceHealth:
    """Accuracy, precision and recall of the predictions against labels, before/after.

    Degraded when a metric falls by at least `min_performance_drop` and a two-proportion
    test finds the fall significant; labelled rows below `min_rows` give no verdict.
    """
    threshold = settings.positive_threshold
    before = _scores(ref_pred, ref_label, threshold)
    after = _scores(cur_pred, cur_label, threshold)
    enough = min(before.n, after.n) >= settings.min_rows
    worst, worst_drop, degraded = None, 0.0, False
    for metric in PERFORMANCE_METRICS:
        old, new = before.rate(metric), after.rate(metric)
        if old is None or new is None:
            continue
        drop = old - new
        significant = (
            stats.two_proportion_p(*before.counts(metric), *after.counts(metric)) <= settings.alpha
        )
        if drop >= settings.min_performance_drop and significant and drop > worst_drop:
            worst, worst_drop, degraded = metric, drop, True
    verdict = "insufficient data" if not enough else ("degraded" if degraded else "ok")
    summary = "; ".join(
        f"{m} {_pct(before.rate(m))} → {_pct(after.rate(m))}"
        for m in PERFORMANCE_METRICS
        if before.rate(m) is not None or after.rate(m) is not None
    )
    return PerformanceHealth(
        label=label,
        prediction=prediction,
        n_reference=before.n,
        n_current=after.n,
        accuracy_reference=before.rate("accuracy"),
        accuracy_current=after.rate("accuracy"),
        precision_reference=before.rate("precision"),
        precision_current=after.rate("precision"),
        recall_reference=before.rate("recall"),
        recall_current=after.rate("recall"),
        degraded=degraded and enough,
        worst_metric=worst if enough else None,
        verdict=verdict,
        summary=summary or "no labelled rows",
    )
