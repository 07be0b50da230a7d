"""Table (first cut): an optional date/time index plus named float64 columns.

Example:
    >>> import numpy as np
    >>> from blawk.table import Table
    >>> from blawk.column import Column
    >>> t = Table({"px": Column([1.0, 2.0])})
    >>> t.column("px").to_list()
    [1.0, 2.0]
"""

from __future__ import annotations

import difflib

import numpy as np

from .column import Column
from .errors import ShapeError, UnknownName


class Table:
    """Named columns of one length, with an optional index (e.g. dates)."""

    __slots__ = ("_columns", "index", "index_name", "source")

    def __init__(
        self,
        columns: dict[str, Column],
        index: np.ndarray | None = None,
        index_name: str | None = None,
        source: str | None = None,
    ) -> None:
        lengths = {len(c) for c in columns.values()}
        if index is not None:
            lengths.add(len(index))
        if len(lengths) > 1:
            raise ShapeError(f"table columns have different lengths: {sorted(lengths)}")
        self._columns = dict(columns)
        self.index = index
        self.index_name = index_name
        self.source = source

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return list(self._columns)

    def __len__(self) -> int:
        if self.index is not None:
            return len(self.index)
        return len(next(iter(self._columns.values()))) if self._columns else 0

    def column(self, name: str) -> Column:
        """The column called `name`; UnknownName (with a suggestion) if there is none."""
        try:
            return self._columns[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            where = f" in {self.source}" if self.source else ""
            raise UnknownName(
                f"no column {name!r}{where} (columns: {', '.join(self.names)}){hint}", op="col"
            ) from None

    def __getitem__(self, name: str) -> Column:
        return self.column(name)

    def __repr__(self) -> str:
        idx = f", index={self.index_name}" if self.index_name else ""
        return f"Table(rows={len(self)}{idx}, columns=[{', '.join(self.names)}])"
