"""A drift report's findings in the shape of an alert: the alert signal they raise and a
metric the severity policy can read."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

import numpy as np

from incidents.drift import stats
from incidents.drift.columns import ColumnDrift
from incidents.drift.health import ConfidenceHealth, PerformanceHealth, PredictionHealth
from incidents.drift.settings import DriftSettings


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    baseline: float | None
    threshold: float | None


@dataclass(frozen=True)
class DriftFinding:
    """One finding in the shape of an alert: the alert signal it raises, metric, summary.

    `metric.threshold` is where the finding starts to matter, on the same scale as
    value and baseline, so (value − baseline) / (threshold − baseline) reads as how far
    past it things went.
    """

    signal: str  # feature_distribution | prediction_distribution | confidence | ...
    metric: Metric
    summary: str
    column: str | None = None
    details: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return plain(asdict(self))


def column_finding(col: ColumnDrift, settings: DriftSettings) -> DriftFinding:
    """A drifted feature: measured by PSI (or Wasserstein when only that is past its
    threshold), or by its missing share when that alone drifted it."""
    parts = []
    if "distribution" in col.reasons:
        if (col.psi or 0.0) >= settings.psi_threshold:
            metric = Metric(f"{col.column}.psi", col.psi, 0.0, settings.psi_threshold)
        else:
            metric = Metric(
                f"{col.column}.wasserstein", col.wasserstein, 0.0, settings.wasserstein_threshold
            )
        parts.append(f"PSI {col.psi:.2f} ({col.psi_band})")
        if col.wasserstein is not None:
            parts.append(f"Wasserstein {col.wasserstein:.2f} σ")
    if "null rate" in col.reasons:
        if not parts:
            metric = Metric(
                f"{col.column}.null_rate",
                col.null_rate_current,
                col.null_rate_reference,
                col.null_rate_reference + settings.null_rate_rise,
            )
        parts.append(
            f"missing {100 * col.null_rate_reference:.1f}% → {100 * col.null_rate_current:.1f}%"
        )
    if col.categories_new_count:
        noun = "category" if col.categories_new_count == 1 else "categories"
        parts.append(f"{col.categories_new_count} new {noun}")
    return DriftFinding(
        "feature_distribution", metric, f"{col.column}: " + ", ".join(parts), column=col.column
    )


def prediction_finding(pred: PredictionHealth, settings: DriftSettings) -> DriftFinding:
    """Measured as PSI against the "major" band: a shift past it means materially
    different predictions; the business-readable numbers go into details and summary."""
    metric = Metric(f"{pred.column}.psi", pred.drift.psi or 0.0, 0.0, stats.PSI_MAJOR)
    details = {
        key: getattr(pred, key)
        for key in (
            "positive_rate_reference",
            "positive_rate_current",
            "mean_reference",
            "mean_current",
        )
        if getattr(pred, key) is not None
    }
    return DriftFinding(
        "prediction_distribution",
        metric,
        f"{pred.column}: {pred.summary}",
        column=pred.column,
        details=details,
    )


def confidence_finding(conf: ConfidenceHealth, settings: DriftSettings) -> DriftFinding:
    low_rise = (conf.low_share_current or 0.0) - (conf.low_share_reference or 0.0)
    if low_rise >= settings.min_low_confidence_rise:
        metric = Metric(
            f"{conf.column}.low_confidence_share",
            conf.low_share_current,
            conf.low_share_reference,
            conf.low_share_reference + settings.min_low_confidence_rise,
        )
    else:
        metric = Metric(
            f"{conf.column}.mean",
            conf.mean_current,
            conf.mean_reference,
            conf.mean_reference - settings.min_confidence_drop,
        )
    return DriftFinding("confidence", metric, f"{conf.column}: {conf.summary}", column=conf.column)


def performance_finding(perf: PerformanceHealth, settings: DriftSettings) -> DriftFinding:
    name = perf.worst_metric or "accuracy"
    before = getattr(perf, f"{name}_reference")
    after = getattr(perf, f"{name}_current")
    metric = Metric(f"{perf.label}.{name}", after, before, before - settings.min_performance_drop)
    return DriftFinding("performance", metric, f"{perf.label}: {perf.summary}", column=perf.label)


def plain(value: Any) -> Any:
    """Plain JSON types: tuples as lists, numpy scalars as Python, inf/NaN as None."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
