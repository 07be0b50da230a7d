"""Table: an index (dates, timestamps or row numbers) plus named float64 columns.

The index is an int64 array: days since 1970-01-01 (``index_kind="date"``), or
nanoseconds since the epoch, UTC (``"timestamp"``), or absent (rows are
numbered 0..n-1).  Columns are :class:`~blawk.column.Column` objects of the
table's length.  Tables are immutable: every operation returns a new table
that shares the columns it did not change.

Example:
    >>> import numpy as np
    >>> from blawk.table import Table
    >>> from blawk.column import Column
    >>> t = Table({"a": Column([1.0, 2.0, None]), "b": Column([0.5, 0.25, 4.0])},
    ...           index=np.array(["2024-01-05", "2024-01-06", "2024-01-08"], "datetime64[D]"))
    >>> t
    Table(rows=3, index=date, columns=2)
          date     a     b
    2024-01-05     1   0.5
    2024-01-06     2  0.25
    2024-01-08  null     4
    >>> t.column("a").to_list()
    [1.0, 2.0, None]
    >>> t.xminus().names
    ['a-b']
    >>> t.filter(np.array([True, False, True])).column("b").to_list()
    [0.5, 4.0]
"""

from __future__ import annotations

import difflib
import html
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .column import Column, _fmt, aligned_empty, pack_validity
from .errors import BadParameter, ShapeError, TypeMismatch, UnknownName

INDEX_KINDS = ("date", "timestamp")
_NS_PER_DAY = 86_400_000_000_000

#: rows shown at each end by repr / _repr_html_
REPR_ROWS = 5
#: columns shown by repr / _repr_html_ before eliding
REPR_COLUMNS = 12


# ------------------------------------------------------------------ column helpers


def take(col: Column, sel: np.ndarray | slice) -> Column:
    """The elements of `col` at `sel` (an int array, a bool mask or a slice), as a new
    aligned Column.  Negative integers in an int array mean "null here" (used by joins)."""
    vals = col.values
    if isinstance(sel, slice):
        picked = vals[sel]
        out = aligned_empty(len(picked))
        out[:] = picked
        if col.validity is None:
            return Column._wrap(out, None, 0)
        ok = col.is_valid()[sel]
        return _wrap_ok(out, ok)
    sel = np.asarray(sel)
    if sel.dtype == bool:
        k = int(np.count_nonzero(sel))
        out = aligned_empty(k)
        np.compress(sel, vals, out=out)
        if col.validity is None:
            return Column._wrap(out, None, 0)
        return _wrap_ok(out, col.is_valid()[sel])
    idx = sel.astype(np.intp, copy=False)
    out = aligned_empty(len(idx))
    missing = idx < 0
    any_missing = bool(missing.any())
    if any_missing:
        safe = np.where(missing, 0, idx) if len(vals) else np.zeros_like(idx)
        if len(vals):
            np.take(vals, safe, out=out)
        out[missing] = 0.0
    else:
        np.take(vals, idx, out=out)
    if col.validity is None and not any_missing:
        return Column._wrap(out, None, 0)
    ok = col.is_valid()[np.where(missing, 0, idx)] if len(vals) else np.zeros(len(idx), bool)
    if any_missing:
        ok &= ~missing
    return _wrap_ok(out, ok)


def _wrap_ok(values: np.ndarray, ok: np.ndarray) -> Column:
    nulls = int(len(ok) - np.count_nonzero(ok))
    if nulls == 0:
        return Column._wrap(values, None, 0)
    return Column._wrap(values, pack_validity(ok), nulls)


def _as_column(v: Any, what: str) -> Column:
    from .expr import Expr, materialize

    if isinstance(v, Expr):
        v = materialize(v)
    if isinstance(v, Column):
        return v
    if isinstance(v, (np.ndarray, list, tuple)):
        return Column(v)
    raise TypeMismatch(f"{what} must be a column, got {type(v).__name__}")


