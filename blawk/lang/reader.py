"""The reader: source text to forms.

One compiled regular expression splits the text into tokens (``findall`` runs
in C); one loop with an explicit stack builds the lists, so nesting depth is
limited only by memory.  Token positions are not computed while reading: a
form records token indices, and line/column are worked out the first time a
span is asked for (see :mod:`blawk.lang.forms`).

What reads as what:

=====================  ==========================================
``42``, ``-3``, ``1_000``  int
``2.5``, ``+2.5``, ``.5``, ``1e-3``, ``1.``  float
``"a\\tb"``             str (escapes ``\\n \\t \\r \\" \\\\ \\uXXXX \\UXXXXXXXX``)
``x``, ``->>``, ``null?``  :class:`~blawk.lang.forms.Symbol`
``:lag``                :class:`~blawk.lang.forms.Keyword`
``#t`` ``#f``           True / False (also ``#true`` ``#false``)
``(a b)``               :class:`~blawk.lang.forms.SList`
``[a b]``               :class:`~blawk.lang.forms.SVector`
``'x`` `````x`` ``,x`` ``,@x``   ``(quote x)`` ``(quasiquote x)`` ``(unquote x)``
                        ``(unquote-splicing x)``
``; ...``  ``#| ... |#``  comments (block comments nest)
=====================  ==========================================

``inf``, ``-inf`` and ``nan`` are symbols; the evaluator knows them as floats.

Example:
    >>> from blawk.lang.reader import read
    >>> prog = read("(dlog x :lag 5) 'y [1 2.5]")
    >>> prog
    [[Symbol('dlog'), Symbol('x'), Keyword('lag'), 5], [Symbol('quote'), Symbol('y')], [1, 2.5]]
"""

from __future__ import annotations

import re
import sys

from ..errors import ReadError
from .forms import Keyword, SList, Source, SVector, Symbol

__all__ = ["read", "read_one", "read_py", "token_end", "token_offsets"]

QUOTE = Symbol("quote")
QUASIQUOTE = Symbol("quasiquote")
UNQUOTE = Symbol("unquote")
UNQUOTE_SPLICING = Symbol("unquote-splicing")

# Characters that may appear in a symbol: anything but whitespace, brackets,
# quotes, ';', ',' and control characters.
_SYMCH = r"[^\s()\[\]{}\"';`,\x00-\x1f\x7f-\x9f]"
_TOKEN = re.compile(
    r"\s*("  # whitespace is skipped
    r"[^#\s()\[\]{}\"';`,\x00-\x1f\x7f-\x9f]" + _SYMCH + r"*"  # symbol, keyword, number
    r"|[()]"
    r"|;[^\n]*"  # comment
    r"|\"[^\"\\]*(?:\\.[^\"\\]*)*\""  # string
    r"|\".*"  # a string that is never closed: the rest of the text (one token, no rescans)
    r"|[\[\]'`]|,@?"
    r"|#\|"  # block comment
    r"|#" + _SYMCH + r"*"  # #t #f
    r"|\Z"  # end of input: the empty token
    r"|.)",  # anything else is an error
    re.S,
)
_BLOCK = re.compile(r"#\||\|#")
_NUMBER = re.compile(
    r"[+-]?(?:\d+(?:_\d+)*(\.(?:\d+(?:_\d+)*)?)?|(\.)\d+(?:_\d+)*)([eE][+-]?\d+)?"
)
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_PREFIX = {"'": QUOTE, "`": QUASIQUOTE, ",": UNQUOTE, ",@": UNQUOTE_SPLICING}
_PREFIX_NAME = {"'": "quote", "`": "quasiquote", ",": "unquote", ",@": "unquote-splicing"}
_HASH = {"#t": True, "#f": False, "#true": True, "#false": False}
_DIGITS = frozenset("0123456789")
_NUMSTART = frozenset("0123456789+-.")
_MAX_NUMBER_CHARS = 1000
_FLOAT_MAX = sys.float_info.max

# token text -> atom, for atoms read before (symbols, keywords, numbers, short strings)
_CACHE: dict[str, object] = {}
_CACHE_LIMIT = 100_000


