"""Rolling-window kernels (csrc/window.c, csrc/window_median.c).

* every kind against a per-window numpy reference (nulls skipped, two-pass
  moments), over edge lengths, null patterns, windows and min_periods;
* precision against an exact oracle (every value an integer multiple of
  2^-1074, sums as Python ints): sums and means within an ulp, variance and
  std within a few ulps, at offsets 1e9 and 1e15 and over mixed magnitudes;
* NaN / inf containment, constant windows, the 1e9 + {1, 2, 3} case;
* splitting the column into pieces (or warming up with feed) never changes a
  bit;
* pandas' rolling ops where pandas defines them.
"""

from __future__ import annotations

import itertools
import math
import zlib

import numpy as np
import pytest
from conftest import same_bits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blawk import _core

KINDS = ["sum", "mean", "var", "std", "min", "max", "count", "median", "skew", "kurt", "zscore"]
MOMENT_KINDS = ["sum", "mean", "var", "std", "zscore", "skew", "kurt"]
EPS = 2.0**-52
LENGTHS = [0, 1, 2, 63, 64, 65, 1023, 1024, 1025, 3000]


def run(kind, x, valid=None, window=3, min_periods=1, ddof=1, past_only=False, piece=0, feed=0):
    return _core.window_run(kind, np.asarray(x, dtype=np.float64), valid, window, min_periods,
                            ddof, past_only, piece, feed)


# --------------------------------------------------------------- references


def _floor(kind: str, ddof: int) -> int:
    return {"var": ddof + 1, "std": ddof + 1, "zscore": ddof + 1, "skew": 3, "kurt": 4}.get(kind, 1)


def _mid(a: float, b: float) -> float:
    s = a + b
    if math.isinf(s) and math.isfinite(a) and math.isfinite(b):
        return a * 0.5 + b * 0.5
    return s * 0.5


