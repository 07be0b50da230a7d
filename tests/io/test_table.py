"""Table: construction, column and row operations, display."""

from __future__ import annotations

import numpy as np
import pytest

import blawk
from blawk.column import Column
from blawk.errors import BadParameter, ShapeError, TypeMismatch, UnknownName
from blawk.table import Table, take


def dates(*ds: str) -> np.ndarray:
    return np.array(ds, dtype="datetime64[D]")


@pytest.fixture
def t() -> Table:
    return Table({"a": Column([3.0, None, 1.0, 2.0]), "b": [0.5, 0.25, float("nan"), -1.0]},
                 index=dates("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"))


def test_construction_and_index(t: Table) -> None:
    assert t.shape == (4, 2) and t.names == ["a", "b"] and len(t) == 4
    assert t.index_kind == "date" and t.index_name == "date"
    assert t.index.tolist() == [19723, 19724, 19725, 19726]
    assert not t.index.flags.writeable
    assert str(t.index_values()[0]) == "2024-01-01"
    ts = Table({"x": [1.0]}, index=np.array(["2024-01-01T09:30:00.5"], "datetime64[ns]"))
    assert ts.index_kind == "timestamp" and ts.index_name == "timestamp"
    assert Table({"x": [1.0]}, index=np.array([5]), index_kind="date").index_kind == "date"
    rows = Table({"x": [1.0, 2.0]})
    assert rows.index is None and rows.index_values().tolist() == [0, 1]


def test_construction_errors() -> None:
    with pytest.raises(ShapeError, match="different lengths"):
        Table({"a": [1.0], "b": [1.0, 2.0]})
    with pytest.raises(ShapeError, match="index: 2"):
        Table({"a": [1.0]}, index=dates("2024-01-01", "2024-01-02"))
    with pytest.raises(BadParameter, match="index_kind"):
        Table({"a": [1.0]}, index=np.array([1]))
    with pytest.raises(TypeMismatch, match="index must be"):
        Table({"a": [1.0]}, index=np.array(["x"]))
    with pytest.raises(BadParameter, match="NaT"):
        Table({"a": [1.0]}, index=np.array(["NaT"], "datetime64[D]"))


def test_column_access(t: Table) -> None:
    assert t["a"].to_list() == [3.0, None, 1.0, 2.0]
    assert t.col("b") is t.column("b")
    with pytest.raises(UnknownName, match="did you mean 'a'"):
        t.column("aa")
    assert t[["b"]].names == ["b"]
    assert "a" in t and list(t) == ["a", "b"]


def test_select_drop_rename(t: Table) -> None:
    assert t.select("b", "a").names == ["b", "a"]
    assert t.select(["b"]).column("b") is t.column("b")  # shared, not copied
    with pytest.raises(BadParameter, match="twice"):
        t.select("a", "a")
    with pytest.raises(UnknownName):
        t.select("zz")
    assert t.drop("a").names == ["b"]
    r = t.rename({"a": "x"})
    assert r.names == ["x", "b"] and r.index is t.index
    with pytest.raises(BadParameter, match="two columns"):
        t.rename({"a": "b"})
    assert t.rename({"a": "b", "b": "a"}).names == ["b", "a"]


def test_with_col(t: Table) -> None:
    u = t.with_col("c", 2)
    assert u.names == ["a", "b", "c"] and u["c"].to_list() == [2.0] * 4
    v = t.with_col("a", t["b"] * 2)
    assert v.names == ["a", "b"] and v["a"].to_list()[0] == 1.0
    lazy = blawk.eval("(dlog x 1)", x=Column([1.0, 2.0, 4.0, 8.0]))
    w = t.with_col("r", lazy)
    assert w["r"].null_count == 1
    with pytest.raises(ShapeError, match="3 rows"):
        t.with_col("z", Column([1.0, 2.0, 3.0]))


