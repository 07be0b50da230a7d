"""Arrow, pandas and polars interop.

Arrow PyCapsule interface, both directions:

- ``Column.__arrow_c_array__`` exports a float64 Arrow array whose value
  buffer *is* the column's memory (no copy) and whose validity buffer is the
  column's bitmap (the layouts are the same: LSB-first, 1 = valid).
- ``Table.__arrow_c_stream__`` exports a stream of one record batch: the index
  first (``date32`` for dates, ``timestamp[ns]`` for timestamps; dates are
  narrowed from int64 to int32 days, the one copy), then the columns, shared.
- ``Column.from_arrow`` / ``Table.from_arrow`` accept pyarrow objects and
  anything with ``__arrow_c_array__`` / ``__arrow_c_stream__`` (polars Series
  and DataFrames, ...).  A float64 array in one chunk whose values start on a
  64-byte boundary is adopted without copying (numpy views over the Arrow
  buffer, kept alive by it); the validity bitmap is always copied (n/8 bytes,
  so that the unused tail bits are zero as blawk requires).  Several chunks,
  unaligned or sliced buffers and other numeric types are copied once.

pandas: ``to_pandas(x, nulls="nan")`` gives float64 with NaN for nulls (the
pandas convention: nulls and NaN become indistinguishable), ``nulls="na"``
gives the nullable ``Float64`` dtype with ``pd.NA`` (lossless).
``from_pandas`` maps ``pd.NA`` to null and keeps NaN as an IEEE value unless
``nan_as_null=True``.

Example:
    >>> import pyarrow as pa
    >>> from blawk.column import Column
    >>> c = Column([1.0, None, 3.0])
    >>> a = pa.array(c)
    >>> a.type, a.null_count
    (DataType(double), 1)
    >>> Column.from_arrow(a).to_list()
    [1.0, None, 3.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .column import ALIGN, Column, aligned_empty, bitmap_words, pack_validity
from .errors import IOFailure, TypeMismatch
from .table import Table

_NS_PER_DAY = 86_400_000_000_000


def _pa() -> Any:
    import pyarrow as pa

    return pa


# ------------------------------------------------------------------ Column -> Arrow


def column_to_arrow(col: Column) -> Any:
    """A pyarrow float64 Array over the column's memory (no copy)."""
    pa = _pa()
    n = len(col)
    values = pa.py_buffer(col.values) if n else pa.py_buffer(b"")
    validity = pa.py_buffer(col.validity) if col.validity is not None else None
    return pa.Array.from_buffers(pa.float64(), n, [validity, values], null_count=col.null_count)


def column_arrow_c_array(col: Column, requested_schema: Any = None) -> tuple[Any, Any]:
    """``Column.__arrow_c_array__``: the (schema, array) PyCapsules."""
    return column_to_arrow(col).__arrow_c_array__(requested_schema)


# ------------------------------------------------------------------ Arrow -> Column


def _to_arrow_array(obj: Any) -> Any:
    """Any Arrow-ish array object as a pyarrow Array or ChunkedArray."""
    pa = _pa()
    if isinstance(obj, (pa.Array, pa.ChunkedArray)):
        return obj
    if hasattr(obj, "__arrow_c_array__"):
        return pa.array(obj)
    if hasattr(obj, "__arrow_c_stream__"):
        return pa.chunked_array(obj)
    if type(obj).__module__.startswith("pandas"):
        raise TypeMismatch("use blawk.interop.from_pandas for pandas objects", op="from-arrow")
    raise TypeMismatch(
        f"expected an Arrow array (__arrow_c_array__ / __arrow_c_stream__), got "
        f"{type(obj).__name__}",
        op="from-arrow",
    )


def column_from_arrow(obj: Any, name: str = "column", op: str = "from-arrow") -> Column:
    """A Column from an Arrow array or chunked array (see the module notes on copies)."""
    pa = _pa()
    arr = _to_arrow_array(obj)
    t = arr.type
    if not (pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_boolean(t)
            or pa.types.is_null(t) or pa.types.is_decimal(t)):
        raise TypeMismatch(f"column {name!r} is not numeric (Arrow type {t})", op=op)
    if isinstance(arr, pa.ChunkedArray):
        chunks = arr.chunks
        if len(chunks) == 1:
            arr = chunks[0]
        else:
            return _concat_chunks(chunks, len(arr), name, op)
    if t != pa.float64():
        arr = arr.cast(pa.float64())
    return _adopt(arr)


