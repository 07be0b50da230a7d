"""Reductions to a scalar: every kind against a numpy reference on the valid
values, the same bits on every ISA, nulls skipped, IEEE values propagated, and
the accuracy promises of docs/reductions.md."""

from __future__ import annotations

import math
import struct
import zlib
from fractions import Fraction

import numpy as np
import pytest
from conftest import ISAS, random_mixed, random_validity, same_bits
from hypothesis import given, settings
from hypothesis import strategies as st

from blawk import _core

KINDS = list(_core.REDUCE_KINDS)
TWO = {"cov", "cor", "wsum", "wavg"}
ONE = [k for k in KINDS if k not in TWO]
# results that do not depend on how the column is cut into blocks
ORDER_FREE = {"min", "max", "count", "first", "last", "median", "quantile"}
LENGTHS = [0, 1, 2, 7, 8, 9, 63, 64, 65, 1023, 1024, 1025, 3000]
PATTERNS = ["none", "all", "null", "mixed", "sparse"]
EPS = np.finfo(np.float64).eps


def fbits(v: float | None) -> int | None:
    return None if v is None else struct.unpack("<Q", struct.pack("<d", v))[0]


def same(a: float | None, b: float | None) -> bool:
    """Same bits; any NaN equals any NaN (IEEE leaves NaN payloads open)."""
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return fbits(a) == fbits(b)


def run_all_isas(kind: str, *args, **kw) -> float | None:
    """Run on every ISA; assert they agree bit for bit; return the scalar result."""
    results = {isa: _core.reduce_run(kind, *args, isa=isa, **kw) for isa in ISAS}
    ref = results["scalar"]
    for isa, got in results.items():
        assert same(got, ref), f"{kind} on {isa}: {got!r} != scalar {ref!r}"
    return ref


# ---------------------------------------------------------------- reference


def reference(kind, x, valid, y=None, y_valid=None, ddof=1, q=0.5):
    """numpy/pandas semantics on the valid values (pairs), None for null."""
    m = np.ones(len(x), dtype=bool) if valid is None else np.asarray(valid, dtype=bool).copy()
    if kind in TWO and y_valid is not None:
        m &= y_valid
    xs = np.asarray(x)[m]
    ys = None if y is None else np.asarray(y)[m]
    n = len(xs)
    if kind == "count":
        return float(n)
    if kind == "sum0" and n == 0:
        return 0.0
    if n == 0:
        return None
    with np.errstate(all="ignore"):
        if kind in ("sum", "sum0"):
            return math.fsum(xs)
        if kind == "mean":
            return math.fsum(xs) / n
        if kind in ("var", "std"):
            if n <= ddof:
                return None
            v = float(np.var(xs, ddof=ddof))
            return math.sqrt(v) if kind == "std" else v
        if kind == "min":
            return float(np.min(xs))
        if kind == "max":
            return float(np.max(xs))
        if kind == "first":
            return float(xs[0])
        if kind == "last":
            return float(xs[-1])
        if kind == "prod":
            return float(np.prod(xs))
        if kind in ("skew", "kurt"):
            if n < (3 if kind == "skew" else 4):
                return None
            d = xs - xs.mean()
            m2, m3, m4 = (d**2).sum(), (d**3).sum(), (d**4).sum()
            if kind == "skew":
                return math.nan if m2 == 0 else n * (n - 1) ** 0.5 / (n - 2) * m3 / m2**1.5
            den = (n - 2) * (n - 3) * m2**2
            if den == 0:
                return math.nan
            return n * (n + 1) * (n - 1) * m4 / den - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
        if kind == "median":
            return float(np.median(xs))
        if kind == "quantile":
            return float(np.quantile(xs, q))
        if kind == "cov":
            if n <= ddof:
                return None
            return float(((xs - xs.mean()) * (ys - ys.mean())).sum() / (n - ddof))
        if kind == "cor":
            if n < 2:
                return None
            return float(np.corrcoef(xs, ys)[0, 1])
        if kind == "wsum":
            return math.fsum(xs * ys)
        if kind == "wavg":
            return math.fsum(xs * ys) / math.fsum(xs)
    raise AssertionError(kind)