def ref_one(kind: str, w: np.ndarray, ddof: int, xi: float) -> float:
    """One window's value by the book: two-pass moments, numpy sums."""
    n = len(w)
    with np.errstate(all="ignore"):
        if kind == "sum":
            return float(np.sum(w))
        if kind == "mean":
            return float(np.mean(w))
        if kind in ("min", "max"):
            if np.isnan(w).any():
                return math.nan
            return float(np.min(w) if kind == "min" else np.max(w))
        if kind == "median":
            if np.isnan(w).any():
                return math.nan
            s = np.sort(w)
            return float(s[n // 2]) if n % 2 else _mid(float(s[n // 2 - 1]), float(s[n // 2]))
        if not np.isfinite(w).all():
            return math.nan
        # shift by a window value first, so the reference stays accurate at large offsets
        a = w[0]
        mu = np.mean(w - a)
        dev = (w - a) - mu
        m2 = float(np.sum(dev * dev))
        if kind == "var":
            return m2 / (n - ddof)
        if kind == "std":
            return math.sqrt(m2 / (n - ddof))
        if kind == "zscore":
            return float(((xi - a) - mu) / np.sqrt(m2 / (n - ddof)))
        if m2 == 0.0:
            return math.nan
        # numpy scalars: a tiny spread whose power underflows gives inf/NaN as
        # IEEE says instead of raising
        m2 = np.float64(m2)
        if kind == "skew":
            m3 = np.float64(np.sum(dev**3))
            with np.errstate(all="ignore"):
                return float(m3 / (m2 * np.sqrt(m2)) * (n * math.sqrt(n - 1.0) / (n - 2.0)))
        m4 = np.float64(np.sum(dev**4))
        with np.errstate(all="ignore"):
            inner = float(n * (n + 1.0) * m4 / (m2 * m2) - 3.0 * (n - 1))
        return (n - 1.0) / ((n - 2.0) * (n - 3.0)) * inner


def ref_window(kind, x, valid, window, min_periods=1, ddof=1, past_only=False):
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    need = max(min_periods, _floor(kind, ddof))
    out = np.zeros(n)
    ok = np.zeros(n, bool)
    for i in range(n):
        e = i if past_only else i + 1
        s = max(e - window, 0)
        w = x[s:e][valid[s:e]]
        if kind == "count":
            out[i], ok[i] = len(w), True
            continue
        if len(w) < need or (kind == "zscore" and not valid[i]):
            continue
        out[i], ok[i] = ref_one(kind, w, ddof, x[i]), True
    return out, ok


SHIFT = 1074


def _exact_int(v: float) -> int:
    p, q = float(v).as_integer_ratio()
    return p * ((1 << SHIFT) // q)


def exact_window(kind, x, valid, window, ddof=1):
    """Correctly rounded window sums, means and variances (exact integer
    arithmetic on the values scaled by 2^1074); std is sqrt of the correctly
    rounded variance.  Finite inputs only."""
    n = len(x)
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    X = [_exact_int(v) if ok else 0 for v, ok in zip(x, valid, strict=True)]
    P0, P1, P2, PA = [0], [0], [0], [0]
    for i in range(n):
        P0.append(P0[-1] + int(valid[i]))
        P1.append(P1[-1] + X[i])
        P2.append(P2[-1] + X[i] * X[i])
        PA.append(PA[-1] + abs(X[i]))
    one = 1 << SHIFT
    out = np.full(n, np.nan)
    absum = np.zeros(n)
    for i in range(n):
        s, e = max(i + 1 - window, 0), i + 1
        m = P0[e] - P0[s]
        s1, s2 = P1[e] - P1[s], P2[e] - P2[s]
        absum[i] = (PA[e] - PA[s]) / one
        if m < max(1, _floor(kind, ddof)):
            continue
        if kind == "sum":
            out[i] = s1 / one
        elif kind == "mean":
            out[i] = s1 / (m * one)
        else:
            var = (m * s2 - s1 * s1) / (m * (m - ddof) * one * one)
            out[i] = var if kind == "var" else math.sqrt(var)
    return out, absum


def ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got - want) / np.spacing(np.maximum(np.abs(want), 2.0**-1022))


# ---------------------------------------------------------------- data


def sample(rng: np.random.Generator, n: int, style: str) -> np.ndarray:
    if style == "normal":
        return rng.standard_normal(n)
    if style == "offset":
        return 1e9 + rng.standard_normal(n)
    if style == "mixed":
        return rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 6, n)
    if style == "ints":  # ties, repeats and constant runs
        return rng.integers(-3, 4, n).astype(float)
    if style == "specials":
        x = rng.standard_normal(n)
        if n:
            idx = rng.integers(0, n, max(1, n // 40))
            x[idx] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], len(idx))
        return x
    raise ValueError(style)


def nulls(rng: np.random.Generator, n: int, pattern: str) -> np.ndarray | None:
    if pattern == "none":
        return None
    if pattern == "all":
        return np.ones(n, bool)
    if pattern == "null":
        return np.zeros(n, bool)
    if pattern == "sparse":
        return rng.random(n) > 0.03
    v = rng.random(n) > 0.4  # mixed, with long null runs
    for a in range(0, n, 300):
        v[a + 100 : a + 170] = False
    return v


def assert_matches(kind, got, gok, want, wok, rtol=1e-9):
    assert np.array_equal(gok, wok)
    g, w = got[wok], want[wok]
    gn, wn = np.isnan(g), np.isnan(w)
    assert np.array_equal(gn, wn), (kind, np.flatnonzero(gn ^ wn))
    fin = np.isfinite(w)
    assert np.array_equal(g[~fin & ~np.isnan(w)], w[~fin & ~np.isnan(w)])  # infinities exact
    if kind in ("skew", "kurt"):  # higher moments: cancellation grows with the power
        tol = rtol * 1e3 * (1 + np.abs(w[fin]))
    elif kind in ("sum", "mean", "zscore"):
        tol = rtol * (1 + np.abs(w[fin]))
    else:
        tol = rtol * np.abs(w[fin]) + 1e-300
    bad = np.abs(g[fin] - w[fin]) > tol
    assert not bad.any(), (kind, g[fin][bad][:5], w[fin][bad][:5])
    # null slots hold 0.0
    assert not got[~gok].any()


# ------------------------------------------------------- against numpy reference


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("style", ["normal", "ints", "specials", "offset"])
def test_against_reference(kind: str, style: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{kind}/{style}".encode()))
    for n in (0, 1, 2, 65, 400):
        x = sample(rng, n, style)
        for j, pattern in enumerate(("none", "sparse", "mixed")):
            v = nulls(rng, n, pattern)
            for k, (window, minp) in enumerate(((1, 1), (3, 1), (7, 5), (64, 10))):
                past = (j + k) % 2 == 1
                got, gok = run(kind, x, v, window, minp, past_only=past)
                want, wok = ref_window(kind, x, v, window, minp, past_only=past)
                assert_matches(kind, got, gok, want, wok)


@pytest.mark.parametrize("kind", ["var", "std", "zscore"])
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_ddof(kind: str, ddof: int) -> None:
    rng = np.random.default_rng(ddof)
    x = rng.standard_normal(300)
    v = nulls(rng, 300, "mixed")
    for window, minp in ((2, 1), (5, 1), (5, 5), (20, 3)):
        got, gok = run(kind, x, v, window, minp, ddof=ddof)
        want, wok = ref_window(kind, x, v, window, minp, ddof=ddof)
        assert_matches(kind, got, gok, want, wok)


@pytest.mark.parametrize("kind", KINDS)
def test_edge_lengths_and_patterns(kind: str) -> None:
    rng = np.random.default_rng(3)
    for n in LENGTHS:
        x = sample(rng, n, "normal")
        for pattern in ("none", "all", "null", "sparse", "mixed"):
            v = nulls(rng, n, pattern)
            got, gok = run(kind, x, v, 20, 2)
            assert got.shape == (n,) and gok.shape == (n,)
            if n <= 1025 and pattern in ("null", "mixed"):
                want, wok = ref_window(kind, x, v, 20, 2)
                assert_matches(kind, got, gok, want, wok)
            if pattern == "null":
                assert (gok == (kind == "count")).all()
                assert not got.any()


# -------------------------------------------------------- piece invariance


@pytest.mark.parametrize("kind", KINDS)
def test_pieces_give_identical_bits(kind: str) -> None:
    rng = np.random.default_rng(11)
    n = 3000
    x = sample(rng, n, "specials")
    x[rng.integers(0, n, 30)] = x[0]  # repeats for the constant tracker
    v = nulls(rng, n, "mixed")
    for window, past in ((1, False), (5, True), (64, False), (333, False), (1024, True),
                         (5000, False)):
        whole, wok = run(kind, x, v, window, 2, past_only=past)
        for piece in (1, 7, 64, 1000, 1024):
            if piece == 1 and window not in (5, 333):
                continue  # keep the suite fast: pieces of 1 cost a Python call per row
            got, gok = run(kind, x, v, window, 2, past_only=past, piece=piece)
            assert same_bits(got, whole) and np.array_equal(gok, wok), (window, piece)
        for feed in (1, 100, 1024, 2999):
            got, gok = run(kind, x, v, window, 2, past_only=past, piece=512, feed=feed)
            assert same_bits(got, whole[feed:]) and np.array_equal(gok, wok[feed:]), (window, feed)


@pytest.mark.parametrize("kind", KINDS)
def test_thread_halo_gives_identical_bits(kind: str) -> None:
    """A state made with first_row = r - window, fed rows [r - window, r), gives
    the bits of the single pass from row r on (a thread's warm-up on a halo)."""
    rng = np.random.default_rng(14)
    n = 3000
    x = sample(rng, n, "specials")
    x[rng.integers(0, n, 40)] = 1e9 + rng.integers(0, 3, 40)  # offsets and repeats
    x[700:760] = 2.5  # a constant stretch
    v = nulls(rng, n, "mixed")
    v[1500:1620] = False  # a long null run across a segment start
    for window, past in ((7, False), (64, True), (100, False), (1000, False)):
        whole, wok = run(kind, x, v, window, 3, past_only=past)
        for r in (0, 5, 64, 1000, 1234, 1610, 2999):
            first = max(r - window, 0)
            s = _core.WindowState(kind, window, 3, 1, past, first)
            s.feed(x[first:r], v[first:r])
            got, gok = s.block(x[r:], v[r:])
            assert same_bits(got, whole[r:]) and np.array_equal(gok, wok[r:]), (window, r)


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "zscore"])
def test_past_only_is_the_previous_rows_window(kind: str) -> None:
    rng = np.random.default_rng(15)
    x = sample(rng, 2000, "specials")
    v = nulls(rng, 2000, "mixed")
    for window in (1, 5, 64, 300):
        plain, pok = run(kind, x, v, window, 2)
        past, qok = run(kind, x, v, window, 2, past_only=True)
        assert same_bits(past[1:], plain[:-1]) and np.array_equal(qok[1:], pok[:-1])
        assert qok[0] == (kind == "count") and past[0] == 0.0


