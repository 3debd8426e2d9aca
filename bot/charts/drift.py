"""A PNG of reference vs current distributions of the features that drifted most.

Drawn with matplotlib's object API on the Agg canvas, never pyplot: no global figure
state, no display, nothing to configure on a headless server. Called from a worker
thread; a lock serialises drawing, since matplotlib's text and font caches are shared
and not thread-safe.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping

import numpy as np

from incidents.drift import ColumnDrift, DriftReport
from incidents.drift.columns import category_counts, missing_mask

MAX_PANELS = 4
BINS = 30
MAX_CATEGORIES = 8
REFERENCE_COLOUR = "#7f8c9a"
CURRENT_COLOUR = "#e4572e"
_LOCK = threading.Lock()


def chart_columns(report: DriftReport, limit: int = MAX_PANELS) -> list[ColumnDrift]:
    """The features to draw: drifted ones by effect size, then the largest other shifts,
    so a report without drift still shows what moved most."""
    return [c for c in report.ranked_columns() if c.statistic is not None][:limit]


def drift_chart(
    report: DriftReport,
    reference: Mapping[str, np.ndarray],
    current: Mapping[str, np.ndarray],
    *,
    title: str,
) -> bytes | None:
    """PNG bytes, or None when no feature could be compared (nothing to draw)."""
    columns = chart_columns(report)
    if not columns:
        return None
    # Imported here: matplotlib takes a moment to load, and only this needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _LOCK:
        cols = 1 if len(columns) == 1 else 2
        rows = -(-len(columns) // cols)
        figure = Figure(figsize=(5.2 * cols, 3.3 * rows + 0.6), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(title, fontsize=12, fontweight="bold")
        axes = np.atleast_1d(figure.subplots(rows, cols, squeeze=False)).ravel()
        for ax, column in zip(axes, columns, strict=False):
            ref, cur = reference[column.column], current[column.column]
            if column.kind == "numeric":
                _numeric(ax, ref, cur)
            else:
                _categorical(ax, ref, cur)
            ax.set_title(_panel_title(column), fontsize=10, loc="left")
            ax.tick_params(labelsize=8)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        for ax in axes[len(columns):]:
            ax.set_visible(False)
        axes[0].legend(fontsize=8, frameon=False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _panel_title(column: ColumnDrift) -> str:
    stat = column.statistic
    test = f"KS {stat:.2f}" if column.test == "ks" else f"χ² {stat:,.0f}"
    psi = "" if column.psi is None else f"PSI {column.psi:.2f} · "
    verdict = "DRIFT" if column.drifted else column.verdict
    line = f"{column.column}: {verdict}\n{psi}{test}"
    if column.null_rate_current != column.null_rate_reference:
        line += (f" · missing {100 * column.null_rate_reference:.1f}% → "
                 f"{100 * column.null_rate_current:.1f}%")
    return line


def _numeric(ax, ref: np.ndarray, cur: np.ndarray) -> None:
    ref = _present(ref)
    cur = _present(cur)
    both = np.concatenate((ref, cur))
    # The middle 99% sets the range: one extreme amount would squash everything else.
    low = float(np.quantile(both, 0.005, method="lower"))  # actual values: on any grid
    high = float(np.quantile(both, 0.995, method="higher"))
    edges = _edges(both[(both >= low) & (both <= high)], low, high)
    weights_ref = np.full(ref.size, 1 / ref.size)
    weights_cur = np.full(cur.size, 1 / cur.size)
    ax.hist(np.clip(ref, low, high), bins=edges, weights=weights_ref, color=REFERENCE_COLOUR,
            alpha=0.55, label=f"reference ({ref.size:,})")
    ax.hist(np.clip(cur, low, high), bins=edges, weights=weights_cur, histtype="step",
            linewidth=2, color=CURRENT_COLOUR, label=f"current ({cur.size:,})")
    ax.set_ylabel("share of rows", fontsize=8)


def _edges(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Bin edges; values on a grid (whole hours, temperatures to 0.1°) get edges between
    grid points, since bins cutting through a grid draw a comb of empty and full bars."""
    if low == high:
        return np.array([low - 0.5, high + 0.5])
    distinct = np.unique(values)
    if 1 < distinct.size <= 8 * BINS:
        step = float(np.min(np.diff(distinct)))
        count = round((high - low) / step)
        if np.allclose((distinct - low) / step, np.round((distinct - low) / step), atol=1e-6):
            per_bin = -(-count // BINS) if count >= BINS else 1
            return low - step / 2 + np.arange(0, count + per_bin + 1, per_bin) * step
    return np.linspace(low, high, BINS + 1)


def _categorical(ax, ref: np.ndarray, cur: np.ndarray) -> None:
    ref_shares = _shares(ref)
    cur_shares = _shares(cur)
    labels = sorted(set(ref_shares) | set(cur_shares),
                    key=lambda k: -max(ref_shares.get(k, 0.0), cur_shares.get(k, 0.0)))
    shown = labels[:MAX_CATEGORIES]
    positions = np.arange(len(shown))
    height = 0.4
    ax.barh(positions - height / 2, [ref_shares.get(k, 0.0) for k in shown], height,
            color=REFERENCE_COLOUR, alpha=0.7, label=f"reference ({ref.size:,})")
    ax.barh(positions + height / 2, [cur_shares.get(k, 0.0) for k in shown], height,
            color=CURRENT_COLOUR, label=f"current ({cur.size:,})")
    ax.set_yticks(positions, [_short(k) for k in shown])
    ax.invert_yaxis()
    ax.set_xlabel("share of rows", fontsize=8)


def _present(values: np.ndarray) -> np.ndarray:
    values = values if values.dtype.kind in "iuf" else np.asarray([], dtype=float)
    values = values.astype(np.float64, copy=False)
    return values[np.isfinite(values)]


def _shares(values: np.ndarray) -> dict[str, float]:
    """Category shares of all rows, missing values shown as a category of their own:
    a feed that stops filling a field is what a chart should make obvious."""
    if values.size == 0:
        return {}
    missing = missing_mask(values)
    labels, counts = category_counts(values[~missing])
    shares = {str(label): count / values.size for label, count in zip(labels, counts,
                                                                       strict=True)}
    if missing.any():
        shares["(missing)"] = float(missing.mean())
    return shares


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
