"""Scan kernels (csrc/scan.c): cumulative sum, product, extremes, count, ema, fill.

* sum/prod give numpy's cumsum/cumprod bits over the valid values; expsum
  gives the bits of blawk's exp applied to the cumulative sum;
* nulls give null and leave the accumulator alone; rows before the first
  valid value are null; count is never null; fill carries values forward with
  an optional limit (pandas' ffill(limit=));
* NaN is a value: it propagates through sums and sticks in cummax/cummin;
* splitting the column into pieces never changes a bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import ISAS, same_bits
from hypothesis import given, settings
from hypothesis import strategies as st

import blawk
from blawk import _core

KINDS = ["sum", "sum1", "expsum", "prod", "max", "min", "count", "ema", "fill"]
LENGTHS = [0, 1, 2, 63, 64, 65, 1023, 1024, 1025, 3000]


def run(kind, x, valid=None, alpha=0.5, limit=0, piece=0):
    return _core.scan_run(kind, np.asarray(x, dtype=np.float64), valid, alpha, limit, piece)


def _beats(a: float, b: float, ismax: bool) -> bool:
    """a strictly beyond b, with -0.0 below +0.0."""
    if ismax:
        return a > b or (a == b and not math.copysign(1, a) < 0 and math.copysign(1, b) < 0)
    return a < b or (a == b and math.copysign(1, a) < 0 and not math.copysign(1, b) < 0)


def reference(kind, x, valid, alpha=0.5, limit=0):
    """Row by row, in plain Python floats (IEEE double, same operation order)."""
    n = len(x)
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    out = np.zeros(n)
    ok = np.zeros(n, bool)
    acc, have, gap, count = 0.0, False, 0, 0
    for i in range(n):
        v, good = float(x[i]), bool(valid[i])
        if kind == "count":
            count += good
            out[i], ok[i] = count, True
            continue
        if kind == "fill":
            if good:
                acc, have, gap = v, True, 0
                out[i], ok[i] = v, True
            else:
                gap += 1
                if have and (limit == 0 or gap <= limit):
                    out[i], ok[i] = acc, True
            continue
        if not good:
            continue
        if not have:
            acc, have = v, True
        elif kind in ("sum", "sum1", "expsum"):
            acc = acc + v
        elif kind == "prod":
            acc = acc * v
        elif kind in ("max", "min"):
            if not math.isnan(acc) and (math.isnan(v) or _beats(v, acc, kind == "max")):
                acc = v
        elif kind == "ema":
            acc = v if alpha == 1.0 else alpha * v + (1.0 - alpha) * acc
        out[i], ok[i] = (1.0 + acc if kind == "sum1" else acc), True
    if kind == "expsum":
        out = np.where(ok, _core.kernel_unary("exp", out, blawk.isa()), 0.0)
    return out, ok


def sample(rng: np.random.Generator, n: int, style: str) -> np.ndarray:
    if style == "normal":
        return rng.standard_normal(n)
    if style == "returns":  # small log returns: the ecs1 / equity-curve case
        return rng.standard_normal(n) * 0.01
    if style == "prod":  # near 1, so long products stay finite
        return 1.0 + rng.standard_normal(n) * 0.01
    x = rng.standard_normal(n)
    if n:
        idx = rng.integers(0, n, max(1, n // 50))
        x[idx] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], len(idx))
    return x


def nulls(rng, n, pattern):
    if pattern == "none":
        return None
    if pattern == "all":
        return np.ones(n, bool)
    if pattern == "null":
        return np.zeros(n, bool)
    if pattern == "sparse":
        return rng.random(n) > 0.05
    v = rng.random(n) > 0.4
    for a in range(0, n, 300):
        v[a + 100 : a + 170] = False
    return v


def check(kind, got, gok, want, wok):
    assert np.array_equal(gok, wok), kind
    # bit-identical, null slots included (0.0); NaN payloads as computed
    # (NaN-ness compared, the payload of a NaN made from NaNs is not specified)
    gn, wn = np.isnan(got), np.isnan(want)
    assert np.array_equal(gn, wn), kind
    assert same_bits(got[~gn], want[~wn]), kind


# ----------------------------------------------------------------- reference


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("style", ["normal", "returns", "prod", "specials"])
def test_against_reference(kind: str, style: str) -> None:
    rng = np.random.default_rng(len(kind) * 7 + len(style))
    for n in LENGTHS:
        x = sample(rng, n, style)
        for pattern in ("none", "all", "null", "sparse", "mixed"):
            v = nulls(rng, n, pattern)
            for alpha, limit in ((0.5, 0), (0.05, 3), (1.0, 1)):
                if kind not in ("ema", "fill") and alpha != 0.5:
                    continue
                got, gok = run(kind, x, v, alpha, limit)
                want, wok = reference(kind, x, v, alpha, limit)
                check(kind, got, gok, want, wok)


@pytest.mark.parametrize("kind", KINDS)
def test_pieces_give_identical_bits(kind: str) -> None:
    rng = np.random.default_rng(12)
    x = sample(rng, 3000, "specials")
    v = nulls(rng, 3000, "mixed")
    whole, wok = run(kind, x, v, 0.3, 5)
    for piece in (1, 7, 64, 1000, 1024):
        got, gok = run(kind, x, v, 0.3, 5, piece=piece)
        assert same_bits(got, whole) and np.array_equal(gok, wok), piece


@pytest.mark.parametrize("kind", KINDS)
def test_values_only(kind: str) -> None:
    """out_valid = NULL: the same values, no bitmap written."""
    rng = np.random.default_rng(13)
    x = sample(rng, 2500, "specials")
    v = nulls(rng, 2500, "mixed")
    whole, _ = run(kind, x, v, 0.3, 2)
    s = _core.ScanState(kind, 0.3, 2)
    got = np.concatenate([s.block(x[a : a + 1100], v[a : a + 1100], values_only=True)[0]
                          for a in range(0, 2500, 1100)])
    assert same_bits(got, whole)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), max_size=80),
       st.sampled_from(KINDS), st.floats(0.01, 1.0), st.integers(0, 4), st.integers(1, 9))
def test_hypothesis_reference(vals, kind, alpha, limit, piece) -> None:
    x = np.array([0.0 if v is None else v for v in vals], dtype=np.float64)
    valid = np.array([v is not None for v in vals], dtype=bool)
    got, gok = run(kind, x, valid, alpha, limit, piece=piece)
    want, wok = reference(kind, x, valid, alpha, limit)
    check(kind, got, gok, want, wok)


# ------------------------------------------------------------------ numpy


def test_sum_prod_are_numpy_bits() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(5000) * 10.0 ** rng.uniform(-5, 5, 5000)
    v = rng.random(5000) > 0.1
    for kind, f in (("sum", np.cumsum), ("prod", np.cumprod)):
        y = x if kind == "sum" else 1 + x * 1e-6
        got, ok = run(kind, y, v)
        assert np.array_equal(ok, v)
        assert same_bits(got[v], f(y[v]))
        assert not got[~v].any()
    got, ok = run("sum1", x, v)
    assert same_bits(got[v], 1.0 + np.cumsum(x[v]))


@pytest.mark.parametrize("isa", ISAS)
def test_expsum_is_exp_of_cumsum(isa: str) -> None:
    """ecs1 = exp(cumsum x), with blawk's exp: the same bits on every ISA."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(3000) * 0.01
    v = nulls(rng, 3000, "sparse")
    before = blawk.isa()
    try:
        blawk.set_isa(isa)
        got, ok = run("expsum", x, v, piece=1000)
    finally:
        blawk.set_isa(before)
    cs = np.cumsum(x[v])
    assert same_bits(got[v], _core.kernel_unary("exp", cs, "scalar"))
    assert np.allclose(got[v], np.exp(cs), rtol=1e-15)
    assert not got[~v].any()