def mask_to_bool(mask: Any, n: int, op: str = "filter") -> np.ndarray:
    """A keep-mask as a bool array of length n.

    Accepts a numpy bool array, a Column (or lazy expression) holding 0/1
    (null = not kept), or anything with ``to_numpy()`` and ``is_valid()`` (a
    bit-packed bool column).
    """
    from .expr import Expr, materialize

    if isinstance(mask, Expr):
        mask = materialize(mask)
    if isinstance(mask, np.ndarray) and mask.dtype == bool:
        keep = mask
    elif isinstance(mask, Column):
        vals = mask.values
        ok = mask.is_valid()
        bad = ok & (vals != 0.0) & (vals != 1.0)
        if bad.any():
            i = int(np.argmax(bad))
            raise BadParameter(
                f"mask must hold 0/1 (or be a bool column), got {_fmt(float(vals[i]))} at row {i}",
                op=op,
            )
        keep = ok & (vals == 1.0)
    elif hasattr(mask, "to_numpy") and hasattr(mask, "is_valid"):
        keep = np.asarray(mask.to_numpy(), dtype=bool) & np.asarray(mask.is_valid(), dtype=bool)
    elif isinstance(mask, (list, tuple)) and all(isinstance(b, (bool, np.bool_)) for b in mask):
        keep = np.asarray(mask, dtype=bool)
    else:
        raise TypeMismatch(
            f"mask must be a bool array or a 0/1 column, got {type(mask).__name__}", op=op
        )
    keep = np.asarray(keep)
    if keep.shape != (n,):
        raise ShapeError(f"mask has {keep.size} elements, the table has {n} rows", op=op)
    return keep


def _index_array(index: Any, kind: str | None) -> tuple[np.ndarray | None, str | None]:
    if index is None:
        return None, None
    arr = np.asarray(index)
    if arr.ndim != 1:
        raise ShapeError(f"index must be one-dimensional, got shape {arr.shape}", op="table")
    if arr.dtype.kind == "M":
        unit = np.datetime_data(arr.dtype)[0]
        if kind is None:
            kind = "date" if unit in ("D", "W", "M", "Y") else "timestamp"
        if np.isnat(arr).any():
            raise BadParameter("index must not contain NaT", op="table")
        arr = arr.astype("datetime64[D]" if kind == "date" else "datetime64[ns]").view(np.int64)
    elif arr.dtype.kind in "iu":
        if kind is None:
            raise BadParameter(
                "an integer index needs index_kind='date' (days since 1970-01-01) or "
                "'timestamp' (ns since the epoch)",
                op="table",
            )
        arr = arr.astype(np.int64, copy=False)
    elif len(arr) == 0:
        arr = np.zeros(0, np.int64)
        kind = kind or "date"
    else:
        raise TypeMismatch(
            f"index must be datetime64 or int64 (days or ns), got dtype {arr.dtype}", op="table"
        )
    if kind not in INDEX_KINDS:
        raise BadParameter(f"index_kind must be 'date' or 'timestamp', got {kind!r}", op="table")
    if arr.flags.writeable:
        arr = np.array(arr, dtype=np.int64)
        arr.flags.writeable = False
    return arr, kind


def format_index(values: np.ndarray, kind: str | None) -> list[str]:
    """Index values as text: YYYY-MM-DD for dates, ISO 8601 for timestamps."""
    if kind == "date":
        return [str(d) for d in values.astype("datetime64[D]")]
    if kind == "timestamp":
        out = []
        for v in values.tolist():
            s = str(np.datetime64(v, "ns")).replace("T", " ")
            if "." in s:
                s = s.rstrip("0").rstrip(".")
            out.append(s)
        return out
    return [str(int(v)) for v in values]


# ------------------------------------------------------------------ the table


