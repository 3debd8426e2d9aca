"""Drift statistics: compare a reference dataset with current data, column by column.

Reading files lives in `incidents.drift.loading` (pyarrow), kept out of this import so
the core needs only NumPy and SciPy.
"""

from incidents.drift.columns import ColumnDrift, DriftDataError
from incidents.drift.findings import DriftFinding, Metric
from incidents.drift.health import ConfidenceHealth, PerformanceHealth, PredictionHealth
from incidents.drift.report import DriftReport, ModelHealth, analyse_drift
from incidents.drift.settings import DriftSettings

__all__ = [
    "ColumnDrift",
    "ConfidenceHealth",
    "DriftDataError",
    "DriftFinding",
    "DriftReport",
    "DriftSettings",
    "Metric",
    "ModelHealth",
    "PerformanceHealth",
    "PredictionHealth",
    "analyse_drift",
]
