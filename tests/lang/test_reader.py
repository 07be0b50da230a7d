"""The reader: every token kind, exact spans, hostile input."""

from __future__ import annotations

import math
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blawk.errors import ReadError
from blawk.lang.forms import Keyword, SList, SVector, Symbol
from blawk.lang.printer import show
from blawk.lang.reader import read, read_one

S = Symbol


def read_error(text: str) -> ReadError:
    with pytest.raises(ReadError) as info:
        read(text, "t.blawk")
    return info.value


def where(err: ReadError) -> tuple[int, int]:
    assert err.span is not None
    return err.span.line, err.span.col


# ------------------------------------------------------------------ atoms


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("42", 42), ("-3", -3), ("+7", 7), ("1_000_000", 1_000_000), ("007", 7),
    ("2.5", 2.5), ("+2.5", 2.5), ("-2.5", -2.5), (".5", 0.5), ("-.5", -0.5), ("+.5", 0.5),
    ("1.", 1.0), ("1e3", 1000.0), ("1E3", 1000.0), ("-1.5e-3", -0.0015), ("2.5e+2", 250.0),
    (".5e1", 5.0), ("1_0.2_5", 10.25), ("1e-400", 0.0), ("-0.0", -0.0),
    ("1" + "0" * 300, 10 ** 300),
])
def test_numbers(text: str, value: float) -> None:
    got = read_one(text)
    assert got == value
    assert type(got) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, got) == math.copysign(1, value)


@pytest.mark.parametrize("name", [
    "x", "->", "->>", "as->", "x-", "nan->null", "null?", "*", "/", "+", "-", "-x", "+x",
    "...", ".", "a.b", "inf", "-inf", "+inf", "nan", "set!", "<=", "a:b", "λ", "Δx", "1+x"[1:],
    "|a|", "a#b", "&rest",
])
def test_symbols(name: str) -> None:
    got = read_one(name)
    assert got is Symbol(name)


def test_symbols_are_interned_and_distinct_from_strings() -> None:
    a, b, c = read('x x "x"')
    assert a is b and a is Symbol("x")
    assert c == "x" and type(c) is str


@pytest.mark.parametrize(("text", "name", "pyname"), [
    (":lag", "lag", "lag"), (":min-periods", "min-periods", "min_periods"), (":a:b", "a:b", "a:b"),
])
def test_keywords(text: str, name: str, pyname: str) -> None:
    kw = read_one(text)
    assert type(kw) is Keyword and kw is Keyword(name)
    assert kw.name == name and kw.pyname == pyname


@pytest.mark.parametrize(("text", "value"), [
    ('""', ""), ('"abc"', "abc"), (r'"a\nb"', "a\nb"), (r'"a\tb"', "a\tb"), (r'"\r"', "\r"),
    (r'"say \"hi\""', 'say "hi"'), (r'"back\\slash"', "back\\slash"), (r'"end\\"', "end\\"),
    (r'"\u00e9"', "é"),
    (r'"\u03BB"', "λ"), (r'"\U0001F600"', "\U0001F600"), (r'"\ud83d\ude00"', "\U0001F600"),
    ('"two\nlines"', "two\nlines"), ('"; not a comment"', "; not a comment"),
    ('"#| not a comment |#"', "#| not a comment |#"), ('"(["', "(["), ('"tab\there"', "tab\there"),
])
def test_strings(text: str, value: str) -> None:
    assert read_one(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("#t", True), ("#f", False), ("#true", True), ("#false", False),
])
def test_booleans(text: str, value: bool) -> None:
    assert read_one(text) is value


# ------------------------------------------------------------------ structure


def test_lists_and_vectors() -> None:
    form = read_one("(a (b 1) [2 [3]] ())")
    assert type(form) is SList
    assert form == [S("a"), [S("b"), 1], [2, [3]], []]
    assert type(form[2]) is SVector and type(form[2][1]) is SVector
    assert type(form[3]) is SList


@pytest.mark.parametrize(("text", "head"), [
    ("'x", "quote"), ("`x", "quasiquote"), (",x", "unquote"), (",@x", "unquote-splicing"),
])
def test_quote_prefixes(text: str, head: str) -> None:
    assert read_one(text) == [S(head), S("x")]


