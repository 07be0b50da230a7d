"""Elementwise arithmetic and math: maps, one output element per input element."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..expr import Expr, const_node
from ..registry import REQUIRED, OpSpec, Param, _maybe_fold, register


def _unary(name: str, doc: str, example: str, result: Any, aliases: tuple[str, ...] = ()) -> None:
    register(OpSpec(name=name, kind="map", operands=("x",), doc=doc, example=example,
                    example_result=result, aliases=aliases))


_unary("log", "Natural logarithm (blawk's own vector log, <= 1 ULP). log(0) = -inf, "
       "log(x<0) = NaN.", "(log 1)", 0.0)
_unary("exp", "e raised to x (<= 1 ULP); overflows to +inf, underflows to 0.", "(exp 0)", 1.0)
_unary("sqrt", "Square root, correctly rounded; sqrt(-0.0) = -0.0, sqrt(x<0) = NaN.",
       "(sqrt 16)", 4.0)
_unary("abs", "Absolute value (clears the sign bit, also of NaN).", "(abs -2.5)", 2.5)
_unary("neg", "Negation (flips the sign bit: neg 0.0 = -0.0).", "(neg 3)", -3.0)


def _binary(name: str, alias: str, doc: str, example: str, result: Any, min_operands: int,
            unary: Callable[[Expr], Any] | None, pyname: str) -> None:
    register(OpSpec(name=name, kind="map", operands=("a", "b"), doc=doc, example=example,
                    example_result=result, aliases=(alias,), variadic=True,
                    min_operands=min_operands, python_name=pyname,
                    extra={"unary": unary} if unary else {}))


_binary("+", "add", "Sum of columns and/or numbers, folded left: (+ a b c) = ((a + b) + c).",
        "(+ 1 2 3)", 6.0, 2, None, "add")
_binary("-", "sub", "Difference, folded left; with one argument, negation.", "(- 10 4 1)", 5.0,
        1, lambda x: _maybe_fold(Expr("neg", (x,))), "sub")
_binary("*", "mul", "Product, folded left: (* a b c) = ((a * b) * c).", "(* 2 3)", 6.0, 2,
        None, "mul")
_binary("/", "div", "Quotient, folded left; with one argument, 1/x.  1/0 = inf, 0/0 = NaN.",
        "(/ 1 4)", 0.25, 1, lambda x: _maybe_fold(Expr("/", (const_node(1.0), x))), "div")


# ------------------------------------------------------------------ more math
# Every one has a kernel per ISA (blawk's own for the transcendental ones,
# < 0.6 ULP, docs/vmath.md) with the same bits on every path; mod alone runs
# one scalar implementation (C99 fmod, exact) everywhere.

_unary("floor", "Largest integer <= x (IEEE: floor(-0.5) = -0.0).", "(floor -1.5)", -2.0)
_unary("ceil", "Smallest integer >= x.", "(ceil 1.2)", 2.0)
_unary("sign", "-1, 0 or 1 by the sign of x; keeps -0.0, +0.0 and NaN.", "(sign -3)", -1.0,
       aliases=("signum",))
_unary("log1p", "ln(1 + x), accurate for small x (< 0.6 ULP).", "(log1p 0)", 0.0)
_unary("expm1", "e^x - 1, accurate for small x (< 0.6 ULP).", "(expm1 0)", 0.0)
_unary("log10", "Base-10 logarithm (< 0.6 ULP; exact at powers of 10).", "(log10 1000)", 3.0)
_unary("log2", "Base-2 logarithm (< 0.6 ULP; exact at powers of 2).", "(log2 8)", 3.0)


def _check_digits(op: str, param: str, v: Any) -> int:
    from ..errors import BadParameter

    if isinstance(v, bool) or not isinstance(v, (int, float)) or int(v) != v \
            or not -308 <= v <= 308:
        raise BadParameter(f"{param} must be an integer in [-308, 308], got {v!r}", op=op)
    return int(v)


register(OpSpec(
    name="round", kind="map", operands=("x",),
    params=(Param("digits", 0, _check_digits, "decimal digits (negative: tens, ...)"),),
    doc="Round to `digits` decimal digits, half to even, exactly as numpy's round.",
    example="(round 2.675 2)", example_result=2.68,
))
register(OpSpec(
    name="inv", kind="map", operands=("x",), doc="1 / x (1/0 = inf, 1/-0.0 = -inf).",
    example="(inv 4)", example_result=0.25, aliases=("reciprocal",),
))


def _binary_op(name: str, doc: str, example: str, result: Any,
               aliases: tuple[str, ...] = ()) -> None:
    register(OpSpec(name=name, kind="map", operands=("a", "b"), doc=doc, example=example,
                    example_result=result, aliases=aliases))


_binary_op("pow", "a raised to b (C99 pow: pow(x, 0) = 1 even for NaN).", "(pow 2 10)", 1024.0,
           aliases=("expt", "xexp"))
_binary_op("mod", "Floored modulo, the sign of the divisor (np.mod, Python's %).",
           "(mod -7 3)", 2.0)
_binary_op("min2", "Elementwise minimum of two inputs; NaN if either is NaN (np.minimum).",
           "(min2 3 4)", 3.0, aliases=("fmin", "&"))
_binary_op("max2", "Elementwise maximum of two inputs; NaN if either is NaN (np.maximum).",
           "(max2 3 4)", 4.0, aliases=("fmax", "|"))


def _clip(x: Expr, lo: float, hi: float) -> Any:
    from ..errors import BadParameter
    from ..registry import lookup

    if lo > hi:
        raise BadParameter(f"lo must be <= hi, got lo={lo!r} hi={hi!r}", op="clip")
    up = lookup("max2").call([x, lo], {})  # type: ignore[union-attr]
    return lookup("min2").call([up, hi], {})  # type: ignore[union-attr]


def _check_bound(op: str, param: str, v: Any) -> float:
    from ..errors import BadParameter

    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
        raise BadParameter(f"{param} must be a number, got {v!r}", op=op)
    return float(v)


register(OpSpec(
    name="clip", kind="composite", operands=("x",),
    params=(Param("lo", REQUIRED, _check_bound, "lower bound"),
            Param("hi", REQUIRED, _check_bound, "upper bound")),
    expand=_clip, aliases=("chop",),
    doc="Clamp x into [lo, hi] (NaN stays NaN).", example="(clip (column -5 0.5 9) 0 1)",
    example_result=[0.0, 0.5, 1.0],
))
