"""Survival function of the two-sided one-sample KS distribution (scipy's `kstwo.sf`).

`scipy.stats.ks_2samp` in its asymptotic mode returns `kstwo.sf(D, round(m·n/(m+n)))`.
Importing `scipy.stats` for that costs about half a second (more than the statistics of
a 100,000-row table), `scipy.special` a fifth of it. So this module follows scipy's own
evaluation — `_kolmogn(n, x, cdf=False)` in `scipy/stats/_ksstats.py` (SciPy 1.17,
BSD-3-Clause; Simard & L'Ecuyer 2011 choose the method by n and n·x²) — branch for
branch, with the same constants and the same formulas: Ruben–Gambino edges, Smirnov's
sum (incidents/drift/smirnov.py), the Durbin matrix of Marsaglia, Tsang & Wang 2003,
Pomeranz's recursion (n ≤ SMALL_N) and the Pelz–Good expansion, so results equal
scipy's to rounding (tests/unit/test_drift_pvalues.py pins every branch).
"""

from __future__ import annotations

import math

import numpy as np

from incidents.drift.smirnov import smirnov

# scipy uses other methods at or below this n (Pomeranz's recursion, products).
SMALL_N = 140

# Rescaling of the Durbin matrix powers, in extended precision as scipy does.
_E128 = 128
_EP128 = np.ldexp(np.longdouble(1), _E128)
_EM128 = np.ldexp(np.longdouble(1), -_E128)
_SQRT2PI = math.sqrt(2 * math.pi)
_LOG_2PI = math.log(2 * math.pi)
_MIN_LOG = -708
_SQRT3 = math.sqrt(3)
_PI_SQUARED = math.pi**2
_PI_FOUR = math.pi**4
_PI_SIX = math.pi**6
# Stirling series coefficients B_2j / (2j) / (2j − 1), j = 8 … 1.
_STIRLING = [-2.955065359477124183e-2, 6.4102564102564102564e-3,
             -1.9175269175269175269e-3, 8.4175084175084175084e-4,
             -5.952380952380952381e-4, 7.9365079365079365079e-4,
             -2.7777777777777777778e-3, 8.3333333333333333333e-2]


def _clip(p: float) -> float:
    return float(np.clip(p, 0.0, 1.0))


def kstwo_sf(x: float, n: int) -> float:
    """P(D_n ≥ x) for the two-sided KS statistic of n values."""
    if x >= 1.0:
        return 0.0
    if x <= 0.0:
        return 1.0
    t = n * x
    if t <= 1.0:  # Ruben–Gambino: 1/2n ≤ x ≤ 1/n
        if t <= 0.5:
            return 1.0
        if n <= SMALL_N:
            prob = np.prod(np.arange(1, n + 1) * (1.0 / n) * (2 * t - 1))
        else:
            prob = np.exp(_log_nfactorial_div_n_pow_n(n) + n * np.log(2 * t - 1))
        return _clip(1.0 - prob)
    if t >= n - 1:  # Ruben–Gambino
        return _clip(2 * (1.0 - x) ** n)
    if x >= 0.5:
        return _clip(2 * smirnov(n, x))
    nxsquared = t * x
    if n <= SMALL_N:
        if nxsquared <= 0.754693:
            return _clip(1.0 - _durbin_cdf(n, x))
        if nxsquared <= 4:
            return _clip(1.0 - _pomeranz_cdf(n, x))
        return _clip(2 * smirnov(n, x))  # Miller's approximation
    if nxsquared >= 370.0:
        return 0.0
    if nxsquared >= 2.2:
        return _clip(2 * smirnov(n, x))
    durbin = n <= 100000 and n * x**1.5 <= 1.4
    return _clip(1.0 - (_durbin_cdf(n, x) if durbin else _pelz_good_cdf(n, x)))