def read_py(text: str, file: str = "<string>") -> SList:
    """The reference reader, in Python: what :func:`read` does, more slowly.

    :func:`read` runs the compiled reader (blawk/lang/_fastread.pyx), which gives
    the same forms and spans and falls back to this one to report malformed text.

    Example:
        >>> read_py("(a 'b)") == read("(a 'b)")
        True
    """
    if not isinstance(text, str):
        raise TypeError(f"read() needs a str, got {type(text).__name__}")
    begin = 0
    if text.startswith("#!"):  # a script's #! line is a comment
        nl = text.find("\n")
        begin = len(text) if nl < 0 else nl + 1
    src = Source(text, file, begin)
    if "\x00" in text:
        raise ReadError("NUL byte in source (is this a binary file?)",
                        span=src.span_at(text.index("\x00")), source=text)
    if "#|" in text:
        toks, src._offsets = _scan(text, begin, src)
    else:
        toks = _TOKEN.findall(text, begin)
    return _build(toks, src)


def read_one(text: str, file: str = "<string>") -> object:
    """Read exactly one form.

    Example:
        >>> read_one("(a b)")
        [Symbol('a'), Symbol('b')]
    """
    forms = read(text, file)
    if len(forms) != 1:
        span = forms.child_span(1) if len(forms) > 1 else forms.span
        what = "nothing" if not forms else f"{len(forms)} forms"
        raise ReadError(f"expected exactly one form, found {what}", span=span, source=text)
    return forms[0]


def token_offsets(text: str, begin: int = 0) -> list[int]:
    """Character offset of every token ``read`` sees (the reader's lazy span table)."""
    return _scan(text, begin, None)[1]


def token_end(text: str, offset: int) -> int:
    """Character offset just past the token that starts at ``offset``."""
    m = _TOKEN.match(text, offset)
    return offset if m is None else m.end(1)


def _scan(text: str, begin: int, src: Source | None) -> tuple[list[str], list[int]]:
    """Tokens and their offsets, skipping (nested) block comments."""
    toks: list[str] = []
    offs: list[int] = []
    add_tok = toks.append
    add_off = offs.append
    finditer = _TOKEN.finditer
    pos = begin
    while True:
        for m in finditer(text, pos):
            tok = m.group(1)
            if tok == "#|":
                pos = _skip_block(text, m.start(1), src)
                break
            if tok[:1] == ";":  # comments take no token index (see _build)
                continue
            add_tok(tok)
            add_off(m.start(1))
            if not tok:
                return toks, offs
        else:  # pragma: no cover - the last token is always the empty one
            return toks, offs


def _skip_block(text: str, start: int, src: Source | None) -> int:
    depth = 1
    pos = start + 2
    search = _BLOCK.search
    while depth:
        m = search(text, pos)
        if m is None:
            src = src or Source(text, "<string>")
            raise ReadError("unterminated block comment: '#|' without a matching '|#'",
                            span=src.span_at(start, start + 2), source=text)
        depth += 1 if m.group() == "#|" else -1
        pos = m.end()
    return pos


def _error(message: str, src: Source, index: int, delta: int = 0, width: int = 1) -> ReadError:
    off = src.offset(index) + delta
    return ReadError(message, span=src.span_at(off, off + width), source=src.text)


def _where(src: Source, index: int) -> str:
    line, col = src.position(src.offset(index))
    return f"{line}:{col}"


_PENDING = object()  # "closer" of a quote prefix still waiting for its form


