"""CSV reading and writing: detection, nulls, dates, errors, lenient mode, round trips."""

from __future__ import annotations

import gzip
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import blawk
from blawk.column import Column
from blawk.errors import BadParameter, IOFailure
from blawk.io_csv import LenientParseWarning, load_csv, save_csv, sniff_delimiter
from blawk.table import Table

ROOT = Path(__file__).resolve().parents[2]
PRICES = str(ROOT / "examples" / "data" / "prices.csv")


def write(tmp_path: Path, text: str, name: str = "f.csv") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_prices() -> None:
    t = load_csv(PRICES)
    assert t.names == ["px", "es", "nq", "ty"] and len(t) == 3653
    assert t.index_kind == "date" and t.index_name == "date"
    assert str(t.index_values()[0]) == "2016-01-01" and str(t.index_values()[-1]) == "2025-12-31"
    assert [t[c].null_count for c in t.names] == [4, 1, 2, 0]
    assert t["px"].to_list()[:2] == [100.5514, 102.6145]
    assert blawk.load_csv(PRICES).equals(t)


@pytest.mark.parametrize("delim", [";", ",", "\t", "|"])
def test_delimiters_quotes_and_spaces(tmp_path: Path, delim: str) -> None:
    text = (f'date{delim}"SPY US Equity"{delim}"a{delim}b"\n'
            f'2023-01-02{delim}1.5{delim}"2"\n2023-01-03{delim}NA{delim}3\n')
    t = load_csv(write(tmp_path, text))
    assert t.names == ["SPY US Equity", f"a{delim}b"]
    assert t["SPY US Equity"].to_list() == [1.5, None] and t[f"a{delim}b"].to_list() == [2.0, 3.0]
    assert load_csv(write(tmp_path, text), delimiter=delim).equals(t)


def test_sniff() -> None:
    assert sniff_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert sniff_delimiter('"x,y";b\n1;2\n') == ";"
    assert sniff_delimiter("a|b\n1|2\n") == "|"
    assert sniff_delimiter("just one\n1\n") == ","


def test_null_tokens_and_ieee_values(tmp_path: Path) -> None:
    text = "x,y\nNA,nan\nN/A,inf\n,-inf\nNaN,-0\nnull,Infinity\n1,1e-320\n"
    t = load_csv(write(tmp_path, text))
    assert t["x"].to_list() == [None] * 5 + [1.0]
    y = t["y"].to_numpy()
    assert np.isnan(y[0]) and y[1] == np.inf and y[2] == -np.inf and y[5] == 1e-320
    assert y[3] == 0 and np.signbit(y[3]) and t["y"].null_count == 0
    c = load_csv(write(tmp_path, "x,y\n-,1\n1,2\n"), nulls=["-"])
    assert c["x"].to_list() == [None, 1.0]
    with pytest.raises(IOFailure, match="not a number: 'NA'"):
        load_csv(write(tmp_path, "x,y\nNA,1\n"), nulls=["-"])


def test_integers_are_float64_and_keep_negative_zero(tmp_path: Path) -> None:
    t = load_csv(write(tmp_path, "x,y\n-0,1\n3,2\n"))
    assert np.signbit(t["x"].values[0]) and t["y"].values.dtype == np.float64
    first = load_csv(write(tmp_path, "x\n-0\n2\n"))
    assert first.index is None and np.signbit(first["x"].values[0])


def test_timestamps(tmp_path: Path) -> None:
    t = load_csv(write(tmp_path, "ts,a\n2023-02-28 09:30:00.123456789,1\n"
                                 "2023-02-28 09:30:01,2\n"))
    assert t.index_kind == "timestamp"
    assert t.index.tolist() == [1677576600123456789, 1677576601000000000]
    mixed = load_csv(write(tmp_path, "ts,a\n2023-02-28T09:30:00Z,1\n2023-02-28 10:30:00+01:00,2\n"
                                     "2023-02-28,3\n"))
    assert mixed.index.tolist() == [1677576600000000000, 1677576600000000000,
                                    1677542400000000000]


def test_invalid_date_names_row_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, "date,a\n2023-02-27,1\n2023-02-28,1\n2023-02-31,2\n")
    with pytest.raises(IOFailure, match=r"f.csv: row 4, column 'date' \(the index\): no such "
                                        r"date or time: '2023-02-31' \(rows count from 1, the "
                                        r"header is row 1\)"):
        load_csv(p)
    with pytest.raises(IOFailure, match="row 3.*'2023-13-01'"):
        load_csv(write(tmp_path, "date,a\n2023-01-01,1\n2023-13-01,2\n"))
    with pytest.raises(IOFailure, match="row 3.*missing"):
        load_csv(write(tmp_path, "date,a\n2023-01-01,1\n,2\n"))


def test_non_number_names_row_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, "date;px;es\n2023-01-02;1;2\n2023-01-03;2;3\n2023-01-04;1,5;3\n")
    with pytest.raises(IOFailure) as ei:
        load_csv(p)
    msg = str(ei.value)
    assert "f.csv" in msg and "row 4" in msg and "column 'px'" in msg and "'1,5'" in msg
    assert "header is row 1" in msg