def test_nested_quote_prefixes() -> None:
    assert read_one("''x") == [S("quote"), [S("quote"), S("x")]]
    assert read_one("`(a ,b ,@(c d))") == [
        S("quasiquote"),
        [S("a"), [S("unquote"), S("b")], [S("unquote-splicing"), [S("c"), S("d")]]],
    ]
    assert read_one("'(1 . 2)") == [S("quote"), [1, S("."), 2]]


def test_comments() -> None:
    text = """; leading comment
    (a ; trailing
       b) #| block
    (not read) #| nested |# still comment |# c
    ; last line without newline"""
    assert read(text) == [[S("a"), S("b")], S("c")]
    assert read("#||# x #|a|##|b|#") == [S("x")]
    assert read("a;b\nc") == [S("a"), S("c")]


def test_shebang_line_is_a_comment() -> None:
    prog = read("#!/usr/bin/env blawk run\n(+ 1 2)", "s.blawk")
    assert prog == [[S("+"), 1, 2]]
    assert str(prog[0].span) == "s.blawk:2:1"


def test_empty_and_blank_sources() -> None:
    assert read("") == []
    assert read("  \n\t ; only a comment\n") == []


def test_delimiters_split_atoms() -> None:
    assert read('a"b"c') == [S("a"), "b", S("c")]
    assert read("(a)(b)") == [[S("a")], [S("b")]]
    assert read("a'b") == [S("a"), [S("quote"), S("b")]]


def test_read_one_wants_exactly_one_form() -> None:
    with pytest.raises(ReadError, match="exactly one form, found nothing"):
        read_one("  ")
    with pytest.raises(ReadError, match="exactly one form, found 2 forms"):
        read_one("a b")


# ------------------------------------------------------------------ spans


def test_spans_of_lists_and_atoms() -> None:
    text = "(define x\n  (dlog px :lag 5))\n\n  'y \"s\""
    prog = read(text, "p.blawk")
    form = prog[0]
    assert form.span is not None
    assert (form.span.file, form.span.line, form.span.col) == ("p.blawk", 1, 1)
    assert (form.span.end_line, form.span.end_col) == (2, 20)
    assert str(form.child_span(0)) == "p.blawk:1:2"
    assert str(form.child_span(1)) == "p.blawk:1:9"
    inner = form[2]
    assert str(inner.span) == "p.blawk:2:3"
    assert [str(inner.child_span(i)) for i in range(4)] == [
        "p.blawk:2:4", "p.blawk:2:9", "p.blawk:2:12", "p.blawk:2:17"]
    span = inner.child_span(2)
    assert (span.end_line, span.end_col) == (2, 16)  # just past ":lag"
    assert str(prog.child_span(1)) == "p.blawk:4:3"  # 'y
    assert str(prog[1].child_span(1)) == "p.blawk:4:4"  # y inside (quote y)
    assert str(prog.child_span(2)) == "p.blawk:4:6"
    assert prog.child_span(2).end_col == 9  # "s" is three characters


def test_spans_after_nested_lists_and_prefixes() -> None:
    prog = read("(f (g (h)) 'q `(a ,b) [1 2] last)")
    form = prog[0]
    cols = [form.child_span(i).col for i in range(len(form))]
    assert cols == [2, 4, 12, 15, 23, 29]
    qq = form[3][1]
    assert qq.child_span(1).col == 19  # ,b
    assert qq[1].child_span(1).col == 20  # b


def test_spans_are_the_same_with_block_comments() -> None:
    # a block comment switches the reader to its offset-tracking path
    plain = read("(a\n  b (c d))  e")
    block = read("(a #| x |#\n  b (c d))  e")
    assert [str(plain[0].child_span(i)) for i in range(3)] == [
        str(block[0].child_span(i)) for i in range(3)]
    assert str(plain.child_span(1)) == str(block.child_span(1)) == "<string>:2:13"


def test_columns_count_characters_and_tabs() -> None:
    prog = read('"λλ" x\n\tyy')
    assert prog.child_span(1).col == 6
    assert (prog.child_span(2).line, prog.child_span(2).col) == (2, 2)


def test_crlf_line_endings() -> None:
    prog = read("a\r\n  b\r\n")
    assert (prog.child_span(1).line, prog.child_span(1).col) == (2, 3)


# ------------------------------------------------------------------ malformed input


