"""Parquet round trips (bit-exact), foreign files, errors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from test_csv import PRICES, tables

from blawk.errors import IOFailure, TypeMismatch
from blawk.io_csv import load_csv
from blawk.io_parquet import load_parquet, save_parquet
from blawk.table import Table


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tables())
def test_round_trip_bit_exact(tmp_path_factory: pytest.TempPathFactory, t: Table) -> None:
    p = str(tmp_path_factory.mktemp("pq") / "t.parquet")
    back = load_parquet(save_parquet(t, p))
    assert back.equals(t)


def test_nan_payloads_and_prices(tmp_path: Path) -> None:
    bits = np.array([0x7FF8000000000123, 0xFFF8000000000000, 0x8000000000000000],
                    dtype=np.uint64).view(np.float64)
    t = Table({"x": bits})
    back = load_parquet(save_parquet(t, str(tmp_path / "b.parquet")))
    assert np.array_equal(back["x"].values.view(np.uint64), bits.view(np.uint64))
    prices = load_csv(PRICES)
    p = save_parquet(prices, str(tmp_path / "p.parquet"))
    assert load_parquet(p).equals(prices)
    sub = load_parquet(p, columns=["ty", "px"])
    assert sub.names == ["ty", "px"] and sub.index_kind == "date"


def test_foreign_files(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1, 2, 3], "b": np.array([1.5, np.nan, 2.0], dtype=np.float32),
                       "c": [True, False, True]},
                      index=pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03"],
                                             name="day"))
    p = str(tmp_path / "pd.parquet")
    df.to_parquet(p)
    t = load_parquet(p)
    assert t.index_name == "day" and t.index_kind == "timestamp"  # pandas stores ns
    assert t["a"].to_list() == [1.0, 2.0, 3.0] and t["c"].to_list() == [1.0, 0.0, 1.0]
    plain = pa.table({"ts": pa.array([0, 10**9], pa.timestamp("s")), "v": [1.0, None]})
    pq.write_table(plain, str(tmp_path / "plain.parquet"))
    u = load_parquet(str(tmp_path / "plain.parquet"))
    assert u.index_kind == "timestamp" and u.index.tolist() == [0, 10**18]
    assert u["v"].to_list() == [1.0, None]
    strings = pa.table({"v": [1.0], "name": ["x"]})
    pq.write_table(strings, str(tmp_path / "s.parquet"))
    with pytest.raises(TypeMismatch, match="column 'name' is not numeric"):
        load_parquet(str(tmp_path / "s.parquet"))


def test_errors_and_atomicity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(IOFailure, match="no such file"):
        load_parquet(str(tmp_path / "none.parquet"))
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(IOFailure, match="cannot read as Parquet"):
        load_parquet(str(bad))
    with pytest.raises(IOFailure, match="no column 'zz'"):
        load_parquet(save_parquet(load_csv(PRICES), str(tmp_path / "ok.parquet")),
                     columns=["zz"])
    target = tmp_path / "t.parquet"
    target.write_bytes(b"old")

    def boom(tbl: object, where: str, **kw: object) -> None:
        Path(where).write_bytes(b"PAR1 partial")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(pq, "write_table", boom)
    with pytest.raises(IOFailure, match="Input/output error"):
        save_parquet(load_csv(PRICES), str(target))
    assert target.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["bad.parquet", "ok.parquet", "t.parquet"]