def test_state_object_blocks() -> None:
    """The WindowState object carries history across calls, like the VM's blocks."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(2048)
    s = _core.WindowState("std", 50, 50)
    a, aok = s.block(x[:1024])
    b, bok = s.block(x[1024:])
    whole, wok = run("std", x, None, 50, 50)
    assert same_bits(np.concatenate([a, b]), whole)
    assert np.array_equal(np.concatenate([aok, bok]), wok)


@pytest.mark.parametrize("kind", KINDS)
def test_values_only(kind: str) -> None:
    """out_valid = NULL: the same values, no bitmap written."""
    rng = np.random.default_rng(6)
    x = sample(rng, 2500, "specials")
    v = nulls(rng, 2500, "mixed")
    whole, _ = run(kind, x, v, 30, 3)
    s = _core.WindowState(kind, 30, 3)
    got = np.concatenate([s.block(x[a : a + 1100], v[a : a + 1100], values_only=True)[0]
                          for a in range(0, 2500, 1100)])
    assert same_bits(got, whole)


# ---------------------------------------------------------------- precision


def test_offset_1e9_std_is_exactly_one() -> None:
    x = np.tile([1e9 + 1, 1e9 + 2, 1e9 + 3], 400)
    for kind, want in (("std", 1.0), ("var", 1.0), ("mean", 1e9 + 2)):
        got, ok = run(kind, x, None, 3, 3)
        assert ok[2:].all() and (got[2:] == want).all(), kind
    got, ok = run("std", x, None, 300, 3)  # every full window: 100 each of 1, 2, 3
    assert ok[2:].all() and (np.abs(got[299:] - math.sqrt(200 / 299)) <= 2 * EPS).all()
    got, ok = run("zscore", x, None, 3, 3)
    assert (got[2:] == np.tile([1.0, -1.0, 0.0], 400)[:-2]).all()


def test_offset_1e15() -> None:
    rng = np.random.default_rng(8)
    x = 1e15 + np.round(rng.standard_normal(5000) * 64) / 8  # values on the 1/8 grid of 1e15
    for kind in ("var", "std", "mean", "sum"):
        want, _ = exact_window(kind, x, None, 250)
        got, ok = run(kind, x, None, 250, 2)
        assert ok[1:].all()
        assert ulps(got[1:], want[1:]).max() <= (1 if kind in ("sum", "mean") else 4), kind


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def offset_columns(draw):
    n = draw(st.integers(0, 90))
    offset = draw(st.sampled_from([0.0, 3.0, 1e9, -1e12, 1e15]))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    z = draw(st.lists(st.floats(-4, 4), min_size=n, max_size=n))
    x = offset + scale * np.array(z, dtype=np.float64)
    valid = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if draw(st.booleans()):
        valid[:] = True
    window = draw(st.integers(1, 24))
    return x, valid, window


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offset_columns())
def test_precision_against_exact(case) -> None:
    """Sum/mean within 1 ulp, var/std within 4 ulps of the exact result, when the
    offset dominates (every d = x - anchor exact) and when it does not."""
    x, valid, window = case
    for kind in ("sum", "mean", "var", "std"):
        want, absum = exact_window(kind, x, valid, window)
        got, ok = run(kind, x, valid, window, 1)
        assert np.array_equal(ok, ~np.isnan(want))
        if not ok.any():
            continue
        g, w, a = got[ok], want[ok], absum[ok]
        if kind in ("sum", "mean"):
            # about one rounding of the exact sum; the double-double residue is ~w^2 eps^2 sum|x|
            slack = window * window * EPS * EPS * a / (1 if kind == "sum" else 1)
            assert (np.abs(g - w) <= np.spacing(np.abs(w)) + slack).all(), kind
        else:
            # within 4 ulps, except where the squares are subnormal (values
            # below ~1e-154 apart): there M2 is held to an absolute ~window *
            # 2^-1074 (docs/windows.md, known limits), std to that / (2 std)
            sub = 8 * window * 5e-324
            slack = sub if kind == "var" else sub / (2 * np.maximum(np.abs(w), 1e-300))
            assert ((ulps(g, w) <= 4) | (np.abs(g - w) <= slack)).all(), (kind, ulps(g, w).max())


@st.composite
def mixed_columns(draw):
    n = draw(st.integers(1, 70))
    mant = draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n))
    expo = draw(st.lists(st.integers(-30, 30), min_size=n, max_size=n))
    x = np.array(mant) * 10.0 ** np.array(expo, dtype=float)
    valid = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    window = draw(st.integers(1, 16))
    return x, valid, window


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_columns())
def test_precision_mixed_magnitudes(case) -> None:
    """Mixed magnitudes: sums within an ulp; variance within a few ulps plus the
    conditioning term of the anchored differences (2 eps sum|x - m| |x - a| / (n - ddof),
    with |x - a| bounded by the largest |x| seen so far, twice)."""
    x, valid, window = case
    for kind in ("sum", "var"):
        want, absum = exact_window(kind, x, valid, window)
        got, ok = run(kind, x, valid, window, 1)
        assert np.array_equal(ok, ~np.isnan(want))
        for i in np.flatnonzero(ok):
            if kind == "sum":
                slack = np.spacing(abs(want[i])) + window**2 * EPS**2 * absum[i]
            else:
                s = max(i + 1 - window, 0)
                wv = x[s : i + 1][valid[s : i + 1]]
                big = 2 * np.max(np.abs(x[: i + 1][valid[: i + 1]]))
                m = np.mean(wv)
                cond = np.sum(np.abs(wv - m)) * big / (len(wv) - 1)
                slack = 4 * np.spacing(want[i]) + 4 * EPS * cond
            assert abs(got[i] - want[i]) <= slack, (kind, i, got[i], want[i])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offset_columns(), st.booleans())
def test_against_numpy_two_pass(case, past) -> None:
    """Every moment kind against a fresh numpy two-pass computation per window."""
    x, valid, window = case
    for kind in MOMENT_KINDS:
        got, gok = run(kind, x, valid, window, 1, past_only=past)
        want, wok = ref_window(kind, x, valid, window, 1, past_only=past)
        assert np.array_equal(gok, wok)
        if kind in ("skew", "kurt"):
            # the reference's own error grows like eps * offset / spread (and a
            # tiny spread's powers underflow differently in the two), so only
            # validity is compared here; the NaN, inf and constant-window rules
            # of skew and kurt have tests of their own
            continue
        g, w = got[wok], want[wok]
        assert np.array_equal(np.isnan(g), np.isnan(w)), kind
        assert np.array_equal(g[np.isinf(w)], w[np.isinf(w)]), kind
        f = np.isfinite(w)
        scale = np.abs(w[f]) + (np.abs(x).max(initial=0) * EPS * 64 if kind in ("sum", "mean")
                                else 0)
        if kind == "zscore":
            scale = 1e-6 + np.abs(w[f])
        # squares of values below ~1e-154 are subnormal: both sides then hold
        # M2 only to an absolute ~window * 2^-1074 (docs/windows.md, known
        # limits), which for std is that over 2 std
        sub = 8 * window * 5e-324
        slack = {"var": sub, "std": sub / (2 * np.maximum(np.abs(w[f]), 1e-300))}.get(kind, 0.0)
        assert (np.abs(g[f] - w[f]) <= 1e-9 * scale + 1e-300 + slack).all(), kind


# ------------------------------------------------ NaN / inf and constant windows


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("special", [np.nan, np.inf, -np.inf])
def test_special_is_contained(kind: str, special: float) -> None:
    """A NaN/inf changes exactly the windows that contain it."""
    rng = np.random.default_rng(4)
    n, window = 400, 25
    x = rng.standard_normal(n)
    y = x.copy()
    pos = [30, 31, 199, 200, 399]
    y[pos] = special
    for past in (False, True):
        a, aok = run(kind, x, None, window, 4, past_only=past)
        b, bok = run(kind, y, None, window, 4, past_only=past)
        assert np.array_equal(aok, bok)
        inside = np.zeros(n, bool)
        for p in pos:
            lo, hi = (p + 1, p + window + 1) if past else (p, p + window)
            inside[lo:hi] = True
            if kind == "zscore":
                inside[p] = True  # the row's own value
        inside &= aok
        out = ~inside & aok
        # anchors may differ by a row, so the bits may too (never the NaN-ness)
        assert not np.isnan(b[out]).any()
        assert np.allclose(a[out], b[out], rtol=1e-12, atol=1e-12)
        if kind in ("sum", "mean", "min", "max", "median", "count"):
            assert same_bits(a[out], b[out])
        if kind == "count":
            assert same_bits(a, b)
        elif kind == "zscore":  # +-inf at the row itself with a finite past window
            assert not np.isfinite(b[inside]).any()
        elif special != special or kind in ("var", "std", "skew", "kurt"):
            assert np.isnan(b[inside]).all()
        elif kind in ("sum", "mean"):
            assert (b[inside] == special).all()


def test_plus_and_minus_inf_make_nan() -> None:
    x = np.array([1.0, np.inf, 2.0, -np.inf, 3.0, 4.0, 5.0])
    got, _ = run("sum", x, None, 3, 1)
    assert got[1] == got[2] == np.inf and np.isnan(got[3]) and got[4] == got[5] == -np.inf
    assert got[6] == 12.0
    got, _ = run("max", x, None, 3, 1)
    assert list(got) == [1.0, np.inf, np.inf, np.inf, 3.0, 4.0, 5.0]
    got, _ = run("min", x, None, 3, 1)
    assert list(got) == [1.0, 1.0, 1.0, -np.inf, -np.inf, -np.inf, 3.0]
    got, _ = run("median", x, None, 2, 1)
    assert list(got) == [1.0, np.inf, np.inf, -np.inf, -np.inf, 3.5, 4.5]
    got, _ = run("median", np.array([-np.inf, np.inf]), None, 2, 1)
    assert np.isnan(got[1])  # (-inf + inf) / 2


def test_constant_windows() -> None:
    x = np.array([0.1] * 50 + [0.3, 0.7] + [2.5] * 50 + [np.nan] + [1e15 + 0.125] * 40)
    v = np.ones(len(x), bool)
    v[10:15] = False
    v[60:62] = False
    for window in (3, 7, 20):
        var, ok = run("var", x, v, window, 2)
        std, _ = run("std", x, v, window, 2)
        mean, _ = run("mean", x, v, window, 1)
        z, zok = run("zscore", x, v, window, 2)
        skew, sok = run("skew", x, v, window, 3)
        kurt, kok = run("kurt", x, v, window, 4)
        for i in range(len(x)):
            s = max(i + 1 - window, 0)
            w = x[s : i + 1][v[s : i + 1]]
            if len(w) >= 2 and np.isfinite(w).all() and (w == w[0]).all():
                assert var[i] == 0.0 and std[i] == 0.0 and mean[i] == w[0], i
                assert np.isnan(z[i]) == bool(zok[i])  # (c - c) / 0
                assert not sok[i] or np.isnan(skew[i])
                assert not kok[i] or np.isnan(kurt[i])


def test_past_only_constant_window_zscore() -> None:
    x = np.array([2.0, 2.0, 2.0, 3.0, 2.0, 1.0])
    z, ok = run("zscore", x, None, 3, 2, past_only=True)
    assert list(ok) == [False, False, True, True, True, True]
    assert np.isnan(z[2]) and z[3] == np.inf


def test_signed_zeros_min_max() -> None:
    x = np.array([0.0, -0.0, 0.0, -0.0])
    mx, _ = run("max", x, None, 2, 1)
    mn, _ = run("min", x, None, 2, 1)
    assert list(np.signbit(mx)) == [False, False, False, False]
    assert list(np.signbit(mn)) == [False, True, True, True]


def test_signed_zeros_median_depends_on_the_values_only() -> None:
    """The median's heaps order -0.0 below +0.0: the middle of [-0, +0, +0] is
    +0.0 and of [-0, -0, +0] is -0.0 in any arrival order, so a state warmed
    up on a halo (a thread's) gives the bits of the single pass.  (With IEEE
    `<` the zeros tied and the heap layout left by history picked one.)"""
    for vals, want in (([-0.0, 0.0, 0.0], 0.0), ([-0.0, -0.0, 0.0], -0.0),
                       ([-0.0, 0.0], 0.0), ([-0.0, -0.0], -0.0)):
        for perm in set(itertools.permutations(vals)):
            x = np.array([5.0, *perm])  # a leading value that leaves the window
            got, ok = run("median", x, None, len(vals), 1)
            assert ok[-1] and same_bits(got[-1:], np.array([want])), (perm, got[-1])
    rng = np.random.default_rng(30)
    x = rng.choice([-0.0, 0.0, 1.0, -1.0], 4000)
    for window in (3, 4, 64, 65):
        whole, _ = run("median", x, None, window, 1)
        for r in (1, 100, 1000, 2047, 3001):
            first = max(r - window, 0)
            s = _core.WindowState("median", window, 1, 1, False, first)
            s.feed(x[first:r])
            got, _ = s.block(x[r:])
            assert same_bits(got, whole[r:]), (window, r)


# --------------------------------------------------- windows and min_periods


@pytest.mark.parametrize("kind", KINDS)
def test_window_longer_than_column(kind: str) -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal(50)
    for window in (51, 1000, 10**7):
        got, gok = run(kind, x, None, window, 1)
        want, wok = ref_window(kind, x, None, window, 1)
        assert_matches(kind, got, gok, want, wok)
        g2, ok2 = run(kind, x, None, 10**7, 1, piece=7)
        assert same_bits(g2, got) and np.array_equal(ok2, gok)


@pytest.mark.parametrize("kind", KINDS)
def test_min_periods(kind: str) -> None:
    x = np.arange(10.0)
    got, ok = run(kind, x, None, 4, 5)  # more than the window: never valid
    assert ok.all() if kind == "count" else not ok.any()
    got, ok = run(kind, x, None, 4, 4)
    assert ok[3:].all()
    assert ok[:3].all() if kind == "count" else not ok[:3].any()
    got, ok = run(kind, x, None, 1, 1)
    want, wok = ref_window(kind, x, None, 1, 1)
    assert_matches(kind, got, ok, want, wok)


def test_count_values() -> None:
    v = np.array([1, 0, 1, 1, 0, 0, 1], bool)
    got, ok = run("count", np.zeros(7), v, 3, 99)
    assert ok.all() and list(got) == [1, 1, 2, 2, 2, 1, 1]
    got, ok = run("count", np.zeros(7), v, 3, 1, past_only=True)
    assert list(got) == [0, 1, 1, 2, 2, 2, 1]


def test_nan_counts_as_valid_for_min_periods() -> None:
    x = np.array([np.nan, 1.0, 2.0])
    got, ok = run("max", x, None, 3, 2)
    assert list(ok) == [False, True, True] and np.isnan(got[1:]).all()


@pytest.mark.parametrize("bad", [
    dict(window=0), dict(window=-1), dict(window=_core.WINDOW_MAX + 1), dict(min_periods=0),
    dict(ddof=-1), dict(first_row=-1),
])
def test_bad_parameters(bad) -> None:
    kw = dict(window=3, min_periods=1, ddof=1, first_row=0)
    kw.update(bad)
    with pytest.raises(_core.CoreError, match="invalid argument"):
        _core.WindowState("mean", kw["window"], kw["min_periods"], kw["ddof"], False,
                          kw["first_row"])
    with pytest.raises(ValueError):
        _core.WindowState("nope", 3)


# ------------------------------------------------------------------ pandas


def _pandas_roll(pd, kind, s, window, minp, ddof):
    r = s.rolling(window, min_periods=minp)
    if kind in ("var", "std"):
        return getattr(r, kind)(ddof=ddof)
    if kind == "count":
        return s.rolling(window, min_periods=0).count()
    if kind == "zscore":
        return (s - r.mean()) / r.std(ddof=ddof)
    return getattr(r, kind)()


@pytest.mark.parametrize("kind", KINDS)
def test_pandas_equivalence(kind: str) -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(21)
    n = 800
    for style in ("normal", "offset", "ints"):
        x = sample(rng, n, style)
        v = nulls(rng, n, "sparse")
        s = pd.Series(np.where(v, x, np.nan))
        for window, minp, ddof in ((10, 4, 1), (50, 50, 1), (7, 1, 0)):
            got, ok = run(kind, x, v, window, minp, ddof=ddof)
            want = _pandas_roll(pd, kind, s, window, minp, ddof).to_numpy()
            # pandas gives NaN where blawk gives null, and for skew/kurt of a
            # constant window (blawk: NaN, 0/0); zscore of a constant window is
            # (x - mean) / 0, NaN or +-inf depending on the mean's last bit
            fin_g = ok & np.isfinite(got)
            fin_w = np.isfinite(want)
            assert np.array_equal(fin_g, fin_w), (kind, style, window)
            f = fin_g
            tol = 1e-6 if kind in ("skew", "kurt") else 1e-9
            if style == "offset" and kind in ("skew", "kurt", "zscore", "var", "std"):
                tol = 1e-3  # pandas' running sums lose digits at an offset (1e-5 seen)
            assert np.allclose(got[f], want[f], rtol=tol, atol=tol), (kind, style, window)


@pytest.mark.parametrize("kind", ["mean", "std", "zscore", "sum", "max"])
def test_pandas_past_only(kind: str) -> None:
    """past_only is the seed's ft- family: the window of row i is rows i-w .. i-1."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(9)
    x = rng.standard_normal(500)
    s = pd.Series(x)
    past = s.shift(1).rolling(20, min_periods=5)
    want = {"mean": past.mean(), "std": past.std(), "sum": past.sum(), "max": past.max(),
            "zscore": (s - past.mean()) / past.std()}[kind].to_numpy()
    got, ok = run(kind, x, None, 20, 5, past_only=True)
    assert np.array_equal(ok, ~np.isnan(want))
    assert np.allclose(got[ok], want[ok], rtol=1e-10, atol=1e-12)


