"""where, coalesce, fill, null?/valid?, nan->null (logic.h): every ISA, every
length and validity pattern, against plain numpy definitions, bit for bit
(they only move values: NaN payloads and -0.0 must come through untouched)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EDGE_LENGTHS, ieee_specials, random_mixed, random_validity, same_bits

import blawk
from blawk.registry import lookup

KINDS = ["none", "all", "null", "mixed", "sparse"]


def op(name: str, *args):
    out = lookup(name).call(list(args))
    return out.collect() if hasattr(out, "collect") else out


def column(x: np.ndarray, ok: np.ndarray | None) -> blawk.Column:
    return blawk.Column(x) if ok is None else blawk.Column(x, valid=ok)


def check(col: blawk.Column, values: np.ndarray, valid: np.ndarray) -> None:
    assert np.array_equal(col.is_valid(), valid)
    assert same_bits(col.values[valid], values[valid])
    if col.validity is not None and len(col) % 64:
        assert int(col.validity[-1]) >> (len(col) % 64) == 0


def truth(c: np.ndarray) -> np.ndarray:
    return (c != 0) & ~np.isnan(c)


@pytest.mark.parametrize("n", EDGE_LENGTHS)
@pytest.mark.parametrize("kind", KINDS)
def test_select_ops(isa: str, n: int, kind: str) -> None:
    rng = np.random.default_rng(n * 7 + len(kind))
    a, b = random_mixed(rng, n), random_mixed(rng, n)
    # conditions: 0, -0.0, NaN (false), anything else true
    c = rng.choice(np.concatenate([ieee_specials(), [0.0, -0.0, 1.0, 0.0]]), n)
    oka, okb = random_validity(rng, n, kind), random_validity(rng, n, "sparse")
    okc = random_validity(rng, n, "mixed" if kind != "none" else "none")
    va = np.ones(n, bool) if oka is None else oka
    vb = np.ones(n, bool) if okb is None else okb
    vc = np.ones(n, bool) if okc is None else okc
    ca, cb, cc = column(a, oka), column(b, okb), column(c, okc)
    t = truth(c)

    check(op("where", cc, ca, cb), np.where(t, a, b), vc & np.where(t, va, vb))
    check(op("where", cc, ca, blawk.Column(b)), np.where(t, a, b), vc & (va | ~t))
    check(op("coalesce", ca, cb), np.where(va, a, b), va | vb)
    check(op("fill", ca, -0.0), np.where(va, a, -0.0), np.ones(n, bool))
    check(op("null?", ca), (~va).astype(float), np.ones(n, bool))
    check(op("valid?", ca), va.astype(float), np.ones(n, bool))
    check(op("nan->null", ca), a, va & ~np.isnan(a))


def test_where_in_place(isa: str) -> None:
    """compute(..., out=x) where x is also the condition: right values and nulls."""
    rng = np.random.default_rng(3)
    n = 3000
    x = rng.choice([0.0, np.nan, 1.5, -2.0], n)
    y = rng.standard_normal(n)
    ok = rng.random(n) > 0.2
    X, Y = blawk.col("x"), blawk.col("y")
    want = np.where(truth(x), x, y)
    wvalid = np.where(truth(x), True, ok)
    buf = x.copy()
    got = blawk.compute(lookup("where").call([X, X, Y]), x=buf, y=blawk.Column(y, valid=ok),
                        out=buf)
    check(got, want, wvalid)


def test_where_program_in_place(isa: str) -> None:
    """The VM contract allows out = x exactly for maps: a WHERE program whose
    output is its condition's own memory (the planner may copy; this does not)."""
    from blawk import _core

    rng = np.random.default_rng(4)
    n = 2500
    x = rng.choice([0.0, np.nan, 1.5, -2.0], n)
    y = rng.standard_normal(n)
    ok = rng.random(n) > 0.2
    want = np.where(truth(x), x, y)
    wvalid = np.where(truth(x), True, ok)
    prog = _core.Program([("where", 2, 0, 0, 0, 0.0, 0, 0, 1)], 2, 3, [2])
    buf = x.copy()
    bits = np.zeros((n + 63) // 64, np.uint64)
    ybits = blawk.Column(y, valid=ok).validity
    prog.run([(buf, None), (y, ybits)], [(buf, bits)], n)
    got = np.unpackbits(bits.view(np.uint8), bitorder="little")[:n].astype(bool)
    assert np.array_equal(got, wvalid)
    assert same_bits(buf[wvalid], want[wvalid])


CMPS = {">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal,
        "=": np.equal, "!=": np.not_equal}


@pytest.mark.parametrize("n", EDGE_LENGTHS)
def test_comparisons_and_not(isa: str, n: int) -> None:
    """Every comparison (column with column, with a scalar either side) and
    `not` against numpy, specials included (NaN compares false except !=;
    -0.0 == 0.0), on every ISA and length."""
    rng = np.random.default_rng(n + 1)
    sp = np.concatenate([ieee_specials(), [0.0, -0.0, 1.0, 2.0]])
    a, b = rng.choice(sp, n), rng.choice(sp, n)
    ok = random_validity(rng, n, "mixed")
    ca, cb = column(a, ok), blawk.Column(b)
    v = np.ones(n, bool) if ok is None else ok
    with np.errstate(all="ignore"):
        for name, f in CMPS.items():
            check(op(name, ca, cb), f(a, b).astype(float), v)
            for s in (0.0, -0.0, np.nan, np.inf, 1.0):
                check(op(name, ca, s), f(a, s).astype(float), v)
                check(op(name, s, ca), f(s, a).astype(float), v)
    check(op("not", ca), (~truth(a)).astype(float), v)