def close(kind, got, want, xs=None, ys=None) -> bool:
    """Within the error bound of the algorithm (xs, ys: the valid values)."""
    if got is None or want is None:
        return got is None and want is None
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if kind in ("sum", "sum0", "mean", "wsum"):
        # a fixed-order float sum: error below n * eps * sum|terms|
        terms = xs * ys if kind == "wsum" else xs
        n = max(len(terms), 1)
        mag = float(np.sum(np.abs(terms)))
        scale = mag / n if kind == "mean" else mag
        return abs(got - want) <= 4 * n * EPS * scale + 1e-300
    if kind in ("skew", "kurt", "cov", "cor"):
        return abs(got - want) <= 1e-10 * (1 + abs(want))
    return abs(got - want) <= 1e-12 * abs(want) + 1e-300


def data_for(kind: str, rng: np.random.Generator, n: int):
    """Finite, well-conditioned data for comparing against the reference."""
    if kind == "prod":
        x = np.exp(rng.normal(0.0, 0.05, n))
    elif kind == "wavg":
        x = rng.uniform(0.5, 2.0, n)  # weights: positive, so sum(w) is well away from 0
    else:
        x = rng.standard_normal(n) * 3.0 + 1.0
    y = rng.standard_normal(n) * 2.0 - 0.5
    if kind == "cor" and n:
        y = y + 0.7 * x
    return x, y