def test_pandas_skew_kurt_constant_windows() -> None:
    pd = pytest.importorskip("pandas")
    x = np.array([1.0, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3])
    for kind in ("skew", "kurt"):
        got, ok = run(kind, x, None, 4, 4)
        want = getattr(pd.Series(x).rolling(4), kind)().to_numpy()
        assert np.array_equal(np.isnan(got) | ~ok, np.isnan(want))
        f = ~np.isnan(want)
        assert np.allclose(got[f], want[f], rtol=1e-12)


# ------------------------------------------------ the moments' fast path
#
# sum .. zscore take a vectorised path (kernels/winmom_*.c) on pieces of >= 8
# rows that are all valid and finite once the state has seen a full window;
# pieces of 7 rows never take it.  Both must give the same bits everywhere.

FAST_KINDS = ["sum", "mean", "var", "std", "zscore"]
FAST_WINDOWS = [1, 2, 7, 8, 9, 20, 250, 5000]  # 5000: longer than the data


def fast_column(rng: np.random.Generator, n: int) -> np.ndarray:
    """Clean data the fast path takes: a random walk with constant stretches,
    runs of signed zeros and values at an offset of 1e9."""
    x = 100 + np.cumsum(rng.standard_normal(n))
    x[300:340] = 2.5
    x[900:930] = np.where(np.arange(30) % 3 == 0, -0.0, 0.0)
    x[1500:1800] = 1e9 + rng.integers(-3, 4, 300)
    x[2000:2021] = -0.0
    return x


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_fast_path_same_bits_as_rows(isa, kind: str) -> None:
    """Whole column, pieces of 64 / 1024 (fast) == pieces of 7 (row by row)."""
    rng = np.random.default_rng(61)
    x = fast_column(rng, 3000)
    for window, past, mp in itertools.product(FAST_WINDOWS, (False, True), (1, 3, None)):
        mp = window if mp is None else mp
        rows, rok = run(kind, x, None, window, mp, past_only=past, piece=7)
        assert rok.any() or window < 20 or mp > 3000
        for piece in (0, 64, 1024, 1000):
            got, gok = run(kind, x, None, window, mp, past_only=past, piece=piece)
            assert same_bits(got, rows) and np.array_equal(gok, rok), (window, past, mp, piece)


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_fast_path_with_specials_and_nulls(isa, kind: str) -> None:
    """NaN, +-inf and nulls planted in some pieces: those pieces take the row
    path, the others the fast path, and the bits are those of row by row; a
    special reaches exactly the windows that contain it."""
    rng = np.random.default_rng(62)
    n = 4096
    x = fast_column(rng, n)
    v = np.ones(n, dtype=bool)
    v[1100:1103] = False
    v[3333] = False
    for special in (np.nan, np.inf, -np.inf):
        y = x.copy()
        at = [130, 2100, 2101, 4000]
        y[at] = special
        for window in (1, 2, 8, 9, 20, 250):
            for past in (False, True):
                rows, rok = run(kind, y, v, window, 2, past_only=past, piece=7)
                got, gok = run(kind, y, v, window, 2, past_only=past, piece=1024)
                assert same_bits(got, rows) and np.array_equal(gok, rok), (special, window)
                clean, cok = run(kind, x, v, window, 2, past_only=past, piece=1024)
                hit = np.zeros(n, dtype=bool)
                for a in at:  # windows containing row a
                    lo = a + past
                    hit[lo:lo + window] = True
                if kind == "zscore":
                    hit[at] = True  # reads x[i] itself
                assert same_bits(got[~hit], clean[~hit]) and np.array_equal(gok, cok)


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_fast_path_thread_halo(kind: str) -> None:
    """A state warmed up on a halo then run in big pieces (fast path) gives the
    bits of the single pass."""
    rng = np.random.default_rng(63)
    x = fast_column(rng, 3000)
    for window, past in ((2, False), (20, True), (250, False), (1000, True)):
        whole, wok = run(kind, x, None, window, 1, past_only=past, piece=7)
        for r in (0, 5, 64, 1000, 1234, 2999):
            first = max(r - window, 0)
            s = _core.WindowState(kind, window, 1, 1, past, first)
            s.feed(x[first:r], None)
            got, gok = s.block(x[r:], None)
            assert same_bits(got, whole[r:]) and np.array_equal(gok, wok[r:]), (window, r)


