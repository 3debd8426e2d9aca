"""Business-language phrasing of model numbers: "flag rate 2.0% → 40.0%", not "AUC −0.23"."""

from __future__ import annotations

import math
from typing import Any

# Statistics that live between 0 and 1 without being shares of anything.
_NOT_SHARES = ("psi", "ks", "wasserstein", "statistic", "p_value", "auc")


def _is_share(name: str, *values: float | None) -> bool:
    if any(name.lower().endswith(suffix) for suffix in _NOT_SHARES):
        return False
    present = [v for v in values if v is not None]
    return bool(present) and all(0 <= v <= 1 for v in present)


def _fmt(value: float, share: bool) -> str:
    if share:
        return f"{value * 100:.1f}%"
    if abs(value) >= 100 or (value == int(value) and abs(value) >= 1):
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def metric_name(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").strip() or "metric"


def describe_metric(metric: dict[str, Any] | None, *,
                    contract_limit: tuple[str, float] | None = None) -> str | None:
    """`flag rate 2.0% → 40.0% (threshold 10.0%)`; None when there is no value.
    `contract_limit` ("min" or "max", the bound): the client's contract covers the metric,
    and the reading is set against it instead of the alert's threshold (incidents/contract.py):
    `accuracy 85.0% → 74.0%, below the contractual 80.0%`."""
    if not metric or metric.get("value") is None:
        return None
    try:
        value = float(metric["value"])
        baseline = None if metric.get("baseline") is None else float(metric["baseline"])
        threshold = None if metric.get("threshold") is None else float(metric["threshold"])
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (value, baseline, threshold) if v is not None):
        return None  # NaN or infinity: no sentence says that number (alerts drop them)
    raw_name = str(metric.get("name") or "metric")
    limit = contract_limit[1] if contract_limit else None
    share = _is_share(raw_name, value, baseline, limit if contract_limit else threshold)
    name = metric_name(raw_name)
    text = f"{name} {_fmt(baseline, share)} → {_fmt(value, share)}" if baseline is not None \
        else f"{name} {_fmt(value, share)}"
    if contract_limit is not None:
        side = contract_limit[0]
        past = value < limit if side == "min" else value > limit
        where = ("below" if side == "min" else "above") if past else \
            ("still above" if side == "min" else "still below")
        text += f", {where} the contractual {_fmt(limit, share)}"
    elif threshold is not None:
        text += f" (threshold {_fmt(threshold, share)})"
    return text
