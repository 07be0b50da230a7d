"""Arrow PyCapsule interface (pyarrow, polars) and pandas, both directions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from test_csv import PRICES

from blawk.column import Column
from blawk.errors import BadParameter, TypeMismatch
from blawk.interop import from_pandas, to_pandas
from blawk.io_csv import load_csv
from blawk.table import Table

pl = pytest.importorskip("polars")


def test_column_export_is_zero_copy() -> None:
    c = Column([1.0, None, float("nan"), -0.0] * 20)
    a = pa.array(c)
    assert a.type == pa.float64() and a.null_count == 20
    assert a.buffers()[1].address == c.values.ctypes.data
    assert a.buffers()[0].address == c.validity.ctypes.data  # type: ignore[union-attr]
    assert a.to_pylist()[:2] == [1.0, None] and np.signbit(a.to_pylist()[3])
    s = pl.Series(c)
    assert s.null_count() == 20 and s.dtype == pl.Float64
    assert pa.array(Column([])).to_pylist() == []


def test_column_import() -> None:
    base = pa.array([1.0, None, 3.0] * 100)
    c = Column.from_arrow(base)
    assert c.to_list()[:3] == [1.0, None, 3.0] and c.null_count == 100
    assert c.values.ctypes.data == base.buffers()[1].address  # adopted, not copied
    for off in (1, 8, 13, 64):
        sliced = base.slice(off, 150)
        got = Column.from_arrow(sliced)
        assert got.to_list() == sliced.to_pylist()
        assert got.values.ctypes.data % 64 == 0
    chunked = pa.chunked_array([[1.0, None], [3.0], [None, 5.0]])
    assert Column.from_arrow(chunked).to_list() == [1.0, None, 3.0, None, 5.0]
    assert Column.from_arrow(pa.array([1, 2, None], pa.int32())).to_list() == [1.0, 2.0, None]
    assert Column.from_arrow(pl.Series([1.0, None])).to_list() == [1.0, None]
    with pytest.raises(TypeMismatch, match="not numeric"):
        Column.from_arrow(pa.array(["a"]))
    with pytest.raises(TypeMismatch, match="expected an Arrow array"):
        Column.from_arrow([1.0])
    tail = Column.from_arrow(pa.array([None] * 70 + [1.0]).slice(0, 65))
    assert tail.null_count == 65 and tail.validity is not None
    assert int(tail.validity[1]) == 0  # tail bits beyond n are zero


def test_table_stream_both_ways() -> None:
    t = load_csv(PRICES)
    at = pa.table(t)
    assert at.column_names == ["date", "px", "es", "nq", "ty"]
    assert at.schema.field("date").type == pa.date32()
    assert at.column("px").chunk(0).buffers()[1].address == t["px"].values.ctypes.data
    assert Table.from_arrow(at).equals(t)
    df = pl.DataFrame(t)
    assert df.shape == (3653, 5) and df["px"].null_count() == 4
    assert Table.from_arrow(df).equals(t)
    ts = Table({"x": [1.0]}, np.array(["2024-01-01T09:30:00.000000001"], "datetime64[ns]"))
    assert pa.table(ts).schema.field("timestamp").type == pa.timestamp("ns")
    assert Table.from_arrow(pl.DataFrame(ts)).equals(ts)
    assert Table.from_arrow(pa.record_batch({"v": [1.0]})).names == ["v"]
    later = pa.table({"a": [1.0], "d": pa.array([0], pa.date32())})
    with pytest.raises(TypeMismatch, match="column 'd' is not numeric"):
        Table.from_arrow(later)
    assert Table.from_arrow(later, index="d").index_name == "d"
    with pytest.raises(TypeMismatch):
        Table.from_arrow(3)


def test_pandas_both_null_modes() -> None:
    t = Table({"a": Column([1.0, None, float("nan")])},
              np.array(["2024-01-01", "2024-01-02", "2024-01-03"], "datetime64[D]"))
    lossless = t.to_pandas(nulls="na")
    assert str(lossless["a"].dtype) == "Float64" and lossless["a"].isna().tolist()[1]
    assert isinstance(lossless.index, pd.DatetimeIndex) and lossless.index.name == "date"
    assert Table.from_pandas(lossless).equals(t)
    plain = to_pandas(t)
    assert plain["a"].dtype == np.float64 and np.isnan(plain["a"].to_numpy()[1:]).all()
    back = from_pandas(plain)
    assert isinstance(back, Table) and back["a"].null_count == 0  # NaN stays a value
    assert from_pandas(plain, nan_as_null=True)["a"].null_count == 2  # type: ignore[index]
    s = to_pandas(Column([1.0, None]), nulls="na")
    assert from_pandas(s).to_list() == [1.0, None]  # type: ignore[union-attr]
    with pytest.raises(BadParameter):
        to_pandas(t, nulls="zero")


def test_pandas_index_kinds() -> None:
    midnight = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.to_datetime(["2024-01-01", "2024-01-02"]))
    assert Table.from_pandas(midnight).index_kind == "date"
    intraday = pd.DataFrame({"x": [1.0]}, index=pd.to_datetime(["2024-01-01 09:30"]))
    assert Table.from_pandas(intraday).index_kind == "timestamp"
    tz = pd.DataFrame({"x": [1.0]}, index=pd.to_datetime(["2024-01-01 10:30"]).tz_localize(
        "Europe/Berlin"))
    u = Table.from_pandas(tz)
    assert u.index_kind == "timestamp"
    assert str(u.index_values()[0]) == "2024-01-01T09:30:00.000000000"
    assert Table.from_pandas(midnight, index_kind="timestamp").index_kind == "timestamp"
    ranged = Table.from_pandas(pd.DataFrame({"x": [1, 2]}))
    assert ranged.index is None and ranged["x"].to_list() == [1.0, 2.0]
    with pytest.raises(TypeMismatch, match="not numeric"):
        Table.from_pandas(pd.DataFrame({"s": ["a"]}))
