"""blawk's asv benchmark suite: blawk against the tools a user would otherwise pick.

Shared helpers for the bench_*.py modules.  Everything here is cheap to call
repeatedly: asv (asv_runner >= 0.3) re-runs a benchmark's ``setup`` before
every timed call, so inputs and output buffers are built once per process and
cached here.

Every competitor runs single-threaded (numexpr via ``set_num_threads(1)`` in
setup, polars via ``POLARS_MAX_THREADS=1`` before it is first imported), so the
ratios compare one core against one core.
"""

from __future__ import annotations

import os

import numpy as np

# Must be set before polars is imported anywhere in this process.
os.environ.setdefault("POLARS_MAX_THREADS", "1")

SEED = 20240601

# The sizes every elementwise/lag benchmark runs at.
SIZES = [1_000, 100_000, 1_000_000, 10_000_000]

_prices: dict[int, np.ndarray] = {}
_buffers: dict[tuple[str, int], np.ndarray] = {}
_objects: dict[object, object] = {}


def prices(n: int) -> np.ndarray:
    """A seeded random-walk price series, 100*exp(cumsum(0.01*N(0,1))): all > 0.

    The same n gives the same array (cached; treat it as read-only).
    """
    x = _prices.get(n)
    if x is None:
        rng = np.random.default_rng(SEED)
        x = 100.0 * np.exp(np.cumsum(0.01 * rng.standard_normal(n)))
        x.setflags(write=False)
        _prices[n] = x
    return x


def buffer(name: str, n: int) -> np.ndarray:
    """A preallocated float64 output buffer of length n (cached by name and n).

    Touched once (filled with zeros) so that no page fault lands inside a
    timed call.
    """
    key = (name, n)
    b = _buffers.get(key)
    if b is None:
        b = np.zeros(n)
        _buffers[key] = b
    return b


def cached(key: object, make):
    """make() once per process per key; later calls return the same object."""
    try:
        return _objects[key]
    except KeyError:
        obj = _objects[key] = make()
        return obj


def number_for(n: int) -> int:
    """Calls per timing sample for an O(n) benchmark: ~2e6 elements per sample.

    asv_runner >= 0.3 times each call on its own when ``setup`` exists (two
    clock reads per call), older versions time the batch; either way a small
    n gets enough calls per sample for a stable mean.
    """
    return max(1, 2_000_000 // n)


def numexpr_single_thread():
    """Import numexpr pinned to one thread; NotImplementedError (asv: skip) if absent."""
    try:
        import numexpr as ne
    except ImportError as exc:
        raise NotImplementedError("numexpr is not installed") from exc
    ne.set_num_threads(1)
    return ne


def optional(module: str):
    """Import a competitor; NotImplementedError (asv: skip) if it is not installed."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise NotImplementedError(f"{module} is not installed") from exc


def blawk_threads(threads: int = 1):
    """blawk with its VM pinned to `threads` (one core against one core by default)."""
    import blawk

    blawk.set_threads(threads)
    return blawk


class PassTiming:
    """asv timing for the whole-column pipeline and op suites (about 5 calls a sample)."""

    repeat = (3, 10, 2.0)
    min_run_count = 2
    warmup_time = 0.05
    rounds = 2
    number = 5
    timeout = 300
