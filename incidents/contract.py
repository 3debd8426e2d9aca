"""A metric against the client's contract (the catalog's `contract:` bounds).

The contract draws the line between Sev2 and Sev3: accuracy that dropped but is still above
the contractual threshold is Sev3, below it the predictions are materially wrong (README,
"Contract thresholds"). This module says where a reading stands against the bound the
client was promised, and how to say so in business terms; the severity policy, the client
notifications and the review use it. Pure: data in, decisions and words out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from incidents.catalog.ai import Bound
from incidents.catalog.models import Catalog
from incidents.wording import describe_metric, metric_name

# A move smaller than this share of the baseline is noise, not a "noticeable" drop (the
# same line the severity policy draws without a contract).
NOTICEABLE_CHANGE = 0.05


def bound_for(contract: Mapping[str, Bound] | None, name: str | None) -> tuple[str, Bound] | None:
    """The contract's bound for a metric, by its name as the alert or monitor gives it; a
    monitor's `is_fraud.accuracy` is covered by `accuracy`. (key, bound) or None."""
    if not contract or not name:
        return None
    for key in (name, name.rsplit(".", 1)[-1]):
        if key in contract:
            return key, contract[key]
    return None


@dataclass(frozen=True)
class Standing:
    """Where one reading stands against its contractual bound."""

    metric: str  # the contract's name for it
    value: float
    baseline: float | None
    bound: Bound
    side: str  # "min" or "max": the bound the reading is judged against
    limit: float
    client: str | None

    @property
    def breached(self) -> bool:
        return self.value < self.limit if self.side == "min" else self.value > self.limit

    @property
    def worse_than_baseline(self) -> float | None:
        """How much worse than its baseline, as a share of it (None: no baseline)."""
        if self.baseline is None or self.baseline == 0:
            return None
        drop = self.baseline - self.value if self.side == "min" else self.value - self.baseline
        return drop / abs(self.baseline)

    @property
    def noticeably_worse(self) -> bool:
        change = self.worse_than_baseline
        return change is not None and change >= NOTICEABLE_CHANGE

    def reason(self) -> str:
        """The severity proposal's reason: "accuracy 0.74 is below the 0.80 the contract
        with Acme Bank guarantees"."""
        name, value, limit = metric_name(self.metric), _number(self.value), _number(self.limit)
        contract = f"the contract with {self.client}" if self.client else "the contract"
        promise = "guarantees" if self.side == "min" else "allows"
        if self.breached:
            where = "below" if self.side == "min" else "above"
            return f"{name} {value} is {where} the {limit} {contract} {promise}"
        held = "above" if self.side == "min" else "below"
        if self.baseline is not None and self.noticeably_worse:
            return (f"{name} {value} is worse than its baseline {_number(self.baseline)} but "
                    f"still {held} the {limit} {contract} {promise}")
        return f"{name} {value} is within the {limit} {contract} {promise}"


def standing(metric: Mapping[str, Any] | None, contract: Mapping[str, Bound] | None, *,
             client: str | None = None) -> Standing | None:
    """The reading against the contract, or None when the contract says nothing about it
    (no contract, another metric, or no usable value)."""
    if not metric or not contract:
        return None
    found = bound_for(contract, str(metric.get("name") or ""))
    value = _float(metric.get("value"))
    if found is None or value is None:
        return None
    key, bound = found
    baseline = _float(metric.get("baseline"))
    return Standing(key, value, baseline, bound, *_side(bound, value, baseline), client)


def _side(bound: Bound, value: float, baseline: float | None) -> tuple[str, float]:
    """The bound that judges the reading: the only one, the one it is past, or (with both
    and within both) the one on the side it moved towards."""
    if bound.max is None or (bound.min is not None and value < bound.min):
        return "min", bound.min
    if bound.min is None or value > bound.max:
        return "max", bound.max
    rising = baseline is not None and value > baseline
    return ("max", bound.max) if rising else ("min", bound.min)


def describe(metric: Mapping[str, Any] | None, contract: Mapping[str, Bound] | None) -> str | None:
    """The reading in the client's terms, against the contract when it covers the metric:
    `accuracy 85.0% → 74.0%, below the contractual 80.0%`; otherwise as `describe_metric`
    says it (with the alert's own threshold)."""
    found = standing(metric, contract)
    if found is None:
        return describe_metric(dict(metric) if metric else None)
    return describe_metric(dict(metric), contract_limit=(found.side, found.limit))


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _number(value: float) -> str:
    """0.8 as 0.80, 0.045 as 0.045, 1200 as 1,200: as a contract is usually written."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    text = f"{value:.2f}"
    return text if float(text) == value else f"{value:.4g}"


def terms(catalog: Catalog, system_key: str) -> dict[str, Any]:
    """The contract and the client's name for a system, as `propose_severity` takes them
    (both empty when the catalog states no contract for it)."""
    contract = catalog.contract_for(system_key)
    if not contract:
        return {}
    client = catalog.client_for(system_key)
    return {"contract": contract, "client": client.name if client else None}
