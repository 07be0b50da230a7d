"""Column: float64 values plus an optional Arrow-layout validity bitmap.

The bitmap is an array of uint64 words, least significant bit first: element
``i`` is bit ``i & 63`` of word ``i >> 6``; 1 = valid, 0 = null; bits past the
end are zero.  No bitmap means every element is valid (the fast path).  Null
(missing) and NaN (an IEEE value) are different things and stay different.

Example:
    >>> import numpy as np
    >>> from blawk.column import Column
    >>> c = Column([1.0, None, float("nan"), 4.0])
    >>> len(c), c.null_count
    (4, 1)
    >>> c.to_list()
    [1.0, None, nan, 4.0]
    >>> c
    Column(float64, n=4, nulls=1) [1, null, nan, 4]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .errors import BadParameter, ShapeError, TypeMismatch

ALIGN = 64  # bytes; every buffer blawk allocates starts on a cache line


def aligned_empty(n: int, dtype: Any = np.float64) -> np.ndarray:
    """An uninitialised 1-D array of n items whose data starts on a 64-byte boundary.

    float64 and uint64 arrays come from blawk's buffer pool (big buffers are
    reused instead of faulted in again); other dtypes from numpy.
    """
    dt = np.dtype(dtype)
    if dt == np.float64 or dt == np.uint64:
        from . import _core

        return _core.empty(max(n, 0), "d" if dt == np.float64 else "Q")
    nbytes = max(n, 0) * dt.itemsize
    raw = np.empty(nbytes + ALIGN, dtype=np.uint8)
    offset = (-raw.__array_interface__["data"][0]) % ALIGN
    return raw[offset : offset + nbytes].view(dt)


def bitmap_words(n: int) -> int:
    """Number of uint64 words in the bitmap of n elements."""
    return (n + 63) >> 6


def pack_validity(valid: np.ndarray) -> np.ndarray:
    """Pack a bool array (True = valid) into LSB-first uint64 words (tail bits zero)."""
    n = len(valid)
    words = aligned_empty(bitmap_words(n), np.uint64)
    if n:
        packed = np.packbits(np.asarray(valid, dtype=bool), bitorder="little")
        buf = words.view(np.uint8)
        buf[: len(packed)] = packed
        buf[len(packed) :] = 0
    return words


def unpack_validity(words: np.ndarray, n: int) -> np.ndarray:
    """The bool array (True = valid) of the first n bits of a bitmap."""
    if n == 0:
        return np.zeros(0, dtype=bool)
    bits = np.unpackbits(np.ascontiguousarray(words).view(np.uint8), count=n, bitorder="little")
    return bits.astype(bool)


def as_float64(data: Any, what: str = "column") -> np.ndarray:
    """Convert array-like numeric data to a 1-D float64 array (no copy when possible).

    Integers, bools and float32 are converted; objects, strings, complex and
    datetimes are refused with a TypeMismatch naming the dtype.
    """
    arr = np.asarray(data)
    if arr.ndim != 1:
        raise ShapeError(f"{what} must be one-dimensional, got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind == "f":
        return arr if arr.dtype == np.float64 else arr.astype(np.float64)
    if kind in "iub":
        return arr.astype(np.float64)
    raise TypeMismatch(f"{what} must be numeric, got an array of dtype {arr.dtype}")


def _fmt(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e15:
        return "-0" if (v == 0 and math.copysign(1.0, v) < 0) else str(int(v))
    return f"{v:.6g}"


class Column:
    """A float64 column with an optional validity bitmap.

    Build one from a numpy array (NaN stays NaN unless ``nan_as_null=True``),
    from a Python sequence with ``None`` for nulls, or from values plus
    ``valid=`` (bool, True = valid) or ``mask=`` (bool, True = null, as in
    numpy.ma).  Columns are immutable.

    Example:
        >>> import numpy as np
        >>> Column(np.array([1.0, np.nan]), nan_as_null=True).to_list()
        [1.0, None]
        >>> Column([1, 2, 3], mask=[False, True, False]).to_list()
        [1.0, None, 3.0]
    """

    __slots__ = ("_values", "_valid", "_n", "_nulls")

    def __init__(
        self,
        data: Any = (),
        *,
        valid: Sequence[bool] | np.ndarray | None = None,
        mask: Sequence[bool] | np.ndarray | None = None,
        nan_as_null: bool = False,
    ) -> None:
        if isinstance(data, Column):
            values = data._values
            ok = None if data._valid is None else unpack_validity(data._valid, data._n)
        elif isinstance(data, np.ndarray):
            values = as_float64(data)
            ok = None
        else:
            values, ok = _from_sequence(data)
        n = len(values)
        if valid is not None and mask is not None:
            raise BadParameter("give either valid= or mask=, not both", op="Column")
        for name, m in (("valid", valid), ("mask", mask)):
            if m is not None:
                arr = np.asarray(m)
                if arr.dtype != bool or arr.shape != (n,):
                    raise ShapeError(
                        f"{name}= must be a bool array of length {n}, got "
                        f"{arr.dtype} of shape {arr.shape}",
                        op="Column",
                    )
                flags = arr if name == "valid" else ~arr
                ok = flags if ok is None else (ok & flags)
        if nan_as_null:
            not_nan = ~np.isnan(values)
            ok = not_nan if ok is None else (ok & not_nan)
        store = aligned_empty(n)
        store[:] = values
        store.flags.writeable = False
        self._values = store
        self._n = n
        if ok is not None and not ok.all():
            self._valid = pack_validity(ok)
            self._valid.flags.writeable = False
            self._nulls = int(n - np.count_nonzero(ok))
        else:
            self._valid = None
            self._nulls = 0

    @classmethod
    def _wrap(
        cls, values: np.ndarray, valid: np.ndarray | None, nulls: int | None = None
    ) -> Column:
        """Adopt buffers made by blawk (no copy).  `valid` None = all valid."""
        self = object.__new__(cls)
        values.flags.writeable = False
        self._values = values
        self._n = len(values)
        if valid is not None:
            if nulls is None:
                from . import _core

                nulls = _core.null_count(valid, self._n)
            if nulls == 0:
                valid = None
            else:
                valid.flags.writeable = False
        self._valid = valid
        self._nulls = int(nulls or 0)
        return self

    # ------------------------------------------------------------ basics
    def __len__(self) -> int:
        return self._n

    @property
    def null_count(self) -> int:
        """How many elements are null."""
        return self._nulls

    @property
    def values(self) -> np.ndarray:
        """The raw values (read-only); what sits under a null slot is unspecified."""
        return self._values

    @property
    def validity(self) -> np.ndarray | None:
        """The bitmap words (read-only uint64), or None when every element is valid."""
        return self._valid

    def is_valid(self) -> np.ndarray:
        """A bool array, True where the element is valid (not null)."""
        if self._valid is None:
            return np.ones(self._n, dtype=bool)
        return unpack_validity(self._valid, self._n)

    def to_numpy(self, fill: float = math.nan) -> np.ndarray:
        """The values as a float64 array, nulls replaced by `fill` (NaN by default).

        Without nulls this is a read-only view, with nulls a new array.
        """
        if self._valid is None:
            return self._values
        out = np.array(self._values, dtype=np.float64)
        out[~self.is_valid()] = fill
        return out

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        arr = self.to_numpy()
        if dtype is not None and np.dtype(dtype) != arr.dtype:
            return arr.astype(dtype)
        return np.array(arr) if copy else arr

    def to_list(self) -> list[float | None]:
        """A list of floats with None for nulls."""
        vals = self._values.tolist()
        if self._valid is None:
            return vals
        ok = self.is_valid()
        return [v if k else None for v, k in zip(vals, ok.tolist(), strict=True)]

    def __iter__(self) -> Iterator[float | None]:
        return iter(self.to_list())

    def __getitem__(self, key: int | slice) -> float | None | Column:
        if isinstance(key, slice):
            idx = range(self._n)[key]
            vals = self._values[key]
            if self._valid is None:
                return Column(vals)
            return Column(vals, valid=self.is_valid()[key]) if len(idx) else Column(vals)
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise TypeMismatch(
                f"column index must be an integer or a slice, got {type(key).__name__}"
            )
        i = int(key)
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(f"index {int(key)} out of range for a column of length {self._n}")
        if self._valid is not None and not (int(self._valid[i >> 6]) >> (i & 63)) & 1:
            return None
        return float(self._values[i])

    def equals(self, other: Column) -> bool:
        """Same length, same nulls, and bit-identical values where valid."""
        if not isinstance(other, Column) or len(other) != self._n:
            return False
        a, b = self.is_valid(), other.is_valid()
        if not np.array_equal(a, b):
            return False
        mine, theirs = self._values[a].view(np.uint64), other._values[a].view(np.uint64)
        return bool(np.array_equal(mine, theirs))

    def __repr__(self) -> str:
        n = self._n
        shown = list(range(n)) if n <= 10 else [*range(5), -1, *range(n - 5, n)]
        ok = self.is_valid() if self._valid is not None else None
        parts = []
        for i in shown:
            if i < 0:
                parts.append("...")
            elif ok is not None and not ok[i]:
                parts.append("null")
            else:
                parts.append(_fmt(float(self._values[i])))
        return f"Column(float64, n={n}, nulls={self._nulls}) [{', '.join(parts)}]"

    def _repr_html_(self) -> str:
        from .table import column_html

        return column_html(self)

    def __arrow_c_array__(self, requested_schema: Any = None) -> tuple[Any, Any]:
        from .interop import column_arrow_c_array

        return column_arrow_c_array(self, requested_schema)

    @classmethod
    def from_arrow(cls, obj: Any) -> Column:
        """A Column from an Arrow array (pyarrow, polars, anything with the C data interface)."""
        from .interop import column_from_arrow

        return column_from_arrow(obj)

    def __reduce__(self) -> tuple[Any, ...]:
        if self._valid is None:
            return (Column, (np.array(self._values),))
        return (_rebuild, (np.array(self._values), self.is_valid()))


def _rebuild(values: np.ndarray, valid: np.ndarray) -> Column:
    return Column(values, valid=valid)


def _from_sequence(data: Iterable[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    if isinstance(data, (str, bytes)):
        raise TypeMismatch(f"cannot build a column from a {type(data).__name__}")
    items = list(data)
    vals = np.empty(len(items), dtype=np.float64)
    ok = np.ones(len(items), dtype=bool)
    for i, v in enumerate(items):
        if v is None:
            vals[i] = 0.0
            ok[i] = False
        elif isinstance(v, (bool, np.bool_)):
            vals[i] = float(v)
        elif isinstance(v, (int, float, np.integer, np.floating)):
            try:
                vals[i] = float(v)
            except OverflowError:
                raise BadParameter(f"column element {i} is too large for float64") from None
        else:
            raise TypeMismatch(
                f"column element {i} must be a number or None, got {type(v).__name__} {v!r}"
            )
    return vals, (None if ok.all() else ok)