# ------------------------------------------------------------------- tests


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("kind", KINDS)
def test_matches_reference_on_every_isa(kind: str, n: int, pattern: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{kind}/{n}/{pattern}".encode()))
    x, y = data_for(kind, rng, n)
    v = random_validity(rng, n, pattern)
    yv = random_validity(rng, n, "sparse") if kind in TWO and pattern == "mixed" else None
    q = 0.37
    got = run_all_isas(kind, x, v, y=y, y_valid=yv, ddof=1, q=q)
    want = reference(kind, x, v, y, yv, ddof=1, q=q)
    m = np.ones(n, bool) if v is None else v.copy()
    if kind in TWO and yv is not None:
        m &= yv
    assert close(kind, got, want, x[m], y[m]), f"{kind} n={n} {pattern}: {got!r} vs {want!r}"
    # the whole-column entry point is the same computation
    assert same(_core.reduce_column(kind, x, v, y=y, y_valid=yv, ddof=1, q=q), got)


@pytest.mark.parametrize("kind", KINDS)
def test_specials_same_bits_everywhere(kind: str) -> None:
    """NaN, inf, signed zeros, subnormals, huge values: every ISA, same bits."""
    rng = np.random.default_rng(99)
    for n in (1, 9, 64, 65, 200, 1024, 1025, 3000):
        for pattern in PATTERNS:
            x, y = random_mixed(rng, n), random_mixed(rng, n)
            v = random_validity(rng, n, pattern)
            run_all_isas(kind, x, v, y=y, y_valid=random_validity(rng, n, "sparse"), ddof=0)


@pytest.mark.parametrize("kind", KINDS)
def test_values_under_nulls_are_ignored(kind: str) -> None:
    rng = np.random.default_rng(3)
    n = 2100
    x, y = data_for(kind, rng, n)
    v = random_validity(rng, n, "mixed")
    dirty_x, dirty_y = x.copy(), y.copy()
    junk = np.array([np.nan, np.inf, -np.inf, 1e308, -0.0])
    dirty_x[~v] = junk[rng.integers(0, len(junk), (~v).sum())]
    dirty_y[~v] = junk[rng.integers(0, len(junk), (~v).sum())]
    for isa in ISAS:
        a = _core.reduce_run(kind, x, v, y=y, y_valid=v, isa=isa)
        b = _core.reduce_run(kind, dirty_x, v, y=dirty_y, y_valid=v, isa=isa)
        assert same(a, b), (kind, isa, a, b)


@pytest.mark.parametrize("kind", KINDS)
def test_empty_and_all_null(kind: str) -> None:
    want = {"count": 0.0, "sum0": 0.0}.get(kind)
    for x, v in [
        (np.array([]), None),
        (np.ones(5), np.zeros(5, bool)),
        (np.ones(3000), np.zeros(3000, bool)),
    ]:
        got = run_all_isas(kind, x, v, y=x, y_valid=v)
        assert same(got, want), (kind, got)
    # a two-input kind whose pairs are never both valid is null too
    if kind in TWO:
        v1 = np.arange(100) % 2 == 0
        assert run_all_isas(kind, np.ones(100), v1, y=np.ones(100), y_valid=~v1) is None


def test_sum0_of_nothing_is_positive_zero() -> None:
    assert fbits(run_all_isas("sum0", np.array([]))) == fbits(0.0)


@pytest.mark.parametrize("block", [1, 3, 64, 100, 1000, 1024])
def test_block_size_only_moves_rounding(block: int) -> None:
    """Any cut into blocks gives the same answer up to rounding; the
    order-independent kinds give the same bits."""
    rng = np.random.default_rng(block)
    n = 2500
    for kind in KINDS:
        x, y = data_for(kind, rng, n)
        v = random_validity(rng, n, "mixed")
        got = run_all_isas(kind, x, v, y=y, block=block)
        full = _core.reduce_run(kind, x, v, y=y)
        if kind in ORDER_FREE:
            assert same(got, full), (kind, got, full)
        else:
            assert close(kind, got, full, x[v], y[v]), (kind, got, full)


# ------------------------------------------------------------- precision


@pytest.mark.parametrize("block", [1, 2, 1024])
def test_std_of_1e9_plus_123_is_exactly_one(block: int) -> None:
    x = 1e9 + np.array([1.0, 2.0, 3.0])
    assert run_all_isas("std", x, block=block) == 1.0
    assert run_all_isas("var", x, block=block) == 1.0
    assert run_all_isas("var", x, ddof=0, block=block) == 2.0 / 3.0
    big = np.tile(x, 1000)  # 3000 values across blocks
    assert abs(run_all_isas("var", big, ddof=0) - 2.0 / 3.0) <= 2 * EPS
    assert run_all_isas("mean", big) == 1e9 + 2.0
    y = 1e15 + np.array([1.0, 2.0, 3.0])
    assert run_all_isas("std", y, block=block) == 1.0


@pytest.mark.parametrize("c", [0.1, -7.3, 1e15 + 0.125, 3e-300, 1e300, 5e-324, -0.0])
@pytest.mark.parametrize("pattern", ["none", "mixed"])
def test_constant_column_has_zero_spread(c: float, pattern: str) -> None:
    rng = np.random.default_rng(1)
    for n in (4, 1023, 1025, 3000):
        x = np.full(n, c)
        v = random_validity(rng, n, pattern)
        for block in (1024, 7):
            for kind in ("var", "std"):
                r = run_all_isas(kind, x, v, ddof=1, block=block)
                assert r == 0.0, (kind, c, n, r)
            # skew and kurt divide by the spread: 0/0 (pandas >= 3.1, and the
            # rolling skew/kurt of a constant window)
            for kind in ("skew", "kurt"):
                r = run_all_isas(kind, x, v, block=block)
                assert r is not None and math.isnan(r), (kind, c, n, r)
            assert run_all_isas("cov", x, v, y=rng.standard_normal(n), block=block) == 0.0
            assert math.isnan(run_all_isas("cor", x, v, y=rng.standard_normal(n), block=block))
            assert run_all_isas("median", x, v) == c


def exact_var(x: np.ndarray, ddof: int) -> float:
    fr = [Fraction(float(t)) for t in x]
    mean = sum(fr) / len(fr)
    return float(sum((t - mean) ** 2 for t in fr) / (len(fr) - ddof))


@pytest.mark.parametrize("offset", [0.0, 1e9, 1e15, -1e15])
def test_variance_accuracy_with_offsets(offset: float) -> None:
    rng = np.random.default_rng(8)
    x = offset + rng.standard_normal(3000)
    want = exact_var(x, 1)
    got = run_all_isas("var", x)
    assert abs(got - want) <= 1e-12 * want, (got, want)
    # a cut into single values (every merge is a two-value Chan step) stays accurate
    got1 = run_all_isas("var", x[:500], block=1)
    want1 = exact_var(x[:500], 1)
    assert abs(got1 - want1) <= 1e-12 * want1
    y = 0.5 * x + rng.standard_normal(3000)
    c = run_all_isas("cov", x, y=y)
    fx = [Fraction(float(t)) for t in x]
    fy = [Fraction(float(t)) for t in y]
    mx, my = sum(fx) / len(fx), sum(fy) / len(fy)
    cw = float(sum((a - mx) * (b - my) for a, b in zip(fx, fy, strict=True)) / (len(fx) - 1))
    assert abs(c - cw) <= 1e-11 * abs(cw)


def test_sum_accuracy_with_large_offsets() -> None:
    rng = np.random.default_rng(4)
    x = 1e15 + rng.standard_normal(3000)
    x = np.concatenate([x, -x])  # exact sum 0, partial sums near 3e18
    rng.shuffle(x)
    got = run_all_isas("sum", x)
    assert abs(got - math.fsum(x)) <= 6000 * EPS * np.abs(x).sum()
    # the block partials are merged with compensation: many blocks of tiny
    # values after a huge one lose nothing that fits in the total
    y = np.concatenate([[1e16], np.zeros(1023), np.full(100 * 1024, 1.0)])
    assert run_all_isas("sum", y) == math.fsum(y)


def test_sum_fixed_order_documented() -> None:
    """Lane j of a block takes the elements with index % 32 == j; lanes fold
    j += j+16, +8, +4, +2, +1; blocks merge with Neumaier's compensation."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal(1024) * np.exp(rng.uniform(-30, 30, 1024))
    lanes = [-0.0] * 32
    for i, t in enumerate(x):
        lanes[i % 32] += float(t)
    h = 16
    while h:
        for j in range(h):
            lanes[j] = lanes[j] + lanes[j + h]
        h //= 2
    assert fbits(run_all_isas("sum", x)) == fbits(lanes[0])


# ------------------------------------------------------------ IEEE values


def test_nan_and_inf_propagate() -> None:
    nan, inf = float("nan"), float("inf")
    for isa in ISAS:

        def r(k, x, isa=isa, **kw):
            return _core.reduce_run(k, np.array(x, float), isa=isa, **kw)

        assert math.isnan(r("sum", [1.0, nan, 2.0]))
        assert r("sum", [1.0, inf, 2.0]) == inf
        assert math.isnan(r("sum", [inf, -inf]))
        assert r("sum", [1e308, 1e308]) == inf
        assert math.isnan(r("mean", [inf, -inf]))
        assert math.isnan(r("min", [1.0, nan, -5.0]))
        assert math.isnan(r("max", [nan] + [1.0] * 100))
        assert r("min", [3.0, -inf, 2.0]) == -inf
        assert r("max", [3.0, inf, 2.0]) == inf
        assert r("min", [inf]) == inf
        assert math.isnan(r("var", [1.0, inf, 2.0]))
        assert math.isnan(r("std", [1.0, nan]))
        assert math.isnan(r("median", [1.0, nan, 2.0]))
        assert math.isnan(r("quantile", [1.0, 2.0, nan], q=0.1))
        assert r("median", [-inf, 1.0, inf]) == 1.0
        assert r("median", [1.0, inf]) == inf
        assert math.isnan(r("prod", [0.0, inf]))
        assert math.isnan(r("first", [nan, 1.0]))
        assert r("last", [nan, 1.0]) == 1.0
        assert r("count", [nan, nan, 1.0]) == 3.0
        assert math.isnan(r("skew", [1.0, 2.0, nan, 4.0]))


def test_nan_under_null_in_min_max_is_ignored() -> None:
    x = np.array([np.nan, 2.0, -1.0] * 100)
    v = np.array([False, True, True] * 100)
    assert run_all_isas("min", x, v) == -1.0
    assert run_all_isas("max", x, v) == 2.0


def test_signed_zeros() -> None:
    """min/max are IEEE 754-2019 minimum/maximum: -0.0 < +0.0 wherever the
    zeros sit (same lane, other lanes, other blocks)."""
    for n in (2, 33, 100, 2000):
        for pos in (0, n // 2, n - 1):
            x = np.zeros(n)
            x[pos] = -0.0
            assert fbits(run_all_isas("min", x)) == fbits(-0.0)
            assert fbits(run_all_isas("max", x)) == fbits(0.0)
            x = -x  # one +0.0 among -0.0s
            assert fbits(run_all_isas("min", x)) == fbits(-0.0)
            assert fbits(run_all_isas("max", x)) == fbits(0.0)
        negs = np.full(n, -0.0)
        assert fbits(run_all_isas("min", negs)) == fbits(-0.0)
        assert fbits(run_all_isas("max", negs)) == fbits(-0.0)
        assert fbits(run_all_isas("sum", negs)) == fbits(-0.0)
        assert fbits(run_all_isas("sum", np.zeros(n))) == fbits(0.0)
        assert fbits(run_all_isas("prod", np.full(3, -0.0))) == fbits(-0.0)
    # a -0.0 under a null does not count
    x = np.array([0.0, -0.0, 1.0])
    assert fbits(run_all_isas("min", x, np.array([True, False, True]))) == fbits(0.0)


@pytest.mark.parametrize("kind", ["min", "max"])
def test_min_max_full_words_and_prefetch_range(kind: str) -> None:
    """The full-word path of min/max (element as the vector op's first
    operand, a prefetch hint 256 elements ahead while that many are left):
    the scalar bits on every ISA, blocked and as one call over the whole
    column, for lengths around the hint's cut-off, the vector widths, bitmap
    words and blocks; with NaN (first row, near the cut-off, last row),
    infinities, signed-zero ties and nulls."""
    import blawk

    rng = np.random.default_rng(77)
    X = blawk.col("x")
    before, threads = blawk.isa(), blawk.get_threads()
    blawk.set_threads(1)  # one thread: the whole column in one kernel call
    lengths = [31, 32, 33, 255, 256, 257, 287, 288, 289, 290, 319, 320, 321,
               1023, 1024, 1025, 2049, 5000]
    try:
        for n in lengths:
            for style in ("normal", "zeros", "one_zero", "nan0", "nan_mid", "nan_last", "inf"):
                x = rng.standard_normal(n)
                if style == "one_zero":  # one zero of the winning sign among the other
                    x = np.full(n, -0.0 if kind == "max" else 0.0)
                    x[rng.integers(0, n)] = -x[0]
                elif style == "zeros":  # the extreme is a zero: only the sign differs
                    x = np.where(rng.random(n) > 0.5, 0.0, -0.0)
                    x -= (rng.random(n) > 0.7) * (1.0 if kind == "max" else -1.0)
                elif style == "inf":
                    loser = -np.inf if kind == "max" else np.inf
                    x[rng.integers(0, n, 3)] = [np.inf, -np.inf, loser]
                elif style.startswith("nan"):
                    x[{"nan0": 0, "nan_mid": min(n - 1, 260), "nan_last": n - 1}[style]] = np.nan
                for pattern in ("none", "mixed", "sparse"):
                    v = None if pattern == "none" else (
                        rng.random(n) > (0.4 if pattern == "mixed" else 0.03))
                    ref = _core.reduce_run(kind, x, v, isa="scalar")
                    col = blawk.Column(x) if v is None else blawk.Column(x, valid=v)
                    for isa in ISAS:
                        got = _core.reduce_run(kind, x, v, isa=isa)
                        assert same(got, ref), (n, style, pattern, isa)
                        blawk.set_isa(isa)
                        whole = blawk.compute(getattr(X, kind)(), x=col)
                        assert same(whole, ref), (n, style, pattern, isa, "whole")
    finally:
        blawk.set_isa(before)
        blawk.set_threads(threads)


def test_extremes_do_not_overflow_needlessly() -> None:
    assert run_all_isas("median", np.array([1e308, 1.5e308])) == 1.25e308
    assert run_all_isas("median", np.array([-1e308, 1e308])) == 0.0
    assert run_all_isas("quantile", np.array([-1e308, 1e308]), q=0.25) == -5e307


# ------------------------------------------------------- parameters, nulls


def test_ddof_and_minimum_counts() -> None:
    one = np.array([5.0])
    assert run_all_isas("var", one, ddof=1) is None
    assert run_all_isas("var", one, ddof=0) == 0.0
    assert run_all_isas("std", np.array([1.0, 3.0]), ddof=2) is None
    assert run_all_isas("cov", one, y=one, ddof=1) is None
    assert run_all_isas("cov", one, y=one, ddof=0) == 0.0
    assert run_all_isas("cor", one, y=one) is None
    assert run_all_isas("skew", np.array([1.0, 2.0])) is None
    assert run_all_isas("skew", np.array([1.0, 2.0, 4.0])) is not None
    assert run_all_isas("kurt", np.array([1.0, 2.0, 4.0])) is None
    assert run_all_isas("kurt", np.array([1.0, 2.0, 4.0, 8.0])) is not None
    with pytest.raises(_core.CoreError):
        _core.reduce_run("var", one, ddof=-1)
    for q in (-0.1, 1.5, float("nan")):
        with pytest.raises(_core.CoreError):
            _core.reduce_run("quantile", one, q=q)
    with pytest.raises(ValueError):
        _core.reduce_run("nope", one)
    with pytest.raises(ValueError):
        _core.reduce_run("cov", one)  # no y
    with pytest.raises(ValueError):
        _core.reduce_run("sum", one, block=2048)


def test_wavg_operand_order_is_weights_first() -> None:
    rng = np.random.default_rng(2)
    w, x = rng.uniform(0, 1, 500), rng.standard_normal(500)
    got = run_all_isas("wavg", w, y=x)
    assert abs(got - np.average(x, weights=w)) <= 1e-13
    assert abs(run_all_isas("wsum", w, y=x) - float(np.dot(w, x))) <= 1e-12


def test_pairs_need_both_inputs_valid() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    y = np.array([2.0, 4.0, 6.0, 8.0, -5.0])
    xv = np.array([True, True, True, True, True])
    yv = np.array([True, True, True, True, False])
    assert run_all_isas("cor", x, xv, y=y, y_valid=yv) == 1.0
    assert run_all_isas("wsum", x, xv, y=y, y_valid=yv) == 60.0
    assert run_all_isas("wavg", x, None, y=y, y_valid=yv) == 6.0


def test_bitmap_words_accepted() -> None:
    x = np.arange(130.0)
    v = np.arange(130) % 3 == 0
    words = np.zeros(3, dtype=np.uint64)
    for i in np.flatnonzero(v):
        words[i >> 6] |= np.uint64(1) << np.uint64(i & 63)
    assert run_all_isas("sum", x, words) == run_all_isas("sum", x, v) == x[v].sum()


def test_skew_kurt_match_pandas() -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(6)
    for n in (5, 50, 3000):
        x = rng.gamma(2.0, 1.0, n)
        assert abs(run_all_isas("skew", x) - pd.Series(x).skew()) <= 1e-11
        assert abs(run_all_isas("kurt", x) - pd.Series(x).kurt()) <= 1e-10
    # no spread: pandas >= 3.1 gives NaN, and so does blawk (0/0)
    c = np.full(10, 2.5)
    for kind in ("skew", "kurt"):
        assert math.isnan(run_all_isas(kind, c))
        if tuple(int(p) for p in pd.__version__.split(".")[:2]) >= (3, 1):
            assert math.isnan(getattr(pd.Series(c), kind)())


# ------------------------------------------------------ order statistics


@pytest.mark.parametrize("shape", ["sorted", "reversed", "equal", "few", "organ", "killer"])
def test_selection_on_hard_inputs(shape: str) -> None:
    n = 200_001
    i = np.arange(n, dtype=float)
    x = {
        "sorted": i,
        "reversed": i[::-1].copy(),
        "equal": np.full(n, 2.5),
        "few": i % 3,
        "organ": np.minimum(i, n - i),
        # the classic median-of-3 adversary: evens ascending, then odds
        "killer": np.concatenate([i[::2], i[1::2]]),
    }[shape]
    for q in (0.0, 0.1, 0.5, 0.999, 1.0):
        assert _core.reduce_run("quantile", x, q=q) == np.quantile(x, q)
    assert _core.reduce_run("median", x) == np.median(x)


def test_median_quantile_bits_match_numpy() -> None:
    rng = np.random.default_rng(10)
    for t in range(300):
        n = int(rng.integers(1, 2500))
        x = rng.standard_normal(n)
        if t % 3 == 0:
            x = np.round(x, 1)  # ties
        q = float(rng.random())
        assert _core.reduce_run("quantile", x, q=q) == np.quantile(x, q)
        assert _core.reduce_run("median", x) == np.median(x)


# ------------------------------------------------------------- hypothesis

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
anyfloat = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_hypothesis_isas_agree_and_match(data) -> None:
    n = data.draw(st.integers(0, 1500))
    kind = data.draw(st.sampled_from(KINDS))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x, y = data_for(kind, rng, n)
    v = random_validity(rng, n, data.draw(st.sampled_from(PATTERNS)))
    block = data.draw(st.sampled_from([1024, 64, 5, 333]))
    ddof = data.draw(st.integers(0, 2))
    q = data.draw(st.floats(0.0, 1.0))
    got = run_all_isas(kind, x, v, y=y, ddof=ddof, q=q, block=block)
    want = reference(kind, x, v, y, None, ddof=ddof, q=q)
    m = np.ones(n, bool) if v is None else v
    assert close(kind, got, want, x[m], y[m]), (kind, got, want)


@settings(max_examples=80, deadline=None)
@given(st.lists(anyfloat, max_size=200), st.data())
def test_hypothesis_any_values_same_bits(values, data) -> None:
    x = np.array(values, dtype=np.float64)
    n = len(x)
    flags = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    v = np.array(flags, dtype=bool) if data.draw(st.booleans()) else None
    for kind in KINDS:
        got = run_all_isas(kind, x, v, y=x[::-1].copy(), ddof=1)
        if kind in ("min", "max", "count", "first", "last"):
            want = reference(kind, x, v, ddof=1)
            assert same(got, want) or (got == want), (kind, got, want)


@pytest.mark.parametrize("offset", [0.0, 1e9])
def test_skew_kurt_accuracy_with_offsets(offset: float) -> None:
    rng = np.random.default_rng(3)
    x = offset + rng.gamma(2.0, 1.0, 600)
    fr = [Fraction(float(t)) for t in x]
    n = len(fr)
    mean = sum(fr) / n
    d = [t - mean for t in fr]
    m2, m3, m4 = (sum(t**k for t in d) for k in (2, 3, 4))
    skew = n * (n - 1) ** 0.5 / (n - 2) * float(m3) / float(m2) ** 1.5
    kurt = float(
        Fraction(n * (n + 1) * (n - 1)) * m4 / (Fraction((n - 2) * (n - 3)) * m2 * m2)
        - Fraction(3 * (n - 1) ** 2, (n - 2) * (n - 3))
    )
    for block in (1024, 1, 37):
        assert abs(run_all_isas("skew", x, block=block) - skew) <= 1e-13
        assert abs(run_all_isas("kurt", x, block=block) - kurt) <= 1e-13


def test_forced_isa_is_restored() -> None:
    before = _core.active_isa()
    for isa in ISAS:
        _core.reduce_run("sum", np.ones(3), isa=isa)
        assert _core.active_isa() == before
        with pytest.raises(_core.CoreError):
            _core.reduce_run("var", np.ones(3), ddof=-1, isa=isa)
        assert _core.active_isa() == before


def test_pick_kernel_every_isa() -> None:
    """Selection's narrowing pass: the values in [lo, hi] in order, the count
    below lo, NaN neither; every ISA, lengths around the vector widths, the
    cap exactly met and exceeded by one."""
    rng = np.random.default_rng(21)
    for n in [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000]:
        x = np.round(rng.standard_normal(n), 1)
        x[rng.random(n) < 0.1] = np.nan
        x[rng.random(n) < 0.05] = -0.0
        for lo, hi in [(-0.5, 0.5), (0.0, 0.0), (-np.inf, np.inf), (2.0, 1.0), (0.3, 0.3)]:
            keep = (x >= lo) & (x <= hi)
            want, below = x[keep], int(np.sum(x < lo))
            for isa in ISAS:
                got, less = _core.reduce_pick(x, lo, hi, len(want), isa)
                assert less == below and same_bits(got, want), (n, lo, hi, isa)
                if len(want):
                    assert _core.reduce_pick(x, lo, hi, len(want) - 1, isa) == (None, None)


@pytest.mark.parametrize("n", [8191, 8192, 8193, 65_537, 400_001])
def test_large_order_stats_match_numpy(n: int) -> None:
    """Inputs large enough for the sampled narrowing: random, tied, with NaN
    (a NaN makes median/quantile NaN: checked separately), with nulls, sorted
    and reversed, every ISA agreeing bit for bit."""
    rng = np.random.default_rng(n)
    qs = (0.0, 1e-4, 0.25, 0.5, 0.73, 0.9999, 1.0)
    for shape in ("normal", "ties", "sorted", "reversed", "heavy"):
        x = rng.standard_normal(n)
        if shape == "ties":
            x = np.round(x, 1)
        elif shape == "sorted":
            x = np.sort(x)
        elif shape == "reversed":
            x = np.sort(x)[::-1].copy()
        elif shape == "heavy":
            x = rng.standard_cauchy(n) * 1e290  # a huge spread, all finite
        assert run_all_isas("median", x) == np.median(x)
        for q in qs:
            assert run_all_isas("quantile", x, q=q) == np.quantile(x, q), (shape, q)
    valid = rng.random(n) > 0.3
    x = rng.standard_normal(n)
    assert run_all_isas("median", x, valid) == np.median(x[valid])
    assert run_all_isas("quantile", x, valid, q=0.1) == np.quantile(x[valid], 0.1)
    # infinities are values like any other (numpy's interpolation makes NaN of
    # an infinite end point at q = 0 or 1; blawk's is exact at both ends)
    x[rng.integers(0, n, 7)] = np.inf
    x[rng.integers(0, n, 7)] = -np.inf
    s = np.sort(x)
    assert run_all_isas("median", x) == np.median(x)
    assert run_all_isas("quantile", x, q=0.0) == -np.inf == s[0]
    assert run_all_isas("quantile", x, q=1.0) == np.inf == s[-1]
    k = (n - 1) // 4
    assert run_all_isas("quantile", x, q=k / (n - 1)) == s[k]
    x[n // 2] = np.nan
    assert math.isnan(run_all_isas("median", x))