@pytest.mark.parametrize("op", ["msum", "mavg", "mvar", "mstd", "wzs"])
def test_fast_path_threads_and_isas(op: str) -> None:
    """The VM (1024-row blocks) on 1 and 2 threads, every ISA: one result."""
    import blawk

    rng = np.random.default_rng(64)
    x = fast_column(rng, 20_000)
    before_isa, before_threads = blawk.isa(), blawk.get_threads()
    results = []
    try:
        for isa_name, threads, w in itertools.product(_core.available_isas(), (1, 2), (20, 250)):
            blawk.set_isa(isa_name)
            blawk.set_threads(threads)
            e = blawk.registry.lookup(op).call([blawk.col("x")], {"window": w})
            r = blawk.compute(e, x=x)
            results.append((w, r.values if hasattr(r, "values") else r.to_numpy()))
    finally:
        blawk.set_isa(before_isa)
        blawk.set_threads(before_threads)
    kind = {"msum": "sum", "mavg": "mean", "mvar": "var", "mstd": "std", "wzs": "zscore"}[op]
    ddof = 0 if op == "mvar" else 1  # the catalogue's mvar is the population variance
    for w, got in results:
        want, wok = run(kind, x, None, w, w, ddof=ddof, piece=7)
        got = np.asarray(got, dtype=np.float64)
        assert same_bits(np.where(wok, got, 0.0), want), w