class Table:
    """Named float64 columns of one length, with an optional date/timestamp index.

    Args:
        columns: name -> Column (numpy arrays and lists are turned into Columns).
        index: None (row numbers), a datetime64 array, or an int64 array with
            ``index_kind`` (days since 1970-01-01 or ns since the epoch).
        index_name: the index's name (written as the first CSV column); defaults
            to ``"date"`` / ``"timestamp"``.
        index_kind: ``"date"`` or ``"timestamp"``; inferred from a datetime64 index.
        source: where the table came from (a file name), used in error messages.
    """

    __slots__ = ("_columns", "index", "index_name", "index_kind", "source")

    def __init__(
        self,
        columns: Mapping[str, Any] | None = None,
        index: Any = None,
        index_name: str | None = None,
        source: str | None = None,
        *,
        index_kind: str | None = None,
    ) -> None:
        cols: dict[str, Column] = {}
        for name, c in (columns or {}).items():
            if not isinstance(name, str):
                raise TypeMismatch(f"column names must be strings, got {name!r}", op="table")
            cols[name] = c if isinstance(c, Column) else _as_column(c, f"column {name!r}")
        idx, kind = _index_array(index, index_kind)
        lengths = {len(c) for c in cols.values()}
        if idx is not None:
            lengths.add(len(idx))
        if len(lengths) > 1:
            detail = ", ".join(f"{k}: {len(c)}" for k, c in cols.items())
            if idx is not None:
                detail += f", index: {len(idx)}"
            raise ShapeError(f"table columns have different lengths ({detail})", op="table")
        self._columns = cols
        self.index = idx
        self.index_kind = kind
        self.index_name = (index_name or kind) if idx is not None else None
        self.source = source

    def _like(self, columns: dict[str, Column], index: np.ndarray | None | bool = True) -> Table:
        """A table with this one's index (or `index`) and the given columns."""
        t = object.__new__(Table)
        t._columns = columns
        if index is True:
            t.index = self.index
        else:
            t.index = index  # type: ignore[assignment]
            if t.index is not None and t.index.flags.writeable:
                t.index.flags.writeable = False
        t.index_kind = self.index_kind if t.index is not None else None
        t.index_name = self.index_name if t.index is not None else None
        t.source = self.source
        return t

    # ------------------------------------------------------------ basics
    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return list(self._columns)

    @property
    def columns(self) -> dict[str, Column]:
        """A new dict name -> Column (the columns themselves are shared, immutable)."""
        return dict(self._columns)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns); the index is not counted as a column."""
        return len(self), len(self._columns)

    def __len__(self) -> int:
        if self.index is not None:
            return len(self.index)
        return len(next(iter(self._columns.values()))) if self._columns else 0

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def items(self) -> Iterable[tuple[str, Column]]:
        """(name, Column) pairs in order."""
        return self._columns.items()

    def column(self, name: str) -> Column:
        """The column called `name`; UnknownName (with a suggestion) if there is none."""
        try:
            return self._columns[name]
        except (KeyError, TypeError):
            if not isinstance(name, str):
                raise TypeMismatch(
                    f"column name must be a string, got {type(name).__name__}", op="col"
                ) from None
            raise self._unknown(name, "col") from None

    col = column

    def _unknown(self, name: str, op: str) -> UnknownName:
        close = difflib.get_close_matches(name, self.names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        where = f" in {self.source}" if self.source else ""
        return UnknownName(
            f"no column {name!r}{where} (columns: {', '.join(self.names)}){hint}", op=op
        )

    def __getitem__(self, key: str | list[str]) -> Any:
        if isinstance(key, list):
            return self.select(*key)
        return self.column(key)

    def index_values(self) -> np.ndarray:
        """The index as datetime64[D] / datetime64[ns], or row numbers (int64)."""
        if self.index is None:
            return np.arange(len(self), dtype=np.int64)
        return self.index.view("datetime64[D]" if self.index_kind == "date" else "datetime64[ns]")

    def equals(self, other: Any) -> bool:
        """Same index (kind, name, values), same column names in order, equal columns
        (Column.equals: same nulls, bit-identical values)."""
        if not isinstance(other, Table) or self.names != other.names or len(self) != len(other):
            return False
        if (self.index is None) != (other.index is None):
            return False
        if self.index is not None:
            if self.index_kind != other.index_kind or self.index_name != other.index_name:
                return False
            if not np.array_equal(self.index, other.index):  # type: ignore[arg-type]
                return False
        return all(c.equals(other._columns[k]) for k, c in self._columns.items())

    # ------------------------------------------------------------ column ops
    def _names_arg(self, names: Iterable[Any], op: str) -> list[str]:
        out: list[str] = []
        for nm in names:
            if isinstance(nm, (list, tuple)):
                out.extend(self._names_arg(nm, op))
                continue
            if not isinstance(nm, str):
                raise TypeMismatch(f"column names must be strings, got {nm!r}", op=op)
            if nm not in self._columns:
                raise self._unknown(nm, op)
            out.append(nm)
        return out

    def select(self, *names: str | list[str]) -> Table:
        """The named columns, in the order given (a list may be passed too)."""
        wanted = self._names_arg(names, "select")
        dup = [n for n in set(wanted) if wanted.count(n) > 1]
        if dup:
            raise BadParameter(f"column {dup[0]!r} selected twice", op="select")
        return self._like({n: self._columns[n] for n in wanted})

    def drop(self, *names: str | list[str]) -> Table:
        """Every column except the named ones."""
        gone = set(self._names_arg(names, "drop"))
        return self._like({n: c for n, c in self._columns.items() if n not in gone})

    def rename(self, mapping: Mapping[str, str] | None = None, **kw: str) -> Table:
        """Rename columns: ``t.rename({"px": "price"})``; order is kept.

        Renaming the index is ``t.rename(index="name")`` only when no column is
        called ``index``; use ``with_index_name`` otherwise.
        """
        m = dict(mapping or {})
        m.update(kw)
        self._names_arg(m.keys(), "rename")
        for new in m.values():
            if not isinstance(new, str):
                raise TypeMismatch(f"new column names must be strings, got {new!r}", op="rename")
        out: dict[str, Column] = {}
        for n, c in self._columns.items():
            new = m.get(n, n)
            if new in out:
                raise BadParameter(f"rename would make two columns called {new!r}", op="rename")
            out[new] = c
        return self._like(out)

    def with_index_name(self, name: str) -> Table:
        """The same table with the index called `name`."""
        t = self._like(dict(self._columns))
        if t.index is not None:
            t.index_name = name
        return t

    def with_col(self, name: str, column: Any) -> Table:
        """Add a column (or replace the one called `name`, in place in the order).

        `column` may be a Column, a lazy expression (computed now), a numpy
        array or a number (broadcast to every row).
        """
        if not isinstance(name, str):
            raise TypeMismatch(f"name must be a string, got {type(name).__name__}", op="with-col")
        if isinstance(column, (int, float, np.floating, np.integer)) and not isinstance(
            column, bool
        ):
            vals = aligned_empty(len(self))
            vals[:] = float(column)
            col = Column._wrap(vals, None, 0)
        else:
            col = _as_column(column, "with-col: column")
        if (self._columns or self.index is not None) and len(col) != len(self):
            raise ShapeError(
                f"column {name!r} has {len(col)} rows, the table has {len(self)}", op="with-col"
            )
        out = dict(self._columns)
        out[name] = col
        return self._like(out)

    def map_columns(self, fn: Callable[[Column], Any]) -> Table:
        """Apply `fn` to every column (kdb's each): same index, same names.

        `fn` may return a Column or a lazy expression (computed here); each
        result must have the table's length.
        """
        out: dict[str, Column] = {}
        for n, c in self._columns.items():
            r = fn(c)
            col = _as_column(r, f"map_columns: result for column {n!r}")
            if len(col) != len(self):
                raise ShapeError(
                    f"the function gave {len(col)} rows for column {n!r}, the table has "
                    f"{len(self)}",
                    op="map-columns",
                )
            out[n] = col
        return self._like(out)

    # ------------------------------------------------------------ row ops
    def _rows(self, sel: np.ndarray | slice) -> Table:
        idx = None if self.index is None else self.index[sel]
        if idx is not None:
            idx = np.array(idx)
        return self._like({n: take(c, sel) for n, c in self._columns.items()}, idx)

    def head(self, n: int = 10) -> Table:
        """The first n rows (all of them if n >= len)."""
        n = _check_count(n, "head")
        return self._rows(slice(0, min(n, len(self))))

    def tail(self, n: int = 10) -> Table:
        """The last n rows (all of them if n >= len)."""
        n = _check_count(n, "tail")
        total = len(self)
        return self._rows(slice(total - min(n, total), total))

    def filter(self, mask: Any) -> Table:
        """The rows where `mask` is true (a bool array, a 0/1 column, a bool column).

        A null mask element drops the row.
        """
        return self._rows(mask_to_bool(mask, len(self), "filter"))

    keep = filter

    def sort_by(self, key: str | None = None, *, descending: bool = False) -> Table:
        """Rows ordered by a column (or the index when `key` is None); stable.

        Nulls go last, then NaN (after +inf), in both directions.
        """
        if key is None:
            if self.index is None:
                return self._like(dict(self._columns))
            order = np.argsort(-self.index if descending else self.index, kind="stable")
        else:
            c = self.column(key) if isinstance(key, str) else None
            if c is None:
                raise TypeMismatch(f"key must be a column name, got {key!r}", op="sort-by")
            vals = c.values
            nullflag = ~c.is_valid()
            keyvals = np.where(nullflag, 0.0, vals)
            order = np.lexsort((-keyvals if descending else keyvals, nullflag))
        return self._rows(order)

    def xminus(self, *, ordered: bool = False, names: list[str] | None = None) -> Table:
        """All pairwise differences A-B of the columns (or of `names`), named ``"A-B"``.

        Unordered (default): each pair once, A before B in column order.
        Ordered: every A != B, so both ``A-B`` and ``B-A``.
        """
        from . import api  # noqa: F401  (installs Column arithmetic)

        cols = self._names_arg(names, "xminus") if names is not None else self.names
        out: dict[str, Column] = {}
        for i, a in enumerate(cols):
            for j, b in enumerate(cols):
                if i == j or (not ordered and j < i):
                    continue
                name = f"{a}-{b}"
                if name in out:
                    raise BadParameter(f"two pairs would both be named {name!r}", op="xminus")
                out[name] = self._columns[a] - self._columns[b]  # type: ignore[operator]
        return self._like(out)

    # ------------------------------------------------------------ conversion
    def to_pandas(self, nulls: str = "nan") -> Any:
        """A pandas DataFrame; see :func:`blawk.interop.to_pandas`."""
        from .interop import to_pandas

        return to_pandas(self, nulls=nulls)

    @classmethod
    def from_pandas(cls, df: Any, **kw: Any) -> Table:
        """A Table from a pandas DataFrame; see :func:`blawk.interop.from_pandas`."""
        from .interop import table_from_pandas

        return table_from_pandas(df, **kw)

    def to_arrow(self) -> Any:
        """A pyarrow.Table (the index first); values are shared, not copied."""
        from .interop import table_to_arrow

        return table_to_arrow(self)

    @classmethod
    def from_arrow(cls, obj: Any, **kw: Any) -> Table:
        """A Table from anything speaking the Arrow stream protocol (pyarrow, polars)."""
        from .interop import table_from_arrow

        return table_from_arrow(obj, **kw)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        from .interop import table_to_arrow

        return table_to_arrow(self).__arrow_c_stream__(requested_schema)

    # ------------------------------------------------------------ display
    def _grid(self) -> tuple[list[str], list[list[str]], list[int]]:
        """Header, rows of cell texts (None row = ellipsis), positions shown."""
        n = len(self)
        rows = list(range(n)) if n <= 2 * REPR_ROWS else [
            *range(REPR_ROWS), -1, *range(n - REPR_ROWS, n)]
        names = self.names
        shown = names if len(names) <= REPR_COLUMNS else [
            *names[: REPR_COLUMNS - 2], "...", *names[-2:]]
        real = [r for r in rows if r >= 0]
        idx = self.index[real] if self.index is not None else np.array(real, dtype=np.int64)
        idx_txt = iter(format_index(idx, self.index_kind))
        cells: list[list[str]] = []
        cache: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        for r in rows:
            if r < 0:
                cells.append(["..."] * (len(shown) + 1))
                continue
            line = [next(idx_txt)]
            for nm in shown:
                if nm == "..." and nm not in self._columns:
                    line.append("...")
                    continue
                if nm not in cache:
                    c = self._columns[nm]
                    cache[nm] = (c.values, None if c.validity is None else c.is_valid())
                vals, ok = cache[nm]
                line.append("null" if ok is not None and not ok[r] else _fmt(float(vals[r])))
            cells.append(line)
        head = [self.index_name or "", *shown]
        return head, cells, rows

    def __repr__(self) -> str:
        kind = self.index_kind or "row number"
        top = f"Table(rows={len(self)}, index={kind}, columns={len(self._columns)})"
        head, cells, _ = self._grid()
        widths = [max(len(x) for x in col) for col in zip(head, *cells, strict=True)]
        lines = [top]
        for row in [head, *cells]:
            lines.append("  ".join(x.rjust(w) for x, w in zip(row, widths, strict=True)))
        return "\n".join(line.rstrip() for line in lines)

    def _repr_html_(self) -> str:
        head, cells, _ = self._grid()
        kind = self.index_kind or "row number"
        esc = html.escape
        out = ['<table class="blawk-table">',
               f"<caption>Table: {len(self)} rows &times; {len(self._columns)} columns, "
               f"index: {esc(kind)}</caption>",
               "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr></thead>",
               "<tbody>"]
        for row in cells:
            out.append("<tr><th>" + esc(row[0]) + "</th>"
                       + "".join(f"<td>{esc(x)}</td>" for x in row[1:]) + "</tr>")
        out.append("</tbody></table>")
        return "".join(out)


def column_html(col: Column) -> str:
    """The HTML shown for a Column in Jupyter: row numbers and values (ends only)."""
    n = len(col)
    rows = list(range(n)) if n <= 2 * REPR_ROWS else [
        *range(REPR_ROWS), -1, *range(n - REPR_ROWS, n)]
    ok = col.is_valid() if col.validity is not None else None
    out = ['<table class="blawk-column">',
           f"<caption>Column: float64, {n} rows, {col.null_count} nulls</caption><tbody>"]
    for r in rows:
        if r < 0:
            out.append("<tr><th>...</th><td>...</td></tr>")
            continue
        v = "null" if ok is not None and not ok[r] else _fmt(float(col.values[r]))
        out.append(f"<tr><th>{r}</th><td>{html.escape(v)}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _check_count(n: Any, op: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer, float)):
        raise BadParameter(f"n must be a non-negative integer, got {n!r}", op=op)
    if isinstance(n, float):
        if not (math.isfinite(n) and n.is_integer()):
            raise BadParameter(f"n must be a non-negative integer, got {n!r}", op=op)
    if int(n) < 0:
        raise BadParameter(f"n must be a non-negative integer, got {int(n)}", op=op)
    return int(n)