def _build(toks: list[str], src: Source) -> SList:
    top = SList()
    top.src = src
    top.start = -1
    cur = top
    add = cur.append
    closer: object = None  # ')' or ']' for lists, _PENDING for a quote prefix, None at top
    stack: list[tuple[SList, object]] = []
    push = stack.append
    pop = stack.pop
    cache = _CACHE
    new_list = SList
    pending = _PENDING
    i = -1
    for t in toks:
        i += 1
        if t == "(":
            push((cur, closer))
            cur = new_list()
            add = cur.append
            cur.src = src
            cur.start = i
            closer = ")"
            continue
        if t == ")" or t == "]":
            if closer != t:
                raise _close_error(t, closer, cur, src, i)
            cur.end = i
            val = cur
            cur, closer = pop()
            add = cur.append
        else:
            val = cache.get(t)
            if val is None:
                c = t[:1]
                if c == "[":
                    push((cur, closer))
                    cur = SVector()
                    add = cur.append
                    cur.src = src
                    cur.start = i
                    closer = "]"
                    continue
                if t in _PREFIX:
                    push((cur, closer))
                    cur = new_list((_PREFIX[t],))
                    add = cur.append
                    cur.src = src
                    cur.start = i
                    closer = pending
                    continue
                if c == ";":  # a comment: not a token as far as positions go
                    i -= 1
                    continue
                if not t:  # end of input
                    break
                val = _atom(t, c, src, i)
                if len(t) <= 100:
                    if len(cache) >= _CACHE_LIMIT:
                        cache.clear()
                    cache[t] = val
        add(val)
        if closer is pending:
            while closer is pending:  # a quote prefix has its form: 'x is (quote x)
                cur.end = i
                cur.locs = [(src, cur.start, cur.start), (src, cur.start + 1, i)]
                val = cur
                cur, closer = pop()
                cur.append(val)
            add = cur.append
    if stack:
        if closer is pending:
            raise _error(f"{_prefix_name(src, cur.start)} has no form after it (end of input)",
                         src, cur.start)
        opener = "(" if closer == ")" else "["
        more = f" ({len(stack)} lists open)" if len(stack) > 1 else ""
        raise _error(f"unclosed '{opener}': expected '{closer}' before the end of the input"
                     f"{more}", src, cur.start)
    top.end = i
    return top


def _prefix_name(src: Source, index: int) -> str:
    off = src.offset(index)
    mark = src.text[off: off + 2] if src.text.startswith(",@", off) else src.text[off]
    return f"{mark} ({_PREFIX_NAME[mark]})"


def _close_error(t: str, closer: object, cur: SList, src: Source, i: int) -> ReadError:
    if closer is None:
        return _error(f"unexpected '{t}': no list is open", src, i)
    if closer is _PENDING:
        return _error(f"{_prefix_name(src, cur.start)} has no form after it", src, cur.start)
    opener = "(" if closer == ")" else "["
    return _error(f"'{t}' does not match '{opener}' at {_where(src, cur.start)}"
                  f" (expected '{closer}')", src, i)


def _atom(t: str, c: str, src: Source, i: int) -> object:
    """Classify one atom token (not a bracket or a quote prefix)."""
    if c in _NUMSTART:
        if c in _DIGITS or (len(t) > 1 and (t[1] in _DIGITS or (
                t[1] == "." and c != "." and len(t) > 2 and t[2] in _DIGITS))):
            return _number(t, src, i)
        return Symbol(t)
    if c == '"':
        if len(t) == 1 or t[-1] != '"' or _escaped_end(t):
            raise _error("unterminated string: '\"' without a closing '\"'", src, i)
        return _string(t, src, i)
    if c == ":":
        if len(t) == 1:
            raise _error("':' must be followed by a keyword name", src, i)
        return Keyword(t[1:])
    if c == "#":
        if t in _HASH:
            return _HASH[t]
        raise _error(f"unknown syntax {t!r} (expected #t, #f or #| ... |#)", src, i,
                     width=len(t))
    if len(t) == 1 and not _is_symbol_char(c):
        if c in "{}":
            raise _error(f"unexpected '{c}' (braces are reserved)", src, i)
        if c.isspace():  # pragma: no cover - the tokenizer skips whitespace
            raise _error("unexpected whitespace", src, i)
        raise _error(f"unexpected control character U+{ord(c):04X}", src, i)
    if t.startswith("|#"):
        raise _error("'|#' closes a block comment that was never opened", src, i, width=2)
    return Symbol(t)


def _escaped_end(t: str) -> bool:
    """Whether the last '"' of a string token is escaped (an odd run of backslashes)."""
    k = 0
    j = len(t) - 2
    while j > 0 and t[j] == "\\":
        k += 1
        j -= 1
    return k % 2 == 1


def _is_symbol_char(c: str) -> bool:
    return not (c.isspace() or c in "()[]{}\"';`," or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)


