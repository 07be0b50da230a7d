"""Joins: as-of, exact right (mapr), left (lj) against a naive reference and pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import blawk.joins as joins
from blawk.column import Column
from blawk.errors import BadParameter, TypeMismatch
from blawk.joins import aj, lj, mapr, search_right
from blawk.table import Table


def naive(left_keys: list[int], right_keys: list[int], asof: bool) -> list[int]:
    out = []
    for k in right_keys:
        found = -1
        for j, lk in enumerate(left_keys):
            if (lk <= k) if asof else (lk == k):
                found = j  # the last one wins
        out.append(found)
    return out


def expected(values: list[float | None], pos: list[int]) -> list[float | None]:
    return [values[p] if p >= 0 else None for p in pos]


keys = st.lists(st.integers(0, 30), max_size=25)


@settings(max_examples=80, deadline=None)
@given(lk=keys, rk=keys, data=st.data())
def test_against_naive(lk: list[int], rk: list[int], data: st.DataObject) -> None:
    lk = sorted(lk)
    lvals = data.draw(st.lists(st.one_of(st.none(), st.floats(-5, 5)), min_size=len(lk),
                               max_size=len(lk)))
    rvals = [float(i) for i in range(len(rk))]
    left = Table({"v": Column(lvals)}, np.array(lk, np.int64), index_kind="date")
    right = Table({"w": rvals}, np.array(rk, np.int64), index_kind="date")
    a = aj(left, right)
    assert a.names == ["v", "w"] and a.index.tolist() == rk
    assert a["v"].to_list() == expected(lvals, naive(lk, rk, True))
    assert a["w"].to_list() == rvals
    assert mapr(left, right)["v"].to_list() == expected(lvals, naive(lk, rk, False))
    right_sorted = Table({"w": rvals}, np.array(sorted(rk), np.int64), index_kind="date")
    j = lj(right_sorted, left)
    assert j.index.tolist() == sorted(rk)
    assert j["v"].to_list() == expected(lvals, naive(lk, sorted(rk), False))


def test_unsorted_lookup_side() -> None:
    left = Table({"v": [1.0, 2.0, 3.0]}, np.array(["2024-01-03", "2024-01-01", "2024-01-02"],
                                                  "datetime64[D]"))
    right = Table({"w": [9.0]}, np.array(["2024-01-02"], "datetime64[D]"))
    with pytest.raises(BadParameter, match=r"left table's index is not sorted: row 1 "
                                           r"\(2024-01-01\) comes after row 0 \(2024-01-03\)"):
        aj(left, right)
    assert aj(left, right, sort=True)["v"].to_list() == [3.0]
    with pytest.raises(BadParameter, match="right table's index is not sorted"):
        lj(right, left)
    assert lj(right, left, sort=True)["v"].to_list() == [3.0]
    # the driving side may be unsorted
    back = Table({"w": [1.0, 2.0]}, np.array(["2024-01-05", "2023-01-01"], "datetime64[D]"))
    assert aj(left.sort_by(), back)["v"].to_list() == [1.0, None]


def test_suffixes_kinds_and_errors() -> None:
    d = Table({"px": [1.0, 2.0]}, np.array(["2024-01-01", "2024-01-02"], "datetime64[D]"))
    ts = Table({"px": [5.0, 6.0]}, np.array(["2024-01-01T12:00", "2024-01-02T00:00"],
                                            "datetime64[ns]"))
    r = aj(d, ts)
    assert r.names == ["px_left", "px_right"] and r.index_kind == "timestamp"
    assert r["px_left"].to_list() == [1.0, 2.0]
    assert mapr(d, ts)["px_left"].to_list() == [None, 2.0]
    assert lj(d, ts, suffixes=("", "_q")).names == ["px", "px_q"]
    with pytest.raises(BadParameter, match="suffixes"):
        aj(d, ts, suffixes=("x", "x"))
    with pytest.raises(BadParameter, match="no date or timestamp index"):
        aj(Table({"a": [1.0]}), d)
    with pytest.raises(TypeMismatch, match="right must be a table"):
        aj(d, 3)  # type: ignore[arg-type]
    empty = Table({"q": Column([])}, np.zeros(0, np.int64), index_kind="date")
    assert aj(empty, d)["q"].to_list() == [None, None]
    assert len(aj(d, empty)) == 0


def test_big_against_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    n = 200_000
    lk = np.sort(rng.integers(0, 10**12, n))
    rk = np.sort(rng.integers(0, 10**12, n))
    lv = rng.standard_normal(n)
    ok = rng.random(n) > 0.1
    left = Table({"a": Column(lv, valid=ok)}, lk, index_kind="timestamp")
    right = Table({"b": rng.standard_normal(n)}, rk, index_kind="timestamp")
    got = aj(left, right)
    want = pd.merge_asof(right.to_pandas(), left.to_pandas(), left_index=True, right_index=True)
    assert np.array_equal(got["a"].to_numpy(), want["a"].to_numpy(), equal_nan=True)
    assert np.array_equal(search_right(lk, rk), np.searchsorted(lk, rk, side="right"))
    monkeypatch.setattr(joins, "_threads", lambda: 1)
    assert np.array_equal(search_right(lk, rk), np.searchsorted(lk, rk, side="right"))
    shuffled = rng.permutation(rk)
    assert np.array_equal(search_right(lk, shuffled), np.searchsorted(lk, shuffled, "right"))


def test_big_exact_joins_threads_and_sort() -> None:
    """Big tables with duplicate keys, an unsorted driving side and misses: mapr and
    lj against pandas, aj against searchsorted, the same tables for 1 and 2 threads."""
    import blawk

    rng = np.random.default_rng(8)
    n = 300_000
    lk = np.sort(rng.integers(0, 600_000, n))
    rk = rng.integers(-5, 600_005, n)
    lv = rng.standard_normal(n)
    left = Table({"v": lv}, lk, index_kind="timestamp")
    right = Table({"w": rng.standard_normal(n)}, rk, index_kind="timestamp")
    last_row = pd.Series(np.arange(n), index=lk).groupby(level=0).last()
    want = last_row.reindex(rk).to_numpy()  # the last left row of each key, NaN if absent
    hit = ~np.isnan(want)
    exact_vals = np.where(hit, lv[np.where(hit, want, 0).astype(np.int64)], np.nan)
    asof = np.searchsorted(lk, rk, side="right") - 1
    asof_vals = np.where(asof >= 0, lv[np.maximum(asof, 0)], np.nan)
    shuffled = rng.permutation(n)
    left_unsorted = Table({"v": lv[shuffled]}, lk[shuffled], index_kind="timestamp")
    try:
        results = []
        for threads in (1, 2):
            blawk.set_threads(threads)
            m = mapr(left, right)
            assert np.array_equal(m["v"].to_numpy(), exact_vals, equal_nan=True)
            assert m["v"].null_count == int(np.count_nonzero(~hit))
            a = aj(left, right)
            assert np.array_equal(a["v"].to_numpy(), asof_vals, equal_nan=True)
            j = lj(right, left)
            assert np.array_equal(j["v"].to_numpy(), exact_vals, equal_nan=True)
            # sort=True: the stable sort keeps the last of equal keys where it was
            s = mapr(left_unsorted, right, sort=True)
            key_rows = pd.Series(lv[shuffled], index=lk[shuffled]).groupby(level=0).last()
            assert np.array_equal(s["v"].to_numpy(), key_rows.reindex(rk).to_numpy(),
                                  equal_nan=True)
            results.append((m, a, j, s))
        for x, y in zip(results[0], results[1], strict=True):
            assert x.equals(y)
    finally:
        blawk.set_threads(None)