def test_head_tail(t: Table) -> None:
    assert t.head(2)["a"].to_list() == [3.0, None]
    assert t.tail(2)["b"].to_list()[1] == -1.0
    assert t.tail(2).index.tolist() == t.index[2:].tolist()
    assert len(t.head(0)) == 0 and len(t.head(100)) == 4 and len(t.tail(100)) == 4
    with pytest.raises(BadParameter, match="non-negative"):
        t.head(-1)
    with pytest.raises(BadParameter):
        t.tail(1.5)


def test_filter(t: Table) -> None:
    m = np.array([True, True, False, True])
    assert t.filter(m)["a"].to_list() == [3.0, None, 2.0]
    assert t.filter(m).index.tolist() == [19723, 19724, 19726]
    assert t.filter(Column([1.0, None, 1.0, 0.0]))["b"].to_list()[:1] == [0.5]
    assert len(t.filter(Column([1.0, None, 1.0, 0.0]))) == 2
    assert t.keep([True, False, False, False])["a"].to_list() == [3.0]

    class Bits:  # anything with to_numpy and is_valid (a bit-packed bool column)
        def to_numpy(self) -> np.ndarray:
            return np.array([1, 1, 0, 1], dtype=bool)

        def is_valid(self) -> np.ndarray:
            return np.array([True, False, True, True])

    assert len(t.filter(Bits())) == 2
    with pytest.raises(BadParameter, match="0/1"):
        t.filter(Column([1.0, 2.0, 0.0, 0.0]))
    with pytest.raises(ShapeError, match="3 elements"):
        t.filter(np.array([True, False, True]))
    with pytest.raises(TypeMismatch):
        t.filter("weekdays")


def test_sort_by(t: Table) -> None:
    s = t.sort_by("a")
    assert s["a"].to_list() == [1.0, 2.0, 3.0, None]
    assert s.index.tolist() == [19725, 19726, 19723, 19724]
    d = t.sort_by("a", descending=True)
    assert d["a"].to_list() == [3.0, 2.0, 1.0, None]
    b = t.sort_by("b")
    assert b["b"].to_list()[:3] == [-1.0, 0.25, 0.5] and np.isnan(b["b"].to_list()[3])
    bd = t.sort_by("b", descending=True)
    assert bd["b"].to_list()[:3] == [0.5, 0.25, -1.0]
    assert t.sort_by("a").sort_by().equals(t)
    stable = Table({"k": [1.0, 0.0, 1.0, 0.0], "v": [1.0, 2.0, 3.0, 4.0]})
    assert stable.sort_by("k")["v"].to_list() == [2.0, 4.0, 1.0, 3.0]
    assert stable.sort_by("k", descending=True)["v"].to_list() == [1.0, 3.0, 2.0, 4.0]


def test_xminus(t: Table) -> None:
    three = t.with_col("c", 1)
    assert three.xminus().names == ["a-b", "a-c", "b-c"]
    assert three.xminus(ordered=True).names == ["a-b", "a-c", "b-a", "b-c", "c-a", "c-b"]
    x = t.xminus()["a-b"]
    assert x.to_list()[0] == 2.5 and x.to_list()[1] is None and np.isnan(x.to_list()[2])
    assert t.xminus(names=["b", "a"]).names == ["b-a"]


def test_map_columns(t: Table) -> None:
    m = t.map_columns(lambda c: c * 2)
    assert m.names == t.names and m.index is t.index
    assert m["a"].to_list() == [6.0, None, 2.0, 4.0]
    lazy = t.map_columns(lambda c: blawk.eval("(dlog x 1)", x=c))
    assert lazy["a"].null_count == 3
    with pytest.raises(ShapeError, match="gave 1 rows"):
        t.map_columns(lambda c: Column([1.0]))
    with pytest.raises(TypeMismatch):
        t.map_columns(lambda c: 1.0)


def test_take_with_missing_rows() -> None:
    c = Column([1.0, None, 3.0])
    assert take(c, np.array([2, -1, 1, 0])).to_list() == [3.0, None, None, 1.0]
    assert take(Column([]), np.array([-1, -1])).to_list() == [None, None]