def _number(t: str, src: Source, i: int) -> int | float:
    if len(t) > _MAX_NUMBER_CHARS:
        raise _error(f"number literal too long ({len(t)} characters; at most "
                     f"{_MAX_NUMBER_CHARS})", src, i)
    m = _NUMBER.fullmatch(t)
    if m is None:
        shown = t if len(t) <= 40 else t[:37] + "..."
        raise _error(f"malformed number {shown!r}", src, i, width=len(t))
    if m.group(1) is None and m.group(2) is None and m.group(3) is None:
        v = int(t)
        if len(t) > 300 and abs(v) > _FLOAT_MAX:
            raise _error("integer literal out of float64 range", src, i)
        return v
    f = float(t)
    if f in (float("inf"), float("-inf")):
        shown = t if len(t) <= 40 else t[:37] + "..."
        raise _error(f"number {shown} is out of float64 range (write inf for infinity)",
                     src, i, width=len(t))
    return f


def _string(t: str, src: Source, i: int) -> str:
    body = t[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    pos = 0
    while True:
        j = body.find("\\", pos)
        if j < 0:
            out.append(body[pos:])
            return "".join(out)
        out.append(body[pos:j])
        c = body[j + 1]  # the token pattern guarantees a character after '\'
        esc = _ESCAPES.get(c)
        if esc is not None:
            out.append(esc)
            pos = j + 2
            continue
        if c == "u" or c == "U":
            width = 4 if c == "u" else 8
            digits = body[j + 2: j + 2 + width]
            if (_HEX4 if width == 4 else _HEX8).fullmatch(digits) is None:
                raise _error(f"\\{c} needs {width} hex digits", src, i, delta=1 + j,
                             width=2 + len(digits))
            cp = int(digits, 16)
            pos = j + 2 + width
            if (0xD800 <= cp <= 0xDBFF and body.startswith("\\u", pos)
                    and _HEX4.fullmatch(body[pos + 2: pos + 6])):
                low = int(body[pos + 2: pos + 6], 16)
                if 0xDC00 <= low <= 0xDFFF:
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
                    pos += 6
            if 0xD800 <= cp <= 0xDFFF:
                raise _error(f"\\{c}{digits} is a lone surrogate", src, i, delta=1 + j,
                             width=2 + width)
            if cp > 0x10FFFF:
                raise _error(f"\\{c}{digits} is beyond U+10FFFF", src, i, delta=1 + j,
                             width=2 + width)
            out.append(chr(cp))
            continue
        shown = "\\" + (c if c.isprintable() else f"x{ord(c):02x}")
        raise _error(f"unknown escape '{shown}' in string (known: \\n \\t \\r \\\" \\\\ "
                     f"\\uXXXX)", src, i, delta=1 + j, width=2)


# ------------------------------------------------------------------ the compiled reader

try:
    from . import _fastread
except ImportError:  # pragma: no cover - an uncompiled tree reads with the reference
    _fastread = None  # type: ignore[assignment]

if _fastread is not None:
    _fastread.configure(SList, SVector, Source, QUOTE, QUASIQUOTE, UNQUOTE, UNQUOTE_SPLICING,
                        _CACHE, _CACHE_LIMIT, _atom, read_py)
    _read_impl = _fastread.read
else:  # pragma: no cover
    _read_impl = read_py

FAST = _fastread is not None  # whether read() runs the compiled reader


def read(text: str, file: str = "<string>") -> SList:
    """Read every form of ``text``; returns the list of top-level forms.

    The result is an :class:`SList` whose ``child_span(i)`` locates top-level
    form ``i`` (atoms included).  Malformed text raises
    :class:`~blawk.errors.ReadError` with the line and column.

    Example:
        >>> prog = read("(+ 1 2)\\n; done\\nfoo", "f.blawk")
        >>> len(prog), str(prog.child_span(1))
        (2, 'f.blawk:3:1')
    """
    return _read_impl(text, file)


if _fastread is not None:  # read is the compiled function itself (no Python call around it)
    _fastread.read.__doc__ = read.__doc__
    read = _fastread.read  # noqa: F811
