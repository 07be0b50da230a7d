"""Structural operations: files, tables, joins, calendars, literal columns."""

from __future__ import annotations

from typing import Any

from ..column import Column
from ..errors import BadParameter, TypeMismatch
from ..registry import OpSpec, Param, check_lag, register

PRICES = '(load-csv "examples/data/prices.csv")'
HEAD3 = f"(head {PRICES} 3)"


def _table(op: str, t: Any, what: str = "table") -> Any:
    from ..table import Table

    if not isinstance(t, Table):
        raise TypeMismatch(f"{what} must be a table, got {type(t).__name__}", op=op)
    return t


def _path(op: str, path: Any) -> str:
    if not isinstance(path, str):
        raise TypeMismatch(f"path must be a string, got {type(path).__name__}", op=op)
    return path


def _flag(op: str, name: str, v: Any) -> bool:
    if v is None or isinstance(v, bool):
        return bool(v)
    raise TypeMismatch(f"{name} must be #t or nil, got {v!r}", op=op)


def _check_flag(op: str, name: str, v: Any) -> bool:
    return _flag(op, name, v)


def _check_str(op: str, name: str, v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    raise TypeMismatch(f"{name} must be a string, got {type(v).__name__}", op=op)


def _check_nulls(op: str, name: str, v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
        return list(v)
    raise TypeMismatch(f"{name} must be a string or a list of strings, got {v!r}", op=op)


def _check_index(op: str, name: str, v: Any) -> Any:
    if v in ("auto", True, False, None):
        return v
    raise BadParameter(f"index must be \"auto\", #t or nil, got {v!r}", op=op)


# ------------------------------------------------------------------ files


def _load_csv(path: Any, delimiter: Any = None, nulls: Any = None, lenient: bool = False,
              index: Any = "auto") -> Any:
    from ..io_csv import load_csv

    return load_csv(_path("load-csv", path), delimiter=delimiter, nulls=nulls, lenient=lenient,
                    index=index)


def _save(table: Any, path: Any, delimiter: Any = ",", null: Any = "NA") -> str:
    from ..io_csv import save_csv

    return save_csv(_table("save", table), _path("save", path), delimiter=delimiter, null=null)


def _load_parquet(path: Any) -> Any:
    from ..io_parquet import load_parquet

    return load_parquet(_path("load-parquet", path))


def _save_parquet(table: Any, path: Any) -> str:
    from ..io_parquet import save_parquet

    return save_parquet(_table("save-parquet", table), _path("save-parquet", path))


def _load_splayed(path: Any) -> Any:
    from ..io_splayed import load_splayed

    return load_splayed(_path("load-splayed", path))


def _save_splayed(table: Any, path: Any) -> str:
    from ..io_splayed import save_splayed

    return save_splayed(_table("save-splayed", table), _path("save-splayed", path))


register(OpSpec(
    name="load-csv", kind="structural", operands=("path",), impl=_load_csv,
    params=(Param("delimiter", None, _check_str, "one of ; , tab | (detected when nil)"),
            Param("nulls", None, _check_nulls, "null tokens (default NA N/A empty NaN null)"),
            Param("lenient", False, _check_flag, "unparseable cells become null, reported"),
            Param("index", "auto", _check_index, "first column as date index: auto, #t, nil")),
    doc="Read a CSV file into a table. The delimiter is detected among ; , tab | unless given; "
        "a first column of YYYY-MM-DD dates or ISO timestamps becomes the index; every other "
        "column is float64. A cell that is not a number or a null token, or an invalid date, is "
        "an error naming the row (the header is row 1) and column, unless :lenient #t.",
    example='(col (load-csv "examples/data/prices.csv" :delimiter "," :nulls ["NA"]) "px")',
    example_result=None,
    null_rule="configured null tokens (NA, N/A, empty, NaN, null) become nulls",
    python_name="load_csv",
))
register(OpSpec(
    name="save", kind="structural", operands=("table", "path"), impl=_save,
    params=(Param("delimiter", ",", _check_str, "the field separator"),
            Param("null", "NA", _check_str, "the text written for a null")),
    doc="Write a table as CSV and return the path: shortest round-trip floats (the same bits "
        "read back), -0, inf, -inf and nan kept, nulls as NA; written to a temporary file and "
        "renamed, so a failure never leaves a partial file.",
    example=f'(col (load-csv (save {HEAD3} "blawk-example-prices.csv")) "px")',
    example_result=[100.5514, 102.6145, 100.0253], null_rule="nulls written as the null token",
    python_name="save_csv", aliases=("save-csv",),
))
register(OpSpec(
    name="load-parquet", kind="structural", operands=("path",), impl=_load_parquet,
    doc="Read a Parquet file into a table (index restored from blawk's metadata, pandas' "
        "metadata or a first date/timestamp column).",
    example=f'(col (load-parquet (save-parquet {HEAD3} "blawk-example-prices.parquet")) '
            f'"es")',
    example_result=[2018.3517, 2035.2804, 2042.6664], null_rule="Parquet nulls are nulls",
    python_name="load_parquet",
))
register(OpSpec(
    name="save-parquet", kind="structural", operands=("table", "path"), impl=_save_parquet,
    doc="Write a table as Parquet (index first, values bit for bit) and return the path; "
        "atomic like save.",
    example=f'(save-parquet {HEAD3} "blawk-example-prices.parquet")',
    example_result=None, null_rule="nulls stored as Parquet nulls", python_name="save_parquet",
))
register(OpSpec(
    name="load-splayed", kind="structural", operands=("path",), impl=_load_splayed,
    doc="Open a splayed table (a directory with one raw little-endian file per column, its "
        "validity bitmap and a schema) memory-mapped: no copies, only touched pages are read.",
    example=f'(col (load-splayed (save-splayed {HEAD3} "blawk-example-prices")) "ty")',
    example_result=[124.276, 123.9775, 124.1144], null_rule="validity bitmaps are kept",
    python_name="load_splayed",
))
register(OpSpec(
    name="save-splayed", kind="structural", operands=("table", "path"), impl=_save_splayed,
    doc="Write a table as a splayed directory and return its path; written under a temporary "
        "name and renamed into place (an existing splayed table there is replaced).",
    example=f'(save-splayed {HEAD3} "blawk-example-prices")',
    example_result=None, null_rule="validity bitmaps are written", python_name="save_splayed",
))


# ------------------------------------------------------------------ tables


def _col(table: Any, name: Any) -> Any:
    _table("col", table)
    if not isinstance(name, str):
        raise TypeMismatch(f"name must be a string, got {type(name).__name__}", op="col")
    return table.column(name)


def _column(*values: Any) -> Column:
    vals = []
    for i, v in enumerate(values):
        if v is None or isinstance(v, (int, float)) and not isinstance(v, bool):
            vals.append(v)
        else:
            raise TypeMismatch(f"element {i + 1} must be a number, got {type(v).__name__}",
                               op="column")
    return Column(vals)


def _names(op: str, names: tuple[Any, ...]) -> list[str]:
    out: list[str] = []
    for nm in names:
        if isinstance(nm, (list, tuple)):
            out.extend(_names(op, tuple(nm)))
        elif isinstance(nm, str):
            out.append(nm)
        else:
            raise TypeMismatch(f"column names must be strings, got {nm!r}", op=op)
    return out


def _select(table: Any, *names: Any) -> Any:
    return _table("select", table).select(_names("select", names))


def _drop(table: Any, *names: Any) -> Any:
    return _table("drop", table).drop(_names("drop", names))


def _rename(table: Any, *pairs: Any) -> Any:
    t = _table("rename", table)
    flat = _names("rename", pairs)
    if len(flat) % 2:
        raise BadParameter("give old and new names in pairs: (rename t \"old\" \"new\" ...)",
                           op="rename")
    return t.rename(dict(zip(flat[::2], flat[1::2], strict=True)))


def _with_col(table: Any, name: Any, column: Any) -> Any:
    return _table("with-col", table).with_col(name, column)


def _head(table: Any, n: int = 10) -> Any:
    return _table("head", table).head(n)


def _tail(table: Any, n: int = 10) -> Any:
    return _table("tail", table).tail(n)


def _filter(table: Any, mask: Any) -> Any:
    return _table("filter", table).filter(mask)


def _sort_by(table: Any, key: Any = None, descending: bool = False) -> Any:
    if key is not None and not isinstance(key, str):
        raise TypeMismatch(f"key must be a column name or nil (the index), got {key!r}",
                           op="sort-by")
    return _table("sort-by", table).sort_by(key, descending=descending)


def _xminus(table: Any, ordered: bool = False) -> Any:
    return _table("xminus", table).xminus(ordered=ordered)


register(OpSpec(
    name="col", kind="structural", operands=("table", "name"), impl=_col,
    doc="The column `name` of a table.", example=f'(col {PRICES} "px")',
    example_result=None, null_rule="unchanged", python_name="table_col",
))
register(OpSpec(
    name="column", kind="structural", operands=("values",), impl=_column, variadic=True,
    doc="A column from literal numbers (nil for null).", example="(column 1 2 3)",
    example_result=[1.0, 2.0, 3.0], null_rule="nil elements are null", python_name="column",
))
register(OpSpec(
    name="select", kind="structural", operands=("table", "names"), impl=_select, variadic=True,
    min_operands=2,
    doc="A table with only the named columns, in the order given (names or lists of names).",
    example=f'(col (select {HEAD3} "es" "px") "es")',
    example_result=[2018.3517, 2035.2804, 2042.6664], null_rule="unchanged",
    python_name="table_select",
))
register(OpSpec(
    name="drop", kind="structural", operands=("table", "names"), impl=_drop, variadic=True,
    min_operands=2, doc="A table without the named columns.",
    example=f'(col (drop {HEAD3} "px" "es") "nq")',
    example_result=[4338.5596, 4412.9971, 4450.2331], null_rule="unchanged",
    python_name="table_drop",
))
register(OpSpec(
    name="rename", kind="structural", operands=("table", "pairs"), impl=_rename, variadic=True,
    min_operands=3, doc="Rename columns: (rename t \"old\" \"new\" ...); order is kept.",
    example=f'(col (rename {HEAD3} "px" "price") "price")',
    example_result=[100.5514, 102.6145, 100.0253], null_rule="unchanged",
    python_name="table_rename",
))
register(OpSpec(
    name="with-col", kind="structural", operands=("table", "name", "column"), impl=_with_col,
    doc="The table with a column added (or replaced, keeping its place); the column may be a "
        "lazy expression (computed now) or a number (every row).",
    example=f'(col (with-col {HEAD3} "two" 2) "two")', example_result=[2.0, 2.0, 2.0],
    null_rule="unchanged", python_name="with_col",
))
register(OpSpec(
    name="head", kind="structural", operands=("table",), impl=_head,
    params=(Param("n", 10, check_lag, "how many rows (>= 0)"),),
    doc="The first n rows of a table.", example=f'(col (head {PRICES} 2) "px")',
    example_result=[100.5514, 102.6145], null_rule="unchanged", python_name="head",
))
register(OpSpec(
    name="tail", kind="structural", operands=("table",), impl=_tail,
    params=(Param("n", 10, check_lag, "how many rows (>= 0)"),),
    doc="The last n rows of a table.", example=f'(col (tail {PRICES} 1) "px")',
    example_result=[158.4873], null_rule="unchanged", python_name="tail",
))
register(OpSpec(
    name="filter", kind="structural", operands=("table", "mask"), impl=_filter,
    aliases=("where-rows",),
    doc="The rows of a table where the mask is 1 / true (a bool column or a 0/1 column; a "
        "null drops the row).",
    example=f'(col (filter (head {PRICES} 7) (weekdays (head {PRICES} 7))) "px")',
    example_result=[100.5514, 98.7022, 100.3433, 100.9647, 99.8015],
    null_rule="a null mask element drops the row", python_name="table_filter",
))
register(OpSpec(
    name="sort-by", kind="structural", operands=("table",), impl=_sort_by,
    params=(Param("key", None, _check_str, "a column name (nil: the index)"),
            Param("descending", False, _check_flag, "largest first")),
    doc="The rows ordered by a column (or by the index); stable; nulls last, then NaN.",
    example=f'(col (sort-by {HEAD3} "px" :descending #t) "px")',
    example_result=[102.6145, 100.5514, 100.0253], null_rule="nulls sort last",
    python_name="sort_by",
))
register(OpSpec(
    name="xminus", kind="structural", operands=("table",), impl=_xminus,
    params=(Param("ordered", False, _check_flag, "both A-B and B-A"),),
    doc="All pairwise column differences, named \"A-B\": each unordered pair once (A before B "
        "in column order), or every ordered pair with :ordered #t.",
    example=f'(col (xminus (select {HEAD3} "px" "ty")) "px-ty")', example_result=None,
    null_rule="elementwise: null where either column is null", python_name="xminus",
))


# ------------------------------------------------------------------ joins and time


def _join(op: str) -> Any:
    def impl(left: Any, right: Any, sort: bool = False) -> Any:
        from .. import joins

        _table(op, left, "left")
        _table(op, right, "right")
        return getattr(joins, op)(left, right, sort=sort)

    return impl


_SORT = (Param("sort", False, _check_flag, "sort the looked-up table's index first"),)
_QUOTES = f'(filter {HEAD3} (weekdays {HEAD3}))'

register(OpSpec(
    name="aj", kind="structural", operands=("left", "right"), impl=_join("aj"), params=_SORT,
    doc="As-of join: for each row of right, the last row of left whose key is <= right's key "
        "(never a later one); right's index, left's columns then right's. Names on both sides "
        "get _left/_right. left's index must be sorted unless :sort #t.",
    example=f'(col (aj {_QUOTES} (rename {HEAD3} "px" "p2" "es" "e2" "nq" "n2" "ty" "t2")) "px")',
    example_result=[100.5514, 100.5514, 100.5514], null_rule="null where left has no row <= key",
    python_name="aj", aliases=("asof-join",),
))
register(OpSpec(
    name="mapr", kind="structural", operands=("left", "right"), impl=_join("mapr"),
    params=_SORT,
    doc="Exact-key right join: for each row of right, the row of left with the same key; "
        "right's index, left's columns (null where the key is missing) then right's.",
    example=f'(col (mapr {_QUOTES} (select {HEAD3} "ty")) "px")',
    example_result=[100.5514, None, None], null_rule="null where left lacks the key",
    python_name="mapr",
))
register(OpSpec(
    name="lj", kind="structural", operands=("left", "right"), impl=_join("lj"), params=_SORT,
    doc="Left join: for each row of left, the row of right with the same key; left's index, "
        "left's columns then right's (null where right lacks the key).",
    example=f'(col (lj (select {HEAD3} "ty") (select {_QUOTES} "px")) "px")',
    example_result=[100.5514, None, None], null_rule="null where right lacks the key",
    python_name="lj", aliases=("left-join",),
))


def _weekdays(table: Any) -> Column:
    from ..calendar import weekdays

    return weekdays(_table("weekdays", table))


def _weekends(table: Any) -> Column:
    from ..calendar import weekends

    return weekends(_table("weekends", table))


def _calendar_mask(table: Any, spec: Any) -> Column:
    from ..calendar import mask

    return mask(_table("calendar-mask", table), spec)


def _resample(table: Any, rule: Any = "W", how: Any = "last", label: Any = "end") -> Any:
    from ..calendar import resample

    return resample(_table("resample", table), rule, how, label=label)


register(OpSpec(
    name="weekdays", kind="structural", operands=("table",), impl=_weekdays,
    doc="A 0/1 mask over a table's rows: 1 where the index falls Monday to Friday.",
    example=f"(weekdays (head {PRICES} 7))", example_result=[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0],
    null_rule="never null", python_name="weekdays",
))
register(OpSpec(
    name="weekends", kind="structural", operands=("table",), impl=_weekends,
    doc="A 0/1 mask over a table's rows: 1 where the index falls on Saturday or Sunday.",
    example=f"(weekends (head {PRICES} 4))", example_result=[0.0, 1.0, 1.0, 0.0],
    null_rule="never null", python_name="weekends",
))
register(OpSpec(
    name="calendar-mask", kind="structural", operands=("table", "spec"), impl=_calendar_mask,
    doc="A 0/1 mask from named day sets (weekdays, weekends, monday..sunday, month-end, "
        "month-start) combined with and, or, not and parentheses.",
    example=f'(calendar-mask (head {PRICES} 4) "weekends or friday")',
    example_result=[1.0, 1.0, 1.0, 0.0], null_rule="never null", python_name="calendar_mask",
))
register(OpSpec(
    name="resample", kind="structural", operands=("table",), impl=_resample,
    params=(Param("rule", "W", _check_str, "D W M Q Y, or a width such as 5min, 1h"),
            Param("how", "last", _check_str, "last first sum mean min max count ohlc"),
            Param("label", "end", _check_str, "end, start or last (the last index present)")),
    doc="Reduce every column per time bucket (day, ISO week, month, quarter, year, or a fixed "
        "width), skipping nulls: last, first, sum, mean, min, max, count, or ohlc (four "
        "columns per column). Buckets are labelled by their calendar end by default.",
    example=f'(col (resample (head {PRICES} 10) "W" "last") "px")',
    example_result=[100.0253, 101.2679], null_rule="skips nulls; a bucket without values is null",
    python_name="resample",
))
