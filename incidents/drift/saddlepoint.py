"""Binomial and Poisson probabilities to full precision, in NumPy, by saddle points.

The KS and chi-square p-values are sums of binomial or Poisson probabilities whose
factorials overflow and whose logarithms cancel: log C(n, k) + k·log p + (n−k)·log q
adds numbers near n·log 2 to get one near −2nx², so a 500,000-row sample would lose
ten digits that way. Catherine Loader's saddle-point form ("Fast and accurate
computation of binomial probabilities", 2000) writes each probability through two small
quantities instead — the Stirling error δ(n) = log n! − log(√(2πn)·(n/e)ⁿ) and the
deviance bd0(x, m) = x·log(x/m) + m − x — each computed without cancellation, so the
relative error of a term stays near machine precision for any n. The same functions give
the Poisson terms of the chi-square survival function (incidents/drift/chi2.py).

Everything is vectorised over NumPy arrays: the 500,000 terms of one Smirnov sum take
milliseconds (incidents/drift/smirnov.py).
"""

from __future__ import annotations

import math

import numpy as np

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# Stirling's series for δ(n): 1/12n − 1/360n³ + 1/1260n⁵ − 1/1680n⁷ + 1/1188n⁹
# (B₂ₖ / (2k(2k−1)) n^(2k−1)); five terms are exact to double precision above n = 15.
_S0, _S1, _S2, _S3, _S4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
# δ at 0, ½, 1, …, 15 from the log-gamma function, where the series is not yet exact:
# its absolute error there (~1e-14) is far below what a p-value needs.
_SMALL = np.array([0.0] + [math.lgamma(h + 1) - (h + 0.5) * math.log(h) + h - _LOG_SQRT_2PI
                           for h in np.arange(1, 31) / 2])
# bd0's series in v = (x − m)/(x + m) is used for |v| < _NEAR; v²ʲ⁺¹ < 1e-20 by the last
# of _SERIES_TERMS terms (fewer when every |v| is smaller).
_NEAR = 0.1
_SERIES_TERMS = 10


def stirling_error(n: np.ndarray | float) -> np.ndarray:
    """δ(n) = log n! − log(√(2πn)·(n/e)ⁿ) for n ≥ 0: any n above 15, whole or half
    numbers up to 15 (all that the KS and chi-square sums ask for)."""
    n = np.array(n, dtype=np.float64, ndmin=1)
    # The series everywhere, in place (these arrays can hold 500,000 terms), then the
    # table where n ≤ 15.
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = n * n
        out = _S4 / nn
        np.subtract(_S3, out, out=out)
        for c in (_S2, _S1, _S0):
            out /= nn
            np.subtract(c, out, out=out)
        out /= n
    small = n <= 15
    if small.any():
        out[small] = _SMALL[np.rint(2 * n[small]).astype(np.intp)]
    return out


def deviance(x: np.ndarray | float, m: np.ndarray | float) -> np.ndarray:
    """bd0(x, m) = x·log(x/m) + m − x ≥ 0 for x > 0, m > 0, without its cancellation
    when x is close to m (there by the series 2x·Σ v^(2j+1)/(2j+1) − (x − m)·v)."""
    x, m = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64))
    d = x - m
    v = d / (x + m)
    near = np.abs(v) < _NEAR
    if near.all():
        return _deviance_series(x, d, v)
    out = x * np.log(x / m)
    out += m
    out -= x
    if near.any():
        out[near] = _deviance_series(x[near], d[near], v[near])
    return out


def _deviance_series(x: np.ndarray, d: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(x − m)·v + 2x·Σ_{j≥1} v^(2j+1)/(2j+1), with as many terms as the largest |v|
    needs for double precision (each term is v² times the one before)."""
    largest = float(np.abs(v).max()) if v.size else 0.0
    if largest == 0:
        return d * v
    terms = min(_SERIES_TERMS, max(1, math.ceil(-17 / (2 * math.log10(largest)))))
    v2 = v * v
    # Horner in v²: 2x·v³·(1/3 + v²·(1/5 + … + v²/(2J+1))), in place.
    inner = np.full_like(v, 1 / (2 * terms + 1))
    for j in range(terms - 1, 0, -1):
        inner *= v2
        inner += 1 / (2 * j + 1)
    inner *= v2
    inner *= v
    inner *= x
    inner *= 2
    total = d * v
    total += inner
    return total


def log_binomial_pmf(k: np.ndarray, n: int, np_: np.ndarray, nq: np.ndarray) -> np.ndarray:
    """log of C(n, k)·pᵏ·qⁿ⁻ᵏ for 0 < k < n, given n·p and n·q (p + q = 1).

    Taking n·p and n·q rather than p lets a caller who knows them exactly (the KS sums,
    where n·p = ⌊nx⌋ + k + frac) keep the digits that forming p would lose.
    """
    k = np.asarray(k, dtype=np.float64)
    rest = n - k
    lc = (stirling_error(float(n)) - stirling_error(k) - stirling_error(rest)
          - deviance(k, np_) - deviance(rest, nq))
    # log √(2π·k·(n−k)/n)
    lf = _LOG_SQRT_2PI + 0.5 * (np.log(k) + np.log1p(-k / n))
    return lc - lf


def log_poisson_pmf(x: np.ndarray | float, lam: float) -> np.ndarray:
    """log of λˣ·e^(−λ)/Γ(x + 1) for x > 0 (whole or half numbers), λ > 0."""
    x = np.asarray(x, dtype=np.float64)
    return -stirling_error(x) - deviance(x, lam) - _LOG_SQRT_2PI - 0.5 * np.log(x)
