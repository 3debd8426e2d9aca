"""Identifier-like columns (row ids, transaction ids), which a drift analysis leaves out:
new rows bring new ids, so every comparison would call them drifted."""

from __future__ import annotations

import re

import numpy as np

# How many leading values are looked at, how many are needed for a judgement, and the
# share of them that must be distinct.
IDENTIFIER_SAMPLE = 2_000
IDENTIFIER_MIN_VALUES = 50
IDENTIFIER_DISTINCT_SHARE = 0.95
_ID_WORD = re.compile(r"(^|[_\-\s.])(id|uuid|guid)$|^(id|uuid|guid)([_\-\s.]|$)", re.IGNORECASE)
_ID_CAMEL = re.compile(r"[a-z0-9](Id|ID|Uuid|UUID)$")  # userId; "paid" and "valid" are not


def identifier_reason(name: str, values: np.ndarray) -> str | None:
    """Why a column looks like an identifier (row ids, transaction ids), or None.

    Identifiers are no features: new rows bring new ids, so every comparison would call
    them drifted. A column counts as one when its values are (nearly) all distinct and
    it is text, or its name says id (`id`, `user_id`, `userId`, `uuid`) — a float feature
    is all distinct too, so for numbers the name decides. The first values decide:
    a category column repeats labels long before IDENTIFIER_SAMPLE rows.
    """
    sample = values[:IDENTIFIER_SAMPLE]
    kind = sample.dtype.kind
    if kind == "f":
        sample = sample[np.isfinite(sample)]
    elif kind == "O":
        sample = sample[np.not_equal(sample, None)]
    if sample.size < IDENTIFIER_MIN_VALUES:
        return None
    if kind not in "OUSiuf":
        return None
    text = kind in "OUS"
    if not text and not (_ID_WORD.search(name) or _ID_CAMEL.search(name)):
        return None
    try:
        distinct = len(set(sample.tolist()))
    except TypeError:  # unhashable objects
        return None
    share = distinct / sample.size
    if share < IDENTIFIER_DISTINCT_SHARE:
        return None
    return f"identifier-like ({share:.0%} of values distinct); not compared"
