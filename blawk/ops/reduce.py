"""Reductions: a whole column (nulls skipped) to one number.

A reduction whose result feeds later elementwise work ends a stage: the
planner computes it in the same pass as its input, then runs what uses it in a
second pass.  ddof conventions: where q defines a name it follows q (``var``,
``dev``: population, ddof 0; ``svar``, ``sdev``: sample, ddof 1); ``std``
follows pandas (sample, ddof 1); all take ``:ddof``.
"""

from __future__ import annotations

from typing import Any

from ..errors import BadParameter
from ..expr import Expr
from ..planner import register_lowering
from ..registry import OpSpec, Param, check_ddof, check_unit, register

_C = "(column 1 2 3 4)"


def check_axis(op: str, param: str, v: Any) -> str:
    """Down each column ("columns", the default) or across each row ("rows")."""
    if v not in ("columns", "rows", 0, 1):
        raise BadParameter(f'{param} must be "columns" or "rows", got {v!r}', op=op)
    return {0: "columns", 1: "rows"}.get(v, v)  # type: ignore[arg-type]


_AXIS = Param("axis", "columns", check_axis,
              'on a table: "columns" (one value per column) or "rows" (one per row)',
              keyword_only=True)


def _reduce(name: str, kind: str, doc: str, example: str, result: Any,
            aliases: tuple[str, ...] = (), params: tuple[Param, ...] = (),
            operands: tuple[str, ...] = ("x",)) -> None:
    register(OpSpec(name=name, kind="reduce", operands=operands, params=(*params, _AXIS),
                    doc=doc, example=example, example_result=result, aliases=aliases,
                    null_rule="skips nulls; null when no valid value remains",
                    prepare=_drop_axis))
    register_lowering(name, ("reduce", kind, len(operands) == 2))


def _drop_axis(params: dict[str, Any]) -> dict[str, Any]:
    """:axis only matters for tables (handled before a node is built)."""
    return {k: v for k, v in params.items() if k != "axis"}


def _ddof(default: int) -> tuple[Param, ...]:
    return (Param("ddof", default, check_ddof, "0 = population, 1 = sample"),)


_reduce("sum", "sum", "Sum of the valid values (null if there are none).", f"(sum {_C})", 10.0)
_reduce("sum0", "sum0", "Sum of the valid values, 0 if there are none.", "(sum0 (column nil))",
        0.0)
_reduce("mean", "mean", "Arithmetic mean of the valid values.", f"(mean {_C})", 2.5,
        aliases=("avg",))
_reduce("var", "var", "Variance; default population (ddof 0) as in q.", f"(var {_C})", 1.25,
        params=_ddof(0))
_reduce("svar", "var", "Sample variance (ddof 1), q's svar.", f"(svar {_C})",
        1.6666666666666667, params=_ddof(1))
_reduce("std", "std", "Standard deviation; default sample (ddof 1) as in pandas.",
        "(std (column 2 4 4 4 5 5 7 9) :ddof 0)", 2.0, params=_ddof(1))
_reduce("dev", "std", "Population standard deviation (ddof 0), q's dev.",
        "(dev (column 2 4 4 4 5 5 7 9))", 2.0, params=_ddof(0))
_reduce("sdev", "std", "Sample standard deviation (ddof 1), q's sdev.", "(sdev (column 1 3))",
        1.4142135623730951, params=_ddof(1))
_reduce("min", "min", "Smallest valid value (NaN if any is NaN).", f"(min {_C})", 1.0)
_reduce("max", "max", "Largest valid value (NaN if any is NaN).", f"(max {_C})", 4.0)
_reduce("count", "count", "Number of valid (non-null) values.", "(count (column 1 nil 3))", 2.0)
_reduce("first", "first", "First valid value.", "(first (column nil 2 3))", 2.0)
_reduce("last", "last", "Last valid value.", "(last (column 1 2 nil))", 2.0)
_reduce("prod", "prod", "Product of the valid values.", f"(prod {_C})", 24.0)
_reduce("median", "median", "Median of the valid values.", f"(median {_C})", 2.5,
        aliases=("med",))
_reduce("quantile", "quantile", "Quantile q in [0, 1], linear interpolation (numpy default).",
        f"(quantile {_C} :q 0.25)", 1.75,
        params=(Param("q", 0.5, check_unit, "the quantile, in [0, 1]"),))
_reduce("skew", "skew", "Sample skewness, bias-corrected (as pandas).",
        "(skew (column 1 2 3))", 0.0)
_reduce("kurt", "kurt", "Excess kurtosis, bias-corrected (as pandas).",
        "(kurt (column 1 2 3 4))", -1.2)
_reduce("cov", "cov", "Covariance of pairs where both are valid; default sample (ddof 1).",
        "(cov (column 1 2 3) (column 2 4 6))", 2.0, params=_ddof(1), operands=("x", "y"))
_reduce("cor", "cor", "Pearson correlation of pairs where both are valid.",
        "(cor (column 1 2 3) (column 2 4 7))", 0.9933992677987828, operands=("x", "y"))
_reduce("wsum", "wsum", "Weighted sum: sum of w*x over pairs where both are valid (q: w wsum x).",
        "(wsum (column 1 2) (column 3 4))", 11.0, operands=("w", "x"))
_reduce("wavg", "wavg", "Weighted mean: sum(w*x) / sum(w) (q: w wavg x).",
        "(wavg (column 1 3) (column 2 4))", 3.5, operands=("w", "x"))


def _zscore(x: Expr, ddof: int) -> Any:
    from ..registry import lookup

    spec_mean, spec_std = lookup("mean"), lookup("std")
    assert spec_mean is not None and spec_std is not None
    mu = spec_mean.call([x], {})
    sd = spec_std.call([x], {"ddof": ddof})
    return lookup("/").call([lookup("-").call([x, mu], {}), sd], {})  # type: ignore[union-attr]


register(OpSpec(
    name="zscore", kind="composite", operands=("x",), params=_ddof(1), expand=_zscore,
    doc="(x - mean x) / std x over the whole column (two passes: moments, then normalise).",
    example="(zscore (column 1 2 3))", example_result=[-1.0, 0.0, 1.0],
    null_rule="nulls stay null; skipped by the moments",
))
