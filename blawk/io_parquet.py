"""Parquet in and out (pyarrow.parquet).

:func:`save_parquet` writes the index first (``date32`` or ``timestamp[ns]``)
and the columns as float64 with their nulls; NaN payloads, infinities and
-0.0 are stored bit for bit.  The index name and kind go into the schema
metadata (key ``blawk``), so :func:`load_parquet` restores them; files from
other tools get an index from pandas' metadata or from a first column of
dates/timestamps.  Integer, float32 and boolean columns are read as float64;
any other type is an error naming the column.  Writing goes to a temporary
file beside the target, renamed over it when complete.

Example:
    >>> from blawk.io_csv import load_csv
    >>> from blawk.io_parquet import load_parquet, save_parquet
    >>> import tempfile, os
    >>> t = load_csv("examples/data/prices.csv")
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "prices.parquet")
    >>> load_parquet(save_parquet(t, path)).equals(t)
    True
    >>> tmp.cleanup()
"""

from __future__ import annotations

import os
from typing import Any

from .errors import IOFailure, TypeMismatch
from .table import Table


def load_parquet(path: str, *, columns: list[str] | None = None,
                 index: bool | str | None = "auto") -> Table:
    """Read a Parquet file into a Table (optionally only some columns)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .interop import table_from_arrow

    if not isinstance(path, (str, os.PathLike)):
        raise TypeMismatch(f"path must be a string, got {type(path).__name__}",
                           op="load-parquet")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise IOFailure(f"{path}: no such file", op="load-parquet")
    try:
        if columns is not None:
            schema = pq.read_schema(path)
            meta_index = _meta_index(schema)
            wanted = list(columns)
            if meta_index and meta_index not in wanted and index:
                wanted.insert(0, meta_index)
            missing = [c for c in wanted if c not in schema.names]
            if missing:
                raise IOFailure(f"{path}: no column {missing[0]!r} (columns: "
                                f"{', '.join(schema.names)})", op="load-parquet")
            tbl = pq.read_table(path, columns=wanted)
        else:
            tbl = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise IOFailure(f"{path}: cannot read as Parquet: {exc}", op="load-parquet") from None
    return table_from_arrow(tbl, index=index, source=path, op="load-parquet")


def _meta_index(schema: Any) -> str | None:
    import json

    meta = schema.metadata or {}
    try:
        return json.loads(meta.get(b"blawk", b"{}")).get("index")
    except ValueError:
        return None


def save_parquet(table: Table, path: str, *, compression: str = "zstd") -> str:
    """Write a Table as Parquet (atomically); returns the path."""
    import pyarrow.parquet as pq

    from .interop import table_to_arrow
    from .io_csv import write_atomically

    if not isinstance(table, Table):
        raise TypeMismatch(f"expected a table, got {type(table).__name__}", op="save-parquet")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeMismatch(f"path must be a string, got {type(path).__name__}",
                           op="save-parquet")
    tbl = table_to_arrow(table)

    def write(tmp: str) -> None:
        pq.write_table(tbl, tmp, compression=compression)

    return write_atomically(os.fspath(path), "save-parquet", write)
