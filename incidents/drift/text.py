"""Text columns that remember their dictionary codes.

pyarrow reads text as a dictionary (distinct labels once, then one small integer per
row). The analysis works on object arrays, but counting labels through Python objects
costs ~4 ms per 100,000 rows and column, all of it holding the GIL; from the codes it is
one `np.bincount`. `CodedText` is an ordinary object array that also carries the codes
of the file it was read from; any view or copy (a slice, a mask) drops them, so they are
only ever used for exactly the rows they describe.
"""

from __future__ import annotations

import numpy as np


class CodedText(np.ndarray):
    """Object array of labels (None for missing) with `codes` into `labels`.

    `labels[codes[i]]` is element i; the last label is None (missing)."""

    codes: np.ndarray | None
    labels: np.ndarray | None

    @classmethod
    def from_codes(cls, codes: np.ndarray, labels: np.ndarray) -> CodedText:
        values = labels[codes].view(cls)
        values.codes, values.labels = codes, labels
        return values

    def __array_finalize__(self, obj: object) -> None:
        self.codes = None
        self.labels = None

    def counts(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(labels, counts) of every label including the final None, or None when this
        array no longer matches its codes."""
        if self.codes is None or self.labels is None or self.codes.size != self.size:
            return None
        return self.labels, np.bincount(self.codes, minlength=self.labels.size)