def test_max_min_nan_sticks() -> None:
    x = np.array([1.0, 3.0, np.nan, 5.0, 0.0])
    mx, _ = run("max", x)
    mn, _ = run("min", x)
    assert mx[:2].tolist() == [1.0, 3.0] and np.isnan(mx[2:]).all()
    assert mn[:2].tolist() == [1.0, 1.0] and np.isnan(mn[2:]).all()
    # numpy's maximum.accumulate agrees; pandas (which skips NaN) gets a null instead
    assert np.array_equal(mx, np.maximum.accumulate(x), equal_nan=True)
    v = ~np.isnan(x)
    mx, ok = run("max", x, v)
    assert ok.tolist() == [True, True, False, True, True] and mx[ok].tolist() == [1, 3, 5, 5]


def test_max_min_signed_zero() -> None:
    x = np.array([-0.0, 0.0, -0.0])
    mx, _ = run("max", x)
    mn, _ = run("min", np.array([0.0, -0.0, 0.0]))
    assert np.signbit(mx).tolist() == [True, False, False]
    assert np.signbit(mn).tolist() == [False, True, True]


def test_sum_nan_and_inf_propagate() -> None:
    x = np.array([1.0, np.inf, 2.0, -np.inf, 3.0])
    got, _ = run("sum", x)
    assert got[0] == 1 and got[1] == got[2] == np.inf and np.isnan(got[3:]).all()