# ------------------------------------------ the chains in lanes
#
# In a fast-path piece, groups of whole segments (2 .. 4 on AVX2, 2 .. 8 on
# AVX-512, windows up to 256 / 128 rows) run their prefix and suffix chains in
# the lanes of one vector (kernels/winlane_impl.h); the partial segments at the
# piece's edges take the scalar chain.  Pieces of 7 rows take neither.

LANE_WINDOWS = [8, 9, 16, 20, 33, 64]


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_lanes_same_bits_as_rows(isa, kind: str) -> None:
    """Lane groups from every piece split (pieces that start mid-segment:
    1000, 333, 129) give the bits of row by row, with past_only, min_periods
    and ddof."""
    rng = np.random.default_rng(71)
    x = fast_column(rng, 5000)
    for window in LANE_WINDOWS:
        for past, ddof in ((False, 1), (True, 1), (False, 0), (True, 2)):
            for mp in (1, window):
                rows, rok = run(kind, x, None, window, mp, ddof, past_only=past, piece=7)
                assert rok[window:].all()
                for piece in (0, 1024, 1000, 333, 129, 64):
                    got, gok = run(kind, x, None, window, mp, ddof, past_only=past, piece=piece)
                    assert same_bits(got, rows) and np.array_equal(gok, rok), \
                        (window, past, ddof, mp, piece)


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_lanes_constant_runs_at_segment_edges(isa, kind: str) -> None:
    """Runs of equal values (and of +-0) that start, end or span lane and
    segment boundaries: the lanes' constant-window flags are the row-by-row
    ones (mean exactly the value, var/std exactly 0, zscore 0/0)."""
    rng = np.random.default_rng(72)
    for window in LANE_WINDOWS:
        x = rng.integers(0, 3, 4096).astype(np.float64)  # many short runs
        for start in (window - 1, 3 * window, 5 * window + 1, 1024 - window, 1024 + 2):
            x[start:start + window + 1] = 7.0
        x[2 * window:2 * window + window] = np.where(np.arange(window) % 2 == 0, 0.0, -0.0)
        for past in (False, True):
            rows, rok = run(kind, x, None, window, window, past_only=past, piece=7)
            got, gok = run(kind, x, None, window, window, past_only=past, piece=1024)
            assert same_bits(got, rows) and np.array_equal(gok, rok), (window, past)
            if kind in ("var", "std") and not past:
                lo = 3 * window + window  # the window [3w, 4w] is all 7.0
                assert got[lo] == 0.0


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_lanes_around_nulls_and_specials(isa, kind: str) -> None:
    """NaN, +-inf and nulls next to lane groups: the piece with one takes the
    row path and leaves them in the ring, so the next piece's first group reads
    them in its lane 0 suffix chain; the bits are those of row by row."""
    rng = np.random.default_rng(73)
    n = 5120
    x = fast_column(rng, n)
    for window in LANE_WINDOWS:
        for special in (np.nan, np.inf, -np.inf, None):
            y = x.copy()
            v = np.ones(n, dtype=bool)
            # the last rows of a piece (in the ring of the next piece's first group),
            # a segment's first row, the rows around a group's end
            at = [1023, 2048 - window, 3 * 1024 + 8 * window - 1, 3 * 1024 + 8 * window]
            if special is None:
                v[at] = False
            else:
                y[at] = special
            for past in (False, True):
                rows, rok = run(kind, y, v, window, 2, past_only=past, piece=7)
                for piece in (1024, 1000):
                    got, gok = run(kind, y, v, window, 2, past_only=past, piece=piece)
                    assert same_bits(got, rows) and np.array_equal(gok, rok), \
                        (special, window, past, piece)


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_lanes_thread_halo(isa, kind: str) -> None:
    """A state warmed up on a halo (blawk_win_feed), then run in one block whose
    lane groups start at various offsets, gives the bits of the single pass."""
    rng = np.random.default_rng(74)
    x = fast_column(rng, 3000)
    for window in LANE_WINDOWS:
        for past in (False, True):
            whole, wok = run(kind, x, None, window, 1, past_only=past, piece=7)
            for r in (window, 5 * window + 3, 1000, 1234):
                first = max(r - window, 0)
                s = _core.WindowState(kind, window, 1, 1, past, first)
                s.feed(x[first:r], None)
                got, gok = s.block(x[r:], None)
                assert same_bits(got, whole[r:]) and np.array_equal(gok, wok[r:]), (window, r)


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_lanes_fused_eval_extremes(isa, kind: str) -> None:
    """The lanes evaluate each window in the kernel (no tile of sums in
    between): finite values whose squares or sums overflow (the `big` branch of
    centred_m2, a hi part that is inf, lo forced to 0), tiny values, signed
    zeros and constant stretches give the bits of row by row."""
    rng = np.random.default_rng(75)
    n = 4096
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-300, 300, n)
    x[100:400] = 1.7e308 * np.sign(rng.standard_normal(300))  # sums overflow
    x[600:700] = 1e160 + rng.integers(0, 3, 100)  # d^2 overflows
    x[1100:1200] = 5e-324 * rng.integers(-2, 3, 100)  # subnormals, +-0
    x[2000:2300] = 3.0
    for window in LANE_WINDOWS + [129, 200]:
        for past, ddof in ((False, 1), (True, 0)):
            rows, rok = run(kind, x, None, window, window, ddof, past_only=past, piece=7)
            for piece in (1024, 1000):
                got, gok = run(kind, x, None, window, window, ddof, past_only=past,
                               piece=piece)
                assert same_bits(got, rows) and np.array_equal(gok, rok), \
                    (window, past, piece)


