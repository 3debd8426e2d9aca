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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from incidents.drift.columns import DriftDataError
from incidents.drift.paths import relative_path
from incidents.drift.text import CodedText

PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}
PARQUET_MAGIC = b"PAR1"
# Empty fields (how pandas writes a missing value) and the usual null words ("NA",
# "null", …) are missing in text columns too, as pandas reads them; otherwise a text
# feature the pipeline stopped filling would look like a new category "".
# Text comes as dictionaries (up to DICTIONARY_MAX distinct labels in a block; beyond, as
# plain text): the labels become Python strings once, not once per row.
DICTIONARY_MAX = 10_000
CSV_CONVERT = pa_csv.ConvertOptions(strings_can_be_null=True, auto_dict_encode=True,
                                    auto_dict_max_cardinality=DICTIONARY_MAX)


@dataclass(frozen=True)
class Table:
    source: str
    rows: int
    columns: dict[str, np.ndarray]
    # When the newest of its files was last written (UTC); None for query results.
    modified_at: datetime | None = None


def load_table(source: str | Path, *, role: str = "input", base: Path | None = None) -> Table:
    """Read one file, or every file matching a glob pattern, as one table.

    `role` ("reference", "current") only names the input in error messages. Every
    failure is a DriftDataError with a one-line message; paths in it are relative to
    `base` (the catalog's folder) when inside it, so a message in Slack names the file
    as the catalog does, not the server's file system.
    """
    text = str(source)
    shown = relative_path(text, base)
    is_pattern = any(ch in text for ch in "*?[") and not Path(text).exists()
    paths = sorted(glob.glob(text)) if is_pattern else [text]
    if not paths:
        raise DriftDataError(f"{role} pattern {shown!r} matches no files")
    tables = [_read(Path(p), role, base) for p in paths]
    if len(tables) == 1:
        table = tables[0]
    else:
        try:
            table = _concat(tables)
        except (pa.ArrowException, ValueError) as exc:
            raise DriftDataError(
                f"{role} files {shown!r} do not share a schema: {_first_line(exc)}"
            ) from exc
    table = table.unify_dictionaries()
    newest = max(Path(p).stat().st_mtime for p in paths)
    return Table(source=text, rows=table.num_rows, columns=arrow_to_columns(table, role=role),
                 modified_at=datetime.fromtimestamp(newest, tz=UTC))


def _concat(tables: list[pa.Table]) -> pa.Table:
    """One table from several files; a column that is a dictionary in one file and plain
    text in another (more labels there) becomes plain text in all."""
    plain = {field.name for t in tables for field in t.schema
             if not pa.types.is_dictionary(field.type)}
    decoded = []
    for t in tables:
        for i, field in enumerate(t.schema):
            if pa.types.is_dictionary(field.type) and field.name in plain:
                t = t.set_column(i, field.name, t.column(i).cast(field.type.value_type))
        decoded.append(t)
    return pa.concat_tables(decoded, promote_options="permissive")


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


def _read(path: Path, role: str, base: Path | None) -> pa.Table:
    shown = relative_path(str(path), base)
    if not path.exists():
        raise DriftDataError(f"{role} file {shown!r} does not exist")
    if path.is_dir():
        raise DriftDataError(f"{role} path {shown!r} is a directory, not a file")
    try:
        if _is_parquet(path):
            # Imported here: pyarrow.parquet (and the file-system layer it brings) takes
            # ~30 ms, a twentieth of a whole drift run on CSV files that never need it.
            import pyarrow.parquet as pq

            # ParquetFile, not read_table: the dataset layer behind read_table imports
            # pandas (a third of a second) to read one file.
            # Text read as dictionaries, as from CSV (see DICTIONARY_MAX).
            text = [f.name for f in pq.read_schema(path)
                    if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
            with pq.ParquetFile(path, read_dictionary=text) as parquet:
                return parquet.read()
        return pa_csv.read_csv(path, convert_options=CSV_CONVERT)
    except (pa.ArrowException, OSError, ValueError) as exc:
        kind = "Parquet" if _is_parquet(path) else "CSV"
        raise DriftDataError(
            f"cannot read {role} file {shown!r} as {kind}: {_reason(exc, path)}"
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
    """One column as a NumPy array, read from Arrow's buffers.

    pyarrow's own `to_numpy` (and any conversion of a Python scalar) imports pandas, about
    a third of a second — a quarter of a whole `incidentbot drift` run on 100,000 rows —
    so the usual types are taken from the buffers directly: numbers as float64 with NaN,
    text through a dictionary (each distinct label one Python string, shared), booleans
    from their bit maps. Only rare types (lists, structs) still go through `to_numpy`.
    """
    kind = column.type
    if pa.types.is_dictionary(kind) and (pa.types.is_string(kind.value_type)
                                         or pa.types.is_large_string(kind.value_type)):
        # The CSV reader's dictionaries, unified across chunks by load_table.
        return _text(column.combine_chunks())
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_null(kind):
        return np.full(len(column), None, dtype=object)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        # Missing numbers become NaN; ints too, so one float path serves all numbers.
        # Doubles and integers come from their buffers (a cast would load pyarrow.compute,
        # 30 ms); other widths and decimals are cast.
        array = column.combine_chunks()
        if pa.types.is_float64(kind):
            values = _buffer(array, np.float64)
        elif pa.types.is_integer(kind):
            signed = "" if pa.types.is_signed_integer(kind) else "u"
            values = _buffer(array, np.dtype(f"{signed}int{kind.bit_width}")).astype(np.float64)
        else:
            array = array.cast(pa.float64())
            values = _buffer(array, np.float64)
        valid = _valid(array)
        if valid is not None:
            values = values.copy()
            values[~valid] = np.nan
        return values
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text(column.combine_chunks())
    if pa.types.is_boolean(kind):
        array = column.combine_chunks()
        data = np.frombuffer(array.buffers()[1], dtype=np.uint8)
        values = np.unpackbits(data, bitorder="little")[array.offset:array.offset + len(array)]
        values = values.astype(bool)
        valid = _valid(array)
        if valid is None:
            return values
        objects = values.astype(object)
        objects[~valid] = None
        return objects
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        # Not analysed (classify says "unsupported"); datetime64 says what they are.
        unit = kind.unit if pa.types.is_timestamp(kind) else ("D" if pa.types.is_date32(kind)
                                                               else "ms")
        array = column.combine_chunks()
        width = np.int32 if pa.types.is_date32(kind) else np.int64
        return _buffer(array, width).astype(np.int64).view(f"datetime64[{unit}]")
    return column.to_numpy(zero_copy_only=False)


def _buffer(array: pa.Array, dtype: type) -> np.ndarray:
    """The values buffer of a fixed-width array, without a copy (read-only)."""
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array),
                         offset=array.offset * np.dtype(dtype).itemsize)


def _valid(array: pa.Array) -> np.ndarray | None:
    """True where a value is present; None when none is missing."""
    if array.null_count == 0:
        return None
    bits = np.frombuffer(array.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little")[array.offset:array.offset + len(array)] == 1


def _text(array: pa.Array) -> np.ndarray:
    """Text as an object array with None for missing values, via a dictionary."""
    encoded = array if pa.types.is_dictionary(array.type) else array.dictionary_encode()
    labels = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    indices = encoded.indices
    codes = _buffer(indices, _INDEX_TYPES[indices.type.bit_width]).astype(np.intp)
    valid = _valid(indices)
    if valid is not None:
        codes[~valid] = len(labels) - 1
    return CodedText.from_codes(codes, labels)


_INDEX_TYPES = {8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}


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
