"""Two-sample statistics for drift detection: KS, PSI, chi-square, Wasserstein, BH.

Numeric helpers take *sorted*, NaN-free float arrays so that one sort per sample serves
the KS test, the Wasserstein distance and the PSI bins together; at a million rows the
sorts and merges dominate the run time, and scipy's own functions would sort again each.

p-values equal SciPy's (`ks_2samp`, `chi2_contingency`, `norm.sf`) but are computed by
this package's ports of SciPy's own routines (kolmogorov.py, smirnov.py, ks_exact.py,
chi2.py): importing `scipy.stats` takes about half a second and `scipy.special` a fifth
of that, while a whole `incidentbot drift` run on 100,000 rows takes about as long
(README, "Performance"). SciPy remains the reference the tests pin these to.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from incidents.drift.chi2 import chi2_sf, normal_sf
from incidents.drift.kolmogorov import kstwo_sf
from incidents.drift.ks_exact import KS_EXACT_MAX_N, exact_p_value

__all__ = ["KS_EXACT_MAX_N"]

PSI_FLOOR = 1e-4
PSI_MODERATE = 0.1
PSI_MAJOR = 0.25


@dataclass(frozen=True)
class KsResult:
    statistic: float
    p_value: float


@dataclass(frozen=True)
class SortedComparison:
    """KS statistic, p-value and Wasserstein distance of two sorted samples."""

    ks_statistic: float
    ks_p_value: float
    wasserstein: float


def compare_sorted(ref: np.ndarray, cur: np.ndarray) -> SortedComparison:
    """KS test and Wasserstein distance from two sorted, finite, non-empty samples.

    Both come from one merge of the samples: the empirical CDFs are cumulative counts
    along the merged order. The KS statistic is bit-identical to
    ``scipy.stats.ks_2samp(ref, cur)``'s (same integer counts, same divisions) and its
    p-value equal to within 1e-12 (the same routines, ported: kolmogorov.py,
    ks_exact.py); the Wasserstein distance equals
    ``scipy.stats.wasserstein_distance(ref, cur)`` up to summation rounding.
    """
    ref = np.asarray(ref, dtype=np.float64)
    cur = np.asarray(cur, dtype=np.float64)
    n1, n2 = ref.size, cur.size
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    # At a million rows every temporary is 16 MB; buffers are reused (out=) because
    # fresh ones cost page faults, and BLAS (np.dot) is avoided because its spinning
    # threads compete with the column threads. Counts are int32 (half the memory
    # traffic of int64; a column has far fewer than 2³¹ values).
    merged = np.concatenate((ref, cur))
    # Timsort (kind="stable") finds the two sorted runs and merges them in linear time.
    order = np.argsort(merged, kind="stable")
    values = merged[order]
    from_ref = order < n1
    del order
    counts = np.cumsum(from_ref, dtype=np.int32)  # reference values so far
    del from_ref
    cdf_diff = counts / n1
    # Current values counted so far: the position (1-based) minus the reference ones.
    np.subtract(np.arange(1, counts.size + 1, dtype=np.int32), counts, out=counts)
    scratch = merged  # reuse: the unsorted copy is no longer needed
    np.divide(counts, n2, out=scratch)
    cdf_diff -= scratch
    del counts
    gaps = np.subtract(values[1:], values[:-1], out=scratch[:-1])
    del values
    # Inside a run of tied values the running counts are not yet the CDF (which counts
    # every tied value); only the last position of each run is a valid evaluation point.
    # Gaps are zero there, so the Wasserstein sum needs no such mask.
    run_end = np.empty(cdf_diff.size, dtype=bool)
    np.greater(gaps, 0, out=run_end[:-1])
    run_end[-1] = True
    largest = float(np.max(cdf_diff, where=run_end, initial=-np.inf))
    smallest = float(np.min(cdf_diff, where=run_end, initial=np.inf))
    statistic = max(float(np.clip(-smallest, 0, 1)), largest)
    del run_end
    np.abs(cdf_diff, out=cdf_diff)
    np.multiply(cdf_diff[:-1], gaps, out=gaps)
    wasserstein = float(gaps.sum())
    del gaps, scratch, merged, cdf_diff
    if max(n1, n2) <= KS_EXACT_MAX_N:
        # scipy's exact mode: D rounded to a multiple of 1/lcm(n1, n2), then counted.
        exact = exact_p_value(statistic, n1, n2)
        if exact is None:  # scipy's compiled path counter not found: ask scipy
            return _scipy_ks(ref, cur, wasserstein)
        statistic, p = exact
        if p is not None:
            return SortedComparison(statistic, p, wasserstein)
        # where scipy gives the exact method up, it takes the asymptotic one
    return SortedComparison(statistic, ks_asymptotic_p(statistic, n1, n2), wasserstein)


def _scipy_ks(ref: np.ndarray, cur: np.ndarray, wasserstein: float) -> SortedComparison:
    from scipy.stats import ks_2samp

    with warnings.catch_warnings():
        # On some sizes scipy falls back from the exact distribution and says so; the
        # p-value is still the one ks_2samp returns.
        warnings.filterwarnings("ignore", message="ks_2samp: Exact calculation")
        result = ks_2samp(ref, cur)
    return SortedComparison(float(result.statistic), float(result.pvalue), wasserstein)


def ks_asymptotic_p(statistic: float, n1: int, n2: int) -> float:
    """Two-sided p-value as ks_2samp computes it in its asymptotic mode: the one-sample
    distribution at the effective size round(m·n/(m + n))."""
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = round(m * n / (m + n))
    return kstwo_sf(statistic, int(en))


def ks_test(ref: np.ndarray, cur: np.ndarray) -> KsResult:
    """Two-sample KS test of two unsorted samples (NaN-free)."""
    cmp = compare_sorted(np.sort(ref), np.sort(cur))
    return KsResult(cmp.ks_statistic, cmp.ks_p_value)


def normalised_wasserstein(distance: float, ref_std: float) -> float:
    """Wasserstein distance in units of the reference standard deviation.

    A constant reference has no scale: any movement is infinitely large (inf), none is 0.
    """
    if ref_std > 0:
        return distance / ref_std
    return 0.0 if distance == 0 else math.inf


def quantile_edges(sorted_ref: np.ndarray, bins: int) -> np.ndarray:
    """Inner bin edges at the reference quantiles 1/bins … (bins-1)/bins, deduplicated.

    Bins are right-closed: (-inf, e1], (e1, e2], …, (e_k, inf). Repeated edges (a value
    that fills several deciles) collapse, so discrete features get fewer, wider bins.
    """
    probs = np.arange(1, bins) / bins
    return distinct_sorted(sorted_quantiles(sorted_ref, probs))


def distinct_sorted(values: np.ndarray) -> np.ndarray:
    """np.unique's answer (the distinct values, ascending) without its masked-array
    check, which imports numpy.ma: 14 ms, a fortieth of a whole drift run."""
    ordered = np.sort(values)
    keep = np.empty(ordered.size, dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def sorted_quantiles(sorted_values: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """np.quantile's default (linear) method on an already sorted array, without the
    partition np.quantile would run again over a million values."""
    position = (sorted_values.size - 1) * np.asarray(probs, dtype=np.float64)
    lower = np.floor(position).astype(np.intp)
    upper = np.minimum(lower + 1, sorted_values.size - 1)
    t = position - lower
    a, b = sorted_values[lower], sorted_values[upper]
    # numpy's lerp: from the nearer end, so the result stays within [a, b].
    return np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)


def binned_shares(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of a sorted sample in each right-closed bin defined by `edges`."""
    upto = np.searchsorted(sorted_values, edges, side="right")
    counts = np.diff(np.concatenate(([0], upto, [sorted_values.size])))
    return counts / sorted_values.size


