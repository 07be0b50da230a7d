"""Sampling and buckets: keep, xbar, til."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..column import Column
from ..errors import BadParameter, TypeMismatch
from ..expr import Expr, materialize
from ..registry import OpSpec, Param, check_pos_int, lookup, register


def _keep(x: Any, k: int) -> Column:
    col = materialize(x)
    if not isinstance(col, Column):
        raise TypeMismatch(f"x must be a column, got {type(col).__name__}", op="keep")
    ok = col.is_valid()
    ok[np.arange(len(col)) % k != 0] = False
    return Column(col.values, valid=ok)


register(OpSpec(
    name="keep", kind="structural", operands=("x",),
    params=(Param("k", 1, check_pos_int, "keep every k-th row (rows 0, k, 2k, ...)"),),
    impl=_keep, python_name="keep_every",
    doc="Every k-th row kept, the others null: the shape (and index) stays.",
    example="(keep (column 1 2 3 4 5) 2)", example_result=[1.0, None, 3.0, None, 5.0],
    null_rule="null except rows 0, k, 2k, ...",
))


def _xbar(x: Expr, bucket: float) -> Any:
    if not bucket > 0:
        raise BadParameter(f"bucket must be a positive number, got {bucket!r}", op="xbar")
    div, mul, floor = lookup("/"), lookup("*"), lookup("floor")
    assert div is not None and mul is not None and floor is not None
    return mul.call([floor.call([div.call([x, bucket], {})], {}), bucket], {})


def _check_bucket(op: str, param: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise BadParameter(f"{param} must be a positive number, got {v!r}", op=op)
    return float(v)


register(OpSpec(
    name="xbar", kind="composite", operands=("x",),
    params=(Param("bucket", 1.0, _check_bucket, "bucket width (> 0)"),),
    expand=_xbar,
    doc="Round down to a multiple of bucket: bucket * floor(x / bucket) (q's xbar).",
    example="(xbar (column 7 12 15) 5)", example_result=[5.0, 10.0, 15.0],
))


def _til(n: Any) -> Column:
    if isinstance(n, bool) or not isinstance(n, (int, float)) or int(n) != n or n < 0:
        raise BadParameter(f"n must be a non-negative integer, got {n!r}", op="til")
    return Column(np.arange(int(n), dtype=np.float64))


register(OpSpec(
    name="til", kind="structural", operands=("n",), impl=_til,
    doc="The column 0, 1, ..., n-1 (q's til).", example="(til 3)",
    example_result=[0.0, 1.0, 2.0], null_rule="never null",
))
