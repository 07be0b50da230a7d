"""Row matching of the joins (csrc/join.c) against numpy searchsorted.

* join_rows(keys, find, exact): for each find[j], the last row of the sorted
  keys with key <= find[j] (as-of) or key == find[j] (exact), -1 for none,
  plus the number of -1s; find in any order;
* every path of the kernel: the window step, galloping (short and far gaps),
  the tail near the end of the keys, out-of-order driving keys, thread
  ranges; the same rows for every thread count;
* unsorted_at: the first row smaller than the one before it, 0 if sorted, on
  every ISA (the scalar scan works without a 64-bit compare).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blawk import _core

I64 = np.iinfo(np.int64)


def reference(keys: np.ndarray, find: np.ndarray, exact: bool) -> np.ndarray:
    pos = np.searchsorted(keys, find, side="right").astype(np.int64) - 1
    if exact:
        hit = pos >= 0
        hit[hit] = keys[pos[hit]] == find[hit]
        pos[~hit] = -1
    return pos


def check(keys, find, threads=(1, 2, 3)) -> None:
    keys = np.asarray(keys, dtype=np.int64)
    find = np.asarray(find, dtype=np.int64)
    for exact in (False, True):
        want = reference(keys, find, exact)
        for t in threads:
            got, missing = _core.join_rows(keys, find, exact, t)
            assert got.dtype == np.int64 and got.shape == find.shape
            np.testing.assert_array_equal(got, want, err_msg=f"exact={exact} threads={t}")
            assert missing == int(np.count_nonzero(want < 0))


def keys_with_dups(rng: np.random.Generator, n: int, hi: int) -> np.ndarray:
    return np.sort(rng.integers(0, hi, n))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 8, 9, 100, 5000])
@pytest.mark.parametrize("m", [0, 1, 2, 7, 100, 5000])
def test_small_and_edge_sizes(n: int, m: int) -> None:
    rng = np.random.default_rng(n * 1000 + m)
    for hi in (3, 50, 10**6):  # many duplicates, some, almost none
        keys = keys_with_dups(rng, n, hi)
        find = rng.integers(-2, hi + 2, m)
        check(keys, find)  # unsorted driving keys
        check(keys, np.sort(find))
        check(keys, np.sort(find)[::-1].copy())  # descending: every key out of order


@pytest.mark.parametrize("ratio", [1 / 64, 1 / 8, 1 / 2, 1, 2, 8, 64, 1000, 20000])
def test_sorted_sides_of_every_ratio(ratio: float) -> None:
    """Window steps, gallops of every length (beyond 4096 keys: the far search)."""
    rng = np.random.default_rng(int(ratio * 1000))
    n = 200_000 if ratio >= 1 else 5_000
    m = max(1, int(n / ratio))
    keys = keys_with_dups(rng, n, 10**12)
    check(keys, np.sort(rng.integers(-10, 10**12 + 10, m)))
    # driving keys that are lookup keys (exact hits), with duplicates
    hits = np.sort(rng.choice(keys, m))
    check(keys, hits)


def test_clustered_keys() -> None:
    """Long runs of equal keys and big jumps: the last of equal keys is found."""
    keys = np.repeat(np.array([-(10**15), -5, 0, 7, 10**6, 10**15]), [1, 9000, 3, 5000, 1, 7])
    find = np.array([-(10**16), -(10**15), -6, -5, -4, 0, 6, 7, 8, 10**6, 10**15, 10**16])
    check(keys, find)
    check(keys, np.repeat(find, 3000))
    check(keys, np.random.default_rng(3).permutation(np.repeat(find, 3000)))


def test_all_before_all_after_and_empty() -> None:
    keys = np.arange(100, 200, dtype=np.int64)
    check(keys, np.arange(0, 100))  # every driving key before the first lookup key
    check(keys, np.arange(200, 300))  # every one after the last
    check(keys, np.full(10, 199))
    check(np.zeros(0, np.int64), np.arange(10))
    check(keys, np.zeros(0, np.int64))
    check(np.zeros(0, np.int64), np.zeros(0, np.int64))
    got, missing = _core.join_rows(keys, np.arange(0, 50), False, 1)
    assert missing == 50 and (got == -1).all()
    got, missing = _core.join_rows(keys, np.arange(300, 350), True, 1)
    assert missing == 50 and (got == -1).all()


def test_int64_extremes() -> None:
    lo, hi = I64.min, I64.max
    keys = np.array([lo, lo, lo + 1, -1, 0, 1, hi - 1, hi, hi], dtype=np.int64)
    find = np.array([lo, lo + 1, lo + 2, -2, -1, 0, 1, 2, hi - 2, hi - 1, hi], dtype=np.int64)
    check(keys, find)
    check(keys, find[::-1].copy())
    check(np.array([hi], np.int64), find)
    check(np.array([lo], np.int64), find)
    check(np.full(5000, hi, np.int64), np.full(7, hi, np.int64))
    check(np.full(5000, lo, np.int64), np.full(7, lo, np.int64))


def test_threads_give_the_same_rows() -> None:
    """Ranges of at least 65536 driving keys per thread; each starts with a search."""
    rng = np.random.default_rng(12)
    keys = keys_with_dups(rng, 300_000, 10**9)
    for find in (np.sort(rng.integers(0, 10**9, 400_000)),
                 rng.integers(0, 10**9, 400_000),
                 np.sort(rng.choice(keys, 400_000))):
        for exact in (False, True):
            want, wmiss = _core.join_rows(keys, find, exact, 1)
            np.testing.assert_array_equal(want, reference(keys, find, exact))
            for t in (2, 3, 4, 7, 64, 1000, 0, -3):
                got, miss = _core.join_rows(keys, find, exact, t)
                np.testing.assert_array_equal(got, want)
                assert miss == wmiss


def test_nearly_sorted_driving_side() -> None:
    """A sorted driving side with a few keys out of place: merges restart after each."""
    rng = np.random.default_rng(5)
    keys = keys_with_dups(rng, 100_000, 10**8)
    find = np.sort(rng.integers(0, 10**8, 150_000))
    swap = rng.integers(0, len(find), 300)
    find[swap] = rng.integers(0, 10**8, 300)
    check(keys, find)


def test_wrong_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        _core.join_rows(np.arange(10, dtype=np.int32), np.arange(3), False, 1)
    with pytest.raises(ValueError):  # a strided view: the caller makes keys contiguous
        _core.join_rows(np.arange(10)[::2], np.arange(3), False, 1)


int64s = st.integers(int(I64.min), int(I64.max))
smalls = st.integers(-20, 20)


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(st.one_of(smalls, int64s), max_size=60),
       find=st.lists(st.one_of(smalls, int64s), max_size=60),
       sort_find=st.booleans(), threads=st.integers(1, 4))
def test_property_against_searchsorted(keys, find, sort_find, threads) -> None:
    k = np.sort(np.array(keys, dtype=np.int64))
    f = np.array(find, dtype=np.int64)
    if sort_find:
        f = np.sort(f)
    check(k, f, threads=(threads,))


@settings(max_examples=100, deadline=None)
@given(keys=st.lists(st.integers(0, 300), min_size=1, max_size=3000),
       find=st.lists(st.integers(-5, 305), max_size=300))
def test_property_dense_duplicates(keys, find) -> None:
    """Many equal keys: the answer is the last of a run, found by window or gallop."""
    k = np.sort(np.array(keys, dtype=np.int64))
    f = np.array(find, dtype=np.int64)
    check(k, f, threads=(1,))
    check(k, np.sort(f), threads=(1,))


# ------------------------------------------------------------------ unsorted_at


def unsorted_ref(x: np.ndarray) -> int:
    bad = np.flatnonzero(x[1:] < x[:-1])
    return int(bad[0]) + 1 if len(bad) else 0


@pytest.mark.usefixtures("isa")
def test_unsorted_at_finds_the_first_descent() -> None:
    assert _core.unsorted_at(np.zeros(0, np.int64)) == 0
    assert _core.unsorted_at(np.array([5], np.int64)) == 0
    assert _core.unsorted_at(np.array([5, 5, 5], np.int64)) == 0
    assert _core.unsorted_at(np.array([5, 4], np.int64)) == 1
    n = 3 * 4096 + 17
    x = np.arange(n, dtype=np.int64) * 3
    assert _core.unsorted_at(x) == 0
    # a descent at every kind of place: first row, block and vector edges, last row
    for i in (1, 2, 3, 4, 5, 8, 9, 4095, 4096, 4097, 8192, 8193, n - 2, n - 1):
        y = x.copy()
        y[i] = y[i - 1] - 1
        assert _core.unsorted_at(y) == i == unsorted_ref(y)
        z = x.copy()  # two descents: the first one counts
        z[i] = z[i - 1] - 1
        z[n - 1] = -10
        assert _core.unsorted_at(z) == unsorted_ref(z)


@pytest.mark.usefixtures("isa")
def test_unsorted_at_int64_extremes() -> None:
    """x[i] - x[i-1] overflows at the extremes: the scan must not be fooled by it."""
    lo, hi = I64.min, I64.max
    assert _core.unsorted_at(np.array([lo, hi], np.int64)) == 0
    assert _core.unsorted_at(np.array([hi, lo], np.int64)) == 1
    assert _core.unsorted_at(np.array([lo, lo, -1, 0, hi, hi], np.int64)) == 0
    assert _core.unsorted_at(np.array([-1, hi, lo], np.int64)) == 2
    assert _core.unsorted_at(np.array([0, 1, hi, -1], np.int64)) == 3
    assert _core.unsorted_at(np.array([lo, 1, 0], np.int64)) == 2
    long = np.full(9000, lo, np.int64)
    long[5000:] = hi
    assert _core.unsorted_at(long) == 0
    long[7777] = lo
    assert _core.unsorted_at(long) == 7777


@pytest.mark.usefixtures("isa")
@settings(max_examples=200, deadline=None)
@given(x=st.lists(st.one_of(st.integers(-3, 3), int64s), max_size=40),
       sort_it=st.booleans())
def test_unsorted_at_property(x, sort_it) -> None:
    a = np.array(x, dtype=np.int64)
    if sort_it:
        a = np.sort(a)
    assert _core.unsorted_at(a) == unsorted_ref(a)
