"""Smirnov's one-sided KS distribution, as SciPy defines it.

`smirnov(n, x)` is `scipy.special.smirnov` (SciPy 1.17, BSD-3-Clause: xsf's
cephes/kolmogorov.h, by Paul van Mulbregt — arXiv:1802.06966), with the same formulas,
branches and constants. It is here so that a drift run needs no SciPy at all:
`scipy.special` takes ~0.1–0.2 s of CPU to import, a fifth of a whole
`incidentbot drift` run on 100,000 rows (README, "Performance").

The one difference is how the Birnbaum–Tingey sum is evaluated. SciPy adds its up to
n terms one by one in double-double arithmetic (~0.4 s at n = 500,000, the effective
size of two million-row samples); here the terms are computed a block at a time with
NumPy in Loader's saddle-point form (incidents/drift/saddlepoint.py), which keeps each
term to about 1e-14 relative, and summed pairwise (~12 ms at n = 500,000).
tests/unit/test_drift_pvalues.py pins it to SciPy's.
"""

from __future__ import annotations

import math

import numpy as np

from incidents.drift.saddlepoint import log_binomial_pmf

# scipy: n above this uses the approximation e^(−(6nx+1)²/18n) instead of the sum.
SMIRNOV_MAX_COMPUTE_N = 1_000_000
# scipy: cephes' MINLOG, log of the smallest normal double; sf below e^MINLOG is 0.
_MINLOG = -7.08396418532264106224e2
_BLOCK = 32_768


def smirnov(n: int, x: float) -> float:
    """P(Dₙ⁺ ≥ x): the exact one-sided KS survival function for n values."""
    if not (n > 0 and 0.0 <= x <= 1.0):
        return math.nan
    if n == 1:
        return 1 - x
    if x == 0.0:
        return 1.0
    if x == 1.0:
        return 0.0
    # ⌊n·x⌋ and its fraction exactly (scipy does it in double-double): the number of
    # terms depends on it, and near the top every term counts for small n. A float is
    # num/2ᵏ exactly, so integer arithmetic gives both.
    num, den = float(x).as_integer_ratio()
    nx_floor, rest = divmod(n * num, den)
    alpha = rest / den
    if alpha == 1.0:  # a fraction within half an ulp of 1: scipy rounds up, as here
        nx_floor, alpha = nx_floor + 1, 0.0
    if nx_floor == 0 or (nx_floor == 1 and alpha == 0):  # x ≤ 1/n
        return min(max(1 - x * math.exp((n - 1) * math.log1p(x)), 0.0), 1.0)
    if -2 * n * x * x < _MINLOG:
        return 0.0
    if nx_floor >= n - 1:  # x ≥ 1 − 1/n
        return min(max(math.exp(n * math.log1p(-x)), 0.0), 1.0)
    if n > SMIRNOV_MAX_COMPUTE_N:
        logp = -((6.0 * n * x + 1) ** 2) / 18.0 / n
        sf = math.exp(logp) if logp < -math.log(2) else 1 + math.expm1(logp)
        return min(max(sf, 0.0), 1.0)
    # scipy switches to a sum from the top (three terms at most) when n ≥ 10 and
    # x ≤ 0.5/√n; the two-sided p-values never ask there (x ≥ 0.5 or n·x² > 2.2), and the
    # lower sum's terms are all positive, so it serves that corner too.
    return min(max(x * _lower_sum(n, x, nx_floor, alpha), 0.0), 1.0)


def _lower_sum(n: int, x: float, nx_floor: int, alpha: float) -> float:
    """Σ_{v=0}^{n−⌊nx⌋−1} C(n, v)·(x + v/n)^(v−1)·(1 − x − v/n)^(n−v).

    Term v is the binomial probability of v successes in n at p = x + v/n, divided by p.
    """
    last = n - nx_floor - 1
    first = math.exp(n * math.log1p(-x)) / x  # v = 0: (1 − x)ⁿ / x
    if last < 1:
        return first
    total = first
    # In blocks, so that the dozen temporaries of a block stay in the CPU cache: at
    # n = 500,000 that halves the time of one sum.
    for start in range(1, last + 1, _BLOCK):
        v = np.arange(start, min(start + _BLOCK, last + 1), dtype=np.float64)
        # n·p and n·q from the exact integer parts, as scipy does.
        np_ = (nx_floor + v) + alpha
        nq = (n - nx_floor - v) - alpha
        terms = np.exp(log_binomial_pmf(v, n, np_, nq))
        terms *= n
        terms /= np_
        total += float(terms.sum())
    return total