def psi_from_shares(
    ref_shares: np.ndarray, cur_shares: np.ndarray, *, floor: float = PSI_FLOOR
) -> float:
    """PSI = Σ (cur − ref) · ln(cur / ref) with shares clipped below at `floor`.

    Clipping keeps empty bins (and categories seen in only one sample) finite; shares are
    not renormalised after clipping, which is the common convention.
    """
    ref_p = np.maximum(np.asarray(ref_shares, dtype=float), floor)
    cur_p = np.maximum(np.asarray(cur_shares, dtype=float), floor)
    return float(np.sum((cur_p - ref_p) * np.log(cur_p / ref_p)))


def psi_numeric(
    sorted_ref: np.ndarray,
    sorted_cur: np.ndarray,
    *,
    bins: int = 10,
    floor: float = PSI_FLOOR,
) -> float:
    """PSI over `bins` reference-quantile bins of two sorted samples."""
    edges = quantile_edges(sorted_ref, bins)
    return psi_from_shares(
        binned_shares(sorted_ref, edges), binned_shares(sorted_cur, edges), floor=floor
    )


def psi_band(psi: float | None) -> str | None:
    """Conventional reading of a PSI value."""
    if psi is None:
        return None
    if psi < PSI_MODERATE:
        return "none"
    if psi < PSI_MAJOR:
        return "moderate"
    return "major"


@dataclass(frozen=True)
class ChiSquareResult:
    statistic: float
    p_value: float
    dof: int


def chi_square(ref_counts: np.ndarray, cur_counts: np.ndarray) -> ChiSquareResult:
    """Chi-square test of homogeneity on the 2 × k table of category counts.

    A contingency test rather than goodness-of-fit against reference shares: the
    reference is a sample too, and treating its shares as exact inflates false alarms
    when it is small. Categories seen in only one sample need no smoothing here (their
    expected counts come from the pooled total and are positive); categories absent from
    both are dropped. No Yates correction, so 2-category tables follow the same formula.
    """
    table = np.vstack((np.asarray(ref_counts, float), np.asarray(cur_counts, float)))
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return ChiSquareResult(0.0, 1.0, 0)
    # As scipy.stats.chi2_contingency(table, correction=False) computes it: expected
    # counts from the margins (its expected_freq), Pearson's sum, chi2.sf.
    expected = np.multiply(table.sum(axis=1, keepdims=True), table.sum(axis=0, keepdims=True))
    expected /= table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    dof = table.shape[1] - 1
    return ChiSquareResult(statistic, chi2_sf(dof, statistic), dof)


def bh_adjust(p_values: np.ndarray | list[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (compare with q, e.g. 0.05)."""
    ps = np.asarray(p_values, dtype=float)
    if ps.size == 0:
        return ps
    # p_(i) · m / i, made monotone from the largest p down, as
    # scipy.stats.false_discovery_control(ps, method="bh") computes it.
    order = np.argsort(ps)
    scaled = ps[order] * (ps.size / np.arange(1, ps.size + 1))
    scaled = np.minimum.accumulate(scaled[::-1])[::-1]
    adjusted = np.empty_like(scaled)
    adjusted[order] = scaled
    return np.clip(adjusted, 0, 1)


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of the pooled z-test that k1/n1 and k2/n2 share one rate."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (k1 / n1 - k2 / n2) / se
    return 2 * normal_sf(abs(z))  # scipy.stats.norm.sf(|z|)