def _log_nfactorial_div_n_pow_n(n: int) -> float:
    """log(n! / nⁿ) by Stirling's series, with n·log(n) removed up front."""
    rn = 1.0 / n
    return np.log(n) / 2 - n + _LOG_2PI / 2 + rn * np.polyval(_STIRLING, rn / n)


def _durbin_cdf(n: int, d: float) -> float:
    """P(D_n ≤ d): the (k, k) entry of (n!/nⁿ)·Hⁿ, H of size 2k − 1 with d = (k − h)/n."""
    if d >= 1.0:
        return 1.0
    nd = n * d
    if nd <= 0.5:
        return 0.0
    k = int(np.ceil(nd))
    h = k - nd
    m = 2 * k - 1
    H = np.zeros([m, m])
    intm = np.arange(1, m + 1)
    v = 1.0 - h**intm
    w = np.empty(m)
    fac = 1.0
    for j in intm:
        w[j - 1] = fac
        fac /= j  # may underflow; harmless
        v[j - 1] *= fac
    tt = max(2 * h - 1.0, 0) ** m - 2 * h**m
    v[-1] = (1.0 + tt) * fac
    for i in range(1, m):
        H[i - 1:, i] = w[: m - i + 1]
    H[:, 0] = v
    H[-1, :] = np.flip(v, axis=0)

    power = np.eye(m)
    nn, expnt, h_expnt = n, 0, 0
    while nn > 0:  # square and multiply, rescaling to stay in range
        if nn % 2:
            power = np.matmul(power, H)
            expnt += h_expnt
        H = np.matmul(H, H)
        h_expnt *= 2
        if np.abs(H[k - 1, k - 1]) > _EP128:
            H /= _EP128
            h_expnt += _E128
        nn //= 2
    p = power[k - 1, k - 1]
    for i in range(1, n + 1):  # times n!/nⁿ
        p = i * p / n
        if np.abs(p) < _EM128:
            p *= _EP128
            expnt -= _E128
    if expnt != 0:
        p = np.ldexp(p, expnt)
    return _clip(p)


def _pomeranz_row_bounds(i: int, n: int, ll: int, ceilf: int, roundf: int) -> tuple[int, int]:
    """First and last non-zero entry of row i of Pomeranz's matrix."""
    if i == 0:
        j1, j2 = -ll - ceilf - 1, ll + ceilf - 1
    else:
        half, odd = divmod(i + 1, 2)
        if odd == 0:  # i is odd
            if half == n + 1:
                j1, j2 = n - ll - ceilf - 1, n + ll + ceilf - 1
            else:
                j1, j2 = half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1
        else:
            j1, j2 = half - 1 - ll - 1, half + ll + roundf - 1
    return max(j1 + 2, 0), min(j2, n)


