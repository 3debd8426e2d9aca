"""Severity policy: the four levels (types.SEVERITY_MEANINGS), proposed from what an alert
or a check saw.

Pure functions over data. The same policy serves alerts, drift monitors and triage. When
the client's contract bounds the metric (the catalog's `contract:`), the contract draws
the line between Sev2 and Sev3: past it, at least Sev2; within it but noticeably
worse than its baseline, Sev3 (incidents/contract.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from incidents.contract import NOTICEABLE_CHANGE, standing
from incidents.types import Severity, Signal

_WORDS = {
    "critical": Severity.SEV1,
    "high": Severity.SEV2,
    "error": Severity.SEV2,
    "medium": Severity.SEV3,
    "warning": Severity.SEV3,
    "low": Severity.SEV4,
    "info": Severity.SEV4,
}

# Past the threshold by this many times its distance from the baseline is severe harm.
SEVERE_BREACH = 3.0


def parse_severity(value: Any) -> Severity | None:
    """`sev1`…`sev4`, `1`…`4`, or critical/high/medium/low/warning/info; None when unknown."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return Severity(value) if 1 <= value <= 4 else None
    text = str(value).strip().lower().replace(" ", "")
    if text.startswith("sev"):
        text = text[3:]
    if text.isdigit() and 1 <= int(text) <= 4:
        return Severity(int(text))
    return _WORDS.get(text)


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    baseline: float | None = None
    threshold: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Metric | None:
        if not data or data.get("value") is None:
            return None
        try:
            return cls(
                name=str(data.get("name") or "metric"),
                value=float(data["value"]),
                baseline=_float_or_none(data.get("baseline")),
                threshold=_float_or_none(data.get("threshold")),
            )
        except (TypeError, ValueError):
            return None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "baseline": self.baseline,
                "threshold": self.threshold}

    @property
    def breach_ratio(self) -> float | None:
        """How far the value went toward the threshold: 1.0 is at it, 2.0 twice as far.

        The threshold's side of the baseline says which direction is bad, so the same rule
        works for accuracy (falls) and flag rate (rises).
        """
        if self.baseline is None or self.threshold is None or self.threshold == self.baseline:
            return None
        return (self.value - self.baseline) / (self.threshold - self.baseline)

    @property
    def breached(self) -> bool:
        if self.breach_ratio is not None:
            return self.breach_ratio >= 1
        return False

    @property
    def relative_change(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return abs(self.value - self.baseline) / abs(self.baseline)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class SeverityProposal:
    severity: Severity
    reason: str


# Signals whose metric measures what the client gets: the contract judges their impact.
QUALITY_SIGNALS = frozenset({Signal.PERFORMANCE, Signal.BUSINESS_METRIC,
                             Signal.PREDICTION_DISTRIBUTION, None})


def propose_severity(
    *,
    signal: str | None,
    metric: Metric | None,
    criticality: str = "standard",
    stated: Any = None,
    contract: Mapping[str, Any] | None = None,
    client: str | None = None,
) -> SeverityProposal:
    """The severity for what was observed; an explicitly stated severity always wins.
    `contract`: the bounds the system's client was promised, by metric (`client`: their
    name, for the reason)."""
    explicit = parse_severity(stated)
    if explicit is not None:
        return SeverityProposal(explicit, f"severity stated by the alert ({stated})")
    by_rules = _by_rules(signal=signal, metric=metric, criticality=criticality)
    against = standing(metric.as_dict() if metric else None, contract, client=client)
    if against is None:
        return by_rules
    if against.breached:
        if by_rules.severity == Severity.SEV1:
            return SeverityProposal(by_rules.severity, f"{against.reason()}; {by_rules.reason}")
        return SeverityProposal(Severity.SEV2, f"{against.reason()}: materially wrong "
                                "predictions")
    if signal not in QUALITY_SIGNALS:
        return by_rules  # a pipeline or outage is judged by what broke, not by the reading
    if against.noticeably_worse:
        return SeverityProposal(Severity.SEV3, f"{against.reason()}: noticeable degradation "
                                "within tolerance")
    if against.baseline is not None:
        return SeverityProposal(Severity.SEV4, f"{against.reason()}, close to its baseline: "
                                "no current impact")
    # No baseline to measure the drop: within the contract is within tolerance at worst.
    return SeverityProposal(max(by_rules.severity, Severity.SEV3),
                            f"{against.reason()}; {by_rules.reason}")


def _by_rules(*, signal: str | None, metric: Metric | None, criticality: str
              ) -> SeverityProposal:
    """The proposal from the signal, the metric's own threshold and the criticality."""
    critical = criticality == "critical"
    ratio = metric.breach_ratio if metric else None
    breached = metric.breached if metric else False
    severe = ratio is not None and ratio >= SEVERE_BREACH
    change = metric.relative_change if metric else None
    noticeable = (change is not None and change >= NOTICEABLE_CHANGE) or (
        ratio is not None and ratio >= 0.5
    )

    match signal:
        case Signal.PERFORMANCE | Signal.BUSINESS_METRIC | Signal.PREDICTION_DISTRIBUTION:
            if breached and severe and critical:
                return SeverityProposal(
                    Severity.SEV1, "far past its threshold on a critical system: business harm"
                )
            if breached:
                return SeverityProposal(
                    Severity.SEV2, "past its threshold: materially wrong predictions"
                )
            if metric is None:
                return _by_criticality(criticality, "no metric given")
            if noticeable:
                return SeverityProposal(
                    Severity.SEV3, "noticeable degradation, still within tolerance"
                )
            return SeverityProposal(Severity.SEV4, "early sign, no current impact")
        case Signal.PIPELINE:
            if critical:
                return SeverityProposal(
                    Severity.SEV1, "feature pipeline failure on a critical system"
                )
            return SeverityProposal(
                Severity.SEV2, "feature pipeline failure: the model receives bad inputs"
            )
        case Signal.INFRASTRUCTURE:
            if critical:
                return SeverityProposal(
                    Severity.SEV1, "a critical system is not producing predictions"
                )
            return _by_criticality(criticality, "infrastructure problem")
        case Signal.FEATURE_DISTRIBUTION | Signal.CONFIDENCE:
            if severe:
                return SeverityProposal(
                    Severity.SEV3, "large shift in inputs or confidence, impact not yet seen"
                )
            return SeverityProposal(
                Severity.SEV4, "input drift or falling confidence, no current impact"
            )
        case _:
            if breached:
                return SeverityProposal(Severity.SEV2, "past its threshold")
            return _by_criticality(criticality, "no signal given")


def _by_criticality(criticality: str, why: str) -> SeverityProposal:
    severity = {"critical": Severity.SEV2, "high": Severity.SEV3}.get(criticality, Severity.SEV3)
    return SeverityProposal(severity, f"{why}; set by the system's criticality ({criticality})")