def test_negative_zero_seed() -> None:
    got, _ = run("sum", np.array([-0.0]))
    assert np.signbit(got[0])  # cumsum starts from the first value, not from +0.0


# ----------------------------------------------------------- count, ema, fill


def test_count() -> None:
    v = np.array([0, 0, 1, 0, 1, 1], bool)
    got, ok = run("count", np.zeros(6), v)
    assert ok.all() and got.tolist() == [0, 0, 1, 1, 2, 3]


def test_ema_rules() -> None:
    x = np.array([5.0, 1.0, 3.0, 7.0, 2.0])
    v = np.array([0, 1, 0, 1, 1], bool)
    got, ok = run("ema", x, v, alpha=0.25)
    assert ok.tolist() == [False, True, False, True, True]
    s1 = 1.0
    s2 = 0.25 * 7.0 + 0.75 * s1
    s3 = 0.25 * 2.0 + 0.75 * s2
    assert got[ok].tolist() == [s1, s2, s3]
    got, _ = run("ema", np.array([np.inf, 1.0, 2.0]), alpha=1.0)
    assert got.tolist() == [np.inf, 1.0, 2.0]  # alpha = 1: the identity, even after inf


def test_ema_matches_pandas() -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    x = rng.standard_normal(2000)
    v = rng.random(2000) > 0.2
    for alpha in (0.02, 0.3, 0.9):
        got, ok = run("ema", x, v, alpha=alpha)
        s = pd.Series(np.where(v, x, np.nan))
        want = s.ewm(alpha=alpha, adjust=False, ignore_na=True).mean().to_numpy()
        assert np.allclose(got[ok], want[ok], rtol=1e-12, atol=1e-14)


def test_fill() -> None:
    x = np.array([9.0, 1.0, 0, 0, 0, 2.0, 0, np.nan, 0])
    v = np.array([0, 1, 0, 0, 0, 1, 0, 1, 0], bool)
    got, ok = run("fill", x, v)
    assert ok.tolist() == [False] + [True] * 8
    assert got[1:7].tolist() == [1, 1, 1, 1, 2, 2] and np.isnan(got[7:]).all()  # NaN is a value
    got, ok = run("fill", x, v, limit=2)
    assert ok.tolist() == [False, True, True, True, False, True, True, True, True]


@pytest.mark.parametrize("limit", [0, 1, 2, 5])
def test_fill_matches_pandas(limit: int) -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(limit)
    x = rng.standard_normal(3000)
    v = nulls(rng, 3000, "mixed")
    got, ok = run("fill", x, v, limit=limit)
    want = pd.Series(np.where(v, x, np.nan)).ffill(limit=limit or None).to_numpy()
    assert np.array_equal(ok, ~np.isnan(want))
    assert same_bits(got[ok], want[ok])


