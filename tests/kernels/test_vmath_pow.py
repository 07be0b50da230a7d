"""blawk's own pow, pow_s (x ** s) and rpow_s (s ** y) kernels (docs/vmath.md).

* accuracy: max error <= 1 ULP against mpmath on ~0.2e6 (x, y) pairs (results
  over the whole range: near overflow, subnormal, x near 1 with huge y,
  negative x with integer y, subnormal x); tools/vmath_accuracy.py runs the
  same on millions;
* exact cases: pow(x, 2) = x*x, pow(x, 0.5) = sqrt(x), pow(2, k) = 2^k,
  small integer powers of small integers;
* C99 Annex F: the full cross product of special x and special y, bit for bit
  against the contract, and against glibc and numpy (NaN sign/payload aside);
* every ISA bit-identical to scalar (every length 0..130, in place), and
  pow_s / rpow_s identical to pow with a repeated operand.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import math
import multiprocessing as mp

import numpy as np
import pytest
from test_vmath import DEFAULT_NAN, NAN_INPUTS, QNAN_BIT, bits, f64, ulp_error
from test_vmath_logfam import round_mpf

from blawk import _core

ISAS = _core.available_isas()
VECTOR_ISAS = [i for i in ISAS if i != "scalar"]
TINY = 5e-324
HUGE = 1.7976931348623157e308


def run(name: str, x: np.ndarray, y: np.ndarray, isa: str) -> np.ndarray:
    return _core.kernel_binary(name, x, y, isa)


# ----------------------------------------------------------------- reference
def _ref_chunk(pairs):
    from mpmath.libmp import from_float, mpf_exp, mpf_log, mpf_mul, mpf_neg, round_nearest

    out = []
    for x, y in pairs:
        ax = abs(x)
        neg = x < 0 and float(y).is_integer() and abs(y) < 2**53 and int(y) % 2 == 1
        v = mpf_exp(mpf_mul(from_float(y), mpf_log(from_float(ax), 200, round_nearest),
                            200, round_nearest), 130, round_nearest)
        out.append(round_mpf(mpf_neg(v) if neg else v))
    return out


def reference(x: np.ndarray, y: np.ndarray, procs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    pairs = list(zip(x.tolist(), y.tolist(), strict=True))
    step = 1 << 12
    jobs = [pairs[i:i + step] for i in range(0, len(pairs), step)]
    with mp.get_context("fork").Pool(procs) as pool:
        parts = pool.map(_ref_chunk, jobs)
    hi = np.array([h for p in parts for h, _ in p], dtype=np.float64)
    fr = np.array([f for p in parts for _, f in p], dtype=np.float64)
    return hi, fr


# ----------------------------------------------------------------- inputs
LN_MAX, LN_MIN = 709.782712893384, -745.1332191019411   # finite nonzero results


def _y_for(rng, x, lo, hi):
    """y with y * log|x| uniform in [lo, hi] (so the result lands there)."""
    with np.errstate(divide="ignore"):
        return rng.uniform(lo, hi, len(x)) / np.log(np.abs(x))


def inputs(rng: np.random.Generator, k: int = 1000) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Named (x, y) sets; k scales the sizes (the unit test uses k = 1000/4)."""
    sets = {}
    n = 30 * k
    x = rng.uniform(0.1, 3, n)
    sets["x[0.1,3] y[-50,50]"] = (x, rng.uniform(-50, 50, n))
    x = f64(rng.integers(0x0010000000000000, 0x7FF0000000000000, n, dtype=np.uint64))
    sets["x bits, any result"] = (x, _y_for(rng, x, LN_MIN, LN_MAX))
    x = 1 + rng.choice([-1, 1], n) * np.exp2(rng.uniform(-52, -1, n))
    sets["x near 1, big y"] = (x, _y_for(rng, x, LN_MIN, LN_MAX))
    x = rng.uniform(0.01, 100, n // 2)
    sets["near overflow"] = (x, _y_for(rng, x, 700, LN_MAX))
    sets["subnormal result"] = (x, _y_for(rng, x, LN_MIN, -708.4))
    x = -rng.uniform(0.1, 3, n)
    sets["x<0, integer y"] = (x, np.round(_y_for(rng, x, LN_MIN, LN_MAX)))
    x = f64(rng.integers(1, 0x7FF0000000000000, n, dtype=np.uint64))
    sets["tiny y"] = (x, rng.choice([-1, 1], n) * np.exp2(rng.uniform(-70, -5, n)))
    x = f64(rng.integers(1, 0x0010000000000000, n // 2, dtype=np.uint64))
    sets["x subnormal"] = (x, _y_for(rng, x, LN_MIN, LN_MAX))
    x = rng.uniform(0, 100, n // 2)
    sets["integer y"] = (x, rng.integers(-12, 13, n // 2).astype(float))
    out = {}
    for key, (a, b) in sets.items():
        a, b = np.asarray(a, float), np.asarray(b, float)
        keep = np.isfinite(a) & np.isfinite(b) & (a != 0) & (b != 0)
        out[key] = (a[keep], b[keep])
    return out


@pytest.fixture(scope="module")
def acc_data():
    rng = np.random.default_rng(777)
    out = {}
    for key, (x, y) in inputs(rng, 200).items():
        hi, fr = reference(x, y)
        ok = np.isfinite(hi) & (hi != 0)    # the ULP needs a nonzero finite result
        out[key] = (x[ok], y[ok], hi[ok], fr[ok])
    return out


@pytest.mark.parametrize("isa", ISAS)
def test_accuracy(acc_data, isa: str) -> None:
    worst = []
    for key, (x, y, hi, fr) in acc_data.items():
        err = ulp_error(run("pow", x, y, isa), hi, fr)
        i = int(np.argmax(err))
        worst.append((float(err[i]), key, float(x[i]), float(y[i])))
    print(f"pow/{isa}: " + ", ".join(f"{k} {e:.3f}" for e, k, _, _ in worst))
    e, key, x, y = max(worst)
    assert e <= 1.0, f"pow({x!r}, {y!r}) [{key}] is off by {e:.3f} ULP"
    assert e < 0.6, f"pow({x!r}, {y!r}) [{key}] is off by {e:.3f} ULP (expected ~0.55)"


def test_reference_sanity(acc_data) -> None:
    x, y, hi, fr = acc_data["x[0.1,3] y[-50,50]"]
    assert np.max(ulp_error(np.power(x, y), hi, fr)) < 1.0


@pytest.mark.parametrize("isa", ISAS)
def test_exact_cases(isa: str) -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.standard_normal(5000) * np.exp(rng.uniform(-400, 400, 5000)),
                        [HUGE, TINY, -TINY, 1e-200, 1.5e154]])
    two = np.full(len(x), 2.0)
    with np.errstate(over="ignore"):
        assert np.array_equal(bits(run("pow", x, two, isa)), bits(x * x))
    ax = np.abs(x)
    assert np.array_equal(bits(run("pow", ax, np.full(len(x), 0.5), isa)), bits(np.sqrt(ax)))
    k = np.arange(-1074, 1024).astype(float)
    assert np.array_equal(run("pow", np.full(len(k), 2.0), k, isa), np.ldexp(1.0, k.astype(int)))
    assert np.array_equal(run("pow", np.full(len(k), 0.5), -k, isa), np.ldexp(1.0, k.astype(int)))
    b = np.repeat(np.arange(-12.0, 13.0), 25)        # small integer powers, exact results
    e = np.tile(np.arange(0.0, 25.0), 25)
    want = np.array([float(int(bb) ** int(ee)) for bb, ee in zip(b, e, strict=True)])
    fine = np.abs(want) < 2.0**53
    assert np.array_equal(run("pow", b[fine], e[fine], isa), want[fine])
    assert np.array_equal(run("pow", np.full(23, 10.0), np.arange(23.0), isa),
                          np.array([float(10**i) for i in range(23)]))
    assert np.array_equal(bits(run("pow", x, np.ones(len(x)), isa)), bits(x))   # x ** 1 = x
    big = np.full(4, 1e300)        # |y| >= 2^53: an even integer
    assert np.array_equal(run("pow", np.array([-2.0, -0.5, 2.0, 0.5]), big, isa),
                          np.array([math.inf, 0.0, math.inf, 0.0]))


# ----------------------------------------------------------------- specials
_LIBM = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
_LIBM.pow.restype = ctypes.c_double
_LIBM.pow.argtypes = [ctypes.c_double, ctypes.c_double]

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 0.25, 2.5, -2.5,
           math.inf, -math.inf, TINY, -TINY, HUGE, -HUGE, 1e300, -1e300, 2.0**53, -(2.0**53),
           2.0**53 + 2, 2.0**52 + 1, -(2.0**52 + 1), 1.0000000000000002, 0.9999999999999999,
           -1.0000000000000002, 1e-300, 1024.0, -1075.0, -1074.0, 1023.5]


def _contract(x: float, y: float, xb: int, yb: int) -> int:
    """The bits the contract prescribes: glibc's value, except NaN results:
    the quieted input NaN (x's if both), or the x86 default NaN (invalid).
    pow(x, +-0) and pow(1, y) are 1 for every NaN (glibc gives NaN for a
    signalling one; Annex F and numpy say 1)."""
    if y == 0 or x == 1:
        return int(bits(np.array([1.0]))[0])
    g = _LIBM.pow(x, y)
    if g == g:
        return int(bits(np.array([g]))[0])
    if x != x:
        return xb | int(QNAN_BIT)
    if y != y:
        return yb | int(QNAN_BIT)
    return DEFAULT_NAN


def _special_grid():
    vals = [int(bits(np.array([v]))[0]) for v in SPECIAL] + NAN_INPUTS
    xb, yb = zip(*itertools.product(vals, vals), strict=True)
    return np.array(xb, dtype=np.uint64), np.array(yb, dtype=np.uint64)


@pytest.mark.parametrize("isa", ISAS)
def test_special_cross_product(isa: str) -> None:
    xb, yb = _special_grid()
    x, y = f64(xb), f64(yb)
    want = np.array([_contract(float(a), float(b), int(ab), int(bb))
                     for a, b, ab, bb in zip(x, y, xb, yb, strict=True)], dtype=np.uint64)
    got = bits(run("pow", x, y, isa))
    bad = [(float(a), float(b), hex(int(g)), hex(int(w)))
           for a, b, g, w in zip(x, y, got, want, strict=True) if g != w]
    # glibc's pow is correctly rounded; ours may differ by an ULP on ordinary
    # pairs of this grid: allow that there, nowhere else
    ordinary = [(a, b, g, w) for a, b, g, w in bad
                if math.isfinite(a) and math.isfinite(b) and a != 0 and b != 0
                and abs(int(g, 16) - int(w, 16)) == 1]
    assert len(ordinary) == len(bad), f"pow/{isa}: (x, y, got, want) {bad[:20]}"
    # numpy agrees on everything but NaN sign/payload and those ULPs
    with np.errstate(all="ignore"):
        npv = np.power(x, y)
    assert np.array_equal(np.isnan(npv), np.isnan(f64(got)))
    with np.errstate(all="ignore"):
        close = np.abs(f64(got) - npv) <= np.spacing(np.abs(npv))
    assert np.all(close | np.isnan(npv) | (f64(got) == npv))
    # each special in every lane position (and next to ordinary lanes)
    for pad in (1, 3, 5, 7):
        a = np.concatenate([np.full(pad, 1.5), x, np.full(3, 1.5)])
        b = np.concatenate([np.full(pad, 0.7), y, np.full(3, 0.7)])
        assert np.array_equal(bits(run("pow", a, b, isa))[pad:pad + len(x)], got)


@pytest.mark.parametrize("isa", ISAS)
def test_scalar_operand_kernels(isa: str) -> None:
    """pow_s and rpow_s give pow's bits, specials included."""
    rng = np.random.default_rng(3)
    v = np.concatenate([_mixed(rng, 3000), f64([int(bits(np.array([s]))[0]) for s in SPECIAL]
                                               + NAN_INPUTS)])
    for s in SPECIAL + [float(f64([b])[0]) for b in NAN_INPUTS] + [1.7, -0.3, 37.0]:
        full = np.full(len(v), s)
        assert np.array_equal(bits(_core.kernel_scalar("pow_s", v, s, isa)),
                              bits(run("pow", v, full, "scalar"))), ("pow_s", s)
        assert np.array_equal(bits(_core.kernel_scalar("rpow_s", v, s, isa)),
                              bits(run("pow", full, v, "scalar"))), ("rpow_s", s)


# ----------------------------------------------------------------- bit identity
def _mixed(rng: np.random.Generator, n: int) -> np.ndarray:
    parts = [
        f64(rng.integers(0, 2**64, n, dtype=np.uint64, endpoint=False)),
        rng.uniform(-3, 3, n), np.round(rng.uniform(-40, 40, n)),
        1 + rng.uniform(-1e-3, 1e-3, n // 2),
        f64(rng.integers(1, 0x0010000000000000, n // 4, dtype=np.uint64)),
        np.array([0.0, -0.0, 1.0, -1.0, 2.0, 0.5, math.inf, -math.inf]),
    ]
    x = np.concatenate(parts)
    rng.shuffle(x)
    return x


@pytest.mark.parametrize("isa", VECTOR_ISAS)
def test_bit_identical_to_scalar(isa: str) -> None:
    rng = np.random.default_rng(19)
    x1, y1 = _mixed(rng, 1 << 15), _mixed(rng, 1 << 15)   # same length
    x2 = rng.uniform(0.01, 100, 1 << 15)                  # results near the range ends
    y2 = _y_for(rng, x2, LN_MIN - 2, LN_MAX + 2)
    x, y = np.concatenate([x1, x2]), np.concatenate([y1, y2])
    ref = run("pow", x, y, "scalar")
    assert np.array_equal(bits(run("pow", x, y, isa)), bits(ref))
    for n in range(131):
        for off in (0, 3):
            got = run("pow", x[off:off + n], y[off:off + n], isa)
            assert np.array_equal(bits(got), bits(ref[off:off + n])), (isa, n, off)
            got = _core.kernel_scalar("pow_s", x[off:off + n], 1.7, isa)
            want = run("pow", x[off:off + n], np.full(n, 1.7), "scalar")
            assert np.array_equal(bits(got), bits(want)), ("pow_s", isa, n, off)
            got = _core.kernel_scalar("rpow_s", y[off:off + n], -2.5, isa)
            want = run("pow", np.full(n, -2.5), y[off:off + n], "scalar")
            assert np.array_equal(bits(got), bits(want)), ("rpow_s", isa, n, off)


@pytest.mark.parametrize("isa", ISAS)
def test_in_place(isa: str) -> None:
    """out == x and out == y (through the VM: x ** y with the output aliasing an input)."""
    import blawk

    rng = np.random.default_rng(29)
    x = np.abs(_mixed(rng, 2000))
    y = rng.uniform(-4, 4, len(x))
    ref = run("pow", x, y, "scalar")
    before = blawk.isa()
    blawk.set_isa(isa)
    try:
        for n in (0, 1, 7, 8, 9, 17, 130, 1000, len(x)):
            xa, ya = x[:n].copy(), y[:n].copy()
            blawk.compute(blawk.col("x") ** blawk.col("y"), x=xa, y=ya, out=xa)
            assert np.array_equal(bits(xa), bits(ref[:n])), (isa, n)
            xa, ya = x[:n].copy(), y[:n].copy()
            blawk.compute(blawk.col("x") ** blawk.col("y"), x=xa, y=ya, out=ya)
            assert np.array_equal(bits(ya), bits(ref[:n])), (isa, n)
    finally:
        blawk.set_isa(before)
