"""Lag operations: each output reads back in time."""

from __future__ import annotations

from ..registry import OpSpec, Param, check_lag, register

register(OpSpec(
    name="dlog", kind="lag", operands=("x",),
    params=(Param("lag", 1, check_lag, "how many rows back (>= 0)"),),
    doc="Log return: ln x[i] - ln x[i-lag], computed with one log per element. "
        "Null for i < lag and wherever x[i] or x[i-lag] is null.",
    example="(dlog (column 1 1 2) 1)", example_result=[None, 0.0, 0.6931471805599453],
    null_rule="lag: null for i < lag and where x[i] or x[i-lag] is null",
))
