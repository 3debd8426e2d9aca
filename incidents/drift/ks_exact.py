"""Exact two-sided p-value of the two-sample KS test, as `scipy.stats.ks_2samp` gives it
for samples of at most KS_EXACT_MAX_N values (its method="auto").

SciPy 1.17 (BSD-3-Clause), `scipy/stats/_stats_py.py`: `_attempt_exact_2kssamp` rounds
D to a multiple of 1/lcm(n1, n2) and counts lattice paths (Hodges 1958). Equal sizes
take `_compute_prob_outside_square`, a short alternating sum ported below line for line.
Unequal sizes take `_compute_outer_prob_inside_method` (Viehmann's stable recursion,
arXiv:2102.08037), which visits every cell of a band of the m × n lattice — millions of
cells at 10,000 values, so SciPy compiles it with Pythran. In Python or NumPy it would
take seconds per column, so we call SciPy's compiled function itself, loaded from its
own extension module: importing it through `scipy.stats` would first run that package's
import, ~0.5 s, longer than analysing such a table. When the module is not where SciPy
1.11–1.17 keep it, `exact_p_value` returns None and the caller asks `ks_2samp` itself.
tests/unit/test_drift_pvalues.py pins both against `ks_2samp`.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import math
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

# scipy.stats.ks_2samp's method="auto" is exact up to this many values in each sample.
KS_EXACT_MAX_N = 10_000

_KERNEL_MODULE = "scipy.stats._stats_pythran"
_KERNEL_FUNCTION = "_compute_outer_prob_inside_method"
_lock = threading.Lock()
_kernel: list[Callable[[int, int, int, int], float] | None] = []


def exact_p_value(statistic: float, n1: int, n2: int) -> tuple[float, float] | None:
    """(D rounded as scipy reports it, exact p) or None where scipy would leave the
    exact method (floating-point trouble) or its compiled path counter is missing."""
    g = math.gcd(n1, n2)
    lcm = (n1 // g) * n2
    h = int(np.round(statistic * lcm))
    d = h * 1.0 / lcm
    if h == 0:
        return d, 1.0
    try:
        with np.errstate(invalid="raise", over="raise"):
            if n1 == n2:
                prob = _prob_outside_square(n1, h)
            else:
                kernel = _inside_method()
                if kernel is None:
                    return None
                prob = float(kernel(n1, n2, g, h))
    except (FloatingPointError, OverflowError):
        return None
    if not 0 <= prob <= 1:
        return None
    return d, prob


def _prob_outside_square(n: int, h: int) -> float:
    """P(D_{n,n} ≥ h/n) = 2·(C(2n, n−h) − C(2n, n−2h) + …)/C(2n, n), evaluated from the
    innermost term out, each ratio of binomials as a product of h fractions."""
    p = 0.0
    k = int(np.floor(n / h))
    while k >= 0:
        p1 = 1.0
        for j in range(h):
            p1 = (n - k * h - j) * p1 / (n + k * h + j + 1)
        p = p1 * (1.0 - p)
        k -= 1
    return 2 * p


def _inside_method() -> Callable[[int, int, int, int], float] | None:
    """SciPy's compiled lattice-path counter, loaded once (None when not found)."""
    with _lock:
        if not _kernel:
            _kernel.append(_load_kernel())
        return _kernel[0]


def _load_kernel() -> Callable[[int, int, int, int], float] | None:
    try:
        spec = importlib.util.find_spec("scipy")
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations))) / "stats"
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = folder / f"_stats_pythran{suffix}"
            if path.is_file():
                break
        else:
            return None
        loader = importlib.machinery.ExtensionFileLoader(_KERNEL_MODULE, str(path))
        module = importlib.util.module_from_spec(
            importlib.util.spec_from_file_location(_KERNEL_MODULE, path, loader=loader))
        loader.exec_module(module)
        return getattr(module, _KERNEL_FUNCTION, None)
    except (ImportError, OSError):
        return None
