"""Dataset drift analysis: per-column verdicts, dataset verdict, model health, findings."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from incidents.drift import stats
from incidents.drift.columns import (
    CATEGORICAL,
    NUMERIC,
    ColumnDrift,
    DriftDataError,
    Kind,
    classify,
    compare_categorical,
    compare_numeric,
    describe_kind,
    judge,
)
from incidents.drift.findings import (
    DriftFinding,
    Metric,
    column_finding,
    confidence_finding,
    performance_finding,
    plain,
    prediction_finding,
)
from incidents.drift.health import (
    ConfidenceHealth,
    PerformanceHealth,
    PredictionHealth,
    confidence_health,
    performance_health,
    prediction_health,
)
from incidents.drift.identifiers import identifier_reason
from incidents.drift.settings import DriftSettings
from incidents.drift.text import CodedText

# Each busy column holds a few arrays twice the size of both samples; more threads than
# this buys little on NumPy's memory-bound merges and multiplies peak memory.
MAX_WORKERS = 4
PARALLEL_MIN_VALUES = 1_000_000



@dataclass(frozen=True)
class ModelHealth:
    prediction: PredictionHealth | None = None
    confidence: ConfidenceHealth | None = None
    performance: PerformanceHealth | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriftReport:
    """`verdict` is the one answer, the one the CLI's exit code gives: "drift" when
    anything was found (`findings()`: a drifted column, shifted predictions, falling
    confidence or performance, a column gone), else "no drift", or "insufficient data"
    when there were too few rows to judge. `dataset_drift` says whether so many columns
    drifted (`settings.dataset_drift_share`) that the data as a whole moved — one of
    the findings, not a second verdict.
    """

    reference_rows: int
    current_rows: int
    dataset_drift: bool
    drifted_share: float | None
    columns: tuple[ColumnDrift, ...]
    model_health: ModelHealth
    only_in_reference: tuple[str, ...] = ()
    only_in_current: tuple[str, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)
    settings: DriftSettings = field(default_factory=DriftSettings)

    @property
    def drifted_columns(self) -> tuple[ColumnDrift, ...]:
        return tuple(c for c in self.columns if c.drifted)

    @property
    def judged_columns(self) -> tuple[ColumnDrift, ...]:
        return tuple(c for c in self.columns if c.verdict != "insufficient data")

    @property
    def drift_found(self) -> bool:
        """Anything worth an alert: a drifted column, shifted predictions, lower
        confidence or performance, or a column the current data lost."""
        return bool(self.findings())

    @property
    def verdict(self) -> str:
        """"drift" | "no drift" | "insufficient data" (see the class)."""
        if self.drift_found:
            return "drift"
        if self.drifted_share is None:
            return "insufficient data"
        return "no drift"

    def ranked_columns(self) -> list[ColumnDrift]:
        """Drifted columns first, then by effect size, largest first."""
        return sorted(self.columns, key=lambda c: (not c.drifted, -c.effect_size, c.column))

    def findings(self) -> list[DriftFinding]:
        """Findings in the shape of alerts, with a metric for the severity policy."""
        found = [column_finding(c, self.settings) for c in self.ranked_columns() if c.drifted]
        if self.dataset_drift and self.drifted_share is not None:
            found.insert(
                0,
                DriftFinding(
                    signal="feature_distribution",
                    metric=Metric(
                        "drifted_column_share",
                        self.drifted_share,
                        0.0,
                        self.settings.dataset_drift_share,
                    ),
                    summary=(
                        f"dataset drift: {len(self.drifted_columns)} of "
                        f"{len(self.judged_columns)} features drifted"
                    ),
                ),
            )
        health = self.model_health
        if health.prediction is not None and health.prediction.shifted:
            found.append(prediction_finding(health.prediction, self.settings))
        if health.confidence is not None and health.confidence.degraded:
            found.append(confidence_finding(health.confidence, self.settings))
        if health.performance is not None and health.performance.degraded:
            found.append(performance_finding(health.performance, self.settings))
        if self.only_in_reference:
            found.append(
                DriftFinding(
                    signal="pipeline",
                    metric=Metric("missing_columns", float(len(self.only_in_reference)), 0.0, 1.0),
                    summary="columns missing from current data: "
                    + ", ".join(self.only_in_reference),
                )
            )
        return found

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: plain types, non-finite floats as null, columns ranked."""
        data = plain(asdict(self))
        data["columns"] = [
            {**plain(asdict(c)), "drifted": c.drifted, "effect_size": _finite(c.effect_size)}
            for c in self.ranked_columns()
        ]
        data["verdict"] = self.verdict
        data["drift_found"] = self.drift_found
        data["signals"] = [f.to_dict() for f in self.findings()]  # --json readers know this key
        return data