def test_lenient(tmp_path: Path) -> None:
    p = write(tmp_path, "date,a,b\n2023-02-27,1,x\n2023-02-31,2,3\n2023-03-01,zz,4\n"
                        "2023-03-02,5,y\n")
    with pytest.warns(LenientParseWarning) as rec:
        t = load_csv(p, lenient=True)
    rep = rec[0].message.report  # type: ignore[union-attr]
    assert rep.cells == {"a": 1, "b": 2} and rep.dropped_rows == 1
    assert rep.first["b"] == (2, "x") and rep.first["a"] == (4, "zz")
    assert rep.first_dropped == (3, "2023-02-31") and rep.total == 4
    assert t["a"].to_list() == [1.0, None, 5.0] and t["b"].to_list() == [None, 4.0, None]
    assert [str(d) for d in t.index_values()] == ["2023-02-27", "2023-03-01", "2023-03-02"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_csv(PRICES, lenient=True)  # nothing to report: no warning


def test_structural_errors(tmp_path: Path) -> None:
    with pytest.raises(IOFailure, match=r"row 3 \(the header is row 1\) has 3 field\(s\), the "
                                        r"header has 2"):
        load_csv(write(tmp_path, "a,b\n1,2\n3,4,5\n"))
    big = "a,b\n" + "1,2\n" * 200_000 + "1\n"
    with pytest.raises(IOFailure, match="row 200002 "):
        load_csv(write(tmp_path, big), lenient=True)
    with pytest.raises(IOFailure, match=r"duplicate column name 'SPY' \(columns 2 and 3"):
        load_csv(write(tmp_path, "date,SPY,SPY\n2020-01-01,1,2\n"))
    with pytest.raises(IOFailure, match="nope.csv: no such file"):
        load_csv(str(tmp_path / "nope.csv"))
    with pytest.raises(IOFailure, match="is a directory"):
        load_csv(str(tmp_path))
    with pytest.raises(IOFailure, match="empty file"):
        load_csv(write(tmp_path, ""))
    with pytest.raises(BadParameter, match="delimiter"):
        load_csv(PRICES, delimiter="ab")
    with pytest.raises(blawk.TypeMismatch):
        load_csv(3)  # type: ignore[arg-type]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads unreadable files")
def test_unreadable(tmp_path: Path) -> None:
    p = write(tmp_path, "a\n1\n")
    os.chmod(p, 0)
    with pytest.raises(IOFailure, match="cannot read"):
        load_csv(p)


def test_header_only_and_index_options(tmp_path: Path) -> None:
    t = load_csv(write(tmp_path, "date,a\n"))
    assert len(t) == 0 and t.index_kind == "date" and t.names == ["a"]
    rows = load_csv(write(tmp_path, "x,a\n1,2\n"))
    assert rows.index is None and rows.names == ["x", "a"]
    with pytest.raises(IOFailure, match="not a YYYY-MM-DD"):
        load_csv(write(tmp_path, "x,a\n1,2\n"), index=True)
    with pytest.raises(IOFailure, match="column 'd': not a number: '2020-01-01'"):
        load_csv(write(tmp_path, "d,a\n2020-01-01,2\n"), index=False)


def test_gzip_and_bom(tmp_path: Path) -> None:
    p = tmp_path / "f.csv.gz"
    with gzip.open(p, "wt") as f:
        f.write("date;x\n2020-01-01;1\n")
    t = load_csv(str(p))
    assert t.index_kind == "date" and t["x"].to_list() == [1.0]
    b = tmp_path / "bom.csv"
    b.write_bytes(b"\xef\xbb\xbfdate,x\n2020-01-01,1\n")
    assert load_csv(str(b)).index_name == "date"


def test_progress_bar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_csv(PRICES, progress=True)
    err = capsys.readouterr().err
    assert "load-csv prices.csv" in err and "100.0%" in err
    load_csv(PRICES)
    assert capsys.readouterr().err == ""  # small file, not a terminal: silent


# ------------------------------------------------------------------ save


def test_save_text_format(tmp_path: Path) -> None:
    t = Table({"a b": [0.1, -0.0, float("nan"), float("inf"), -float("inf"), None, 5e-324,
                       1e300]},
              index=np.arange(8).astype("datetime64[D]"))
    p = save_csv(t, str(tmp_path / "o.csv"))
    lines = Path(p).read_text().splitlines()
    assert lines[0] == "date,a b"
    assert [ln.split(",")[1] for ln in lines[1:]] == ["0.1", "-0", "nan", "inf", "-inf", "NA",
                                                      "5e-324", "1e+300"]
    assert lines[1].startswith("1970-01-01,")
    assert load_csv(p).equals(t)
    semi = save_csv(t, str(tmp_path / "s.csv"), delimiter=";", null="")
    assert Path(semi).read_text().splitlines()[6] == "1970-01-06;"
    assert load_csv(semi).equals(t)


def test_save_quotes_header_names(tmp_path: Path) -> None:
    t = Table({'a,"b"': [1.0], " c": [2.0]})
    p = save_csv(t, str(tmp_path / "q.csv"))
    assert Path(p).read_text().splitlines()[0] == '"a,""b"""," c"'
    assert load_csv(p).equals(t)


def test_save_errors_and_atomicity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    t = load_csv(PRICES)
    target = tmp_path / "out.csv"
    target.write_text("old contents\n")
    import pyarrow.csv as pcsv

    def boom(*a: object, **k: object) -> None:
        f = a[1]
        f.write(b"partial,")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pcsv, "write_csv", boom)
    with pytest.raises(IOFailure, match="No space left"):
        save_csv(t, str(target))
    monkeypatch.undo()
    assert target.read_text() == "old contents\n"
    assert os.listdir(tmp_path) == ["out.csv"]  # no temporary file left behind
    with pytest.raises(BadParameter, match="null token"):
        save_csv(t, str(target), null="0")
    with pytest.raises(IOFailure, match="does not exist"):
        save_csv(t, str(tmp_path / "no" / "x.csv"))
    with pytest.raises(IOFailure, match="is a directory"):
        save_csv(t, str(tmp_path))
    with pytest.raises(BadParameter, match="nothing to write"):
        save_csv(Table({}), str(target))
    with pytest.raises(BadParameter, match="empty lines"):
        save_csv(Table({"x": [None, 1.0]}), str(target), null="")
    save_csv(t, str(target))
    assert load_csv(str(target)).equals(t)
    assert oct(os.stat(target).st_mode & 0o777) != oct(0o600)


