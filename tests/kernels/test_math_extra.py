"""floor ceil sign log1p expm1 log10 log2 round pow mod min2 max2: every ISA vs numpy."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EDGE_LENGTHS, ISAS, random_mixed, same_ieee

import blawk
from blawk import _core

UNARY = {"floor": np.floor, "ceil": np.ceil, "sign": None, "log1p": np.log1p,
         "expm1": np.expm1, "log10": np.log10, "log2": np.log2}
BINARY = {"pow": np.power, "mod": np.mod, "min2": np.minimum, "max2": np.maximum}


def np_sign(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, 1.0, np.where(x < 0, -1.0, x))  # keeps +-0 and NaN


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("n", EDGE_LENGTHS[:12])
def test_unary_vs_numpy(isa: str, name: str, n: int) -> None:
    x = random_mixed(np.random.default_rng(n), n)
    got = _core.kernel_unary(name, x, isa)
    with np.errstate(all="ignore"):
        want = np_sign(x) if name == "sign" else UNARY[name](x)
    assert same_ieee(got, _core.kernel_unary(name, x, "scalar"))
    if name in ("floor", "ceil", "sign"):
        assert same_ieee(got, want)
    else:  # libm vs numpy's own implementations: within an ULP or two
        np.testing.assert_allclose(got, want, rtol=4e-16, atol=0, equal_nan=True)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_vs_numpy(isa: str, name: str) -> None:
    rng = np.random.default_rng(9)
    a, b = random_mixed(rng, 500), random_mixed(rng, 500)
    if name == "pow":
        with np.errstate(all="ignore"):
            a, b = np.abs(a) % 50, rng.uniform(-5, 5, 500)
    got = _core.kernel_binary(name, a, b, isa)
    with np.errstate(all="ignore"):
        want = BINARY[name](a, b)
    assert same_ieee(got, _core.kernel_binary(name, a, b, "scalar"))
    if name == "pow":
        np.testing.assert_allclose(got, want, rtol=4e-16, equal_nan=True)
    else:
        nz = ~((a == 0) & (b == 0))  # min/max of +-0 pairs: sign not specified
        assert same_ieee(got[nz], want[nz])


def test_round_half_even_like_numpy() -> None:
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 2.675, 1234.5678, -0.0, np.nan, np.inf])
    for d in (0, 1, 2, -2):
        got = blawk.compute(blawk.col("x").round(d), x=x)
        assert same_ieee(got.values, np.round(x, d))


def test_clip_and_errors() -> None:
    c = blawk.Column([-5.0, 0.5, float("nan"), 9.0])
    got = blawk.clip(c, 0, 1).to_list()
    assert got[0] == 0.0 and got[1] == 0.5 and got[2] != got[2] and got[3] == 1.0
    with pytest.raises(blawk.BadParameter, match="lo must be <= hi"):
        blawk.clip(c, 2, 1)
    with pytest.raises(blawk.BadParameter, match="digits"):
        blawk.round(c, 0.5)


@pytest.mark.parametrize("isa", ISAS)
def test_vector_minmax_sign_round_same_bits(isa: str) -> None:
    """sign, min/max (two columns, and with a scalar) and round are per-ISA
    vector loops: the bits of the scalar build (NaN payloads: the first NaN
    operand comes out; equal values, +-0 included, give the first operand),
    every tail length; and numpy's where numpy decides."""
    from conftest import ieee_specials, same_bits

    rng = np.random.default_rng(12)
    sp = ieee_specials()
    for n in range(0, 40):
        a = np.where(rng.random(n) < 0.3, rng.choice(sp, n), random_mixed(rng, n))
        b = np.where(rng.random(n) < 0.3, rng.choice(sp, n), random_mixed(rng, n))
        sign = _core.kernel_unary("sign", a, isa)
        assert same_bits(sign, _core.kernel_unary("sign", a, "scalar"))
        for name in ("min2", "max2"):
            got = _core.kernel_binary(name, a, b, isa)
            assert same_bits(got, _core.kernel_binary(name, a, b, "scalar"))
            want = np.where(np.isnan(a), a, np.where(np.isnan(b), b, np.where(
                (a <= b) if name == "min2" else (a >= b), a, b)))
            assert same_bits(got, want)
        for name in ("min_s", "max_s", "round_s"):
            for s in ([-0.0, 0.0, 1.5, np.nan, -np.inf] if name != "round_s" else [0, 2, -1]):
                got = _core.kernel_scalar(name, a, s, isa)
                assert same_bits(got, _core.kernel_scalar(name, a, s, "scalar")), (name, s)
