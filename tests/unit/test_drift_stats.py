"""Statistics of the drift core against scipy and against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from incidents.drift import stats


@pytest.mark.parametrize(
    ("n1", "n2", "shift", "decimals"),
    [
        (50, 80, 0.0, None),  # exact mode, unequal sizes
        (1_000, 1_000, 0.1, None),
        (1_000, 1_003, 0.3, 1),  # heavy ties
        (9_000, 10_000, 0.0, None),  # last sizes in scipy's exact mode
        (20_000, 15_000, 0.0, None),  # asymptotic mode
        (20_000, 15_000, 0.03, None),  # asymptotic, p where scipy sums Smirnov's series
        (30_000, 30_000, 0.2, None),  # p below 1e-12
        (30_000, 25_000, 0.0, 0),  # integers: few distinct values
        # exact mode, every path: D rounded to 1/lcm as scipy reports it
        (1, 1, 0.0, None),
        (1, 6, 0.0, None),
        (10, 10, 1.0, None),  # equal sizes: the alternating sum
        (500, 500, 0.1, 1),  # equal sizes, ties
        (10_000, 10_000, 0.03, None),  # largest equal exact
        (10_000, 10_000, 0.5, None),  # p ~ 1e-166
        (7, 5, 0.0, None),  # unequal sizes: scipy's compiled path counter
        (300, 1_000, 0.2, None),
        (9_000, 10_000, 0.06, 2),
    ],
)
def test_ks_matches_scipy(n1: int, n2: int, shift: float, decimals: int | None) -> None:
    rng = np.random.default_rng(n1 + n2)
    ref = rng.normal(size=n1)
    cur = rng.normal(loc=shift, size=n2)
    if decimals is not None:
        ref, cur = np.round(ref, decimals), np.round(cur, decimals)
    expected = sps.ks_2samp(ref, cur)
    got = stats.ks_test(ref, cur)
    assert got.statistic == float(expected.statistic)
    assert abs(got.p_value - float(expected.pvalue)) <= 1e-12


def test_ks_band_where_scipy_sums_smirnov_matches() -> None:
    # D with 2.2 ≤ n·D² < 14.5: p between ~1e-12 and 0.025, Smirnov's exact sum.
    rng = np.random.default_rng(7)
    ref = rng.normal(size=20_000)
    cur = rng.normal(loc=0.04, size=20_000)
    expected = sps.ks_2samp(ref, cur)
    assert 1e-12 < expected.pvalue < 0.025
    assert stats.ks_test(ref, cur).p_value == pytest.approx(float(expected.pvalue), rel=1e-12)


@pytest.mark.parametrize(("n1", "n2"), [(300, 500), (20_000, 12_000)])
def test_wasserstein_matches_scipy(n1: int, n2: int) -> None:
    rng = np.random.default_rng(3)
    ref = np.sort(rng.normal(size=n1))
    cur = np.sort(rng.gamma(2.0, size=n2))
    got = stats.compare_sorted(ref, cur).wasserstein
    assert got == pytest.approx(sps.wasserstein_distance(ref, cur), rel=1e-12)


def test_wasserstein_by_hand() -> None:
    # Every value moves up by one: the distance is 1.
    ref = np.array([0.0, 1.0, 2.0, 3.0])
    assert stats.compare_sorted(ref, ref + 1).wasserstein == pytest.approx(1.0)
    # F_ref = 1/2 and F_cur = 2/3 on [0, 1): area |1/2 − 2/3| · 1 = 1/6.
    got = stats.compare_sorted(np.array([0.0, 1.0]), np.array([0.0, 0.0, 1.0]))
    assert got.wasserstein == pytest.approx(1 / 6)
    # Normalised by the reference's standard deviation, sqrt(1.25) for 0..3.
    assert stats.normalised_wasserstein(1.0, float(np.std(ref))) == pytest.approx(
        1 / math.sqrt(1.25)
    )
    assert stats.normalised_wasserstein(0.5, 0.0) == math.inf
    assert stats.normalised_wasserstein(0.0, 0.0) == 0.0


def test_psi_numeric_by_hand() -> None:
    # Reference deciles of 1..10 put one reference value in each of the 10 bins.
    ref = np.arange(1.0, 11.0)
    np.testing.assert_allclose(
        stats.quantile_edges(ref, 10), [1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1]
    )
    cur = np.sort(np.array([1.0, 1, 1, 1, 1, 2, 3, 4, 5, 6]))
    np.testing.assert_allclose(
        stats.binned_shares(cur, stats.quantile_edges(ref, 10)),
        [0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0, 0, 0, 0],
    )
    # Bin 1: 0.1 → 0.5; bins 2–6 unchanged; bins 7–10: 0.1 → 0 clipped to 1e-4.
    expected = 0.4 * math.log(5) + 4 * (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert stats.psi_numeric(ref, cur) == pytest.approx(expected, rel=1e-12)
    assert stats.psi_numeric(ref, ref) == 0.0


def test_psi_discrete_values_merge_bins() -> None:
    # 55% of the reference is 0: the first five deciles collapse into one bin (-inf, 0].
    ref = np.sort(np.array([0.0] * 55 + list(range(1, 46))))
    edges = stats.quantile_edges(ref, 10)
    assert edges[0] == 0.0
    assert len(edges) == 5
    assert stats.binned_shares(ref, edges)[0] == pytest.approx(0.55)


def test_psi_categorical_by_hand() -> None:
    ref = np.array([0.5, 0.5, 0.0])
    cur = np.array([0.4, 0.4, 0.2])
    expected = 2 * (0.4 - 0.5) * math.log(0.4 / 0.5) + (0.2 - 1e-4) * math.log(0.2 / 1e-4)
    assert stats.psi_from_shares(ref, cur) == pytest.approx(expected, rel=1e-12)


def test_psi_bands() -> None:
    assert stats.psi_band(0.0999) == "none"
    assert stats.psi_band(0.1) == "moderate"
    assert stats.psi_band(0.2499) == "moderate"
    assert stats.psi_band(0.25) == "major"
    assert stats.psi_band(None) is None


def test_chi_square_by_hand() -> None:
    # Rows 100/100, columns 80/120: expected 40 and 60 in each row.
    res = stats.chi_square(np.array([50, 50]), np.array([30, 70]))
    expected = 2 * (10**2 / 40 + 10**2 / 60)
    assert res.statistic == pytest.approx(expected, rel=1e-12)
    assert res.dof == 1
    # One degree of freedom: P(chi2 > x) = erfc(sqrt(x / 2)).
    assert res.p_value == pytest.approx(math.erfc(math.sqrt(expected / 2)), rel=1e-9)


def test_chi_square_category_unseen_in_reference() -> None:
    # Column totals 20, 30, 10 of 60; each row holds 30 → expected 10, 15, 5.
    res = stats.chi_square(np.array([10, 20, 0]), np.array([10, 10, 10]))
    observed = np.array([[10, 20, 0], [10, 10, 10]])
    expected_counts = np.array([[10, 15, 5], [10, 15, 5]])
    expected = float(((observed - expected_counts) ** 2 / expected_counts).sum())
    assert res.statistic == pytest.approx(expected)
    assert res.dof == 2
    assert res.p_value == pytest.approx(math.exp(-expected / 2), rel=1e-9)  # df 2


def test_chi_square_single_category_is_no_evidence() -> None:
    res = stats.chi_square(np.array([5, 0]), np.array([7, 0]))
    assert (res.statistic, res.p_value) == (0.0, 1.0)


def test_benjamini_hochberg_by_hand() -> None:
    # Ranked 0.005, 0.01, 0.03, 0.04 → p·m/rank 0.02, 0.02, 0.04, 0.04.
    got = stats.bh_adjust([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(got, [0.02, 0.04, 0.04, 0.02])
    assert stats.bh_adjust([]).size == 0


def test_two_proportion_by_hand() -> None:
    pooled_se = math.sqrt(0.4 * 0.6 * (1 / 100 + 1 / 100))
    expected = math.erfc((0.2 / pooled_se) / math.sqrt(2))
    assert stats.two_proportion_p(50, 100, 30, 100) == pytest.approx(expected)
    assert stats.two_proportion_p(0, 0, 3, 10) == 1.0


def test_ks_tiny_p_values_are_scipys_not_zero() -> None:
    rng = np.random.default_rng(11)
    ref, cur = rng.normal(size=30_000), rng.normal(loc=0.1, size=30_000)
    expected = float(sps.ks_2samp(ref, cur).pvalue)
    got = stats.ks_test(ref, cur).p_value
    assert 0 < expected < 1e-12
    assert got == pytest.approx(expected, rel=1e-11)


def test_distinct_sorted_is_np_unique() -> None:
    rng = np.random.default_rng(22)
    numbers = np.round(rng.normal(size=500), 1)
    labels = rng.choice(np.array(["b", "a", "c", "a b"]), size=50)
    for values in (numbers, labels, numbers[:1], numbers[:0]):
        np.testing.assert_array_equal(stats.distinct_sorted(values), np.unique(values))


def test_sorted_quantiles_match_numpy() -> None:
    rng = np.random.default_rng(21)
    values = np.sort(np.round(rng.normal(size=1_001), 2))
    probs = np.arange(1, 10) / 10
    np.testing.assert_array_equal(stats.sorted_quantiles(values, probs), np.quantile(values, probs))


# --- the same numbers as SciPy, without SciPy (more in test_drift_pvalues.py) ------


@pytest.mark.parametrize("n", [141, 500, 5_000, 50_000, 100_000, 100_001, 250_000])
def test_kstwo_sf_matches_scipy_on_every_branch(n: int) -> None:
    # x from "p = 1" through the Durbin matrix, Pelz–Good, Smirnov's sum and 0.
    from incidents.drift.kolmogorov import kstwo_sf

    xs = np.concatenate((
        [0.4 / n, 0.7 / n, 1.0 / n, 1.5 / n],
        np.geomspace(2.0 / n, 0.999, 30),
        np.sqrt(np.array([0.1, 0.5, 0.754, 1.0, 2.19, 2.21, 10.0, 369.0, 371.0]) / n),
        [(n - 0.5) / n, 0.5, 0.75],
    ))
    for x in xs[(xs > 0) & (xs < 1)]:
        expected = float(sps.kstwo.sf(x, n))
        got = kstwo_sf(float(x), n)
        assert abs(got - expected) <= 1e-12, (n, x, got, expected)


@pytest.mark.parametrize(
    ("n1", "n2", "shift", "decimals"),
    [
        (7, 5, 0.0, None),  # exact, tiny
        (200, 200, 0.5, None),  # exact, equal sizes
        (3_000, 2_999, 0.05, 1),  # exact, tied
        (10_001, 150, 0.0, None),  # asymptotic with en ≤ 140: Pomeranz's recursion
        (12_000, 400, 0.3, None),  # asymptotic, small en, Durbin matrix region
        (200_000, 150_000, 0.0, None),  # asymptotic, Pelz–Good (en > 100,000)
        (200_000, 150_000, 0.01, 2),  # asymptotic, tied
        (50_000, 60_000, 0.02, None),  # asymptotic, Smirnov's sum
    ],
)
def test_ks_two_sided_matches_scipy_to_1e_9(n1, n2, shift, decimals) -> None:
    rng = np.random.default_rng(n1 * 7 + n2)
    ref = rng.standard_t(5, size=n1)
    cur = rng.standard_t(5, size=n2) + shift
    if decimals is not None:
        ref, cur = np.round(ref, decimals), np.round(cur, decimals)
    expected = sps.ks_2samp(ref, cur)
    got = stats.ks_test(ref, cur)
    assert got.statistic == float(expected.statistic)
    assert abs(got.p_value - float(expected.pvalue)) <= 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_chi_square_matches_scipy_contingency(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 30))
    ref = rng.integers(0, 500, size=k)
    cur = rng.integers(0, 5000, size=k)
    ref[0] += 1
    cur[-1] += 1
    expected = sps.chi2_contingency(np.vstack((ref, cur)), correction=False)
    got = stats.chi_square(ref, cur)
    assert got.statistic == pytest.approx(float(expected.statistic), rel=1e-12)
    assert abs(got.p_value - float(expected.pvalue)) <= 1e-12
    assert got.dof == int(expected.dof)


@pytest.mark.parametrize("seed", range(4))
def test_benjamini_hochberg_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ps = np.concatenate((rng.random(30) ** 3, [0.0, 1.0, 0.5, 0.5]))
    np.testing.assert_allclose(
        stats.bh_adjust(ps), sps.false_discovery_control(ps, method="bh"), rtol=1e-14
    )


def test_two_proportion_matches_scipy_normal() -> None:
    k1, n1, k2, n2 = 40, 1000, 75, 1200
    pooled = (k1 + k2) / (n1 + n2)
    z = (k1 / n1 - k2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert stats.two_proportion_p(k1, n1, k2, n2) == pytest.approx(
        2 * float(sps.norm.sf(abs(z))), rel=1e-14
    )
