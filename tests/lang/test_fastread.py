"""The compiled reader gives exactly what the Python reference reader gives.

Same forms (types, values, symbols by identity), same token numbers (so the
same spans), same errors (the compiled reader hands malformed text to the
reference, which reports it).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blawk.errors import ReadError
from blawk.lang import reader
from blawk.lang.forms import SList, Source
from blawk.lang.reader import read_py

pytestmark = pytest.mark.skipif(not reader.FAST, reason="the compiled reader is not built")

if reader.FAST:
    from blawk.lang._fastread import read as read_c
else:  # pragma: no cover
    read_c = read_py


def _loc_key(loc: Any) -> Any:
    return None if loc is None else (loc[1], loc[2])


def assert_same_forms(a: Any, b: Any) -> None:
    """Same structure, same atoms, same token numbers everywhere (no recursion)."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        assert type(x) is type(y), (x, y)
        if isinstance(x, SList):
            assert len(x) == len(y)
            assert (x.start, x.end) == (y.start, y.end)
            locs_x, locs_y = x.locs, y.locs
            assert (locs_x is None) == (locs_y is None)
            if locs_x is not None:
                assert [_loc_key(v) for v in locs_x] == [_loc_key(v) for v in locs_y]
            sx, sy = x.src, y.src
            assert isinstance(sx, Source) and isinstance(sy, Source)
            assert (sx.text, sx.file, sx.begin) == (sy.text, sy.file, sy.begin)
            stack.extend(zip(x, y, strict=True))
        elif isinstance(x, float):
            assert math.copysign(1, x) == math.copysign(1, y)
            assert x == y or (math.isnan(x) and math.isnan(y))
        elif isinstance(x, (int, str, bool)):
            assert x == y
        else:  # symbols and keywords are interned
            assert x is y


def outcome(fn: Any, text: str) -> Any:
    try:
        return ("ok", fn(text, "t.blawk"))
    except ReadError as e:
        return ("error", str(e), e.span)


def assert_same(text: str) -> None:
    got, want = outcome(read_c, text), outcome(read_py, text)
    assert got[0] == want[0], (text, got, want)
    if got[0] == "error":
        assert got == want
    else:
        assert_same_forms(got[1], want[1])
        # spans come from the same lazily computed token table
        top_c, top_p = got[1], want[1]
        for k in range(min(len(top_c), 50)):  # child_span(k) walks the k before it
            assert top_c.child_span(k) == top_p.child_span(k)


FRAGMENTS = [
    "(", ")", "[", "]", "'", "`", ",", ",@", " ", "\n", "\t", "\r\n", ";c\n", "; x", "#|", "|#",
    "#| a |#", '"', '"s"', '"a\\"b"', '"\\n"', '"\\u00e9"', '"\\q"', "\\", "x", "->", "-", "+",
    "1", "-2.5", "1e3", "1e400", "1.2.3", "1_000", ".5", "1x", ":k", ":", "#t", "#f", "#x", "#",
    "inf", "nan", "λ", "\u00a0", "\x85", "\x1c", "\x01", "\x7f", "{", "}", "|a|", "a#b", "\x00",
    "#!", "é", "\ud83d", "😀",
]

texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)),
                 max_size=30).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_same_as_the_reference_on_arbitrary_text(text: str) -> None:
    assert_same(text)


balanced = st.recursive(
    st.sampled_from(["x", "12", "-3.5", '"s"', ":kw", "#t", "a-b", "'q", "λ", '"e\\"s"']),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "(" + " ".join(xs) + ")"),
        st.lists(inner, max_size=4).map(lambda xs: "[" + "\n".join(xs) + "]"),
        inner.map(lambda x: "'" + x), inner.map(lambda x: "`(" + x + " ,@" + x + ")"),
        inner.map(lambda x: x + " ; note\n"), inner.map(lambda x: "#| c #| d |# |# " + x),
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(balanced, max_size=5).map(" ".join))
def test_same_as_the_reference_on_well_formed_code(text: str) -> None:
    assert_same(text)


@pytest.mark.parametrize("text", [
    "", " ", "(+ 1 2)", "#!/usr/bin/env blawk\n(a)", "#!only", "(a b", "a)", "(a]", '"abc',
    '"abc\\', "#| open", "(a ')", "'", "1.2.3", "x\x00y", "{", "(a\n  (b 'c ,d ,@e `f))",
    "''x", "'''(a)", "[1 2 [3 [4]]]", "#|a|#x", "x#|y", "|#", "#", '"\\u12"', "1" * 5000,
])
def test_same_as_the_reference_on_edge_cases(text: str) -> None:
    assert_same(text)


def test_deep_and_large_inputs() -> None:
    n = 20_000
    for text in ["(" * n + ")" * n, "[" * n + "]" * n, "'" * n + "x", "(" * n, "x " * n,
                 "1" * 1_000_000, '"' + "a" * 100_000]:
        assert_same(text)


def test_hostile_input_reads() -> None:
    """Deep nesting, long quote chains and many atoms read (iteratively, no
    recursion limit).  Linear time is the reader's design (docs/language.md);
    unit tests make no timing assertions, a quadratic reader would show as a
    slow test here."""
    n = 100_000
    assert len(read_c("(" * n + ")" * n)) == 1
    assert len(read_c("'" * n + "x")) == 1
    assert len(read_c("x " * n)) == n


def test_the_atom_cache_is_shared() -> None:
    reader._CACHE.clear()
    assert read_c("(abc 12)")[0] == read_py("(abc 12)")[0]
    assert "abc" in reader._CACHE and "12" in reader._CACHE


def test_read_uses_the_compiled_reader() -> None:
    assert reader._read_impl is read_c and reader.read is read_c


def test_forms_pickle_as_plain_forms() -> None:
    import pickle

    form = read_c("(a [1 2] 'b)")[0]
    back = pickle.loads(pickle.dumps(form))
    assert back == form and type(back[1]) is type(form[1]) and back.src is None
