"""Metamorphic laws of the op catalogue, on random data with nulls (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import blawk
from blawk.registry import lookup

X = blawk.col("x")


def call(op: str, *args: object, **kw: object) -> object:
    spec = lookup(op)
    assert spec is not None
    return spec.call(list(args), kw)


@st.composite
def columns(draw: st.DrawFn) -> blawk.Column:
    n = draw(st.integers(0, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * draw(st.sampled_from([1.0, 1e-3, 1e6])) \
        + draw(st.sampled_from([0.0, 100.0, 1e9]))
    ok = rng.random(n) > draw(st.sampled_from([0.0, 0.1, 0.5]))
    return blawk.Column(x, valid=ok)


def close(a: blawk.Column, b: blawk.Column, rtol: float = 1e-9, atol: float = 1e-9) -> bool:
    if not np.array_equal(a.is_valid(), b.is_valid()):
        return False
    m = a.is_valid()
    return bool(np.allclose(a.values[m], b.values[m], rtol=rtol, atol=atol, equal_nan=True))


@settings(max_examples=40, deadline=None)
@given(c=columns(), a=st.integers(-5, 5), b=st.integers(-5, 5))
def test_shift_composes(c: blawk.Column, a: int, b: int) -> None:
    # shift(a) after shift(b) = shift(a+b) when both go the same way (the null
    # rule makes rows null where an intermediate row is null, so compare where
    # the composed shift is valid)
    if a * b < 0:
        return
    two = blawk.compute(call("shift", call("shift", X, lag=b), lag=a), x=c)
    one = blawk.compute(call("shift", X, lag=a + b), x=c)
    ok = two.is_valid()
    assert np.array_equal(two.values[ok], one.values[ok])
    assert not (ok & ~one.is_valid()).any()


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 400), v=st.floats(-1e12, 1e12), w=st.integers(1, 50))
def test_rolling_mean_of_a_constant_is_the_constant(n: int, v: float, w: int) -> None:
    got = blawk.compute(call("mavg", X, window=w), x=np.full(n, v))
    ok = got.is_valid()
    assert ok.sum() == max(0, n - w + 1)
    assert np.all(got.values[ok] == v)
    sd = blawk.compute(call("mstd", X, window=w, min_periods=1, ddof=0), x=np.full(n, v))
    assert sd.null_count == 0 and np.all(sd.values == 0.0)  # exactly zero, not ~1e-7


@settings(max_examples=40, deadline=None)
@given(c=columns(), k=st.sampled_from([-3.0, 0.5, 2.0, 1e3]), s=st.sampled_from([-7.0, 1e6]))
def test_std_scale_and_translation(c: blawk.Column, k: float, s: float) -> None:
    sd = blawk.compute(blawk.std(X), x=c)
    if sd is None:
        return
    # x*k and x+s themselves round (half an ulp of the result): that much may move
    vals = c.values[c.is_valid()]
    big = float(np.max(np.abs(vals)))
    eps = np.finfo(float).eps
    scaled = blawk.compute(blawk.std(X * k), x=c)
    assert abs(scaled - abs(k) * sd) <= 1e-9 * abs(k) * sd + 4 * eps * big * abs(k)
    shifted = blawk.compute(blawk.std(X + s), x=c)
    assert abs(shifted - sd) <= 1e-9 * sd + 4 * eps * (big + abs(s))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1), lag=st.integers(0, 4),
       w=st.integers(1, 10))
def test_mavg_commutes_with_shift(n: int, seed: int, lag: int, w: int) -> None:
    x = np.random.default_rng(seed).standard_normal(n) * 100 + 1e4
    a = blawk.compute(call("shift", call("mavg", X, window=w), lag=lag), x=x)
    b = blawk.compute(call("mavg", call("shift", X, lag=lag), window=w), x=x)
    assert np.array_equal(a.is_valid(), b.is_valid())
    m = a.is_valid()
    assert np.array_equal(a.values[m], b.values[m])  # same windows, same sums: same bits


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1),
       k=st.sampled_from([0.5, 3.0, 1e4]), s=st.sampled_from([-5.0, 2e3]))
def test_zscore_invariant_to_scale_and_translation(n: int, seed: int, k: float, s: float) -> None:
    # data whose spread is not tiny next to its level, so x*k+s keeps its digits
    rng = np.random.default_rng(seed)
    c = blawk.Column(rng.standard_normal(n) * 10 + 50, valid=rng.random(n) > 0.2)
    z = blawk.compute(blawk.zscore(X), x=c)
    z2 = blawk.compute(blawk.zscore(X * k + s), x=c)
    assert np.array_equal(z.is_valid(), z2.is_valid())
    m = z.is_valid()
    assert np.allclose(z.values[m], z2.values[m], rtol=1e-9, atol=1e-9, equal_nan=True)
