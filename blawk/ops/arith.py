"""Elementwise arithmetic and math: maps, one output element per input element."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..expr import Expr, const_node
from ..registry import OpSpec, _maybe_fold, register


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