def analyse_drift(
    reference: Mapping[str, ArrayLike],
    current: Mapping[str, ArrayLike],
    *,
    prediction: str | None = None,
    confidence: str | None = None,
    label: str | None = None,
    exclude: Iterable[str] = (),
    settings: DriftSettings | None = None,
    workers: int | None = None,
) -> DriftReport:
    """Compare two datasets given as column name → 1-D array.

    Columns are compared on `workers` threads (default: CPU count, at most 4, for
    tables of a million values or more); NumPy releases the GIL while sorting and
    merging, which is nearly all of the work.
    Raises DriftDataError for input that cannot be compared: no shared columns, a column
    numeric in one dataset and text in the other, named columns that do not exist.
    """
    settings = settings or DriftSettings()
    ref = _as_columns(reference, "reference")
    cur = _as_columns(current, "current")
    ref_rows, cur_rows = _row_count(ref), _row_count(cur)
    shared = [name for name in ref if name in cur]
    if not shared:
        raise DriftDataError("reference and current have no columns in common")
    exclude = list(exclude)
    unknown = [name for name in exclude if name not in ref and name not in cur]
    if unknown:
        raise DriftDataError(f"excluded column {unknown[0]!r} is in neither dataset")
    for role, name in (("prediction", prediction), ("confidence", confidence)):
        if name is not None and name not in shared:
            where = "reference" if name not in ref else "current"
            raise DriftDataError(f"{role} column {name!r} is not in the {where} data")
    if label is not None and prediction is None:
        raise DriftDataError("a label column needs a prediction column to score against")
    if label is not None and label not in ref and label not in cur:
        raise DriftDataError(f"label column {label!r} is in neither dataset")

    model_columns = {c for c in (prediction, confidence, label) if c is not None}
    ignored = model_columns | set(exclude)
    features = [c for c in shared if c not in ignored]
    identifiers = {c: why for c in features if (why := identifier_reason(c, ref[c]))}
    features = [c for c in features if c not in identifiers]
    ignored |= set(identifiers)
    kinds, skipped = _feature_kinds(features, ref, cur)
    skipped = {**identifiers, **skipped}
    enough = min(ref_rows, cur_rows) >= settings.min_rows

    raw = _compare_all(kinds, ref, cur, settings, workers)
    tested = [
        i
        for i, c in enumerate(raw)
        if c.p_value is not None and min(c.n_reference, c.n_current) >= settings.min_rows
    ]
    adjusted: list[float | None] = [None] * len(raw)
    for i, p in zip(tested, stats.bh_adjust([raw[i].p_value for i in tested]), strict=True):
        adjusted[i] = float(p)
    columns = tuple(
        judge(c, p=adjusted[i], enough_rows=enough, settings=settings) for i, c in enumerate(raw)
    )
    dataset_drift, share = _dataset_verdict(columns, enough, settings)
    return DriftReport(
        reference_rows=ref_rows,
        current_rows=cur_rows,
        dataset_drift=dataset_drift,
        drifted_share=share,
        columns=columns,
        model_health=_model_health(ref, cur, prediction, confidence, label, enough, settings),
        # Labels often arrive later than features; a missing label column is no outage.
        only_in_reference=tuple(c for c in ref if c not in cur and c not in ignored),
        only_in_current=tuple(c for c in cur if c not in ref and c not in ignored),
        skipped=skipped,
        settings=settings,
    )


def _as_columns(data: Mapping[str, ArrayLike], which: str) -> dict[str, np.ndarray]:
    # CodedText (text read from files, with its dictionary codes) stays what it is.
    columns = {str(name): values if isinstance(values, CodedText) else np.asarray(values)
               for name, values in data.items()}
    for name, values in columns.items():
        if values.ndim != 1:
            raise DriftDataError(f"{which} column {name!r} is not one-dimensional")
    if len({v.size for v in columns.values()}) > 1:
        raise DriftDataError(f"{which} columns have different lengths")
    return columns


def _row_count(columns: dict[str, np.ndarray]) -> int:
    return next(iter(columns.values())).size if columns else 0


def _feature_kinds(
    features: list[str], ref: dict[str, np.ndarray], cur: dict[str, np.ndarray]
) -> tuple[dict[str, Kind], dict[str, str]]:
    """The kind each shared feature is compared as; unsupported types are skipped."""
    kinds: dict[str, Kind] = {}
    skipped: dict[str, str] = {}
    for name in features:
        kind_ref, kind_cur = classify(ref[name]), classify(cur[name])
        if "unsupported" in (kind_ref, kind_cur):
            dtypes = f"{ref[name].dtype} / {cur[name].dtype}"
            skipped[name] = f"unsupported type ({dtypes})"
            continue
        kinds[name] = _common_kind(name, kind_ref, kind_cur, ref[name], cur[name])
    return kinds, skipped


