"""CSV input (first cut) on pyarrow's multi-threaded reader.

The delimiter is detected among ``;`` ``,`` tab and ``|`` from the header line.
A first column of dates or timestamps becomes the table's index (int64 days or
ns since the epoch); numeric columns become float64 Columns whose nulls come
from the null tokens (NA, N/A, empty, NaN, null); any other column is an error.
"""

from __future__ import annotations

import os

import numpy as np

from .column import Column
from .errors import IOFailure
from .table import Table

NULL_TOKENS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL"]
_DELIMS = [";", ",", "\t", "|"]


def _sniff(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        header = f.readline()
    counts = {d: header.count(d) for d in _DELIMS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def load_csv(path: str, *, delimiter: str | None = None) -> Table:
    """Read a CSV file into a Table.

    Example:
        >>> from blawk.io_csv import load_csv
        >>> t = load_csv("examples/data/prices.csv")  # doctest: +SKIP
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if not os.path.exists(path):
        raise IOFailure(f"no such file: {path}", op="load-csv")
    if os.path.isdir(path):
        raise IOFailure(f"is a directory, not a CSV file: {path}", op="load-csv")
    try:
        delim = delimiter or _sniff(path)
        table = pcsv.read_csv(
            path,
            parse_options=pcsv.ParseOptions(delimiter=delim),
            convert_options=pcsv.ConvertOptions(null_values=NULL_TOKENS, strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise IOFailure(f"{path}: {exc}", op="load-csv") from None
    columns: dict[str, Column] = {}
    index = None
    index_name = None
    for i, name in enumerate(table.column_names):
        arr = table.column(i).combine_chunks()
        t = arr.type
        if i == 0 and (pa.types.is_date(t) or pa.types.is_timestamp(t)):
            unit = pa.int32() if pa.types.is_date32(t) else pa.int64()
            index = np.asarray(arr.cast(unit).to_numpy(zero_copy_only=False), dtype=np.int64)
            index_name = name
            continue
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t):
            values = np.asarray(arr.cast(pa.float64()).fill_null(0.0).to_numpy(), dtype=np.float64)
            valid = arr.is_valid().to_numpy(zero_copy_only=False)
            columns[name] = Column(values, valid=np.asarray(valid, dtype=bool))
            continue
        bad = next((j for j, v in enumerate(arr.to_pylist()) if v is not None), 0)
        raise IOFailure(
            f"{path}: column {name!r} is not numeric (row {bad + 2} holds "
            f"{arr[bad].as_py()!r})",
            op="load-csv",
        )
    return Table(columns, index=index, index_name=index_name, source=path)
