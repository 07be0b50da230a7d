"""Shared fixtures: run a test once per instruction set this CPU supports."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from hypothesis import settings

import blawk
from blawk import _core

# Property tests draw new examples on every run, which keeps exploring; CI
# (BLAWK_CI=1, set by .ci/run) draws the same ones every time, so a landing
# never depends on a lucky draw.  A failure found while exploring becomes a
# fixed test case.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("BLAWK_CI"):
    settings.load_profile("ci")

ISAS = _core.available_isas()


@pytest.fixture(autouse=True, scope="session")
def _thread_even_small_work():
    """Tests use small columns: let the VM start threads for any amount of work
    (by default it needs an estimated 30 us per thread), so that every test
    that asks for threads gets them.  tests/test_vm.py checks the default."""
    before = _core.set_thread_min_ns(0)
    yield
    _core.set_thread_min_ns(before)


@pytest.fixture(params=ISAS)
def isa(request: pytest.FixtureRequest):
    """Make `request.param` the active ISA for the test, then restore."""
    before = blawk.isa()
    blawk.set_isa(request.param)
    try:
        yield request.param
    finally:
        blawk.set_isa(before)


# lengths that straddle SIMD widths, bitmap words and VM blocks
B = blawk.BLOCK_SIZE
EDGE_LENGTHS = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 129, B - 1, B, B + 1,
                2 * B + 63, 3000]


def ieee_specials() -> np.ndarray:
    """NaN (quiet, negative, with payload), +-inf, +-0, subnormals, extremes."""
    bits = np.array([0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000000123],
                    dtype=np.uint64).view(np.float64)
    return np.concatenate([bits, np.array([
        np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308,
        1.7976931348623157e308, -1.7976931348623157e308, 1.0, -1.0, 0.5, 2.0, 1e-300, 1e300,
    ])])


def random_mixed(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random finite values of mixed magnitude and sign, sprinkled with specials."""
    x = rng.standard_normal(n) * np.exp(rng.uniform(-50, 50, n))
    if n:
        sp = ieee_specials()
        idx = rng.integers(0, n, size=max(1, n // 16))
        x[idx] = sp[rng.integers(0, len(sp), size=len(idx))]
    return x


def random_validity(rng: np.random.Generator, n: int, kind: str) -> np.ndarray | None:
    """Validity patterns: none (no bitmap), all-valid words, all-null, mixed, sparse."""
    if kind == "none":
        return None
    if kind == "all":
        return np.ones(n, dtype=bool)
    if kind == "null":
        return np.zeros(n, dtype=bool)
    if kind == "mixed":
        v = rng.random(n) > 0.3
        # whole words all-valid and all-null next to mixed ones
        for w in range(0, n, 192):
            v[w : w + 64] = True
            v[w + 64 : w + 128] = False
        return v
    return rng.random(n) > 0.02  # sparse nulls


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-identical float arrays (NaN payloads, signed zeros included)."""
    return a.shape == b.shape and bool(np.array_equal(bits(a), bits(b)))


def same_ieee(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-identical, except that any NaN equals any NaN.

    IEEE 754 leaves the payload (and sign) of a NaN produced from NaN operands
    unspecified, and compilers may swap the operands of + and *; everything
    else -- signed zeros, infinities, every finite bit -- must match exactly.
    """
    if a.shape != b.shape:
        return False
    na, nb = np.isnan(a), np.isnan(b)
    return bool(np.array_equal(na, nb)) and same_bits(a[~na], b[~nb])


# A Python command for subprocess tests that imports the *installed* blawk even
# when run from the repository root (whose blawk/ has no compiled _core unless
# the install is editable): -P keeps the current directory off sys.path.
PYTHON = [sys.executable, "-P"] if sys.version_info >= (3, 11) else [sys.executable]
