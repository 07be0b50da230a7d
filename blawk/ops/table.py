"""Structural operations: files, tables, literal columns."""

from __future__ import annotations

from typing import Any

from ..column import Column
from ..errors import TypeMismatch
from ..registry import OpSpec, register


def _load_csv(path: Any) -> Any:
    if not isinstance(path, str):
        raise TypeMismatch(f"path must be a string, got {type(path).__name__}", op="load-csv")
    from ..io_csv import load_csv

    return load_csv(path)


def _col(table: Any, name: Any) -> Any:
    from ..table import Table

    if not isinstance(table, Table):
        raise TypeMismatch(f"table must be a table, got {type(table).__name__}", op="col")
    if not isinstance(name, str):
        raise TypeMismatch(f"name must be a string, got {type(name).__name__}", op="col")
    return table.column(name)


def _column(*values: Any) -> Column:
    vals = []
    for i, v in enumerate(values):
        if v is None or isinstance(v, (int, float)) and not isinstance(v, bool):
            vals.append(v)
        else:
            raise TypeMismatch(f"element {i + 1} must be a number, got {type(v).__name__}",
                               op="column")
    return Column(vals)


register(OpSpec(
    name="load-csv", kind="structural", operands=("path",), impl=_load_csv,
    doc="Read a CSV file into a table (first column a date index if it parses as dates).",
    example='(load-csv "examples/data/prices.csv")', example_result=None,
    null_rule="configured null tokens (NA, N/A, empty, NaN, null) become nulls",
    python_name="load_csv",
))
register(OpSpec(
    name="col", kind="structural", operands=("table", "name"), impl=_col,
    doc="The column `name` of a table.", example='(col (load-csv "examples/data/prices.csv") "px")',
    example_result=None, null_rule="unchanged", python_name="table_col",
))
register(OpSpec(
    name="column", kind="structural", operands=("values",), impl=_column, variadic=True,
    doc="A column from literal numbers (nil for null).", example="(column 1 2 3)",
    example_result=[1.0, 2.0, 3.0], null_rule="nil elements are null", python_name="column",
))
