"""Calendar masks and resampling on a date or timestamp index.

Masks are 0/1 float Columns over a table's rows (1 = the row is in), with no
nulls, so they filter directly (``table.filter(weekdays(table))``) and combine
with :func:`mask_and`, :func:`mask_or`, :func:`mask_not` (null in an input
counts as 0).  Days are calendar days of the index value in UTC (a timestamp
at 23:30 on a Friday is a Friday).

Named masks: ``weekdays`` (Mon-Fri), ``weekends`` (Sat, Sun), ``monday`` ..
``sunday``, ``month-end`` / ``month-start`` (the last / first row of each
calendar month present in the data).  :func:`mask` takes a name or an
expression of names with ``and``, ``or``, ``not`` and parentheses:
``mask(t, "weekdays and not friday")``.

Resampling (:func:`resample`) groups rows into buckets -- ``D`` (day), ``W``
(ISO week, Monday to Sunday), ``M`` (calendar month), ``Q`` (quarter), ``Y``
(year), or for timestamps a fixed width such as ``5min``, ``1h``, ``30s``,
``100ms`` -- and reduces each column per bucket, skipping nulls: ``last`` /
``first`` (the last / first valid value), ``sum``, ``mean``, ``min``, ``max``,
``count``, ``ohlc`` (four columns ``name_open``, ``name_high``, ``name_low``,
``name_close``).  A bucket with no valid value is null (``count``: 0).  NaN is a
value: it propagates through sum, mean, min, max.  Only buckets that have rows
appear.  Each bucket is labelled (``label=``) by its calendar ``end`` (the
default: Sunday of the week, last day of the month; for fixed widths the
bucket's end), its ``start``, or the ``last`` index value present in it.  The
index must be sorted.

Example:
    >>> import numpy as np
    >>> from blawk.table import Table
    >>> t = Table({"px": [1.0, 2.0, 3.0, 4.0]},
    ...           index=np.array(["2024-01-05", "2024-01-06", "2024-01-08", "2024-01-09"],
    ...                          "datetime64[D]"))
    >>> weekdays(t).to_list()
    [1.0, 0.0, 1.0, 1.0]
    >>> t.filter(weekdays(t)).column("px").to_list()
    [1.0, 3.0, 4.0]
    >>> w = resample(t, "W", "last")
    >>> [str(d) for d in w.index_values()], w.column("px").to_list()
    (['2024-01-07', '2024-01-14'], [2.0, 4.0])
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .column import Column, aligned_empty, pack_validity
from .errors import BadParameter, TypeMismatch
from .table import Table, mask_to_bool

_NS_PER_DAY = 86_400_000_000_000
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNITS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "min": 60_000_000_000,
          "h": 3_600_000_000_000, "d": _NS_PER_DAY}
HOWS = ("last", "first", "sum", "mean", "min", "max", "count", "ohlc")


def _days(t: Any, op: str) -> np.ndarray:
    """Calendar days (since 1970-01-01) of each row of a table's index."""
    if not isinstance(t, Table):
        raise TypeMismatch(f"expected a table, got {type(t).__name__}", op=op)
    if t.index is None:
        raise BadParameter("the table has no date or timestamp index", op=op)
    if t.index_kind == "date":
        return t.index
    return np.floor_divide(t.index, _NS_PER_DAY)


def _mask_column(keep: np.ndarray) -> Column:
    vals = aligned_empty(len(keep))
    vals[:] = keep
    return Column._wrap(vals, None, 0)


def weekday_numbers(t: Table) -> np.ndarray:
    """Day of the week of each row: 0 = Monday .. 6 = Sunday."""
    return (_days(t, "weekday") + 3) % 7  # 1970-01-01 was a Thursday


def weekdays(t: Table) -> Column:
    """1 for rows falling Monday to Friday, else 0."""
    return _mask_column((_days(t, "weekdays") + 3) % 7 < 5)


def weekends(t: Table) -> Column:
    """1 for rows falling on Saturday or Sunday, else 0."""
    return _mask_column((_days(t, "weekends") + 3) % 7 >= 5)


def _named(t: Table, name: str) -> np.ndarray:
    days = _days(t, "mask")
    key = name.lower()
    if key == "weekdays":
        return (days + 3) % 7 < 5
    if key == "weekends":
        return (days + 3) % 7 >= 5
    if key in _DAY_NAMES:
        return (days + 3) % 7 == _DAY_NAMES.index(key)
    if key in ("month-end", "month-start"):
        month = days.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
        n = len(month)
        out = np.zeros(n, dtype=bool)
        if n:
            change = month[1:] != month[:-1]
            if key == "month-end":
                out[:-1] = change
                out[-1] = True
            else:
                out[1:] = change
                out[0] = True
        return out
    names = ", ".join(("weekdays", "weekends", *_DAY_NAMES, "month-end", "month-start"))
    raise BadParameter(f"unknown calendar mask {name!r} (known: {names})", op="mask")