@pytest.mark.parametrize(("text", "line", "col", "message"), [
    ("(a b", 1, 1, "^unclosed '\\(': expected '\\)' before the end of the input$"),
    ("(a\n  (b c)\n  (d", 3, 3, "^unclosed '\\('"),
    ("(a (b", 1, 4, "^unclosed '\\('.* \\(2 lists open\\)$"),
    ("[1 2", 1, 1, "unclosed '\\['"),
    ("a)", 1, 2, "unexpected '\\)': no list is open"),
    ("(a))\n", 1, 4, "unexpected '\\)'"),
    ("(a]", 1, 3, "'\\]' does not match '\\(' at 1:1 \\(expected '\\)'\\)"),
    ("[a)", 1, 3, "'\\)' does not match '\\[' at 1:1"),
    ('(a "oops)', 1, 4, "unterminated string"),
    ('x\n  "abc\\"', 2, 3, "unterminated string"),
    ("#| never closed", 1, 1, "unterminated block comment"),
    ("a\n#| #| |# ", 2, 1, "unterminated block comment"),
    ("a |# b", 1, 3, "'\\|#' closes a block comment that was never opened"),
    ("(a \x00 b)", 1, 4, "NUL byte"),
    ("(a {b})", 1, 4, "unexpected '\\{' \\(braces are reserved\\)"),
    ("a \x01", 1, 3, "control character U\\+0001"),
    ("#x", 1, 1, "unknown syntax '#x'"),
    ("'", 1, 1, "^' \\(quote\\) has no form after it \\(end of input\\)$"),
    ("(a ')", 1, 4, "quote\\) has no form after it"),
    ("(a ,@)", 1, 4, "^,@ \\(unquote-splicing\\) has no form after it$"),
    (":", 1, 1, "':' must be followed by a keyword name"),
    ("1.2.3", 1, 1, "malformed number '1.2.3'"),
    ("(+ 1x 2)", 1, 4, "malformed number '1x'"),
    ("-2e", 1, 1, "malformed number"),
    ("1__0", 1, 1, "malformed number"),
    ("1e400", 1, 1, "out of float64 range"),
    ("-" + "9" * 400, 1, 1, "integer literal out of float64 range"),
    ('"a\\"', 1, 1, "unterminated string"),
    ('"a\\\\\\"', 1, 1, "unterminated string"),
    ('"a\\qb"', 1, 3, "unknown escape '\\\\q' in string"),
    ('  "\\u12"', 1, 4, "\\\\u needs 4 hex digits"),
    ('"\\ud800"', 1, 2, "lone surrogate"),
    ('"\\U00110000"', 1, 2, "beyond U\\+10FFFF"),
])
def test_malformed_input(text: str, line: int, col: int, message: str) -> None:
    err = read_error(text)
    assert where(err) == (line, col)
    assert err.span is not None and err.span.file == "t.blawk"
    assert err.source == text
    assert re.search(message, err.message), err.message
    first = err.format().splitlines()[0]
    assert first.startswith(f"t.blawk:{line}:{col}: ")


def test_error_format_has_caret_line() -> None:
    err = read_error("(+ 1\n   (dlog x]\n")
    assert err.format() == (
        "t.blawk:2:11: ']' does not match '(' at 2:4 (expected ')')\n"
        "       (dlog x]\n"
        "              ^"
    )


# ------------------------------------------------------------------ hostile input


def test_deep_nesting_reads_without_recursion() -> None:
    n = 100_000
    form = read_one("(" * n + "x" + ")" * n)
    depth = 0
    while isinstance(form, list):
        form = form[0]
        depth += 1
    assert depth == n and form is S("x")


def test_deep_nesting_unclosed() -> None:
    n = 100_000
    err = read_error("(" * n)
    assert where(err) == (1, n)
    assert f"({n} lists open)" in err.message


def test_deep_vectors_and_quotes() -> None:
    n = 100_000
    vec = read_one("[" * n + "]" * n)
    for _ in range(n - 1):
        assert type(vec) is SVector and len(vec) == 1
        vec = vec[0]
    assert vec == [] and type(vec) is SVector
    form = read_one("'" * n + "x")
    for _ in range(n):
        assert form[0] is S("quote")
        form = form[1]
    assert form is S("x")
    assert where(read_error("(" * n + "]")) == (1, n + 1)


