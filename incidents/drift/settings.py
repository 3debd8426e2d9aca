"""Thresholds of the drift analysis, in one place so reports can state what they used."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DriftSettings:
    # Significance: Benjamini–Hochberg false discovery rate across feature columns, and
    # the plain level for the single tests of model health.
    alpha: float = 0.05
    # Effect sizes below these are "trivial": with a million rows, KS finds differences
    # nobody should be paged for.
    psi_threshold: float = 0.1
    wasserstein_threshold: float = 0.1
    # Between two samples of the same distribution the normalised Wasserstein distance is
    # about 1/sqrt(n) by chance alone, which at a thousand rows reaches 0.1; so the bar is
    # also at least this many times 1/sqrt(effective sample size).
    wasserstein_noise_factor: float = 4.0
    psi_bins: int = 10
    psi_floor: float = 1e-4
    # A column whose share of missing values rises this much (absolute) has drifted.
    null_rate_rise: float = 0.05
    # Fewer rows than this (in either sample) gives "insufficient data".
    min_rows: int = 200
    # Share of drifted columns at which the whole dataset counts as drifted.
    dataset_drift_share: float = 0.5
    # Model health.
    low_confidence: float = 0.5
    min_confidence_drop: float = 0.05
    min_low_confidence_rise: float = 0.05
    positive_threshold: float = 0.5
    min_performance_drop: float = 0.05

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must be between 0 and 1")
        if self.psi_bins < 2:
            raise ValueError("psi_bins must be at least 2")
        if self.min_rows < 1:
            raise ValueError("min_rows must be at least 1")

    def wasserstein_bar(self, n_reference: int, n_current: int) -> float:
        """The smallest normalised Wasserstein distance that is more than sampling noise."""
        if n_reference <= 0 or n_current <= 0:
            return self.wasserstein_threshold
        effective = n_reference * n_current / (n_reference + n_current)
        return max(self.wasserstein_threshold, self.wasserstein_noise_factor / effective**0.5)

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)
