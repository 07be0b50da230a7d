"""Joins on the table index: as-of, exact-key right (``mapr``) and left (``lj``).

All three look rows up in one table (the *lookup* side) for every row of the
other (the *driving* side, whose index and row order the result keeps):

=========  ==========  =========  ==================================================
join       driving     lookup     the row found for a driving key k
=========  ==========  =========  ==================================================
aj         right       left       the last left row with key <= k (never a later one)
mapr       right       left       the last left row with key == k
lj         left        right      the last right row with key == k
=========  ==========  =========  ==================================================

- The result has the driving side's index and rows, then the left table's
  columns followed by the right table's.  A name on both sides gets
  ``suffixes`` (``px_left``, ``px_right`` by default).
- Where no row is found every looked-up column is null.  A found row's null
  stays null (use a fill first for "last valid value" semantics).
- Keys are the indexes: both tables need a date or timestamp index.  A date
  index is compared with a timestamp index at midnight UTC.
- The lookup side must be sorted by key (ascending; duplicates allowed, the
  last one wins): otherwise a BadParameter naming the first row out of order,
  unless ``sort=True`` (a stable sort first, O(n log n)).  The driving side may
  be in any order.
- Cost, for n lookup and m driving rows: the rows are matched in C
  (``blawk_join_rows``, csrc/join.c) with the GIL released.  Sorted driving
  keys take one linear merge, O(n + m), galloping over the lookup keys when
  the driving side is much shorter, O(m log(n/m)); a driving key smaller than
  the one before it costs a binary search, O(log n), so an unsorted driving
  side is O(m log n).  Big driving sides are split over ``blawk.get_threads()``
  threads (the same rows for any count).  Then one linear gather per column.

Example:
    >>> import numpy as np
    >>> from blawk.table import Table
    >>> quotes = Table({"bid": [10.0, 11.0, 12.0]},
    ...                index=np.array(["2024-01-01", "2024-01-03", "2024-01-05"], "datetime64[D]"))
    >>> trades = Table({"qty": [5.0, 7.0, 9.0]},
    ...                index=np.array(["2023-12-31", "2024-01-03", "2024-01-04"], "datetime64[D]"))
    >>> aj(quotes, trades).column("bid").to_list()
    [None, 11.0, 11.0]
    >>> mapr(quotes, trades).column("bid").to_list()
    [None, 11.0, None]
    >>> lj(quotes, trades).column("qty").to_list()
    [None, 7.0, None]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from .column import Column
from .errors import BadParameter, TypeMismatch
from .table import Table, take

_NS_PER_DAY = 86_400_000_000_000


def _check_tables(op: str, left: Any, right: Any) -> None:
    for side, t in (("left", left), ("right", right)):
        if not isinstance(t, Table):
            raise TypeMismatch(f"{side} must be a table, got {type(t).__name__}", op=op)
        if t.index is None:
            raise BadParameter(f"the {side} table has no date or timestamp index to join on",
                               op=op)


def _keys(driving: Table, lookup: Table) -> tuple[np.ndarray, np.ndarray]:
    a, b = driving.index, lookup.index
    assert a is not None and b is not None
    if driving.index_kind != lookup.index_kind:
        if driving.index_kind == "date":
            a = a * _NS_PER_DAY
        else:
            b = b * _NS_PER_DAY
    return _i64(a), _i64(b)


def _i64(keys: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(keys, dtype=np.int64)


def _sorted_lookup(op: str, side: str, lookup: Table, keys: np.ndarray, sort: bool
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """(sorted keys, the permutation that sorted them or None)."""
    i = _core.unsorted_at(keys)
    if not i:
        return keys, None
    if not sort:
        from .table import format_index

        a, b = format_index(lookup.index[i - 1 : i + 1], lookup.index_kind)  # type: ignore
        raise BadParameter(
            f"the {side} table's index is not sorted: row {i} ({b}) comes after row {i - 1} "
            f"({a}), rows counted from 0; pass :sort #t (sort=True) to sort it first",
            op=op,
        )
    perm = np.argsort(keys, kind="stable")
    return keys[perm], perm


def _threads() -> int:
    from .planner import get_threads

    return get_threads()


def search_right(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """np.searchsorted(haystack, needles, side="right") for a sorted int64 haystack.

    The joins' C kernel (csrc/join.c): one merge for sorted needles, a binary
    search for each needle smaller than the one before it; threaded.
    """
    pos, _ = _core.join_rows(_i64(haystack), _i64(needles), False, _threads())
    pos += 1
    return pos


def _gather(lookup: Table, pos: np.ndarray, nmiss: int) -> dict[str, Column]:
    """The lookup table's columns at rows `pos` (-1 = not found: null; nmiss of them)."""
    from .column import aligned_empty, pack_validity

    miss = pos < 0 if nmiss else None
    safe = np.maximum(pos, 0) if nmiss else pos
    miss_ok = ~miss if miss is not None else None
    out: dict[str, Column] = {}
    for name, col in lookup.items():
        if len(col) == 0:
            out[name] = take(col, pos)
            continue
        vals = aligned_empty(len(pos))
        np.take(col.values, safe, out=vals)
        if miss is not None:
            vals[miss] = 0.0
        if col.validity is None:
            if miss_ok is None:
                out[name] = Column._wrap(vals, None, 0)
            else:
                out[name] = Column._wrap(vals, pack_validity(miss_ok), nmiss)
            continue
        ok = col.is_valid()[safe]
        if miss_ok is not None:
            ok &= miss_ok
        nulls = int(len(ok) - np.count_nonzero(ok))
        out[name] = Column._wrap(vals, pack_validity(ok) if nulls else None, nulls)
    return out


