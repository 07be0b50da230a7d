"""Comparisons, masks and null handling.

Comparisons give 1.0 (true) or 0.0 (false) float64 columns: masks that fuse
with arithmetic (``(* signal returns)``) as q's booleans do.  A value is true
when it is neither 0 nor NaN.  IEEE: every comparison with NaN is false except
``!=``.  The logical and/or of masks are ``&`` / ``|`` (q's min/max).
Null follows the elementwise rule (null in, null out) except for the null
tests and fills below, which say what they do.
"""

from __future__ import annotations

from typing import Any

from ..errors import BadParameter
from ..registry import OpSpec, Param, register

_X = "(column 1 2 3)"


def _cmp(name: str, alias: str, doc: str, example: str, result: Any) -> None:
    register(OpSpec(name=name, kind="map", operands=("a", "b"), doc=doc, example=example,
                    example_result=result, aliases=(alias,), python_name=alias))


_cmp(">", "gt", "1.0 where a > b, else 0.0.", f"(> {_X} 2)", [0.0, 0.0, 1.0])
_cmp("<", "lt", "1.0 where a < b, else 0.0.", f"(< {_X} 2)", [1.0, 0.0, 0.0])
_cmp(">=", "ge", "1.0 where a >= b, else 0.0.", f"(>= {_X} 2)", [0.0, 1.0, 1.0])
_cmp("<=", "le", "1.0 where a <= b, else 0.0.", f"(<= {_X} 2)", [1.0, 1.0, 0.0])
_cmp("=", "eq", "1.0 where a = b, else 0.0 (NaN = NaN is false).", f"(= {_X} 2)",
     [0.0, 1.0, 0.0])
_cmp("!=", "ne", "1.0 where a != b, else 0.0 (NaN != NaN is true).", f"(!= {_X} 2)",
     [1.0, 0.0, 1.0])

register(OpSpec(name="not", kind="map", operands=("x",), python_name="logical_not",
                doc="1.0 where x is false (0 or NaN).",
                example="(not (column 0 2))", example_result=[1.0, 0.0]))
register(OpSpec(name="null?", kind="map", operands=("x",), aliases=("isnull",),
                python_name="isnull",
                doc="1.0 where x is null, else 0.0; never null.",
                example="(null? (column 1 nil))", example_result=[0.0, 1.0],
                null_rule="never null"))
register(OpSpec(name="valid?", kind="map", operands=("x",), aliases=("isvalid",),
                python_name="notnull",
                doc="1.0 where x is valid (not null), else 0.0; never null.",
                example="(valid? (column 1 nil))", example_result=[1.0, 0.0],
                null_rule="never null"))
register(OpSpec(name="nan->null", kind="map", operands=("x",), aliases=("nan2null",),
                python_name="nan_to_null",
                doc="x with NaN turned into null (the one place NaN and null meet).",
                example="(nan->null (column 1 nan))", example_result=[1.0, None],
                null_rule="null where x is null or NaN"))


def _check_number(op: str, param: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise BadParameter(f"{param} must be a number, got {v!r}", op=op)
    return float(v)


register(OpSpec(name="fill", kind="map", operands=("x",),
                params=(Param("value", 0.0, _check_number, "what nulls become"),),
                aliases=("fill0",),
                doc="Nulls replaced by `value` (default 0); never null. NaN stays NaN.",
                example="(fill (column 1 nil) 9)", example_result=[1.0, 9.0],
                null_rule="never null"))
register(OpSpec(name="coalesce", kind="map", operands=("a", "b"),
                doc="a where a is valid, else b.",
                example="(coalesce (column 1 nil nil) (column 7 8 nil))",
                example_result=[1.0, 8.0, None], null_rule="null where both are null"))
register(OpSpec(name="where", kind="map", operands=("cond", "a", "b"), aliases=("?",),
                python_name="where",
                doc="a where cond is true (not 0, not NaN), else b; null where cond is null "
                    "or the chosen side is null.",
                example="(where (column 1 0) (column 10 20) (column 30 40))",
                example_result=[10.0, 40.0]))


def _masked(x: Any, m: Any) -> Any:
    from ..registry import lookup

    def op(name: str, *args: Any) -> Any:
        spec = lookup(name)
        assert spec is not None
        return spec.call(list(args), {})

    # x * NaN is NaN in every row (null where x is null), so nan->null of it
    # is a column of nulls as long as x: the "else" side of the where
    nothing = op("nan->null", op("*", x, float("nan")))
    return op("where", m, x, nothing)


register(OpSpec(name="masked", kind="composite", operands=("x", "mask"), expand=_masked,
                python_name="masked",
                doc="x where mask is true (not 0, not NaN), null elsewhere and where mask "
                    "is null: how calendar masks make rows skippable, e.g. "
                    "(dlog (masked px (weekdays t)) 1 :obs t) for business-day returns.",
                example="(masked (column 1 2 3) (column 1 0 1))",
                example_result=[1.0, None, 3.0],
                null_rule="null where mask is false or null, or x is null"))
