"""kdb's each: a column op applied to a table runs on every column."""

from __future__ import annotations

from pathlib import Path

import pytest

import blawk
from blawk.registry import lookup

DATA = str(Path(__file__).resolve().parents[1] / "examples" / "data" / "prices.csv")


def test_each_keeps_index_and_names() -> None:
    t = blawk.load_csv(DATA)
    r = lookup("*").call([lookup("dlog").call([t], {"lag": 1}), 252], {})
    assert r.names == t.names and len(r) == len(t)
    assert (r.index == t.index).all()
    for name in t.names:
        assert r.column(name).equals(blawk.dlog(t.column(name), 1) * 252)


def test_each_pairs_tables_by_name() -> None:
    t = blawk.load_csv(DATA)
    d = lookup("-").call([t, t], {})
    assert all(v in (0.0, None) for v in d.column("px").to_list())
    with pytest.raises(blawk.ShapeError, match="same columns"):
        lookup("-").call([t, lookup("select").call([t, "px"], {})], {})


def test_reductions_of_a_table_by_column_and_by_row() -> None:
    t = blawk.load_csv(DATA)
    per_col = blawk.mean(t)
    assert per_col.names == t.names and len(per_col) == 1
    assert per_col.column("px")[0] == blawk.mean(t.column("px"))
    rows = blawk.registry.lookup("mean").call([t], {"axis": "rows"})
    assert len(rows) == len(t)
    first = [t.column(n)[0] for n in t.names]
    assert rows[0] == pytest.approx(sum(first) / len(first))
    lang = blawk.eval('(mean tb :axis "rows")', tb=t)
    assert lang.equals(rows)
    with pytest.raises(blawk.BadParameter, match="axis"):
        blawk.registry.lookup("mean").call([t], {"axis": "diagonal"})
    with pytest.raises(blawk.BadParameter, match='no :axis "rows" form'):
        blawk.registry.lookup("median").call([t], {"axis": "rows"})