def _check_suffixes(op: str, suffixes: Any) -> tuple[str, str]:
    if (not isinstance(suffixes, (list, tuple)) or len(suffixes) != 2
            or not all(isinstance(s, str) for s in suffixes) or suffixes[0] == suffixes[1]):
        raise BadParameter(f"suffixes must be two different strings, got {suffixes!r}", op=op)
    return suffixes[0], suffixes[1]


def _join(op: str, left: Table, right: Table, driving_is_right: bool, asof: bool, sort: bool,
          suffixes: Any) -> Table:
    _check_tables(op, left, right)
    lsuf, rsuf = _check_suffixes(op, suffixes)
    driving, lookup = (right, left) if driving_is_right else (left, right)
    dkeys, lkeys = _keys(driving, lookup)
    lkeys, perm = _sorted_lookup(op, "left" if driving_is_right else "right", lookup, lkeys,
                                 sort)
    pos, nmiss = _core.join_rows(lkeys, dkeys, not asof, _threads())
    if perm is not None:
        pos = perm[pos] if not nmiss else np.where(pos >= 0, perm[np.maximum(pos, 0)], -1)
    found = _gather(lookup, pos, nmiss)
    kept: dict[str, Column] = dict(driving.items())
    lcols, rcols = (found, kept) if driving_is_right else (kept, found)
    clash = set(lcols) & set(rcols)
    out: dict[str, Column] = {}
    for n, c in lcols.items():
        out[n + lsuf if n in clash else n] = c
    for n, c in rcols.items():
        name = n + rsuf if n in clash else n
        if name in out:
            raise BadParameter(f"two result columns would be called {name!r}; choose other "
                               f"suffixes", op=op)
        out[name] = c
    return Table(out, driving.index, index_name=driving.index_name,
                 index_kind=driving.index_kind)


def aj(left: Table, right: Table, *, sort: bool = False,
       suffixes: tuple[str, str] = ("_left", "_right")) -> Table:
    """As-of join: for each row of `right`, the last row of `left` with key <= its key.

    The result has right's index; left's columns (null where left has no
    earlier-or-equal key) then right's.  `left` must be sorted unless sort=True.
    """
    return _join("aj", left, right, True, True, sort, suffixes)


def mapr(left: Table, right: Table, *, sort: bool = False,
         suffixes: tuple[str, str] = ("_left", "_right")) -> Table:
    """Exact-key right join: for each row of `right`, the row of `left` with the same key.

    The result has right's index; left's columns (null where the key is not in
    left) then right's.
    """
    return _join("mapr", left, right, True, False, sort, suffixes)


def lj(left: Table, right: Table, *, sort: bool = False,
       suffixes: tuple[str, str] = ("_left", "_right")) -> Table:
    """Left join: for each row of `left`, the row of `right` with the same key.

    The result has left's index; left's columns then right's (null where the
    key is not in right).
    """
    return _join("lj", left, right, False, False, sort, suffixes)
