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

__all__ = ["display", "show"]

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
