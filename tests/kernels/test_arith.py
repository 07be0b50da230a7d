"""Arithmetic kernels: every ISA bit-identical to the scalar reference and to numpy."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EDGE_LENGTHS, ISAS, random_mixed, same_bits, same_ieee

from blawk import _core

UNARY = {"neg": np.negative, "abs": np.abs, "sqrt": np.sqrt}
BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
SCALAR = {
    "add_s": lambda a, s: a + s, "sub_s": lambda a, s: a - s, "rsub_s": lambda a, s: s - a,
    "mul_s": lambda a, s: a * s, "div_s": lambda a, s: a / s, "rdiv_s": lambda a, s: s / a,
}
NT_ISAS = [f"{i}_nt" for i in ISAS if i != "scalar"]  # non-temporal tables, see below
# two scalars in one pass: the bits of the two single-scalar kernels, in order
SCALAR2 = {"subdiv_s": ("sub_s", "div_s"), "muladd_s": ("mul_s", "add_s")}
SCALAR2_NP = {"subdiv_s": lambda a, s1, s2: (a - s1) / s2,
              "muladd_s": lambda a, s1, s2: a * s1 + s2}


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("n", EDGE_LENGTHS)
def test_unary(isa: str, name: str, n: int) -> None:
    x = random_mixed(np.random.default_rng(n), n)
    got = _core.kernel_unary(name, x, isa)
    with np.errstate(all="ignore"):
        want = UNARY[name](x)
    if name == "sqrt":
        assert same_ieee(got, _core.kernel_unary(name, x, "scalar"))
        assert same_ieee(got, want)
    else:  # sign-bit ops: exact, NaN payload and sign included
        assert same_bits(got, _core.kernel_unary(name, x, "scalar"))
        assert same_bits(got, want)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("n", EDGE_LENGTHS)
def test_binary(isa: str, name: str, n: int) -> None:
    rng = np.random.default_rng(1000 + n)
    a, b = random_mixed(rng, n), random_mixed(rng, n)
    got = _core.kernel_binary(name, a, b, isa)
    with np.errstate(all="ignore"):
        want = BINARY[name](a, b)
    assert same_ieee(got, _core.kernel_binary(name, a, b, "scalar"))
    assert same_ieee(got, want)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", sorted(SCALAR))
@pytest.mark.parametrize("s", [2.5, -0.0, 0.0, np.inf, np.nan, 5e-324])
def test_with_scalar(isa: str, name: str, s: float) -> None:
    rng = np.random.default_rng(7)
    for n in (0, 1, 9, 17, 1025):
        a = random_mixed(rng, n)
        got = _core.kernel_scalar(name, a, s, isa)
        with np.errstate(all="ignore"):
            want = SCALAR[name](a, s)
        assert same_ieee(got, _core.kernel_scalar(name, a, s, "scalar"))
        assert same_ieee(got, want)


def _two_kernels(name: str, a: np.ndarray, s1: float, s2: float, isa: str) -> np.ndarray:
    first, second = SCALAR2[name]
    return _core.kernel_scalar(second, _core.kernel_scalar(first, a, s1, isa), s2, isa)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", sorted(SCALAR2))
@pytest.mark.parametrize("s1,s2", [(2.0, 1.0), (-2.5, 0.5), (0.0, -0.0), (-0.0, 0.0),
                                   (np.inf, -np.inf), (1e300, -1e300), (5e-324, np.nan),
                                   (np.nan, 3.0), (1e-300, 1e-308)])
def test_with_two_scalars(isa: str, name: str, s1: float, s2: float) -> None:
    """subdiv_s and muladd_s: the bits of their two single-scalar kernels (each
    operation rounded on its own), on every ISA and length, equal to numpy."""
    rng = np.random.default_rng(11)
    for n in (0, 1, 7, 8, 9, 15, 16, 17, 33, 1025):
        a = random_mixed(rng, n)
        got = _core.kernel_scalar2(name, a, s1, s2, isa)
        assert same_ieee(got, _core.kernel_scalar2(name, a, s1, s2, "scalar"))
        assert same_ieee(got, _two_kernels(name, a, s1, s2, isa))
        with np.errstate(all="ignore"):
            assert same_ieee(got, SCALAR2_NP[name](a, s1, s2))


@pytest.mark.parametrize("isa", ISAS + NT_ISAS)
def test_muladd_s_is_not_a_fused_multiply_add(isa: str) -> None:
    """a * s1 + s2 rounds the product before the sum: with a = s1 = 1 + 2**-30
    and s2 = -(1 + 2**-29) that gives exactly 0, where an FMA gives 2**-60.
    Every lane position: vector body, scalar head (non-temporal) and tail."""
    u = 1.0 + 2.0**-30
    s2 = -(1.0 + 2.0**-29)
    assert u * u + s2 == 0.0  # Python: two roundings
    for n in (1, 5, 8, 13, 16, 37):
        a = np.full(n, u)
        for misalign in range(8):
            got = _core.kernel_scalar2("muladd_s", a, u, s2, isa, misalign)
            assert same_bits(got, np.zeros(n)), (isa, n, misalign, got)


@pytest.mark.parametrize("isa", ISAS)
def test_in_place(isa: str) -> None:
    x = random_mixed(np.random.default_rng(3), 1031)
    want = _core.kernel_unary("neg", x, "scalar")
    _core.kernel_inplace("neg", x, isa)
    assert same_bits(x, want)


def test_ieee_signs() -> None:
    z = np.array([0.0, -0.0])
    for isa in ISAS:
        assert same_bits(_core.kernel_unary("neg", z, isa), np.array([-0.0, 0.0]))
        assert same_bits(_core.kernel_unary("abs", z, isa), np.array([0.0, 0.0]))
        assert same_bits(_core.kernel_unary("sqrt", z, isa), np.array([0.0, -0.0]))
        one = np.array([1.0, -1.0])
        assert same_bits(_core.kernel_scalar("rdiv_s", z, 1.0, isa), np.array([np.inf, -np.inf]))
        assert same_bits(_core.kernel_binary("div", one, z, isa), np.array([np.inf, np.inf]))


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name,f", [("diff1", np.subtract), ("ratio1", np.divide)])
@pytest.mark.parametrize("n", EDGE_LENGTHS)
def test_lag1(isa: str, name: str, f, n: int) -> None:
    a = random_mixed(np.random.default_rng(50 + n), n)
    prev = -3.25
    got = _core.kernel_lag1(name, a, prev, isa)
    with np.errstate(all="ignore"):
        want = f(a, np.concatenate([[prev], a[:-1]]) if n else a)
    assert same_ieee(got, want)
    assert same_ieee(got, _core.kernel_lag1(name, a, prev, "scalar"))


# The tables with non-temporal stores (for outputs past the last-level cache):
# the same bits as the scalar reference, whatever the output's alignment (the
# kernels run the scalar expression up to a vector boundary first).


@pytest.mark.parametrize("isa", NT_ISAS)
@pytest.mark.parametrize("misalign", range(8))
def test_non_temporal_tables(isa: str, misalign: int) -> None:
    rng = np.random.default_rng(misalign)
    for n in (0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1025):
        a, b = random_mixed(rng, n), random_mixed(rng, n)
        for name in ("neg", "abs", "sqrt", "floor", "ceil"):
            got = _core.kernel_unary(name, a, isa, misalign)
            assert n == 0 or got.ctypes.data % 64 == 8 * misalign
            assert same_bits(got, _core.kernel_unary(name, a, "scalar"))
        for name in BINARY:
            got = _core.kernel_binary(name, a, b, isa, misalign)
            assert same_ieee(got, _core.kernel_binary(name, a, b, "scalar"))
        for name in SCALAR:
            got = _core.kernel_scalar(name, a, -2.5, isa, misalign)
            assert same_ieee(got, _core.kernel_scalar(name, a, -2.5, "scalar"))
        for name in SCALAR2:
            got = _core.kernel_scalar2(name, a, -2.5, 0.75, isa, misalign)
            assert n == 0 or got.ctypes.data % 64 == 8 * misalign
            assert same_ieee(got, _core.kernel_scalar2(name, a, -2.5, 0.75, "scalar"))
            assert same_ieee(got, _two_kernels(name, a, -2.5, 0.75, "scalar"))