def test_huge_numbers_are_rejected() -> None:
    err = read_error("(+ 1 " + "7" * 1_000_000 + ")")
    assert where(err) == (1, 6)
    assert "number literal too long (1000000 characters" in err.message
    err = read_error("0." + "1" * 1_000_000)
    assert "too long" in err.message


def test_huge_strings_and_comments() -> None:
    big = "x" * 1_000_000
    assert read_one(f'"{big}"') == big
    err = read_error('(a "' + big)
    assert where(err) == (1, 4)
    err = read_error('"' + "\\\\" * 200_000)  # many escapes, no closing quote
    assert where(err) == (1, 1)
    # an unclosed string is one token: no rescanning from every later quote
    err = read_error('(a\n "' + '\\"' * 200_000)
    assert where(err) == (2, 2)
    err = read_error('"' * 200_001)
    assert where(err) == (1, 200_001)
    assert read(";" + big + "\n1") == [1]
    err = read_error("#|" * 50_000)
    assert where(err) == (1, 1)


def test_many_top_level_forms() -> None:
    prog = read("(a 1) " * 50_000)
    assert len(prog) == 50_000
    assert str(prog.child_span(49_999)) == "<string>:1:299995"


def test_non_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        read(b"(a)")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("()[]\"';`,@#|\\ \n\tab1.-+:e{}\x00\x01λ")),
               max_size=60))
def test_arbitrary_text_reads_or_raises_read_error(text: str) -> None:
    try:
        read(text)
    except ReadError as err:
        assert err.span is not None
        assert 1 <= err.span.line <= text.count("\n") + 1
        lines = text.split("\n")
        assert 1 <= err.span.col <= len(lines[err.span.line - 1]) + 1
        err.format()


# values whose printed form reads back to the same value
_atoms = st.one_of(
    st.integers(-10**20, 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from([S("x"), S("->"), S("null?"), S("-"), Keyword("lag"), True, False]),
)
_data = st.recursive(_atoms, lambda inner: st.lists(inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_data)
def test_printed_data_reads_back(value: object) -> None:
    back = read_one(show(value))
    assert back == value
    assert show(back) == show(value)


def test_spans_skip_comments() -> None:
    text = "(+ 1 2) ; one\n; two\nfoo #| three |# (a ; four\n b)"
    prog = read(text)
    assert [str(prog.child_span(i)) for i in range(3)] == [
        "<string>:1:1", "<string>:3:1", "<string>:3:17"]
    assert str(prog[2].child_span(1)) == "<string>:4:2"


_SEPARATORS = [" ", "  ", "\n", "\t", " ; comment\n", "\n;; (not ( a form\n", " #| block |# ",
               " #| nested #| block |# ( |# ", "\r\n"]


def _render(value: object, rnd: random.Random) -> str:
    """Print ``value`` with random whitespace and comments between tokens."""
    if isinstance(value, list):
        sep = [rnd.choice(_SEPARATORS) for _ in range(len(value) + 1)]
        parts = [("" if k == 0 else sep[k]) + _render(v, rnd) for k, v in enumerate(value)]
        return "(" + rnd.choice(["", sep[0]]) + "".join(parts) + rnd.choice(["", sep[-1]]) + ")"
    return show(value)


def _offset(text: str, line: int, col: int) -> int:
    starts = [0] + [k + 1 for k, ch in enumerate(text) if ch == "\n"]
    return starts[line - 1] + col - 1


@settings(max_examples=200, deadline=None)
@given(st.lists(_data, min_size=1, max_size=4), st.integers(0, 2**32))
def test_every_span_points_at_its_form(values: list[object], seed: int) -> None:
    rnd = random.Random(seed)
    text = rnd.choice(["", "; head\n"]) + "".join(
        _render(v, rnd) + rnd.choice(_SEPARATORS) for v in values)
    prog = read(text)
    assert prog == values
    todo: list[SList] = [prog]
    while todo:
        node = todo.pop()
        for k, child in enumerate(node):
            span = node.child_span(k)
            assert span is not None
            at = text[_offset(text, span.line, span.col):]
            if isinstance(child, SList):
                assert at.startswith("(")
                assert child.span == span
                todo.append(child)
            else:
                assert at.startswith(show(child)), (at[:20], child)
                end = _offset(text, span.end_line, span.end_col)
                assert text[_offset(text, span.line, span.col):end] == show(child)
