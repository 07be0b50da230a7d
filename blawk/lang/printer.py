"""Values back to text, in reader syntax where there is one.

``show`` is what the REPL and ``blawk -e`` print; ``display`` is what ``print``
writes (strings without quotes).  Both work without recursion, so a list nested
100 000 deep prints instead of crashing.

Example:
    >>> from blawk.lang.printer import show
    >>> from blawk.lang.reader import read_one
    >>> show(read_one('(a "b\\\\n" 1.5 :k [#t nil])'))
    '(a "b\\\\n" 1.5 :k [#t nil])'
    >>> show(None), show(float("-inf")), show([1, [2, 3]])
    ('nil', '-inf', '(1 (2 3))')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .forms import Keyword, SVector, Symbol

__all__ = ["display", "show", "show_column", "show_full", "summarize"]

_MAX_ITEMS = 200_000  # beyond this, "..." (also stops cyclic Python lists)


class _Lit(str):
    """Text to emit as is (brackets, separators)."""

    __slots__ = ()


_OPEN_L, _CLOSE_L = _Lit("("), _Lit(")")
_OPEN_V, _CLOSE_V = _Lit("["), _Lit("]")
_SP = _Lit(" ")
_STR_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote_string(s: str) -> str:
    """A string literal the reader reads back as ``s``."""
    out = ['"']
    for ch in s:
        esc = _STR_ESC.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch < " " or "\x7f" <= ch <= "\x9f" or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _atom(v: Any) -> str:
    if v is None:
        return "nil"
    if v is True:
        return "#t"
    if v is False:
        return "#f"
    t = type(v)
    if t is float or t is int:
        return repr(v)
    if t is str:
        return quote_string(v)
    if t is Symbol:
        return v.name
    if t is Keyword:
        return ":" + v.name
    if isinstance(v, (np.floating, np.integer)):
        return repr(v.item())
    if isinstance(v, np.bool_):
        return "#t" if v else "#f"
    kind = getattr(v, "blawk_kind", None)
    if kind is not None:  # lambdas, builtins: they describe themselves
        return repr(v)
    if callable(getattr(v, "signature", None)) and callable(getattr(v, "call", None)):
        return f"#<op {v.signature()}>"
    return repr(v)


def show(value: Any) -> str:
    """``value`` as text, in reader syntax for data (lists, symbols, strings...)."""
    out: list[str] = []
    stack: list[Any] = [value]
    count = 0
    while stack:
        v = stack.pop()
        if type(v) is _Lit:
            out.append(v)
            continue
        if isinstance(v, (list, tuple)):
            count += len(v)
            if count > _MAX_ITEMS:
                out.append("...")
                break
            vec = isinstance(v, SVector)
            stack.append(_CLOSE_V if vec else _CLOSE_L)
            for k in range(len(v) - 1, -1, -1):
                stack.append(v[k])
                if k:
                    stack.append(_SP)
            out.append(_OPEN_V if vec else _OPEN_L)
            continue
        out.append(_atom(v))
    return "".join(out)


def display(value: Any) -> str:
    """Like :func:`show`, but a string is itself (what ``print`` writes)."""
    return value if type(value) is str else show(value)


# ------------------------------------------------------------------ for people (REPL, see)

SUMMARY_ITEMS = 40  # list elements shown before "..."
SUMMARY_CHARS = 2000  # characters of a summarised value
COLUMN_ENDS = 5  # values shown at each end of a long column
LINE = 96  # where "see" wraps a column's values


def _column_values(col: Any, rows: list[int]) -> list[str]:
    from ..column import _fmt

    values = col.values
    ok = col.is_valid() if col.validity is not None else None
    return ["..." if r < 0 else "null" if ok is not None and not ok[r] else _fmt(float(values[r]))
            for r in rows]


def column_header(col: Any) -> str:
    """``float64[3653] 8 nulls``"""
    nulls = col.null_count
    return f"float64[{len(col)}] {nulls} null{'s' if nulls != 1 else ''}"


def show_column(col: Any, full: bool = False) -> str:
    """A column kdb style: a header line, then its values separated by spaces
    (nulls as ``null``); the first and last few only, unless ``full``."""
    n = len(col)
    if full or n <= 2 * COLUMN_ENDS:
        rows = list(range(n))
    else:
        rows = [*range(COLUMN_ENDS), -1, *range(n - COLUMN_ENDS, n)]
    parts = _column_values(col, rows)
    if not full:
        return column_header(col) + "\n" + " ".join(parts)
    lines: list[str] = []
    cur = ""
    for p in parts:
        if cur and len(cur) + 1 + len(p) > LINE:
            lines.append(cur)
            cur = p
        else:
            cur = f"{cur} {p}" if cur else p
    if cur:
        lines.append(cur)
    return "\n".join([column_header(col), *lines])


def _is_column(v: Any) -> bool:
    from ..column import Column

    return isinstance(v, Column)


def _is_table(v: Any) -> bool:
    from ..table import Table

    return isinstance(v, Table)


def summarize(value: Any) -> str:
    """``value`` for a person at a prompt: columns kdb style (ends only), tables by
    their grid, long lists and strings cut short with a count of what is left out."""
    if _is_column(value):
        return show_column(value)
    if _is_table(value):
        return repr(value)
    if isinstance(value, list) and len(value) > SUMMARY_ITEMS:
        head = show(value[:SUMMARY_ITEMS])
        more = len(value) - SUMMARY_ITEMS
        text = f"{head[:-1]} ...)" if head.endswith(")") else head
        return _cut(text) + f"  ; {len(value)} items, {more} not shown"
    if isinstance(value, list) and any(_is_column(v) or _is_table(v) for v in value):
        return "\n".join(summarize(v) for v in value)
    return _cut(show(value))


def _cut(text: str) -> str:
    if len(text) <= SUMMARY_CHARS:
        return text
    return text[:SUMMARY_CHARS] + f" ...  ; {len(text)} characters, {len(text) - SUMMARY_CHARS}" \
        " not shown"


def show_full(value: Any) -> str:
    """``value`` in full (``see``): every value of a column, every row of a table."""
    if _is_column(value):
        return show_column(value, full=True)
    if _is_table(value):
        return _table_full(value)
    if isinstance(value, list) and any(_is_column(v) or _is_table(v) for v in value):
        return "\n".join(show_full(v) for v in value)
    return show(value)


def _table_full(t: Any) -> str:
    from ..table import format_index

    names = t.names
    n = len(t)
    if t.index is not None:
        idx = format_index(t.index, t.index_kind)
    else:
        idx = [str(r) for r in range(n)]
    cols = [_column_values(t.column(nm), list(range(n))) for nm in names]
    head = [t.index_name or "", *names]
    rows = [[idx[r], *(c[r] for c in cols)] for r in range(n)]
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    lines = [f"Table(rows={n}, columns={len(names)})"]
    for row in [head, *rows]:
        lines.append("  ".join(x.rjust(w) for x, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
