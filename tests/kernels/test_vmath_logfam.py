"""blawk's own log2, log10 and log1p kernels (csrc/kernels/vmath_*.c, docs/vmath.md).

* accuracy: max error <= 1 ULP against mpmath on ~0.25e6 inputs per function
  (the whole range incl. subnormals, dense near 1 for log2/log10 and near 0
  and -1 for log1p); the design gives ~0.55 ULP.  tools/vmath_accuracy.py
  runs the same measurement on millions of inputs;
* exact cases: log2(2^k) = k, log10(10^k) = k;
* C99 Annex F special values bit for bit, against glibc and numpy too;
* every ISA bit-identical to the scalar reference (every length 0..130,
  offsets, in place).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import multiprocessing as mp

import numpy as np
import pytest
from test_vmath import DEFAULT_NAN, NAN_INPUTS, QNAN_BIT, bits, f64, ulp_error

from blawk import _core

ISAS = _core.available_isas()
VECTOR_ISAS = [i for i in ISAS if i != "scalar"]
FUNCS = ["log2", "log10", "log1p"]


# ----------------------------------------------------------------- reference
def round_mpf(v) -> tuple[float, float]:
    """(RN(v), (v - RN(v)) / ulp(v)) of an mpmath mpf tuple: rounded straight
    to the double (or subnormal) grid, no double rounding."""
    sign, man, exp, bc = v
    if not man:
        return 0.0, 0.0
    ue = max(exp + bc - 1 - 52, -1074)   # exponent of ulp(v)
    sh = exp - ue
    if sh >= 0:
        n, fr = man << sh, 0.0
    else:
        s = -sh
        n = man >> s
        rem = man - (n << s)
        half = 1 << (s - 1)
        if rem > half or (rem == half and n & 1):
            n += 1
            rem -= 1 << s
        fr = rem / (1 << s)
    if sign:
        n, fr = -n, -fr
    if ue + n.bit_length() > 1024:
        return math.copysign(math.inf, n), 0.0
    return math.ldexp(n, ue), fr


def _ref_chunk(job):
    from mpmath.libmp import fone, from_float, from_int, mpf_add, mpf_div, mpf_log, round_nearest

    name, xs = job
    prec = 130
    ln2 = mpf_log(from_int(2), prec + 20, round_nearest)
    ln10 = mpf_log(from_int(10), prec + 20, round_nearest)
    out = []
    for x in xs:
        fx = from_float(x)
        if name == "log1p":
            v = mpf_log(mpf_add(fone, fx, 0), prec, round_nearest)   # 1 + x exact
        else:
            v = mpf_div(mpf_log(fx, prec + 10, round_nearest),
                        ln2 if name == "log2" else ln10, prec, round_nearest)
        out.append(round_mpf(v))
    return out


def reference(name: str, x: np.ndarray, procs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    xs = x.tolist()
    step = 1 << 13
    jobs = [(name, xs[i:i + step]) for i in range(0, len(xs), step)]
    with mp.get_context("fork").Pool(procs) as pool:
        parts = pool.map(_ref_chunk, jobs)
    hi = np.array([h for p in parts for h, _ in p], dtype=np.float64)
    fr = np.array([f for p in parts for _, f in p], dtype=np.float64)
    return hi, fr


# ----------------------------------------------------------------- inputs
def inputs(name: str, rng: np.random.Generator, k: int = 1000) -> dict[str, np.ndarray]:
    """Named input sets; k scales the sizes (the unit test uses k = 1000 / 4)."""
    if name in ("log2", "log10"):
        return {
            "all": f64(rng.integers(1, 0x7FF0000000000000, 100 * k, dtype=np.uint64)),
            "subnormal": f64(rng.integers(1, 0x0010000000000000, 25 * k, dtype=np.uint64)),
            "near1": np.concatenate([
                1 + rng.uniform(-0.125, 0.125, 40 * k),
                1 + rng.choice([-1, 1], 40 * k) * np.exp2(rng.uniform(-53, -3, 40 * k)),
            ]),
            "[0.1,3]": rng.uniform(0.1, 3.0, 30 * k),
            "[1,200]": rng.uniform(1, 200, 20 * k),
        }
    return {  # log1p
        "all": f64(rng.integers(1, 0x7FF0000000000000, 60 * k, dtype=np.uint64)),
        "(-1,0) bits": -f64(rng.integers(1, 0x3FF0000000000000, 40 * k, dtype=np.uint64)),
        "near0": rng.choice([-1, 1], 40 * k) * np.exp2(rng.uniform(-80, -1, 40 * k)),
        "subnormal": f64(rng.integers(1, 0x0010000000000000, 10 * k, dtype=np.uint64))
                     * rng.choice([-1, 1], 10 * k),
        "near-1": -1 + np.exp2(rng.uniform(-53, -1, 30 * k)) * rng.uniform(0.5, 1, 30 * k),
        "[-0.5,1]": rng.uniform(-0.5, 1.0, 30 * k),
        "[0.1,3]": rng.uniform(0.1, 3.0, 20 * k),
        "big": np.exp2(rng.uniform(0, 1023.9, 20 * k)),
    }


@pytest.fixture(scope="module")
def acc_data():
    rng = np.random.default_rng(20261122)
    out = {}
    for name in FUNCS:
        sets = inputs(name, rng, 250)
        x = np.concatenate(list(sets.values()))
        hi, fr = reference(name, x)
        pos = 0
        for key, v in sets.items():
            out[(name, key)] = (v, hi[pos:pos + len(v)], fr[pos:pos + len(v)])
            pos += len(v)
    return out


# measured maxima (tools/vmath_accuracy.py, docs/vmath.md) are ~0.55;
# more than this means a regression
EXPECTED_MAX = {"log2": 0.6, "log10": 0.6, "log1p": 0.6}


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", FUNCS)
def test_accuracy(acc_data, name: str, isa: str) -> None:
    worst = []
    for (fn, subset), (x, hi, fr) in acc_data.items():
        if fn != name:
            continue
        err = ulp_error(_core.kernel_unary(name, x, isa), hi, fr)
        i = int(np.argmax(err))
        worst.append((float(err[i]), subset, float(x[i])))
    print(f"{name}/{isa}: " + ", ".join(f"{s} {e:.3f}" for e, s, _ in worst))
    e, subset, x = max(worst)
    assert e <= 1.0, f"{name}({x!r}) [{subset}] is off by {e:.3f} ULP"
    assert e < EXPECTED_MAX[name], f"{name}({x!r}) [{subset}] is off by {e:.3f} ULP"


def test_reference_sanity(acc_data) -> None:
    """The reference agrees with numpy to about an ULP where both apply."""
    for name, f in (("log2", np.log2), ("log10", np.log10), ("log1p", np.log1p)):
        x, hi, fr = acc_data[(name, "[0.1,3]")]
        assert np.max(ulp_error(f(x), hi, fr)) < 1.0


@pytest.mark.parametrize("isa", ISAS)
def test_exact_cases(isa: str) -> None:
    k = np.arange(-1074, 1024)
    assert np.array_equal(_core.kernel_unary("log2", np.ldexp(1.0, k), isa), k)
    # 10^k is exact for 0 <= k <= 22, so log10 must give k; for the other k,
    # log10(RN(10^k)) rounds to k too (|error| far below half an ULP of k)
    k = np.arange(-307, 309)
    x = np.array([float(f"1e{i}") for i in k])
    assert np.array_equal(_core.kernel_unary("log10", x, isa), k)
    assert np.array_equal(_core.kernel_unary("log1p", np.array([1.0, 3.0, 7.0]), isa),
                          np.log(np.array([2.0, 4.0, 8.0])))


# ----------------------------------------------------------------- specials
_LIBM = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
for _f in FUNCS:
    getattr(_LIBM, _f).restype = ctypes.c_double
    getattr(_LIBM, _f).argtypes = [ctypes.c_double]

# zeros, infinities, the domain ends, extremes, and values whose correctly
# rounded result is exact or trivially known (log1p(tiny) = tiny)
SPECIAL_INPUTS = [0.0, -0.0, 5e-324, -5e-324, 1.0, -1.0, math.inf, -math.inf,
                  -1.7976931348623157e308, -1.0000000000000002, 1e-300, -1e-300,
                  2.0 ** -54, -(2.0 ** -54), 2.0 ** -60]
EXACT = {"log2": [0.5, 2.0, 1024.0, 2.0 ** -1074], "log10": [10.0, 1000.0, 1e22, 0.1],
         "log1p": [2.0 ** -1074, -(2.0 ** -1074)]}
# ordinary values: within an ULP of glibc (not necessarily the same bits)
ORDINARY = [2.2250738585072014e-308, 1.7976931348623157e308, -0.9999999999999999, 1e-17,
            -1e-17, 2.0 ** -53, 3.0, 0.1, 1e300]


def _want(name: str, x: float) -> int:
    """Bits the contract prescribes: glibc's value; for NaN results the input
    quieted (NaN in) or the x86 default NaN (invalid)."""
    xb = int(bits(np.array([x]))[0])
    if x != x:
        return xb | int(QNAN_BIT)
    g = getattr(_LIBM, name)(x)
    if g != g:
        return DEFAULT_NAN
    return int(bits(np.array([g]))[0])


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", FUNCS)
def test_special_values(name: str, isa: str) -> None:
    sp = SPECIAL_INPUTS + EXACT[name]
    xin = f64([int(bits(np.array([v]))[0]) for v in sp] + NAN_INPUTS)
    want = np.array([_want(name, v) for v in sp]
                    + [int(np.uint64(b) | QNAN_BIT) for b in NAN_INPUTS], dtype=np.uint64)
    # glibc and numpy agree with the contract (up to NaN sign/payload)
    with np.errstate(all="ignore"):
        npv = getattr(np, name)(xin)
    got_scalar = _core.kernel_unary(name, xin, "scalar")
    nan = np.isnan(npv)
    assert np.array_equal(np.isnan(got_scalar), nan)
    assert np.array_equal(bits(got_scalar[~nan]), bits(npv[~nan]))
    o = np.array(ORDINARY)
    g = np.array([getattr(_LIBM, name)(v) for v in ORDINARY])
    y = _core.kernel_unary(name, o, isa)
    assert np.all((np.abs(y - g) <= np.spacing(np.abs(g))) | (np.isnan(y) & np.isnan(g)))
    for pad in range(9):   # every lane position, amid ordinary values
        x = np.concatenate([np.full(pad, 1.5), xin, np.full(3, 1.5)])
        got = bits(_core.kernel_unary(name, x, isa))[pad:pad + len(xin)]
        bad = [(float(xi), hex(int(g)), hex(int(w)))
               for xi, g, w in zip(xin, got, want, strict=True) if g != w]
        assert not bad, f"{name}/{isa}: (input, got, want) {bad}"


# ----------------------------------------------------------------- bit identity
def _mixed(rng: np.random.Generator, n: int) -> np.ndarray:
    m = 1 + rng.integers(0, 65, n // 4) / 64.0          # log table interval ends
    e = rng.integers(-1070, 1020, n // 4)
    edges = f64((bits(np.ldexp(m, e)).astype(np.int64) + rng.integers(-3, 4, n // 4))
                .astype(np.uint64))
    parts = [
        edges, edges - 1.0,
        f64(rng.integers(0, 2**64, n, dtype=np.uint64, endpoint=False)),
        f64(rng.integers(1, 0x0010000000000000, n // 4, dtype=np.uint64)),
        1 + rng.uniform(-0.1, 0.1, n // 2),
        rng.choice([-1, 1], n // 2) * np.exp2(rng.uniform(-70, 2, n // 2)),
        -1 + np.exp2(rng.uniform(-53, -1, n // 4)),
        rng.uniform(0.1, 3, n // 2),
        f64(np.array(NAN_INPUTS + [0x7FF0000000000000, 0xFFF0000000000000, 0, 2**63],
                     dtype=np.uint64)),
        np.array([-1.0, 1.0, 0.0, -0.0]),
    ]
    x = np.concatenate(parts)
    rng.shuffle(x)
    return x


@pytest.mark.parametrize("isa", VECTOR_ISAS)
@pytest.mark.parametrize("name", FUNCS)
def test_bit_identical_to_scalar(name: str, isa: str) -> None:
    rng = np.random.default_rng(17)
    x = _mixed(rng, 1 << 17)
    ref = _core.kernel_unary(name, x, "scalar")
    assert np.array_equal(bits(_core.kernel_unary(name, x, isa)), bits(ref))
    for n in range(131):
        for off in (0, 3):
            got = _core.kernel_unary(name, x[off:off + n], isa)
            assert np.array_equal(bits(got), bits(ref[off:off + n])), (name, isa, n, off)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", FUNCS)
def test_in_place(name: str, isa: str) -> None:
    rng = np.random.default_rng(23)
    x = _mixed(rng, 1 << 12)
    ref = _core.kernel_unary(name, x, "scalar")
    for n in list(range(131)) + [1000, 4099]:
        buf = x[:n].copy()
        _core.kernel_inplace(name, buf, isa)
        assert np.array_equal(bits(buf), bits(ref[:n])), (name, isa, n)