def _adopt(arr: Any) -> Column:
    """A Column over one float64 Arrow array: zero-copy values when aligned."""
    n = len(arr)
    bufs = arr.buffers()
    off = arr.offset
    if n == 0:
        return Column._wrap(aligned_empty(0), None, 0)
    data = bufs[1]
    values = np.frombuffer(data, dtype=np.float64, count=off + n)[off:]
    if values.ctypes.data % ALIGN:
        copy = aligned_empty(n)
        copy[:] = values
        values = copy
    nulls = arr.null_count
    if nulls == 0 or bufs[0] is None:
        return Column._wrap(values, None, 0)
    return Column._wrap(values, _bitmap_copy(bufs[0], off, n), nulls)


def _bitmap_copy(buf: Any, off: int, n: int) -> np.ndarray:
    """The n validity bits starting at bit `off` of an Arrow bitmap, as blawk words."""
    words = aligned_empty(bitmap_words(n), np.uint64)
    raw = np.frombuffer(buf, dtype=np.uint8)
    if off % 8 == 0:
        nbytes = (n + 7) // 8
        b = words.view(np.uint8)
        b[:nbytes] = raw[off // 8 : off // 8 + nbytes]
        b[nbytes:] = 0
    else:
        bits = np.unpackbits(raw, bitorder="little")[off : off + n]
        words[:] = pack_validity(bits.astype(bool))
    if n & 63:
        words[-1] &= np.uint64((1 << (n & 63)) - 1)
    return words


def _concat_chunks(chunks: list[Any], n: int, name: str, op: str) -> Column:
    pa = _pa()
    values = aligned_empty(n)
    ok = None
    pos = 0
    for ch in chunks:
        if ch.type != pa.float64():
            ch = ch.cast(pa.float64())
        k = len(ch)
        if k == 0:
            continue
        off = ch.offset
        values[pos : pos + k] = np.frombuffer(ch.buffers()[1], dtype=np.float64,
                                              count=off + k)[off:]
        if ch.null_count:
            if ok is None:
                ok = np.ones(n, dtype=bool)
            ok[pos : pos + k] = ch.is_valid().to_numpy(zero_copy_only=False)
        pos += k
    if ok is None:
        return Column._wrap(values, None, 0)
    nulls = int(n - np.count_nonzero(ok))
    return Column._wrap(values, pack_validity(ok) if nulls else None, nulls)


# ------------------------------------------------------------------ Table <-> Arrow


def index_to_arrow(t: Table) -> Any:
    """The table's index as a pyarrow array (date32 or timestamp[ns]), or None."""
    pa = _pa()
    if t.index is None:
        return None
    if t.index_kind == "date":
        days = t.index
        if len(days) and (days.min() < -(2**31) or days.max() >= 2**31):
            raise IOFailure("a date index is outside the range of Arrow's date32", op="to-arrow")
        return pa.array(days.astype(np.int32), type=pa.int32()).cast(pa.date32())
    return pa.Array.from_buffers(pa.timestamp("ns"), len(t.index),
                                 [None, pa.py_buffer(t.index) if len(t.index) else None])


def table_to_arrow(t: Table, metadata: bool = True) -> Any:
    """A pyarrow.Table: the index first (named index_name), then the columns (shared)."""
    pa = _pa()
    arrays, names = [], []
    idx = index_to_arrow(t)
    if idx is not None:
        arrays.append(idx)
        names.append(t.index_name or t.index_kind)
    for name, col in t.items():
        arrays.append(column_to_arrow(col))
        names.append(name)
    if len(set(names)) != len(names):
        raise IOFailure(f"the index name {t.index_name!r} is also a column name", op="to-arrow")
    meta = None
    if metadata:
        import json

        meta = {b"blawk": json.dumps({"index": t.index_name, "index_kind": t.index_kind})
                .encode()}
    schema = pa.schema([pa.field(nm, a.type) for nm, a in zip(names, arrays, strict=True)],
                       metadata=meta)
    return pa.Table.from_arrays(arrays, schema=schema)


def _to_arrow_table(obj: Any) -> Any:
    pa = _pa()
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    if hasattr(obj, "__arrow_c_stream__"):
        if hasattr(pa.RecordBatchReader, "from_stream"):  # pyarrow >= 15
            return pa.RecordBatchReader.from_stream(obj).read_all()
        return pa.table(obj)
    if hasattr(obj, "__arrow_c_array__"):
        return pa.Table.from_batches([pa.record_batch(obj)])
    raise TypeMismatch(
        f"expected an Arrow table (__arrow_c_stream__), got {type(obj).__name__}",
        op="from-arrow",
    )


def table_from_arrow(obj: Any, *, index: str | bool | None = "auto", source: str | None = None,
                     op: str = "from-arrow") -> Table:
    """A Table from a pyarrow Table/RecordBatch or anything with ``__arrow_c_stream__``.

    index: ``"auto"`` (the column named in blawk's schema metadata, else pandas'
    index column, else the first column if it holds dates or timestamps), a
    column name, or False/None (no index: row numbers).
    """
    tbl = _to_arrow_table(obj)
    names = tbl.column_names
    where = f"{source}: " if source else ""
    seen: dict[str, int] = {}
    for i, nm in enumerate(names):
        if nm in seen:
            raise IOFailure(f"{where}duplicate column name {nm!r} (columns {seen[nm] + 1} and "
                            f"{i + 1})", op=op)
        seen[nm] = i
    idx_name = _pick_index(tbl, index, op, where)
    idx = None
    kind = None
    if idx_name is not None:
        arr = tbl.column(idx_name)
        idx, kind = index_from_arrow(arr, idx_name, op, where)
    cols: dict[str, Column] = {}
    for nm in names:
        if nm == idx_name:
            continue
        cols[nm] = column_from_arrow(tbl.column(nm), nm, op)
    return Table(cols, idx, index_name=idx_name, source=source, index_kind=kind) if idx is not \
        None else Table(cols, None, source=source)


def _pick_index(tbl: Any, index: Any, op: str, where: str) -> str | None:
    import json

    pa = _pa()
    if index is None or index is False:
        return None
    if isinstance(index, str) and index != "auto":
        if index not in tbl.column_names:
            raise IOFailure(f"{where}no column {index!r} to use as the index", op=op)
        return index
    meta = tbl.schema.metadata or {}
    if b"blawk" in meta:
        try:
            name = json.loads(meta[b"blawk"]).get("index")
        except ValueError:
            name = None
        if name is None or name in tbl.column_names:
            return name
    if b"pandas" in meta:
        try:
            cols = json.loads(meta[b"pandas"]).get("index_columns", [])
        except ValueError:
            cols = []
        if len(cols) == 1 and isinstance(cols[0], str) and cols[0] in tbl.column_names:
            t = tbl.schema.field(cols[0]).type
            if pa.types.is_date(t) or pa.types.is_timestamp(t):
                return cols[0]
    if tbl.num_columns:
        t = tbl.schema.field(0).type
        if pa.types.is_date(t) or pa.types.is_timestamp(t):
            return tbl.column_names[0]
    if index is True:
        raise IOFailure(f"{where}the first column holds no dates or timestamps", op=op)
    return None


def index_from_arrow(arr: Any, name: str, op: str, where: str = "") -> tuple[np.ndarray, str]:
    """(int64 values, kind) of an Arrow date/timestamp array; nulls are an IOFailure."""
    pa = _pa()
    t = arr.type
    if arr.null_count:
        pos = int(np.argmax(~arr.is_valid().to_numpy(zero_copy_only=False)))
        raise IOFailure(f"{where}index column {name!r} has a missing value (row {pos + 1} of the "
                        f"data, counting from 1)", op=op)
    if pa.types.is_date32(t):
        return np.asarray(arr.cast(pa.int32()).to_numpy(zero_copy_only=False), np.int64), "date"
    if pa.types.is_date64(t):
        ms = np.asarray(arr.cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64)
        return ms // 86_400_000, "date"
    if pa.types.is_timestamp(t):
        if t.unit != "ns":
            try:
                arr = arr.cast(pa.timestamp("ns", t.tz))
            except pa.ArrowInvalid:
                raise IOFailure(f"{where}index column {name!r} has timestamps outside the "
                                f"nanosecond range (years 1678..2261)", op=op) from None
        return np.asarray(arr.cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64), \
            "timestamp"
    raise TypeMismatch(f"{where}index column {name!r} must hold dates or timestamps, got {t}",
                       op=op)


# ------------------------------------------------------------------ pandas


def to_pandas(obj: Column | Table, nulls: str = "nan") -> Any:
    """A pandas Series (Column) or DataFrame (Table).

    nulls: ``"nan"`` -> float64 with NaN for nulls (NaN and null merge), or
    ``"na"`` -> the nullable ``Float64`` dtype with ``pd.NA`` (lossless).
    A date or timestamp index becomes a DatetimeIndex (datetime64[ns]); the
    kind is kept in ``df.attrs["blawk_index_kind"]``.
    """
    import pandas as pd

    if nulls not in ("nan", "na"):
        from .errors import BadParameter

        raise BadParameter(f"nulls must be 'nan' or 'na', got {nulls!r}", op="to-pandas")

    def series_data(c: Column) -> Any:
        if nulls == "nan":
            return c.to_numpy()
        return pd.arrays.FloatingArray(np.array(c.values), ~c.is_valid())

    if isinstance(obj, Column):
        return pd.Series(series_data(obj), copy=False)
    if not isinstance(obj, Table):
        raise TypeMismatch(f"expected a column or a table, got {type(obj).__name__}",
                           op="to-pandas")
    if obj.index is None:
        index = pd.RangeIndex(len(obj))
    else:
        if obj.index_kind == "date":
            ns = obj.index.astype("datetime64[D]").astype("datetime64[ns]")
        else:
            ns = obj.index.view("datetime64[ns]")
        index = pd.DatetimeIndex(ns, name=obj.index_name)
    df = pd.DataFrame({n: pd.Series(series_data(c), index=index, copy=False)
                       for n, c in obj.items()}, index=index)
    if obj.index_kind:
        df.attrs["blawk_index_kind"] = obj.index_kind
    return df


def column_from_pandas(s: Any, *, nan_as_null: bool = False) -> Column:
    """A Column from a pandas Series: pd.NA -> null; NaN stays NaN unless nan_as_null."""
    import pandas as pd

    arr = s.array if isinstance(s, pd.Series) else s
    if isinstance(arr, pd.api.extensions.ExtensionArray) and hasattr(arr, "_mask"):
        mask = np.asarray(arr.isna(), dtype=bool)
        values = arr.to_numpy(dtype="float64", na_value=0.0)
        return Column(values, mask=mask, nan_as_null=nan_as_null)
    values = np.asarray(s)
    if values.dtype.kind not in "fiub":
        raise TypeMismatch(f"series {getattr(s, 'name', '')!r} is not numeric "
                           f"(dtype {values.dtype})", op="from-pandas")
    return Column(values, nan_as_null=nan_as_null)


def table_from_pandas(df: Any, *, nan_as_null: bool = False,
                      index_kind: str | None = None) -> Table:
    """A Table from a pandas DataFrame.

    A DatetimeIndex becomes the index: kind from ``index_kind``, else from
    ``df.attrs["blawk_index_kind"]``, else ``"date"`` when every value is at
    midnight and tz-naive, else ``"timestamp"`` (tz-aware values are converted
    to UTC).  Any other index is dropped (row numbers).
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise TypeMismatch(f"expected a pandas DataFrame, got {type(df).__name__}",
                           op="from-pandas")
    cols: dict[str, Column] = {}
    for name in df.columns:
        if not isinstance(name, str):
            raise TypeMismatch(f"column names must be strings, got {name!r}", op="from-pandas")
        if name in cols:
            raise IOFailure(f"duplicate column name {name!r}", op="from-pandas")
        cols[name] = column_from_pandas(df[name], nan_as_null=nan_as_null)
    idx = df.index
    if isinstance(idx, pd.DatetimeIndex):
        if idx.tz is not None:
            idx = idx.tz_convert("UTC").tz_localize(None)
        ns = np.asarray(idx.as_unit("ns").asi8 if hasattr(idx, "as_unit") else idx.asi8,
                        dtype=np.int64)
        kind = index_kind or df.attrs.get("blawk_index_kind")
        if kind is None:
            kind = "date" if df.index.tz is None and not (ns % _NS_PER_DAY).any() else \
                "timestamp"
        values = ns // _NS_PER_DAY if kind == "date" else ns
        return Table(cols, values, index_name=df.index.name, index_kind=kind)
    return Table(cols)


def from_pandas(obj: Any, **kw: Any) -> Column | Table:
    """A Column (from a Series) or a Table (from a DataFrame); see the functions above."""
    import pandas as pd

    if isinstance(obj, pd.Series):
        return column_from_pandas(obj, **kw)
    return table_from_pandas(obj, **kw)
