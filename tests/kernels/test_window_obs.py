"""Observation-mode rolling windows (blawk_win_params.obs) in the kernels.

The contract: at a valid row the result is bit-identical to the ordinary op
run over the column compressed to its valid rows; a null row is null (value
0.0) and does not move the state.  So every test here compares against
``window_run`` on ``x[valid]`` (no bitmap), bit for bit, and checks that the
way the column is split (pieces, feed, a state started mid-column with
``first_row`` counted in observations) never changes a bit.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from conftest import same_bits
from test_window import KINDS, nulls, run, sample

from blawk import _core

WINDOWS = [1, 2, 5, 64, 1023, 1024, 1025, 5000]


def compressed(kind, x, valid, window, min_periods=1, ddof=1, past_only=False):
    """The ordinary op on the valid rows, scattered back (0.0 / null elsewhere)."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    out = np.zeros(n)
    ok = np.zeros(n, bool)
    v, vok = run(kind, x[valid], None, window, min_periods, ddof, past_only)
    out[valid] = v
    ok[valid] = vok
    return out, ok


def run_obs(kind, x, valid, window, min_periods=1, ddof=1, past_only=False, piece=0, feed=0):
    return _core.window_run(kind, np.asarray(x, dtype=np.float64), valid, window, min_periods,
                            ddof, past_only, piece, feed, True)


def assert_same(got, gok, want, wok, what):
    assert np.array_equal(gok, wok), what
    bad = np.flatnonzero(got.view(np.uint64) != want.view(np.uint64))
    assert same_bits(got, want), (what, bad[:5])


# ------------------------------------------------------ the identity, every kind


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("style", ["normal", "ints", "specials", "offset"])
def test_equals_compressed_column(isa: str, kind: str, style: str) -> None:
    """Every kind, past_only or not, nulls/NaN/+-inf/-0.0, windows shorter and
    longer than the data, min_periods below and above the window: bit-identical
    to the op on the compressed column."""
    rng = np.random.default_rng(zlib.crc32(f"obs/{kind}/{style}".encode()))
    for n in (0, 1, 2, 65, 1500):
        x = sample(rng, n, style)
        if style == "specials" and n >= 2:
            x[:2] = [-0.0, 0.0]
        for pattern in ("none", "all", "null", "sparse", "mixed"):
            v = nulls(rng, n, pattern)
            for k, window in enumerate(WINDOWS):
                if n < 100 and window in (1023, 1025):
                    continue
                minp = (1, 2, window, window + 3)[k % 4]
                past = (k + len(pattern)) % 2 == 1
                got, gok = run_obs(kind, x, v, window, minp, past_only=past)
                want, wok = compressed(kind, x, v, window, minp, past_only=past)
                assert_same(got, gok, want, wok, (n, pattern, window, minp, past))
                if v is not None:  # null rows: null, 0.0
                    assert not gok[~v].any() and not got[~v].any()


@pytest.mark.parametrize("kind", ["var", "std", "zscore"])
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_ddof(kind: str, ddof: int) -> None:
    rng = np.random.default_rng(ddof + 40)
    x = rng.standard_normal(700)
    v = nulls(rng, 700, "mixed")
    for window, minp in ((2, 1), (5, 5), (30, 3)):
        for past in (False, True):
            got, gok = run_obs(kind, x, v, window, minp, ddof, past)
            want, wok = compressed(kind, x, v, window, minp, ddof, past)
            assert_same(got, gok, want, wok, (window, minp, past))


def test_without_bitmap_is_the_plain_op() -> None:
    rng = np.random.default_rng(3)
    x = sample(rng, 2100, "specials")
    for kind in KINDS:
        for past in (False, True):
            got, gok = run_obs(kind, x, None, 20, 3, past_only=past)
            want, wok = run(kind, x, None, 20, 3, past_only=past)
            assert_same(got, gok, want, wok, (kind, past))
            allv, aok = run_obs(kind, x, np.ones(2100, bool), 20, 3, past_only=past)
            assert_same(allv, aok, want, wok, (kind, past, "all-valid bitmap"))