def mask(t: Table, spec: str) -> Column:
    """A named mask, or names combined with and / or / not and parentheses."""
    if not isinstance(spec, str):
        raise TypeMismatch(f"spec must be a string, got {type(spec).__name__}", op="mask")
    tokens = re.findall(r"\(|\)|[A-Za-z][A-Za-z0-9_-]*|\S", spec)
    pos = 0

    def peek() -> str | None:
        return tokens[pos].lower() if pos < len(tokens) else None

    def eat() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise BadParameter(f"unexpected end of mask expression {spec!r}", op="mask")
        pos += 1
        return tokens[pos - 1]

    def expr() -> np.ndarray:
        acc = term()
        while peek() == "or":
            eat()
            acc = acc | term()
        return acc

    def term() -> np.ndarray:
        acc = factor()
        while peek() == "and":
            eat()
            acc = acc & factor()
        return acc

    def factor() -> np.ndarray:
        tok = eat()
        if tok.lower() == "not":
            return ~factor()
        if tok == "(":
            inner = expr()
            if eat() != ")":
                raise BadParameter(f"missing ')' in mask expression {spec!r}", op="mask")
            return inner
        if not re.match(r"[A-Za-z]", tok) or tok.lower() in ("and", "or"):
            raise BadParameter(f"unexpected {tok!r} in mask expression {spec!r}", op="mask")
        return _named(t, tok)

    out = expr()
    if pos != len(tokens):
        raise BadParameter(f"unexpected {tokens[pos]!r} in mask expression {spec!r}", op="mask")
    return _mask_column(out)


def _bools(m: Any, n: int | None, op: str) -> np.ndarray:
    if isinstance(m, np.ndarray) and m.dtype == bool:
        arr = m
    else:
        length = n if n is not None else len(m)
        arr = mask_to_bool(m, length, op)
    return arr


def mask_and(*masks: Any) -> Column:
    """1 where every mask is 1 (null counts as 0)."""
    if not masks:
        raise BadParameter("give at least one mask", op="mask-and")
    n = len(masks[0])
    out = np.ones(n, dtype=bool)
    for m in masks:
        out &= _bools(m, n, "mask-and")
    return _mask_column(out)


def mask_or(*masks: Any) -> Column:
    """1 where any mask is 1 (null counts as 0)."""
    if not masks:
        raise BadParameter("give at least one mask", op="mask-or")
    n = len(masks[0])
    out = np.zeros(n, dtype=bool)
    for m in masks:
        out |= _bools(m, n, "mask-or")
    return _mask_column(out)


def mask_not(m: Any) -> Column:
    """1 where the mask is 0 or null."""
    return _mask_column(~_bools(m, None, "mask-not"))


# ------------------------------------------------------------------ resampling


def _buckets(t: Table, rule: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bucket id per row, bucket start, bucket end) in the index's units."""
    if not isinstance(rule, str):
        raise TypeMismatch(f"rule must be a string, got {type(rule).__name__}", op="resample")
    idx = t.index
    assert idx is not None
    ts = t.index_kind == "timestamp"
    unit = _NS_PER_DAY if ts else 1
    r = rule.strip()
    cal = r.upper()
    if cal in ("D", "W", "M", "Q", "Y"):
        days = np.floor_divide(idx, _NS_PER_DAY) if ts else idx
        if cal == "D":
            bid = days
            start, end = bid, bid
        elif cal == "W":
            bid = np.floor_divide(days + 3, 7)  # weeks starting on Monday
            start = bid * 7 - 3
            end = start + 6
        else:
            months = days.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
            per = {"M": 1, "Q": 3, "Y": 12}[cal]
            bid = np.floor_divide(months, per)
            first = bid * per
            start = first.astype("datetime64[M]").astype("datetime64[D]").view(np.int64)
            end = (first + per).astype("datetime64[M]").astype("datetime64[D]").view(
                np.int64) - 1
        if ts:
            return bid, start * unit, end * unit + (unit - 1)
        return bid, start, end
    m = re.fullmatch(r"(\d+)\s*(ns|us|ms|s|min|h|d)", r.lower())
    if not m:
        raise BadParameter(f"rule must be D, W, M, Q, Y or a width such as 5min, 1h, 30s; got "
                           f"{rule!r}", op="resample")
    width = int(m.group(1)) * _UNITS[m.group(2)]
    if width <= 0:
        raise BadParameter(f"bucket width must be positive, got {rule!r}", op="resample")
    if not ts:
        if width % _NS_PER_DAY:
            raise BadParameter(f"a date index can only be bucketed by whole days, got {rule!r}",
                               op="resample")
        width //= _NS_PER_DAY
    bid = np.floor_divide(idx, width)
    return bid, bid * width, bid * width + width - 1