def test_cumulative_ops_match_pandas() -> None:
    """Where the data has no NaN, pandas' cum ops (which skip missing) agree."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(4)
    x = 1 + rng.standard_normal(1000) * 0.01
    v = rng.random(1000) > 0.1
    s = pd.Series(np.where(v, x, np.nan))
    for kind, meth in (("sum", "cumsum"), ("prod", "cumprod"), ("max", "cummax"),
                       ("min", "cummin")):
        got, ok = run(kind, x, v)
        want = getattr(s, meth)().to_numpy()
        assert np.allclose(got[ok], want[ok], rtol=1e-13), kind


# ------------------------------------------------------------------- params


@pytest.mark.parametrize("alpha", [0.0, -0.5, 1.5, math.nan])
def test_bad_alpha(alpha: float) -> None:
    with pytest.raises(_core.CoreError, match="invalid argument"):
        _core.ScanState("ema", alpha=alpha)


def test_bad_limit_and_kind() -> None:
    with pytest.raises(_core.CoreError, match="invalid argument"):
        _core.ScanState("fill", limit=-1)
    with pytest.raises(ValueError):
        _core.ScanState("cumfoo")


def test_empty() -> None:
    for kind in KINDS:
        got, ok = run(kind, np.zeros(0))
        assert got.shape == (0,) and ok.shape == (0,)


@pytest.mark.parametrize("kind", ["max", "min"])
def test_cumext_vector_paths(kind: str, isa: str) -> None:
    """cummax/cummin run a vector scan per ISA (kernels/cumext.h) until a NaN
    arrives: the row-by-row reference's bits on every path, for nulls, signed
    zeros, infinities, a NaN anywhere in a 16-row step, and any piece size."""
    rng = np.random.default_rng(21)
    n = 700
    for trial in range(12):
        x = rng.standard_normal(n) * (trial + 1)
        special = rng.random(n) < 0.3
        x[special] = rng.choice([-0.0, 0.0, 1.0, np.inf, -np.inf], int(special.sum()))
        if trial % 2:
            # the running extreme sits on the zeros, where only the sign
            # tells +0.0 from -0.0
            x = -np.abs(x) if kind == "max" else np.abs(x)
            x[x == 0] = rng.choice([-0.0, 0.0], int((x == 0).sum()))
            x[: 40] = rng.choice([-0.0, 0.0, -1.0, 1.0], 40) * (1 if trial % 4 == 1 else -1)
        if trial % 3 == 1:
            x[rng.integers(0, n)] = np.nan
        if trial % 3 == 2:
            x[n - 1 - trial] = np.nan  # late, in the scalar tail or the last vectors
        for pattern in ("none", "sparse", "mixed", "null"):
            v = nulls(rng, n, pattern)
            want, wok = reference(kind, x, v, 0.5, 0)
            for piece in (0, 1, 7, 8, 13, 16, 100):
                got, gok = run(kind, x, v, piece=piece)
                check(kind, got, gok, want, wok)


@pytest.mark.parametrize("kind", ["max", "min"])
def test_cumext_values_only_any_length(kind: str, isa: str) -> None:
    """out_valid = NULL: cummax/cummin scan any number of rows in one call (no
    per-block pieces): the reference's bits for lengths around the vector
    widths, bitmap words and blocks, whole or pushed in pieces, with nulls,
    NaN, infinities and signed zeros."""
    rng = np.random.default_rng(22)
    for n in (1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1023, 1024, 1025, 2049, 5000):
        x = sample(rng, n, "specials")
        if n > 40:
            x[:30] = rng.choice([-0.0, 0.0], 30)
        for pattern in ("none", "sparse", "mixed", "null"):
            v = nulls(rng, n, pattern)
            want, _ = reference(kind, x, v)
            for piece in (n, 1000, 17):
                s = _core.ScanState(kind)
                got = np.concatenate([
                    s.block(x[a : a + piece], None if v is None else v[a : a + piece],
                            values_only=True)[0]
                    for a in range(0, n, piece)])
                gn, wn = np.isnan(got), np.isnan(want)
                assert np.array_equal(gn, wn), (n, pattern, piece)
                assert same_bits(got[~gn], want[~wn]), (n, pattern, piece)
