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
NT_ISAS = [f"{i}_nt" for i in ISAS if i != "scalar"]


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
