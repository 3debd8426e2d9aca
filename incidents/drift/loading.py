"""Read CSV or Parquet files into the column arrays the drift analysis takes.

pyarrow reads both formats multi-threaded and hands numeric columns to NumPy without a
copy; going through a pandas DataFrame would only add one. Numbers become float64 with
NaN for missing values, text becomes object arrays with None, booleans stay booleans
(objects with None when some are missing), dates and times become datetime64 (which the
analysis skips).
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from incidents.drift.columns import DriftDataError

PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}
PARQUET_MAGIC = b"PAR1"
# Empty fields (how pandas writes a missing value) and the usual null words ("NA",
# "null", …) are missing in text columns too, as pandas reads them; otherwise a text
# feature the pipeline stopped filling would look like a new category "".
CSV_CONVERT = pa_csv.ConvertOptions(strings_can_be_null=True)


@dataclass(frozen=True)
class Table:
    source: str
    rows: int
    columns: dict[str, np.ndarray]


def load_table(source: str | Path, *, role: str = "input") -> Table:
    """Read one file, or every file matching a glob pattern, as one table.

    `role` ("reference", "current") only names the input in error messages. Every
    failure is a DriftDataError with a one-line message.
    """
    text = str(source)
    is_pattern = any(ch in text for ch in "*?[") and not Path(text).exists()
    paths = sorted(glob.glob(text)) if is_pattern else [text]
    if not paths:
        raise DriftDataError(f"{role} pattern {text!r} matches no files")
    tables = [_read(Path(p), role) for p in paths]
    if len(tables) == 1:
        table = tables[0]
    else:
        try:
            table = pa.concat_tables(tables, promote_options="permissive")
        except (pa.ArrowException, ValueError) as exc:
            raise DriftDataError(
                f"{role} files {text!r} do not share a schema: {_first_line(exc)}"
            ) from exc
    return Table(source=text, rows=table.num_rows, columns=arrow_to_columns(table, role=role))


def columns_from_frame(frame: Any, *, role: str = "input") -> dict[str, np.ndarray]:
    """Column arrays from a pandas DataFrame, converted exactly like a file would be."""
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise DriftDataError(f"{role} data cannot be converted: {_first_line(exc)}") from exc
    return arrow_to_columns(table, role=role)


def arrow_to_columns(table: pa.Table, *, role: str = "input") -> dict[str, np.ndarray]:
    names = table.column_names
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DriftDataError(f"{role} data has the column {name!r} twice")
        seen.add(name)
    return {name: _to_numpy(table.column(name)) for name in names}


def _read(path: Path, role: str) -> pa.Table:
    if not path.exists():
        raise DriftDataError(f"{role} file {str(path)!r} does not exist")
    if path.is_dir():
        raise DriftDataError(f"{role} path {str(path)!r} is a directory, not a file")
    try:
        if _is_parquet(path):
            return pq.read_table(path)
        return pa_csv.read_csv(path, convert_options=CSV_CONVERT)
    except (pa.ArrowException, OSError, ValueError) as exc:
        kind = "Parquet" if _is_parquet(path) else "CSV"
        raise DriftDataError(
            f"cannot read {role} file {str(path)!r} as {kind}: {_reason(exc, path)}"
        ) from exc


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(4) == PARQUET_MAGIC
    except OSError:
        return False


def _to_numpy(column: pa.ChunkedArray) -> np.ndarray:
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = pa.chunked_array(
            [chunk.dictionary_decode() for chunk in column.chunks], type=kind.value_type
        )
        kind = column.type
    if pa.types.is_null(kind):
        return np.full(len(column), None, dtype=object)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        # Missing numbers become NaN; ints too, so one float path serves all numbers.
        return column.cast(pa.float64()).to_numpy()
    return column.to_numpy(zero_copy_only=False)


# pyarrow ends a CSV parse error with the offending row, and a conversion error with the
# offending value: the data itself, which must not end up in a channel or a log.
_CSV_ROW = re.compile(r"^(CSV parse error:.*?got \d+)(:.*)?$")
_QUOTED_VALUE = re.compile(r"(invalid value|value)\s+'[^']*'")


def _reason(exc: BaseException, path: Path) -> str:
    """What is wrong with a file, without quoting its data or repeating its full path."""
    text = _first_line(exc).replace(str(path), path.name)
    text = _CSV_ROW.sub(r"\1", text)
    return _QUOTED_VALUE.sub(r"\1", text)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