def test_equals(t: Table) -> None:
    assert t.equals(Table(t.columns, t.index_values()))
    assert not t.equals(t.rename({"a": "z"}))
    assert not t.equals(t.with_index_name("day"))
    assert not t.equals(Table(t.columns))


def test_repr_and_html(t: Table) -> None:
    text = repr(t)
    assert text.splitlines()[0] == "Table(rows=4, index=date, columns=2)"
    assert "2024-01-02  null" in text and "nan" in text
    big = Table({"x": np.arange(100.0)})
    lines = repr(big).splitlines()
    assert len(lines) == 1 + 1 + 11 and "..." in lines[7]
    h = Table({"<b>": [1.0]})._repr_html_()
    assert "&lt;b&gt;" in h and "<table" in h
    ch = Column([1.0, None])._repr_html_()
    assert "null" in ch and "2 rows" in ch
    ts = Table({"x": [1.0]}, index=np.array(["2024-01-01T09:30:00.25"], "datetime64[ns]"))
    assert "2024-01-01 09:30:00.25" in repr(ts)
    wide = Table({f"c{i}": [1.0] for i in range(30)})
    assert "..." in repr(wide).splitlines()[1] and "c29" in repr(wide)


# ------------------------------------------------------------------ from the language

PRICES = '(load-csv "examples/data/prices.csv")'


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parents[2])


def test_language_table_ops(in_repo: None, tmp_path: object) -> None:
    t = blawk.eval(f"(filter {PRICES} (weekdays {PRICES}))")
    assert isinstance(t, Table) and len(t) == 2609
    r = blawk.eval(f'(-> {PRICES} (select "px" "es") (xminus :ordered #t) (head 2))')
    assert r.names == ["px-es", "es-px"] and len(r) == 2
    s = blawk.eval(f'(sort-by (head {PRICES} 5) :key "px")')
    assert s["px"].to_list() == sorted(s["px"].to_list())
    w = blawk.eval(f'(let ((p {PRICES})) (with-col p "r" (dlog (col p "px") 1)))')
    assert w.names[-1] == "r" and w["r"].null_count > 0
    m = blawk.eval(f'(resample {PRICES} :rule "M" :how "ohlc")')
    assert m.names[:4] == ["px_open", "px_high", "px_low", "px_close"] and len(m) == 120
    p = str(tmp_path) + "/x.csv"  # type: ignore[operator]
    back = blawk.eval(f'(load-csv (save (head {PRICES} 3) path :delimiter ";" :null "-") '
                      f':nulls ["-"])', path=p)
    assert back.equals(blawk.eval(f"(head {PRICES} 3)"))
    assert blawk.eval(f'(calendar-mask (head {PRICES} 3) "friday")').to_list() == [1.0, 0.0, 0.0]


def test_language_errors_point_at_the_form(in_repo: None) -> None:
    with pytest.raises(blawk.BlawkError) as ei:
        blawk.eval('(load-csv "examples/data/prices.csv" :lenient 3)')
    assert "lenient must be #t or nil" in str(ei.value)
    with pytest.raises(blawk.UnknownName, match="did you mean 'px'"):
        blawk.eval(f'(select {PRICES} "pxx")')
    with pytest.raises(blawk.BadParameter, match="pairs"):
        blawk.eval(f'(rename {PRICES} "px" "a" "es")')
    with pytest.raises(blawk.IOFailure, match="no such file"):
        blawk.eval('(load-parquet "nope.parquet")')
    with pytest.raises(blawk.TypeMismatch, match="table must be a table"):
        blawk.eval("(head 3)")
    with pytest.raises(blawk.BadParameter, match="not sorted"):
        blawk.eval(f'(aj (sort-by {PRICES} :key "px") {PRICES})')
    assert len(blawk.eval(f'(aj (sort-by {PRICES} :key "px") {PRICES} :sort #t)')) == 3653