# ------------------------------------------------------------------ round trips

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
cells = st.one_of(st.none(), floats, st.sampled_from([0.0, -0.0, 5e-324, 1e308, -1.5]))


@st.composite
def tables(draw: st.DrawFn) -> Table:
    n = draw(st.integers(0, 12))
    ncols = draw(st.integers(1, 4))
    kind = draw(st.sampled_from([None, "date", "timestamp"]))
    cols = {f"c{i}": Column(draw(st.lists(cells, min_size=n, max_size=n)))
            for i in range(ncols)}
    if kind is None:
        return Table(cols)
    if kind == "date":
        idx = np.array(draw(st.lists(st.integers(-700_000, 2_900_000), min_size=n, max_size=n)),
                       dtype=np.int64)
    else:
        idx = np.array(draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n)),
                       dtype=np.int64)
    return Table(cols, idx, index_kind=kind)


def same(a: Table, b: Table) -> bool:
    """Equal, except that NaN payloads/signs may differ (text cannot carry them)."""
    if a.names != b.names or a.index_kind != b.index_kind or len(a) != len(b):
        return False
    if a.index is not None and not np.array_equal(a.index, b.index):  # type: ignore[arg-type]
        return False
    for n in a.names:
        x, y = a[n], b[n]
        if not np.array_equal(x.is_valid(), y.is_valid()):
            return False
        ok = x.is_valid()
        xv, yv = x.values[ok], y.values[ok]
        nan = np.isnan(xv)
        if not np.array_equal(nan, np.isnan(yv)):
            return False
        if not np.array_equal(xv[~nan].view(np.uint64), yv[~nan].view(np.uint64)):
            return False
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tables(), delim=st.sampled_from([",", ";", "\t", "|"]),
       null=st.sampled_from(["NA", "", "null", "N/A"]))
def test_round_trip(tmp_path_factory: pytest.TempPathFactory, t: Table, delim: str,
                    null: str) -> None:
    if null == "" and t.index is None and len(t.names) == 1:
        null = "NA"
    p = str(tmp_path_factory.mktemp("rt") / "t.csv")
    save_csv(t, p, delimiter=delim, null=null)
    back = load_csv(p)
    assert same(t, back), (t, back)


def test_invalid_utf8(tmp_path: Path) -> None:
    def raw(name: str, data: bytes) -> str:
        p = tmp_path / name
        p.write_bytes(data)
        return str(p)

    with pytest.raises(IOFailure, match="row 3, column 'b': not a number"):
        load_csv(raw("a.csv", b"date,b\n2020-01-01,1\n2020-01-02,\xff\n"))
    with pytest.warns(LenientParseWarning):
        t = load_csv(raw("b.csv", b"date,b\n2020-01-01,1\n2020-01-02,\xff\n"), lenient=True)
    assert t["b"].to_list() == [1.0, None]
    with pytest.raises(IOFailure, match=r"row 3, column 'date' \(the index\)"):
        load_csv(raw("c.csv", b"date,b\n2020-01-01,1\n\xff,3\n"))
    with pytest.raises(IOFailure, match="header is not valid UTF-8"):
        load_csv(raw("d.csv", b"d\xe9,b\n1,2\n"))


def test_progress_only_for_big_files_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from blawk import io_csv

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    big = io_csv.PROGRESS_MIN_BYTES + 1
    assert io_csv._want_progress("x.csv", big, None)
    assert not io_csv._want_progress("x.csv", 1000, None)
    assert not io_csv._want_progress("x.csv.gz", big, None)
    assert not io_csv._want_progress("x.csv", big, False)
    monkeypatch.setattr(sys, "stderr", object())
    assert not io_csv._want_progress("x.csv", big, None)