def _pomeranz_cdf(n: int, x: float) -> float:
    """P(D_n ≤ x) by Pomeranz's (1974) recursion: n!·V[2n+1, n], where each row of V
    convolves the one before with Poisson-like weights; two rows are kept, each only over
    its few non-zero entries, rescaled to stay in range."""
    t = n * x
    ll = int(np.floor(t))
    f = 1.0 * (t - ll)
    g = min(f, 1.0 - f)
    ceilf = 1 if f > 0 else 0
    roundf = 1 if f > 0.5 else 0
    npwrs = 2 * (ll + 1)
    # (g/n)^m/m!, (2g/n)^m/m!, ((1−2g)/n)^m/m!
    gpower, twogpower, onem2gpower = np.empty(npwrs), np.empty(npwrs), np.empty(npwrs)
    gpower[0] = twogpower[0] = onem2gpower[0] = 1.0
    expnt = 0
    g_n, two_g_n, one_m2g_n = g / n, 2 * g / n, (1 - 2 * g) / n
    for m in range(1, npwrs):
        gpower[m] = gpower[m - 1] * g_n / m
        twogpower[m] = twogpower[m - 1] * two_g_n / m
        onem2gpower[m] = onem2gpower[m - 1] * one_m2g_n / m

    v0, v1 = np.zeros(npwrs), np.zeros(npwrs)
    v1[0] = 1
    v0s = v1s = 0
    j1, j2 = _pomeranz_row_bounds(0, n, ll, ceilf, roundf)
    for i in range(1, 2 * n + 2):
        k1 = j1
        v0, v1 = v1, v0
        v0s, v1s = v1s, v0s
        v1.fill(0.0)
        j1, j2 = _pomeranz_row_bounds(i, n, ll, ceilf, roundf)
        # the first and last rows use g, odd rows 2g, even rows 1 − 2g
        pwrs = gpower if i in (1, 2 * n + 1) else (twogpower if i % 2 else onem2gpower)
        ln2 = j2 - k1 + 1
        if ln2 > 0:
            conv = np.convolve(v0[k1 - v0s:k1 - v0s + ln2], pwrs[:ln2])
            start = j1 - k1
            length = j2 - j1 + 1
            v1[:length] = conv[start:start + length]
            if 0 < np.max(v1) < _EM128:
                v1 *= _EP128
                expnt -= _E128
            v1s = v0s + j1 - k1
    ans = v1[n - v1s]
    for m in range(1, n + 1):  # times n!
        if np.abs(ans) > _EP128:
            ans *= _EM128
            expnt += _E128
        ans *= m
    if expnt != 0:
        ans = np.ldexp(ans, expnt)
    return _clip(ans)


def _pelz_good_cdf(n: int, x: float) -> float:
    """P(D_n ≤ x) by the Pelz–Good (1976) expansion in 1/√n of Kolmogorov's limit."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    z = np.sqrt(n) * x
    zsquared, zthree, zfour, zsix = z**2, z**3, z**4, z**6
    qlog = -_PI_SQUARED / 8 / zsquared
    if qlog < _MIN_LOG:
        return 0.0
    q = np.exp(qlog)
    k1a = -zsquared
    k1b = _PI_SQUARED / 4
    k2a = 6 * zsix + 2 * zfour
    k2b = (2 * zfour - 5 * zsquared) * _PI_SQUARED / 4
    k2c = _PI_FOUR * (1 - 2 * zsquared) / 16
    k3d = _PI_SIX * (5 - 30 * zsquared) / 64
    k3c = _PI_FOUR * (-60 * zsquared + 212 * zfour) / 16
    k3b = _PI_SQUARED * (135 * zfour - 96 * zsix) / 4
    k3a = -30 * zsix - 90 * z**8

    terms = np.zeros(4)
    maxk = int(np.ceil(16 * z / np.pi))
    for k in range(maxk, 0, -1):  # Horner over q^(8k), odd m = 2k − 1
        m = 2 * k - 1
        msquared, mfour, msix = m**2, m**4, m**6
        qpower = np.power(q, 8 * k)
        coeffs = np.array([1.0,
                           k1a + k1b * msquared,
                           k2a + k2b * msquared + k2c * mfour,
                           k3a + k3b * msquared + k3c * mfour + k3d * msix])
        terms *= qpower
        terms += coeffs
    terms *= q
    terms *= _SQRT2PI
    terms /= np.array([z, 6 * zfour, 72 * z**7, 6480 * z**10])

    q = np.exp(-_PI_SQUARED / 2 / zsquared)
    ks = np.arange(maxk, 0, -1)
    ksquared = ks**2
    sqrt3z = _SQRT3 * z
    kspi = np.pi * ks
    qpowers = q**ksquared
    k2extra = np.sum(ksquared * qpowers) * _PI_SQUARED * _SQRT2PI / (-36 * zthree)
    terms[2] += k2extra
    k3extra = np.sum((sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpowers)
    k3extra *= _PI_SQUARED * _SQRT2PI / (216 * zsix)
    terms[3] += k3extra
    terms /= np.power(n * 1.0, np.arange(len(terms)) / 2.0)
    return _clip(sum(terms))
