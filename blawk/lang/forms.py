"""The data the reader produces: symbols, keywords, lists, and where they came from.

Atoms are plain Python values (``int``, ``float``, ``str``, ``True``/``False``),
plus two interned classes: :class:`Symbol` and :class:`Keyword`.  Lists are
:class:`SList` (a ``list`` subclass) and ``[...]`` vectors are :class:`SVector`
(an ``SList`` subclass).

Locations are cheap to record and computed only when asked for.  The reader
numbers the tokens of a source; a list remembers the index of its first and
last token and its :class:`Source`.  An atom has no room for a location of its
own (``1`` and ``x`` are shared objects), so its position is found through its
parent: ``parent.child_span(i)``.  Turning a token index into a line and a
column re-scans the text once, the first time any span of that source is
requested (usually: when an error is reported).

Example:
    >>> from blawk.lang.reader import read
    >>> prog = read("(+ 1\\n   two)", "demo.blawk")
    >>> form = prog[0]
    >>> form[0], form[1]
    (Symbol('+'), 1)
    >>> str(form.span), str(form.child_span(2))
    ('demo.blawk:1:1', 'demo.blawk:2:4')
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from ..errors import Span

__all__ = ["Keyword", "Loc", "SList", "SVector", "Source", "Symbol", "keyword", "symbol"]


_GENSYM_COUNTER = 0


class Symbol:
    """A name.  Symbols are interned: ``Symbol("x") is Symbol("x")``.

    Example:
        >>> Symbol("dlog") is Symbol("dlog"), str(Symbol("dlog"))
        (True, 'dlog')
    """

    __slots__ = ("name",)
    _table: dict[str, Symbol] = {}
    name: str

    def __new__(cls, name: str) -> Symbol:
        sym = cls._table.get(name)
        if sym is None:
            sym = object.__new__(cls)
            sym.name = name
            sym = cls._table.setdefault(name, sym)  # atomic: one object per name
        return sym

    @classmethod
    def uninterned(cls, name: str) -> Symbol:
        """A symbol that is not in the table: no symbol read from text is ever it."""
        sym = object.__new__(cls)
        sym.name = name
        return sym

    @classmethod
    def gensym(cls, prefix: str = "g") -> Symbol:
        """A fresh uninterned symbol, shown as ``#:g12`` (for macro expansions)."""
        global _GENSYM_COUNTER
        _GENSYM_COUNTER += 1
        return cls.uninterned(f"#:{prefix}{_GENSYM_COUNTER}")

    def __repr__(self) -> str:
        return f"Symbol({self.name!r})"

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[Any, ...]:
        return (Symbol, (self.name,))


class Keyword:
    """A ``:keyword``.  ``name`` is as written (``min-periods``); ``pyname`` is the
    Python keyword-argument name (``min_periods``).  Interned like symbols.

    Example:
        >>> k = Keyword("min-periods")
        >>> k.name, k.pyname, str(k)
        ('min-periods', 'min_periods', ':min-periods')
    """

    __slots__ = ("name", "pyname")
    _table: dict[str, Keyword] = {}
    name: str
    pyname: str

    def __new__(cls, name: str) -> Keyword:
        kw = cls._table.get(name)
        if kw is None:
            kw = object.__new__(cls)
            kw.name = name
            kw.pyname = name.replace("-", "_")
            kw = cls._table.setdefault(name, kw)
        return kw

    def __repr__(self) -> str:
        return f"Keyword({self.name!r})"

    def __str__(self) -> str:
        return ":" + self.name

    def __reduce__(self) -> tuple[Any, ...]:
        return (Keyword, (self.name,))


symbol = Symbol
keyword = Keyword

# A location: the source and the indices of the first and last token of a form.
Loc = tuple["Source", int, int]


try:  # the compiled layout (blawk/lang/_fastread.pyx): fast to build from C
    from ._fastread import FormBase as _FormBase
    from ._fastread import SourceBase as _SourceBase
except ImportError:  # pragma: no cover - an uncompiled tree: the same fields in Python

    class _FormBase(list):  # type: ignore[no-redef]
        __slots__ = ("src", "start", "end", "locs")

        def __reduce__(self) -> tuple[Any, ...]:
            return (type(self), (list(self),))

    class _SourceBase:  # type: ignore[no-redef]
        __slots__ = ("text", "file", "begin", "_offsets", "_lines")


