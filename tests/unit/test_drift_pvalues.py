"""The drift core's own p-value routines against SciPy's, branch by branch.

A drift run imports no SciPy (README, "Performance"), so every distribution it needs is
ported (incidents/drift/smirnov.py, kolmogorov.py, ks_exact.py, chi2.py); SciPy is the
reference they are held to here.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import special as sps_special
from scipy import stats as sps

from incidents.drift import ks_exact, stats
from incidents.drift.chi2 import chi2_sf, normal_sf
from incidents.drift.kolmogorov import kstwo_sf
from incidents.drift.smirnov import smirnov


def grid(n: int) -> np.ndarray:
    """x across every branch: below 1/2n, Ruben–Gambino edges, n·x² at each cut-off
    (0.754693, 2.2, 4, 370), x ≥ 0.5, and near 1 − 1/n."""
    xs = np.concatenate((
        [0.4 / n, 0.7 / n, 1.0 / n, 1.5 / n, 2.0 / n],
        np.geomspace(2.0 / n, 0.999, 40),
        np.sqrt(np.array([0.1, 0.5, 0.754, 0.76, 1.0, 2.19, 2.21, 3.9, 4.1, 10.0, 100.0,
                          369.0, 371.0, 800.0]) / n),
        [0.5, 0.55, 0.75, (n - 1.5) / n, (n - 0.5) / n],
    ))
    return xs[(xs > 0) & (xs < 1)]


@pytest.mark.parametrize("n", [2, 3, 7, 10, 50, 100, 139, 140, 141, 1_000, 20_000,
                               500_000, 1_000_000, 1_000_001])
def test_smirnov_matches_scipy(n: int) -> None:
    xs = grid(n)
    if n >= 100_000:  # scipy takes up to a second per value there: a few in each branch
        xs = np.concatenate(([1.0 / n, 1.5 / n, 0.5, (n - 0.5) / n],
                             np.sqrt(np.array([0.5, 2.21, 30.0, 369.0, 371.0]) / n)))
    for x in xs:
        expected = float(sps_special.smirnov(n, x))
        got = smirnov(n, float(x))
        assert abs(got - expected) <= 1e-13, (n, x, got, expected)
        if expected > 1e-250:
            assert got == pytest.approx(expected, rel=1e-11), (n, x)


def test_smirnov_edges() -> None:
    assert smirnov(1, 0.3) == pytest.approx(0.7)
    assert smirnov(5, 0.0) == 1.0 and smirnov(5, 1.0) == 0.0
    assert math.isnan(smirnov(5, 1.5)) and math.isnan(smirnov(0, 0.5))


@pytest.mark.parametrize("n", [1, 2, 5, 10, 31, 80, 139, 140])
def test_kstwo_sf_for_small_n_matches_scipy(n: int) -> None:
    # n ≤ 140: products, the Durbin matrix, Pomeranz's recursion, Miller's 2·smirnov.
    for x in grid(n):
        expected = float(sps.kstwo.sf(x, n))
        got = kstwo_sf(float(x), n)
        assert abs(got - expected) <= 1e-12, (n, x, got, expected)


def test_kstwo_sf_large_n_in_smirnovs_band_is_fast_and_equal() -> None:
    # Two samples of a million values: n = 500,000, where scipy sums 400,000 terms in
    # double-double arithmetic (~0.4 s); the NumPy sum must agree and not take longer
    # than a few tens of milliseconds on a busy machine.
    import time

    n = 500_000
    for nx2 in (2.3, 14.0, 300.0):
        x = math.sqrt(nx2 / n)
        start = time.perf_counter()
        got = kstwo_sf(x, n)
        elapsed = time.perf_counter() - start
        assert got == pytest.approx(float(sps.kstwo.sf(x, n)), rel=1e-11, abs=1e-300)
        assert elapsed < 0.25


def test_exact_p_asks_scipy_when_its_path_counter_is_missing(monkeypatch) -> None:
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(size=400), rng.normal(0.1, size=700)
    found = stats.ks_test(ref, cur)
    assert ks_exact.exact_p_value(found.statistic, 400, 700) is not None
    monkeypatch.setattr(ks_exact, "_kernel", [None])
    assert ks_exact.exact_p_value(found.statistic, 400, 700) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fallback itself warns nothing
        fallback = stats.ks_test(ref, cur)
    assert fallback == found


def test_the_path_counter_is_scipys_own() -> None:
    kernel = ks_exact._inside_method()
    assert kernel is not None
    from scipy.stats import _stats_py

    assert kernel(9_000, 10_000, 1_000, 1_800) == _stats_py._compute_outer_prob_inside_method(
        9_000, 10_000, 1_000, 1_800)


@pytest.mark.parametrize("dof", [*range(1, 41), 99, 100, 101, 999, 1_000, 4_999, 10_000])
def test_chi2_sf_matches_scipy(dof: int) -> None:
    xs = np.concatenate((np.geomspace(1e-6, 1e5, 120), dof * np.linspace(0.3, 2.0, 35)))
    for x in xs:
        expected = float(sps_special.chdtrc(dof, x))
        got = chi2_sf(dof, float(x))
        if expected > 1e-30:
            # SciPy's own value is off by up to 6e-13 relative here (against 40-digit
            # mpmath), ours by 4e-14; 1e-12 leaves room for both.
            assert got == pytest.approx(expected, rel=1e-12), (dof, x)
        else:
            assert got == pytest.approx(expected, rel=1e-10, abs=1e-300), (dof, x)


def test_chi2_sf_edges() -> None:
    assert chi2_sf(3, 0.0) == 1.0 and chi2_sf(3, -1.0) == 1.0
    assert chi2_sf(3, math.inf) == 0.0
    assert math.isnan(chi2_sf(3, math.nan))
    assert chi2_sf(2, 10.0) == pytest.approx(math.exp(-5.0), rel=1e-15)
    with pytest.raises(ValueError):
        chi2_sf(0, 1.0)


def test_normal_sf_matches_scipy() -> None:
    for z in np.linspace(-9, 38, 941):
        assert normal_sf(float(z)) == pytest.approx(float(sps_special.ndtr(-z)), rel=4e-15)