def square_range_column(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pieces just inside and outside the range where the lanes take the error
    of a square by one fused operation (0 or 2^-400 <= |x| <= 2^500; Dekker's
    otherwise), and a clean piece whose ring still holds tiny values."""
    u = lambda k: (1 + rng.random(k)) * np.where(rng.random(k) < 0.5, -1.0, 1.0)  # noqa: E731
    x = 100 + np.cumsum(rng.standard_normal(n))
    x[1100:2100] = 2.0**-400 * u(1000)  # inside, at the bottom
    x[1500:1520] = 2.0**-400  # a constant stretch there
    x[1700:1710] = 0.0
    x[2300:3300] = 2.0**499 * u(1000)  # inside, at the top
    x[3500:4500] = 1e-160 * u(1000)  # below: the squares are subnormal
    x[4700:5000] = 1e-160 * u(300)  # the ring of the piece at 5000 ...
    x[5000:5300] = 0.0  # ... whose rows are in range, its anchor 0
    x[5600:6000] = 2.0**-401 * u(400)  # just below the bottom
    x[6300:6400] = 2.0**501 * u(100)  # just above the top
    x[7000:7300] = 2.0**-400 + 2.0**-452 * rng.integers(0, 4, 300)  # differences of one ulp
    return x


@pytest.mark.parametrize("kind", ["var", "std", "zscore"])
def test_lanes_square_error_range(isa, kind: str) -> None:
    """The lanes' fused error of a square (where every value they square, the
    ring's and the anchor's included, is in range) and Dekker's (elsewhere)
    give the bits of row by row, at both ends of the range and just outside."""
    rng = np.random.default_rng(78)
    x = square_range_column(rng, 8192)
    for window in (8, 20, 33, 100, 129, 250, 256):
        for past in (False, True):
            rows, rok = run(kind, x, None, window, window, 1, past_only=past, piece=7)
            for piece in (1024, 1000, 999):
                got, gok = run(kind, x, None, window, window, 1, past_only=past, piece=piece)
                assert same_bits(got, rows) and np.array_equal(gok, rok), \
                    (window, past, piece)


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_lanes_partial_last_segment(isa, kind: str) -> None:
    """A group's last lane may hold the piece's last segment while it stops
    early: its windows, and the state it leaves (the ring, the suffix sums the
    rest of that segment reads in the next piece, the prefix sums through its
    last row, the slot), give the bits of row by row: windows up to 256 (4
    lanes) and down to 8, pieces that end a few rows into a segment or one short
    of its end, nulls and NaN in the next piece."""
    rng = np.random.default_rng(76)
    n = 6000
    x = fast_column(rng, n)
    v = np.ones(n, dtype=bool)
    v[4100] = False
    y = x.copy()
    y[5000] = np.nan
    for window in (8, 20, 100, 129, 200, 250, 256):
        for past in (False, True):
            rows, rok = run(kind, y, v, window, window, 1, past_only=past, piece=7)
            for piece in (1024, 1000, 3 * window + 1, 2 * window - 1, 513):
                got, gok = run(kind, y, v, window, window, 1, past_only=past, piece=piece)
                assert same_bits(got, rows) and np.array_equal(gok, rok), \
                    (window, past, piece)


MID_WINDOWS = [8, 20, 33, 100, 250]
MID_PIECES = [1024, 1000, 333, 129]


def mid_segment_column(rng: np.random.Generator, n: int, window: int, piece: int) -> np.ndarray:
    """fast_column plus, at every piece boundary that falls inside a segment, a
    constant run or a run of signed zeros across it (alternating)."""
    x = fast_column(rng, n)
    for k, b in enumerate(range(piece, n - window, piece)):
        if b % window == 0:
            continue
        lo, hi = max(b - window // 2 - 1, 0), b + window // 2 + 1
        if k % 2:
            x[lo:hi] = 3.25
        else:
            x[lo:hi] = np.where(np.arange(hi - lo) % 2 == 0, -0.0, 0.0)
    return x


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_lanes_first_lane_mid_segment(isa, kind: str) -> None:
    """A piece that starts inside a segment runs the rest of that segment in
    lane 0 of its first group, seeded with the state's prefix sums, anchor and
    suffix sums: pieces of 1024, 1000, 333 and 129 rows (their starts fall
    anywhere in a segment), windows 8 .. 250, past_only, min_periods, constant
    runs and signed zeros across the piece boundary give the bits of row by
    row, and the values of the reference."""
    rng = np.random.default_rng(81)
    n = 4200
    for window in MID_WINDOWS:
        for piece in MID_PIECES:
            x = mid_segment_column(rng, n, window, piece)
            for past, mp in ((False, window), (True, window), (False, 1), (True, 3)):
                rows, rok = run(kind, x, None, window, mp, past_only=past, piece=7)
                got, gok = run(kind, x, None, window, mp, past_only=past, piece=piece)
                assert same_bits(got, rows) and np.array_equal(gok, rok), \
                    (window, piece, past, mp)
            want, wok = ref_window(kind, x, None, window, window)
            got, gok = run(kind, x, None, window, window, piece=piece)
            assert_matches(kind, got, gok, want, wok)
            if kind in ("var", "std") and piece > window + 2:
                # a constant run across a boundary (not overlapping the next): exactly 0
                runs = [b for k, b in enumerate(range(piece, n - window, piece))
                        if b % window and k % 2]
                assert runs or piece % window == 0
                for b in runs:
                    assert got[b + window // 2] == 0.0, (window, piece, b)


@pytest.mark.parametrize("kind", FAST_KINDS)
def test_lanes_first_lane_mid_segment_after_null_or_nan(isa, kind: str) -> None:
    """A null or a NaN just before a piece that starts mid-segment: the piece
    holding it takes the row path; with the NaN the next piece's lane 0 starts
    from NaN prefix or suffix sums (NaN exactly in the windows that hold it),
    with the null from the first full window on; the bits are those of row by
    row."""
    rng = np.random.default_rng(82)
    n = 4200
    x = fast_column(rng, n)
    for window in MID_WINDOWS:
        for piece in MID_PIECES:
            # the last row of the piece before a boundary inside a segment, and a
            # row a little further back (in the previous segment's suffix)
            bs = [b for b in range(piece, n - window, piece) if b % window][:3]
            if not bs:  # (w = 8: pieces of 1024 and 1000 start segments)
                assert piece % window == 0
                continue
            at = [b - 1 for b in bs] + [bs[-1] - window // 2 - 1]
            hit = np.zeros(n, dtype=bool)  # windows (not past_only) holding one
            for a in at:
                hit[a:a + window] = True
            for special in (np.nan, None):
                y = x.copy()
                v = np.ones(n, dtype=bool)
                if special is None:
                    v[at] = False
                else:
                    y[at] = special
                for past in (False, True):
                    rows, rok = run(kind, y, v, window, 2, past_only=past, piece=7)
                    got, gok = run(kind, y, v, window, 2, past_only=past, piece=piece)
                    assert same_bits(got, rows) and np.array_equal(gok, rok), \
                        (special, window, piece, past)
                    if special is not None and not past:
                        clean, _ = run(kind, x, None, window, 2, piece=piece)
                        assert np.isnan(got[hit]).all()
                        assert same_bits(got[~hit], clean[~hit]), (window, piece)


@pytest.mark.parametrize("window", [1, 3, 20, 64, 1000])
@pytest.mark.parametrize("past_only", [False, True])
def test_count_full_window_fast_path(window: int, past_only: bool) -> None:
    """Once a window is full of valid rows and a piece has no nulls, every
    count is the window (the ring only moves): pieces of any size, runs of
    valid pieces around a piece with nulls, against the definition."""
    rng = np.random.default_rng(window)
    n = 5000
    valid = np.ones(n, bool)
    valid[2100:2300] = rng.random(200) > 0.5  # nulls in the middle only
    x = rng.standard_normal(n)
    pv = np.concatenate([[0], np.cumsum(valid)])
    i = np.arange(n)
    hi = i if past_only else i + 1
    want = pv[hi] - pv[np.maximum(hi - window, 0)]
    for piece in (0, 1, 63, 64, 1000):
        got, ok = run("count", x, valid, window, 1, past_only=past_only, piece=piece)
        assert ok.all() and np.array_equal(got, want), piece
        got, ok = run("count", x, None, window, 1, past_only=past_only, piece=piece)
        assert ok.all() and np.array_equal(got, np.minimum(hi, window)), piece