class Source(_SourceBase):
    """One source text and its name, with token positions computed on demand.

    The reader records token *indices*; ``offset(i)`` gives the character offset
    of token ``i``, ``span(first, last)`` the :class:`~blawk.errors.Span` of the
    tokens ``first..last``.
    """

    __slots__ = ()

    def __init__(self, text: str, file: str, begin: int = 0,
                 offsets: list[int] | None = None) -> None:
        self.text = text
        self.file = file
        self.begin = begin  # where tokenizing starts (after a #! line)
        self._offsets = offsets
        self._lines: list[int] | None = None

    def offset(self, index: int) -> int:
        """Character offset of token ``index`` (``-1`` and below: the start)."""
        if index < 0:
            return 0
        offs = self._offsets
        if offs is None:
            from .reader import token_offsets

            offs = self._offsets = token_offsets(self.text, self.begin)
        if index >= len(offs):
            return len(self.text)
        return offs[index]

    def token_end(self, index: int) -> int:
        """Character offset just past token ``index``."""
        from .reader import token_end

        return token_end(self.text, self.offset(index))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; lines end at ``\\n``."""
        lines = self._lines
        if lines is None:
            lines = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                lines.append(i + 1)
                i = find("\n", i + 1)
            self._lines = lines
        row = bisect_right(lines, offset) - 1
        return row + 1, offset - lines[row] + 1

    def span_at(self, offset: int, end: int | None = None) -> Span:
        """The Span from character ``offset`` to ``end`` (default: one character)."""
        line, col = self.position(offset)
        end_line, end_col = self.position(offset + 1 if end is None else end)
        return Span(self.file, line, col, end_line, end_col)

    def span(self, first: int, last: int) -> Span:
        """The Span covering tokens ``first`` through ``last``."""
        start = self.offset(first)
        return self.span_at(start, max(self.token_end(last), start))

    def __repr__(self) -> str:
        return f"<Source {self.file!r}, {len(self.text)} characters>"


class SList(_FormBase):
    """A list form: a ``list`` that knows where it was read from.

    ``src`` is the :class:`Source` (None for lists built at run time),
    ``start``/``end`` the indices of its first and last token.  Lists built by
    rewriting (``->``, macros) carry ``locs``: one location per element.
    """

    __slots__ = ()

    src: Source | None
    start: int
    end: int
    locs: list[Loc | None] | None

    @property
    def span(self) -> Span | None:
        """Where this form is in its source (None if it was built at run time)."""
        src = getattr(self, "src", None)
        if src is None:
            return None
        return src.span(self.start, getattr(self, "end", self.start))

    @property
    def loc(self) -> Loc | None:
        src = getattr(self, "src", None)
        if src is None:
            return None
        return (src, self.start, getattr(self, "end", self.start))

    def child_loc(self, i: int) -> Loc | None:
        """The location of element ``i`` (works for atoms too)."""
        locs = getattr(self, "locs", None)
        if locs is not None:
            return locs[i] if 0 <= i < len(locs) else None
        if not 0 <= i < len(self):
            return None
        child = self[i]
        src = getattr(self, "src", None)
        if src is None:
            return None
        if isinstance(child, SList) and getattr(child, "src", None) is src:
            return child.loc
        idx = self.start + 1
        for j in range(i):
            c = self[j]
            if isinstance(c, SList) and getattr(c, "src", None) is src:
                idx = c.end + 1
            else:
                idx += 1
        return (src, idx, idx)

    def child_locs(self) -> list[Loc | None]:
        """The locations of all elements (one pass)."""
        locs = getattr(self, "locs", None)
        if locs is not None:
            return list(locs)
        src = getattr(self, "src", None)
        if src is None:
            return [None] * len(self)
        out: list[Loc | None] = []
        idx = self.start + 1
        for c in self:
            if isinstance(c, SList) and getattr(c, "src", None) is src:
                out.append(c.loc)
                idx = c.end + 1
            else:
                out.append((src, idx, idx))
                idx += 1
        return out

    def child_span(self, i: int) -> Span | None:
        """The Span of element ``i``."""
        loc = self.child_loc(i)
        return None if loc is None else loc[0].span(loc[1], loc[2])

    @property
    def text(self) -> str | None:
        """The source text this form was read from (None if built at run time)."""
        src = getattr(self, "src", None)
        return None if src is None else src.text


class SVector(SList):
    """A ``[...]`` form.  It evaluates its elements and gives a list."""

    __slots__ = ()


def make_list(items: list[Any], locs: list[Loc | None] | None = None,
              like: SList | Loc | None = None) -> SList:
    """Build a list form at run time, located like ``like`` (a form or a Loc)."""
    out = SList(items)
    if isinstance(like, SList):
        like = like.loc
    if like is not None:
        out.src, out.start, out.end = like
        out.locs = locs if locs is not None else [None] * len(items)
    elif locs is not None:
        out.locs = locs
    return out