def test_known_values() -> None:
    x = [1.0, 9.0, 3.0, 9.0, 5.0, 7.0]
    v = np.array([True, False, True, False, True, True])
    got, ok = run_obs("mean", x, v, 2, 2)
    assert ok.tolist() == [False, False, True, False, True, True]
    assert got.tolist() == [0.0, 0.0, 2.0, 0.0, 4.0, 6.0]
    got, ok = run_obs("sum", x, v, 2, 1, past_only=True)  # the 2 observations before
    assert ok.tolist() == [False, False, True, False, True, True]
    assert got.tolist() == [0.0, 0.0, 1.0, 0.0, 4.0, 8.0]
    got, ok = run_obs("count", x, v, 3)  # count is null at the null rows
    assert ok.tolist() == v.tolist() and got.tolist() == [1.0, 0.0, 2.0, 0.0, 3.0, 3.0]
    got, ok = run_obs("count", x, v, 3, past_only=True)
    assert got.tolist() == [0.0, 0.0, 1.0, 0.0, 2.0, 3.0] and ok.tolist() == v.tolist()
    got, ok = run_obs("max", [-0.0, 5.0, 0.0], np.array([True, False, True]), 2)
    assert ok.tolist() == [True, False, True]
    assert same_bits(got, np.array([-0.0, 0.0, 0.0]))  # max(-0.0, +0.0) = +0.0


def test_long_null_runs_do_not_age_the_window() -> None:
    """Observations thousands of rows apart stay in the same window."""
    n = 10_000
    x = np.arange(n, dtype=np.float64)
    v = np.zeros(n, bool)
    v[[3, 2500, 2501, 7000, 9999]] = True
    got, ok = run_obs("mean", x, v, 3, 3)
    assert np.flatnonzero(ok).tolist() == [2501, 7000, 9999]
    assert got[2501] == (3 + 2500 + 2501) / 3 and got[7000] == (2500 + 2501 + 7000) / 3
    got, ok = run_obs("min", x, v, 2, 1, past_only=True)
    assert got[v].tolist() == [0.0, 3.0, 3.0, 2500.0, 2501.0]
    assert ok[v].tolist() == [False, True, True, True, True]


# ------------------------------------------------------------ splitting


@pytest.mark.parametrize("kind", KINDS)
def test_pieces_and_feed_give_identical_bits(kind: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"pieces/{kind}".encode()))
    n = 3000
    x = sample(rng, n, "specials")
    x[rng.integers(0, n, 30)] = x[0]  # repeats for the constant tracker
    v = nulls(rng, n, "mixed")
    v[1100:2200] = False  # whole all-null blocks
    v[2300:2400] = True
    for window, past in ((1, False), (5, True), (64, False), (333, True), (1024, False)):
        whole, wok = run_obs(kind, x, v, window, 2, past_only=past)
        for piece in (1, 7, 64, 1000, 1024, 1500):
            if piece == 1 and window != 5:
                continue  # pieces of 1 cost a Python call per row
            got, gok = run_obs(kind, x, v, window, 2, past_only=past, piece=piece)
            assert_same(got, gok, whole, wok, (window, piece))
        for feed in (1, 100, 1024, 1150, 2999):
            got, gok = run_obs(kind, x, v, window, 2, past_only=past, piece=512, feed=feed)
            assert_same(got, gok, whole[feed:], wok[feed:], (window, feed))


@pytest.mark.parametrize("kind", KINDS)
def test_values_only(kind: str) -> None:
    """out_valid = NULL: the same values."""
    rng = np.random.default_rng(6)
    x = sample(rng, 2500, "specials")
    v = nulls(rng, 2500, "mixed")
    whole, _ = run_obs(kind, x, v, 30, 3)
    s = _core.WindowState(kind, 30, 3, 1, False, 0, True)
    got = np.concatenate([s.block(x[a : a + 1100], v[a : a + 1100], values_only=True)[0]
                          for a in range(0, 2500, 1100)])
    assert same_bits(got, whole)


@pytest.mark.parametrize("kind", KINDS)
def test_state_started_mid_column(kind: str) -> None:
    """first_row counts observations: a state made at observation number k,
    fed from the valid row that is observation k up to row r, gives the bits
    of the single pass from row r on (the halo rule of window.h, in
    observations)."""
    rng = np.random.default_rng(14)
    n = 3000
    x = sample(rng, n, "specials")
    x[700:760] = 2.5  # a constant stretch
    v = nulls(rng, n, "mixed")
    v[1500:1620] = False
    before = np.concatenate([[0], np.cumsum(v)])  # observations before each row
    obs_rows = np.flatnonzero(v)
    for window, past in ((7, False), (64, True), (100, False)):
        whole, wok = run_obs(kind, x, v, window, 3, past_only=past)
        for r in (0, 5, 64, 1000, 1610, 2999):
            k = max(int(before[r]) - window, 0)  # the first observation the halo needs
            first = int(obs_rows[k]) if k < len(obs_rows) else r
            first = min(first, r)
            s = _core.WindowState(kind, window, 3, 1, past, k, True)
            s.feed(x[first:r], v[first:r])
            got, gok = s.block(x[r:], v[r:])
            assert_same(got, gok, whole[r:], wok[r:], (window, r))
