"""Lazy expressions: immutable, hash-consed graph nodes.

An :class:`Expr` is an operation applied to argument nodes with fixed
parameters.  Building the same expression twice gives the *same* node (hash
consing), so common subexpressions are shared and computed once.  Leaves are
named inputs (``col("px")``), bound columns (a concrete :class:`Column`) and
scalar constants.

Example:
    >>> import numpy as np, blawk
    >>> px = blawk.col("px")
    >>> r = px.dlog(1) * 252
    >>> r is px.dlog(1) * 252
    True
    >>> blawk.compute(r, px=np.array([100.0, 101.0, 99.0])).to_list()[0] is None
    True
"""

from __future__ import annotations

import struct
import weakref
from typing import Any

from .column import Column

_INTERN: weakref.WeakValueDictionary[tuple[Any, ...], Expr] = weakref.WeakValueDictionary()


def _param_key(v: Any) -> Any:
    # floats by their bits, so 0.0 / -0.0 and NaNs stay distinct and equal to themselves
    if isinstance(v, float):
        return ("f", struct.pack("<d", v))
    if isinstance(v, Column):
        return ("col", id(v))
    return (type(v).__name__, v)


class Expr:
    """A node of the expression graph (build with :func:`blawk.col` and ops)."""

    __slots__ = ("op", "args", "params", "_key", "_plan", "__weakref__")

    op: str
    args: tuple[Expr, ...]
    params: tuple[tuple[str, Any], ...]

    def __new__(
        cls, op: str, args: tuple[Expr, ...] = (), params: tuple[tuple[str, Any], ...] = ()
    ) -> Expr:
        key = (op, tuple(id(a) for a in args), tuple((k, _param_key(v)) for k, v in params))
        node = _INTERN.get(key)
        if node is not None:
            return node
        node = object.__new__(cls)
        object.__setattr__(node, "op", op)
        object.__setattr__(node, "args", args)
        object.__setattr__(node, "params", params)
        object.__setattr__(node, "_key", key)
        object.__setattr__(node, "_plan", None)  # the planner's cache for this node as a root
        _INTERN[key] = node
        return node

    def __setattr__(self, name: str, value: Any) -> None:
        # nodes are immutable: a node's arguments exist before it does, so a
        # graph can never contain a cycle
        if name == "_plan":
            object.__setattr__(self, name, value)
            return
        raise AttributeError(f"Expr nodes are immutable (cannot set {name!r})")

    # the node is immutable: identity is equality
    def __hash__(self) -> int:
        return id(self)

    def param(self, name: str) -> Any:
        for k, v in self.params:
            if k == name:
                return v
        raise KeyError(name)

    @property
    def is_const(self) -> bool:
        return self.op == "const"

    def __repr__(self) -> str:
        return f"Expr({format_expr(self)})"

    def __bool__(self) -> bool:
        from .errors import TypeMismatch

        raise TypeMismatch("a lazy expression has no truth value; compute it first")

    def collect(self, **inputs: Any) -> Column | float:
        """Compute this expression (same as ``blawk.compute(self, **inputs)``)."""
        from .planner import compute

        return compute(self, **inputs)

    def explain(self) -> str:
        """The plan in words: stages, program, what is materialized."""
        from .planner import explain

        return explain(self)


def input_node(name: str) -> Expr:
    """A named input, bound at compute time."""
    return Expr("input", (), (("name", name),))


def column_node(column: Column) -> Expr:
    """A leaf holding a concrete column."""
    return Expr("column", (), (("column", column),))


def const_node(value: float) -> Expr:
    """A scalar constant."""
    return Expr("const", (), (("value", float(value)),))


def col(name: str) -> Expr:
    """A lazy reference to the input column `name`.

    Example:
        >>> import blawk
        >>> blawk.col("px").dlog(1)
        Expr((dlog px :lag 1 :obs False))
    """
    return input_node(name)


def format_expr(e: Expr) -> str:
    """An S-expression rendering of a node (inputs by name, columns by shape)."""
    out: list[str] = []
    stack: list[Any] = [e]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        if item.op == "input":
            out.append(item.param("name"))
        elif item.op == "const":
            out.append(repr(item.param("value")))
        elif item.op == "column":
            out.append(f"<column n={len(item.param('column'))}>")
        else:
            parts: list[Any] = ["(" + item.op]
            for a in item.args:
                parts += [" ", a]
            for k, v in item.params:
                parts.append(f" :{k} {v!r}")
            parts.append(")")
            stack.extend(reversed(parts))
    return "".join(out)


def materialize(value: Any) -> Any:
    """Compute a lazy Expr into a Column (or a float); other values pass through."""
    if isinstance(value, Expr):
        from .planner import compute

        return compute(value)
    return value
