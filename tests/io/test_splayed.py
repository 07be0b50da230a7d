"""Splayed tables: layout, memory mapping without copies, round trips, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from test_csv import PRICES, tables

from blawk.column import Column
from blawk.errors import IOFailure
from blawk.io_csv import load_csv
from blawk.io_splayed import load_splayed, save_splayed
from blawk.table import Table


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tables())
def test_round_trip_bit_exact(tmp_path_factory: pytest.TempPathFactory, t: Table) -> None:
    p = str(tmp_path_factory.mktemp("sp") / "t")
    back = load_splayed(save_splayed(t, p))
    assert back.equals(t)
    for name in t.names:
        assert np.array_equal(back[name].values.view(np.uint64)[t[name].is_valid()],
                              t[name].values.view(np.uint64)[t[name].is_valid()])


def test_layout(tmp_path: Path) -> None:
    t = Table({"a b/c": Column([1.0, None, -0.0]), "y": [float("nan"), 2.0, 3.0]},
              index=np.array(["2024-01-01", "2024-01-02", "2024-01-03"], "datetime64[D]"))
    p = Path(save_splayed(t, str(tmp_path / "t")))
    assert sorted(os.listdir(p)) == ["0.f64", "0.valid", "1.f64", "_index.i64", "_schema.json"]
    schema = json.loads((p / "_schema.json").read_text())
    assert schema["rows"] == 3 and schema["columns"][0]["name"] == "a b/c"
    assert schema["columns"][0]["nulls"] == 1 and "valid" not in schema["columns"][1]
    assert schema["index"] == {"name": "date", "kind": "date", "file": "_index.i64"}
    raw = np.fromfile(p / "0.f64", dtype="<f8")
    assert raw[0] == 1.0 and np.signbit(raw[2])
    assert np.fromfile(p / "0.valid", dtype="<u8").tolist() == [0b101]
    assert np.fromfile(p / "_index.i64", dtype="<i8").tolist() == [19723, 19724, 19725]


def test_memory_mapped_without_copies(tmp_path: Path) -> None:
    n = 2_000_000
    t = Table({f"c{i}": np.arange(n, dtype=np.float64) + i for i in range(4)})
    p = save_splayed(t, str(tmp_path / "big"))
    u = load_splayed(p)
    col = u["c2"]
    assert isinstance(col.values.base, np.memmap) and not col.values.flags.writeable
    assert col.values.ctypes.data % 64 == 0
    # opening maps the files (the memmap base above); nothing is read or copied
    assert col[n - 1] == n + 1.0 and (col * 2)[3] == 10.0
    assert load_splayed(p, columns=["c3"]).names == ["c3"]


def test_replace_and_refuse(tmp_path: Path) -> None:
    prices = load_csv(PRICES)
    p = str(tmp_path / "t")
    save_splayed(prices.head(3), p)
    save_splayed(prices, p)
    assert load_splayed(p).equals(prices)
    assert sorted(os.listdir(tmp_path)) == ["t"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    with pytest.raises(IOFailure, match="not a splayed table; refusing"):
        save_splayed(prices, str(other))
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(IOFailure, match="refusing"):
        save_splayed(prices, str(f))
    with pytest.raises(IOFailure, match="does not exist"):
        save_splayed(prices, str(tmp_path / "a" / "b"))


def test_failed_write_leaves_old_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prices = load_csv(PRICES)
    p = str(tmp_path / "t")
    save_splayed(prices.head(3), p)
    import blawk.io_splayed as sp

    calls = {"n": 0}
    real = sp._write

    def flaky(file: str, arr: np.ndarray, dtype: str) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real(file, arr, dtype)

    monkeypatch.setattr(sp, "_write", flaky)
    with pytest.raises(IOFailure, match="No space left"):
        save_splayed(prices, p)
    assert load_splayed(p).equals(prices.head(3))
    assert sorted(os.listdir(tmp_path)) == ["t"]


def test_bad_directories(tmp_path: Path) -> None:
    with pytest.raises(IOFailure, match="no such directory"):
        load_splayed(str(tmp_path / "none"))
    with pytest.raises(IOFailure, match="no _schema.json"):
        load_splayed(str(tmp_path))
    p = Path(save_splayed(load_csv(PRICES).head(5), str(tmp_path / "t")))
    (p / "1.f64").write_bytes(b"\0" * 8)
    with pytest.raises(IOFailure, match="1.f64 has 8 bytes, the schema needs 40"):
        load_splayed(str(p))
    (p / "1.f64").unlink()
    with pytest.raises(IOFailure, match="missing file 1.f64"):
        load_splayed(str(p))
    (p / "_schema.json").write_text("{not json")
    with pytest.raises(IOFailure, match="cannot read _schema.json"):
        load_splayed(str(p))
    (p / "_schema.json").write_text('{"format": "other"}')
    with pytest.raises(IOFailure, match="not a blawk-splayed schema"):
        load_splayed(str(p))
    with pytest.raises(IOFailure, match="no column 'zz'"):
        save_splayed(load_csv(PRICES).head(2), str(tmp_path / "u"))
        load_splayed(str(tmp_path / "u"), columns=["zz"])
