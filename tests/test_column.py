"""Column: construction, nulls vs NaN, conversion, indexing, repr."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import same_bits

import blawk
from blawk.column import Column, aligned_empty, pack_validity, unpack_validity


def test_from_numpy_nan_stays_nan() -> None:
    c = Column(np.array([1.0, np.nan, 3.0]))
    assert c.null_count == 0 and c.validity is None
    assert math.isnan(c[1])
    c2 = Column(np.array([1.0, np.nan, 3.0]), nan_as_null=True)
    assert c2.null_count == 1 and c2[1] is None


def test_from_list_and_masks() -> None:
    c = Column([1, None, 2.5, float("inf"), -0.0])
    assert c.to_list()[:4] == [1.0, None, 2.5, float("inf")]
    assert math.copysign(1, c[4]) < 0
    assert Column([1.0, 2.0], valid=np.array([True, False])).to_list() == [1.0, None]
    assert Column([1.0, 2.0], mask=np.array([True, False])).to_list() == [None, 2.0]
    with pytest.raises(blawk.ShapeError):
        Column([1.0, 2.0], valid=np.array([True]))
    with pytest.raises(blawk.BadParameter):
        Column([1.0], valid=np.array([True]), mask=np.array([False]))
    with pytest.raises(blawk.TypeMismatch, match="element 1"):
        Column([1.0, "x"])
    with pytest.raises(blawk.TypeMismatch):
        Column("abc")
    with pytest.raises(blawk.BadParameter, match="too large"):
        Column([1, 10**400])


def test_conversions_and_refusals() -> None:
    assert Column(np.array([1, 2], dtype=np.int32)).to_list() == [1.0, 2.0]
    assert Column(np.array([0.5], dtype=np.float32)).to_list() == [0.5]
    assert Column(np.array([True, False])).to_list() == [1.0, 0.0]
    for bad in (np.array(["a"]), np.array([1 + 2j]), np.array([None], dtype=object),
                np.array(["2020-01-01"], dtype="datetime64[D]")):
        with pytest.raises(blawk.TypeMismatch, match="dtype"):
            Column(bad)
    with pytest.raises(blawk.ShapeError):
        Column(np.ones((2, 2)))
    strided = np.arange(10.0)[::3]
    assert Column(strided).to_list() == [0.0, 3.0, 6.0, 9.0]


def test_alignment_and_bitmap_layout() -> None:
    c = Column(np.arange(100.0), valid=np.arange(100) % 3 != 0)
    assert c.values.ctypes.data % 64 == 0
    words = c.validity
    assert words.dtype == np.uint64 and len(words) == 2
    assert int(words[0]) & 1 == 0 and (int(words[0]) >> 1) & 1 == 1  # LSB first
    assert int(words[1]) >> (100 - 64) == 0  # tail bits zero
    for n in (0, 1, 63, 64, 65, 200):
        v = np.random.default_rng(n).random(n) > 0.5
        assert np.array_equal(unpack_validity(pack_validity(v), n), v)
    assert aligned_empty(7).ctypes.data % 64 == 0


def test_to_numpy_fill_and_list() -> None:
    c = Column([1.0, None, 3.0])
    assert np.isnan(c.to_numpy()[1])
    assert c.to_numpy(fill=-9.0).tolist() == [1.0, -9.0, 3.0]
    assert c.to_list() == [1.0, None, 3.0]
    assert np.asarray(c)[2] == 3.0
    nan_col = Column([float("nan")])
    assert nan_col.null_count == 0 and math.isnan(nan_col.to_list()[0])


def test_indexing() -> None:
    c = Column([1.0, None, 3.0, 4.0])
    assert c[0] == 1.0 and c[1] is None and c[-1] == 4.0
    assert c[1:3].to_list() == [None, 3.0]
    assert c[::2].to_list() == [1.0, 3.0]
    with pytest.raises(IndexError):
        c[4]
    with pytest.raises(blawk.TypeMismatch):
        c["a"]  # type: ignore[index]


def test_repr_head_tail_nulls() -> None:
    assert repr(Column([])) == "Column(float64, n=0, nulls=0) []"
    r = repr(Column([None, *range(1, 20), None]))
    assert r.startswith("Column(float64, n=21, nulls=2) [null, 1, 2, 3, 4, ..., ")
    assert r.endswith("17, 18, 19, null]")
    assert "-0" in repr(Column([-0.0])) and "nan" in repr(Column([float("nan")]))


def test_empty_and_single() -> None:
    e = Column([])
    assert len(e) == 0 and e.null_count == 0 and e.to_list() == []
    assert (e * 2).to_list() == []
    assert Column([2.0]).sqrt().to_list() == [math.sqrt(2.0)]


def test_equals_bitwise() -> None:
    a = Column([0.0, None])
    assert a.equals(Column([0.0, None]))
    assert not a.equals(Column([-0.0, None]))
    assert same_bits(Column([-0.0]).values, np.array([-0.0]))


def test_immutable() -> None:
    c = Column([1.0, 2.0])
    with pytest.raises(ValueError):
        c.values[0] = 5.0