def resample(t: Table, rule: str = "W", how: str = "last", *, label: str = "end") -> Table:
    """Reduce each column per time bucket (see the module notes)."""
    if not isinstance(t, Table):
        raise TypeMismatch(f"expected a table, got {type(t).__name__}", op="resample")
    if t.index is None:
        raise BadParameter("the table has no date or timestamp index to resample", op="resample")
    if how not in HOWS:
        raise BadParameter(f"how must be one of {', '.join(HOWS)}; got {how!r}", op="resample")
    if label not in ("end", "start", "last"):
        raise BadParameter(f"label must be end, start or last; got {label!r}", op="resample")
    idx = t.index
    if len(idx) > 1 and (idx[1:] < idx[:-1]).any():
        i = int(np.argmax(idx[1:] < idx[:-1])) + 1
        raise BadParameter(f"the index is not sorted (row {i} comes before row {i - 1}, "
                           f"counting from 0); sort it first (sort-by)", op="resample")
    bid, bstart, bend = _buckets(t, rule)
    n = len(idx)
    if n:
        firsts = np.flatnonzero(np.concatenate(([True], bid[1:] != bid[:-1])))
    else:
        firsts = np.zeros(0, dtype=np.intp)
    lasts = np.append(firsts[1:], n) - 1 if n else firsts
    if label == "end":
        new_index = bend[firsts] if n else np.zeros(0, np.int64)
    elif label == "start":
        new_index = bstart[firsts] if n else np.zeros(0, np.int64)
    else:
        new_index = idx[lasts] if n else np.zeros(0, np.int64)
    out: dict[str, Column] = {}
    for name, col in t.items():
        if how == "ohlc":
            for suffix, h in (("open", "first"), ("high", "max"), ("low", "min"),
                              ("close", "last")):
                out[f"{name}_{suffix}"] = _reduce(col, h, firsts, lasts)
        else:
            out[name] = _reduce(col, how, firsts, lasts)
    return Table(out, np.asarray(new_index, dtype=np.int64), index_name=t.index_name,
                 index_kind=t.index_kind, source=t.source)


def _reduce(col: Column, how: str, firsts: np.ndarray, lasts: np.ndarray) -> Column:
    k = len(firsts)
    vals = col.values
    ok = col.is_valid()
    n = len(vals)
    if k == 0:
        return Column._wrap(aligned_empty(0), None, 0)
    counts = np.add.reduceat(ok.astype(np.int64), firsts) if n else np.zeros(k, np.int64)
    res = aligned_empty(k)
    if how == "count":
        res[:] = counts
        return Column._wrap(res, None, 0)
    if how in ("last", "first"):
        pos = np.arange(n)
        if how == "last":
            latest = np.maximum.accumulate(np.where(ok, pos, -1))
            pick = latest[lasts]
            has = pick >= firsts
        else:
            earliest = np.minimum.accumulate(np.where(ok, pos, n)[::-1])[::-1]
            pick = earliest[firsts]
            has = pick <= lasts
        res[:] = np.where(has, vals[np.clip(pick, 0, n - 1)], 0.0)
        return _with_valid(res, has)
    has = counts > 0
    if how in ("sum", "mean"):
        sums = np.add.reduceat(np.where(ok, vals, 0.0), firsts)
        if how == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                sums = sums / np.maximum(counts, 1)
        res[:] = np.where(has, sums, 0.0)
        return _with_valid(res, has)
    fill = -np.inf if how == "max" else np.inf
    ufunc = np.maximum if how == "max" else np.minimum
    red = ufunc.reduceat(np.where(ok, vals, fill), firsts)
    res[:] = np.where(has, red, 0.0)
    return _with_valid(res, has)


def _with_valid(res: np.ndarray, has: np.ndarray) -> Column:
    nulls = int(len(has) - np.count_nonzero(has))
    return Column._wrap(res, pack_validity(has) if nulls else None, nulls)
