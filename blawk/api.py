"""The Python API, generated from the registry.

For every op of kind map/lag (and later window/scan/reduce) this module makes:
a function ``blawk.<name>(...)``, a method on lazy :class:`Expr` nodes and a
method on concrete :class:`Column` objects.  Operators ``+ - * / -x abs()`` map
to the arithmetic ops.  With a lazy operand the result is lazy; with only
concrete columns the result is computed at once (eager use).

Example:
    >>> import blawk
    >>> c = blawk.Column([1.0, 2.0, 4.0])
    >>> (c.dlog(1) * 2).to_list()
    [None, 1.3862943611198906, 1.3862943611198906]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .column import Column
from .expr import Expr, materialize
from .registry import OPS, OpSpec


def apply(spec: OpSpec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call an op from Python: lazy if any operand is lazy, else computed now."""
    res = spec.call(list(args), kwargs)
    if isinstance(res, Expr) and not any(isinstance(a, Expr) for a in args):
        return materialize(res)
    return res


def python_name(spec: OpSpec) -> str:
    return spec.python_name or spec.name.replace("-", "_")


def _make_function(spec: OpSpec) -> Callable[..., Any]:
    def fn(*args: Any, **kwargs: Any) -> Any:
        return apply(spec, args, kwargs)

    fn.__name__ = fn.__qualname__ = python_name(spec)
    fn.__doc__ = f"{spec.doc}\n\nSignature: {spec.signature()}\nExample: {spec.example}"
    return fn


def _make_method(spec: OpSpec) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return apply(spec, (self, *args), kwargs)

    method.__name__ = method.__qualname__ = python_name(spec)
    method.__doc__ = spec.doc
    return method


FUNCTIONS: dict[str, Callable[..., Any]] = {}


def install() -> None:
    """Create the functions and attach methods and operators (idempotent)."""
    for spec in OPS.values():
        fname = python_name(spec)
        if spec.kind == "structural":
            continue
        FUNCTIONS[fname] = _make_function(spec)
        for cls in (Expr, Column):
            setattr(cls, fname, _make_method(spec))

    def binop(name: str, reflected: bool = False) -> Callable[[Any, Any], Any]:
        spec = OPS[name]

        def op(self: Any, other: Any) -> Any:
            if not isinstance(other, (Expr, Column, int, float)) or isinstance(other, bool):
                return NotImplemented
            return apply(spec, (other, self) if reflected else (self, other), {})

        return op

    for cls in (Expr, Column):
        for dunder, name in (("add", "+"), ("sub", "-"), ("mul", "*"), ("truediv", "/"),
                             ("pow", "pow"), ("mod", "mod")):
            setattr(cls, f"__{dunder}__", binop(name))
            setattr(cls, f"__r{dunder}__", binop(name, reflected=True))
        # comparisons give 0/1 mask columns; == and != stay identity comparisons
        # (nodes are hash-consed: equality is identity)
        for dunder, name in (("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">=")):
            setattr(cls, f"__{dunder}__", binop(name))
        cls.__neg__ = lambda self: apply(OPS["neg"], (self,), {})  # type: ignore[attr-defined]
        cls.__abs__ = lambda self: apply(OPS["abs"], (self,), {})  # type: ignore[attr-defined]