def _common_kind(
    name: str, kind_ref: Kind, kind_cur: Kind, ref: np.ndarray, cur: np.ndarray
) -> Kind:
    if kind_ref == "empty":
        return kind_cur if kind_cur != "empty" else CATEGORICAL
    if kind_cur in ("empty", kind_ref):
        return kind_ref
    raise DriftDataError(
        f"column {name!r} is {describe_kind(ref, kind_ref)} in reference "
        f"but {describe_kind(cur, kind_cur)} in current"
    )


def _compare(
    name: str, kind: Kind, ref: np.ndarray, cur: np.ndarray, settings: DriftSettings
) -> ColumnDrift:
    if kind == NUMERIC:
        # A column with no values at all arrives as objects (None); as floats it is NaN.
        ref = ref if ref.dtype.kind in "iuf" else np.full(ref.size, np.nan)
        cur = cur if cur.dtype.kind in "iuf" else np.full(cur.size, np.nan)
        return compare_numeric(name, ref, cur, bins=settings.psi_bins, floor=settings.psi_floor)
    return compare_categorical(name, ref, cur, floor=settings.psi_floor)


def _compare_all(
    kinds: dict[str, Kind],
    ref: dict[str, np.ndarray],
    cur: dict[str, np.ndarray],
    settings: DriftSettings,
    workers: int | None,
) -> list[ColumnDrift]:
    names = list(kinds)
    if workers is None:
        size = sum(ref[n].size + cur[n].size for n in names)
        # Thread start-up costs more than it saves on small tables.
        workers = min(os.cpu_count() or 1, MAX_WORKERS) if size >= PARALLEL_MIN_VALUES else 1
    workers = min(workers, len(names) or 1)

    def one(name: str) -> ColumnDrift:
        return _compare(name, kinds[name], ref[name], cur[name], settings)

    if workers <= 1:
        return [one(name) for name in names]
    # Categorical columns first: counting labels holds the GIL, while the numeric columns
    # queued after them sort and merge without it, so the two kinds overlap.
    queue = sorted(names, key=lambda n: kinds[n] == NUMERIC)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = dict(zip(queue, pool.map(one, queue), strict=True))
    return [done[name] for name in names]


def _dataset_verdict(
    columns: tuple[ColumnDrift, ...], enough: bool, settings: DriftSettings
) -> tuple[bool, float | None]:
    """Whether the data as a whole drifted, and the share of judged columns that did
    (None: nothing could be judged)."""
    judged = [c for c in columns if c.verdict != "insufficient data"]
    if not enough or not judged:
        return False, None
    share = sum(c.drifted for c in judged) / len(judged)
    return share >= settings.dataset_drift_share, share


def _model_health(
    ref: dict[str, np.ndarray],
    cur: dict[str, np.ndarray],
    prediction: str | None,
    confidence: str | None,
    label: str | None,
    enough: bool,
    settings: DriftSettings,
) -> ModelHealth:
    notes: list[str] = []
    pred = conf = perf = None
    if prediction is not None:
        _common_kind(
            prediction,
            classify(ref[prediction]),
            classify(cur[prediction]),
            ref[prediction],
            cur[prediction],
        )
        pred = prediction_health(
            prediction, ref[prediction], cur[prediction], enough_rows=enough, settings=settings
        )
    if confidence is not None:
        for which, values in (("reference", ref[confidence]), ("current", cur[confidence])):
            if classify(values) not in (NUMERIC, "empty"):
                raise DriftDataError(f"confidence column {confidence!r} is not numeric in {which}")
        conf = confidence_health(
            confidence,
            _floats(ref[confidence]),
            _floats(cur[confidence]),
            enough_rows=enough,
            settings=settings,
        )
    if label is not None and prediction is not None:
        if label not in ref or label not in cur:
            where = "reference" if label not in ref else "current"
            notes.append(
                f"label column {label!r} is missing from {where}; performance not compared"
            )
        else:
            perf = performance_health(
                label,
                prediction,
                ref_pred=ref[prediction],
                ref_label=ref[label],
                cur_pred=cur[prediction],
                cur_label=cur[label],
                settings=settings,
            )
    return ModelHealth(prediction=pred, confidence=conf, performance=perf, notes=tuple(notes))


def _floats(values: np.ndarray) -> np.ndarray:
    return values if values.dtype.kind in "iuf" else np.full(values.size, np.nan)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
