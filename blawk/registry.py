"""The one operation registry.

Every operation is declared once (in the modules of :mod:`blawk.ops`, through
:func:`register`): canonical name, aliases, operands, parameters with keyword
names and defaults, kind, null rule, docstring and a runnable example.  The
language builtins, the Python functions and methods, ``blawk ops`` and the
reference docs all come from this table.

Kinds: ``map`` (elementwise), ``lag`` (reads back in time), ``structural``
(tables, files).  Later kinds: window, scan, reduce.

Example:
    >>> from blawk.registry import lookup
    >>> spec = lookup("mul")
    >>> spec.name, spec.signature()
    ('*', '(* a b ...)')
    >>> spec.call([2, 3], {})
    6.0
"""

from __future__ import annotations

import difflib
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .column import Column
from .errors import ArityError, BadParameter, ShapeError, TypeMismatch, UnknownName
from .expr import Expr, column_node, const_node

REQUIRED: Any = object()  # marker: the parameter has no default


@dataclass(frozen=True)
class Param:
    """A named, non-column parameter of an op (a lag, a window length, ...)."""

    name: str
    default: Any = REQUIRED
    check: Callable[[str, str, Any], Any] | None = None  # (op, param, value) -> clean value
    doc: str = ""
    keyword_only: bool = False  # only as :name value, never positionally


@dataclass(frozen=True)
class OpSpec:
    """The declaration of one operation."""

    name: str
    kind: str
    operands: tuple[str, ...]
    doc: str
    example: str  # a language expression
    example_result: Any  # what it evaluates to (a list for columns, a float for scalars)
    aliases: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    null_rule: str = "elementwise: null where any input is null"
    variadic: bool = False  # operands repeat: (+ a b c ...) folds left
    min_operands: int = 0  # variadic only
    impl: Callable[..., Any] | None = None  # structural ops: a direct Python function
    python_name: str = ""  # name of the Python function/method (defaults to name)
    extra: dict[str, Any] = field(default_factory=dict)
    # parameters -> the parameters the node keeps (e.g. ema's span -> alpha)
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # composite ops: (operand nodes, params) -> the node built from primitives
    expand: Callable[..., Any] | None = None

    def _each(self, operands: list[Any], kwargs: dict[str, Any]) -> Any:
        return _each_impl(self, operands, kwargs)

    # ------------------------------------------------------------ calling
    def signature(self) -> str:
        """The op's call shape, e.g. ``(dlog x lag=1)``."""
        parts = list(self.operands)
        if self.variadic:
            parts.append("...")
        for p in self.params:
            if p.keyword_only:
                parts.append(f":{p.name.replace('_', '-')} {_lisp(p.default)}")
            else:
                parts.append(p.name if p.default is REQUIRED else f"{p.name}={p.default!r}")
        return "(" + " ".join([self.name, *parts]) + ")"

    def bind(self, args: list[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """Split call arguments into operands and checked parameters."""
        if self.variadic:
            if kwargs:
                bad = next(iter(kwargs))
                raise ArityError(
                    f"unknown keyword :{bad.replace('_', '-')}; signature {self.signature()}",
                    op=self.name,
                )
            if len(args) < self.min_operands:
                raise ArityError(
                    f"expects at least {self.min_operands} argument(s), got {len(args)}; "
                    f"signature {self.signature()}",
                    op=self.name,
                )
            return list(args), {}
        names = [*self.operands, *(p.name for p in self.params)]
        positional = [*self.operands, *(p.name for p in self.params if not p.keyword_only)]
        if len(args) > len(positional):
            raise ArityError(
                f"expects at most {len(positional)} argument(s), got {len(args)}; "
                f"signature {self.signature()}",
                op=self.name,
            )
        bound: dict[str, Any] = dict(zip(positional, args, strict=False))
        for k, v in kwargs.items():
            if k not in names:
                raise ArityError(
                    f"unknown keyword :{k.replace('_', '-')}; signature {self.signature()}",
                    op=self.name,
                )
            if k in bound:
                raise ArityError(f"{k} given twice; signature {self.signature()}", op=self.name)
            bound[k] = v
        operands = []
        for o in self.operands:
            if o not in bound:
                raise ArityError(
                    f"missing argument {o}; signature {self.signature()}", op=self.name
                )
            operands.append(bound[o])
        params: dict[str, Any] = {}
        for p in self.params:
            if p.name in bound:
                v = bound[p.name]
                params[p.name] = p.check(self.name, p.name, v) if p.check else v
            elif p.default is REQUIRED:
                raise ArityError(
                    f"missing argument {p.name}; signature {self.signature()}", op=self.name
                )
            else:
                params[p.name] = p.default
        return operands, params

    def call(self, args: list[Any], kwargs: dict[str, Any] | None = None) -> Any:
        """Apply the op: a lazy Expr if a column is involved, else a number.

        Raises ArityError, TypeMismatch or BadParameter (without location).
        """
        operands, params = self.bind(list(args), dict(kwargs or {}))
        if self.impl is not None:
            return self.impl(*operands, **params)
        if self.kind in _EACH_KINDS and any(_is_table(v) for v in operands):
            return self._each(operands, kwargs or {})
        if self.kind == "reduce" and any(_is_table(v) for v in operands):
            return _reduce_table(self, operands, params)
        named = _named(self, operands)
        nodes = [_to_node(self.name, name, v) for name, v in named]
        _check_lengths(self.name, named, nodes)
        if self.kind in ("lag", "window", "scan") or self.name in ("where", "masked"):
            for (name, _), nd in zip(named, nodes, strict=True):
                _needs_column(self.name, name, nd)
        if self.variadic:
            return _fold_variadic(self, nodes)
        if self.prepare is not None:
            params = self.prepare(params)
        if self.expand is not None:
            return self.expand(*nodes, **params)
        node = Expr(self.name, tuple(nodes), tuple(params.items()))
        return _maybe_fold(node)


def _lisp(v: Any) -> str:
    """A default value as the language spells it."""
    if v is None or v is False:
        return "nil"
    if v is True:
        return "t"
    if isinstance(v, str):
        return '"' + v + '"'
    return repr(v)


_EACH_KINDS = ("map", "lag", "window", "scan", "composite")


def _is_table(v: Any) -> bool:
    from .table import Table

    return isinstance(v, Table)


def _each_impl(spec: OpSpec, operands: list[Any], kwargs: dict[str, Any]) -> Any:
    """kdb's each: a column op on a table applies to every column (index and
    names kept).  With two tables, columns pair up by name."""
    tables = [v for v in operands if _is_table(v)]
    first = tables[0]
    for t in tables[1:]:
        if t.names != first.names or len(t) != len(first):
            raise ShapeError(
                f"tables must have the same columns and length to combine "
                f"(got {first.names} x {len(first)} and {t.names} x {len(t)})", op=spec.name)

    def one(name: str) -> Any:
        args = [v.column(name) if _is_table(v) else v for v in operands]
        return spec.call(args, kwargs)

    cols = iter(first.names)
    from .expr import materialize

    return first.map_columns(lambda _c: materialize(one(next(cols))))


_LENGTH: weakref.WeakKeyDictionary[Expr, int | None] = weakref.WeakKeyDictionary()


def known_length(node: Expr) -> int | None:
    """The length a node will have if all its columns are bound now (else None)."""
    if node.op == "column":
        return len(node.param("column"))
    if not node.args:
        return None
    if node in _LENGTH:
        return _LENGTH[node]
    lengths = {n for n in (known_length(a) for a in node.args) if n is not None}
    n = lengths.pop() if len(lengths) == 1 else None
    _LENGTH[node] = n
    return n


def _check_lengths(op: str, named: list[tuple[str, Any]], nodes: list[Expr]) -> None:
    """Columns of different lengths are an error where the op is built."""
    seen: list[tuple[str, int]] = []
    for (name, _), nd in zip(named, nodes, strict=True):
        n = known_length(nd)
        if n is not None:
            seen.append((name, n))
    if len({n for _, n in seen}) > 1:
        desc = ", ".join(f"{name} has {n}" for name, n in seen)
        raise ShapeError(f"columns of different lengths: {desc}", op=op)


def _needs_column(op: str, name: str, nd: Expr) -> None:
    """Lags, windows, scans, where and masked need a column, not a number."""
    from .planner import LOWERING

    if nd.op == "const":
        raise TypeMismatch(f"{name} must be a column, got a number", op=op)
    low = LOWERING.get(nd.op)
    if low is not None and low[0] == "reduce":
        raise TypeMismatch(f"{name} must be a column, got the result of {nd.op} (a number)",
                           op=op)


# row-wise reductions of a table: numpy over the valid cells of each row
_ROWWISE = {
    "sum": lambda m: m.sum(axis=1), "sum0": lambda m: m.sum(axis=1).filled(0.0),
    "mean": lambda m: m.mean(axis=1), "min": lambda m: m.min(axis=1),
    "max": lambda m: m.max(axis=1), "count": lambda m: m.count(axis=1).astype(float),
    "var": None, "svar": None, "std": None, "dev": None, "sdev": None,
}


def _reduce_table(spec: OpSpec, operands: list[Any], params: dict[str, Any]) -> Any:
    """A reduction of a table: one value per column (a one-row table) or, with
    :axis "rows", one value per row (a column)."""
    from .column import Column
    from .expr import materialize
    from .table import Table

    if len(operands) != 1:
        raise TypeMismatch("a two-input reduction takes columns, not a table", op=spec.name)
    t: Table = operands[0]
    axis = params.get("axis", "columns")
    rest = {k: v for k, v in params.items() if k != "axis"}
    if axis == "columns":
        cols = {}
        for name in t.names:
            v = materialize(spec.call([t.column(name)], rest))
            cols[name] = Column([v])
        return Table(cols)
    if spec.name not in _ROWWISE:
        raise BadParameter(f'{spec.name} has no :axis "rows" form', op=spec.name)
    import numpy.ma as ma

    vals = np.column_stack([t.column(nm).values for nm in t.names]) if t.names else \
        np.zeros((len(t), 0))
    ok = np.column_stack([t.column(nm).is_valid() for nm in t.names]) if t.names else \
        np.zeros((len(t), 0), dtype=bool)
    m = ma.masked_array(vals, mask=~ok)
    f = _ROWWISE[spec.name]
    if f is None:  # variance-like: ddof from the op
        ddof = int(rest.get("ddof", 1))
        res = m.var(axis=1, ddof=ddof)
        if spec.name in ("std", "dev", "sdev"):
            res = ma.sqrt(res)
    else:
        res = f(m)
    res = ma.asarray(res, dtype=float)
    out_ok = ~ma.getmaskarray(res)
    return Column(np.asarray(res.filled(0.0), dtype=float), valid=out_ok)


def _named(spec: OpSpec, operands: list[Any]) -> list[tuple[str, Any]]:
    if spec.variadic:
        return [(f"argument {i + 1}", v) for i, v in enumerate(operands)]
    return list(zip(spec.operands, operands, strict=True))


def _to_node(op: str, name: str, v: Any) -> Expr:
    if isinstance(v, Expr):
        return v
    if isinstance(v, Column):
        return column_node(v)
    if isinstance(v, (bool, np.bool_)):
        raise TypeMismatch(f"{name} must be a column or a number, got a boolean", op=op)
    if isinstance(v, (int, float, np.integer, np.floating)):
        try:
            return const_node(float(v))
        except OverflowError:
            raise BadParameter(f"{name}: number too large for float64: {v}", op=op) from None
    if isinstance(v, np.ndarray):
        return column_node(Column(v))
    from .table import Table

    if isinstance(v, Table):
        raise TypeMismatch(
            f"{name} must be a column, got a table (pick one with (col table \"name\"))", op=op
        )
    kind = "string" if isinstance(v, str) else type(v).__name__
    shown = f" {v!r}" if isinstance(v, str) and len(v) < 40 else ""
    raise TypeMismatch(f"{name} must be a column or a number, got a {kind}{shown}", op=op)


def _fold_variadic(spec: OpSpec, nodes: list[Expr]) -> Any:
    unary = spec.extra.get("unary")
    if len(nodes) == 1:
        if unary is None:
            return _maybe_fold(nodes[0])
        return unary(nodes[0])
    acc = nodes[0]
    for nd in nodes[1:]:
        acc = _maybe_fold(Expr(spec.name, (acc, nd)))
        if not isinstance(acc, Expr):
            acc = const_node(acc)
    return _maybe_fold(acc)


# Rewrites that can never change an IEEE result (bits included):
#   x * 1 -> x, 1 * x -> x, x / 1 -> x, x - 0 -> x  (but not x + 0: -0.0 + 0 = +0.0,
#   and never x * 0 -> 0: NaN and inf), neg(neg x) -> x, abs(abs x) -> abs x.
def _simplify(node: Expr) -> Expr:
    op, args = node.op, node.args

    def is_const(e: Expr, v: float) -> bool:
        if e.op != "const":
            return False
        c = e.param("value")
        return c == v and math.copysign(1.0, c) == math.copysign(1.0, v)

    if op == "*" and len(args) == 2:
        if is_const(args[1], 1.0):
            return args[0]
        if is_const(args[0], 1.0):
            return args[1]
    if op == "/" and len(args) == 2 and is_const(args[1], 1.0):
        return args[0]
    if op == "-" and len(args) == 2 and is_const(args[1], 0.0):
        return args[0]
    if op == "neg" and args[0].op == "neg":
        return args[0].args[0]
    if op == "abs" and args[0].op == "abs":
        return args[0]
    return node


def _maybe_fold(node: Expr) -> Any:
    """All-constant nodes become numbers, computed by the same kernels as columns."""
    node = _simplify(node)
    if node.op == "const":
        return node.param("value")
    if node.args and all(a.op == "const" for a in node.args):
        from .planner import fold_constant

        return fold_constant(node)
    return node


# ------------------------------------------------------------ parameter checks


def check_lag(op: str, param: str, v: Any) -> int:
    """A lag: a non-negative integer (an integral float such as 2.0 is accepted)."""
    if isinstance(v, (bool, np.bool_)):
        raise BadParameter(f"{param} must be a non-negative integer, got a boolean", op=op)
    if isinstance(v, (int, np.integer)):
        iv = int(v)
    elif isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer():
        iv = int(v)
    else:
        raise BadParameter(f"{param} must be a non-negative integer, got {v!r}", op=op)
    if iv < 0:
        raise BadParameter(f"{param} must be a non-negative integer, got {iv}", op=op)
    return iv


def check_pos_int(op: str, param: str, v: Any) -> int:
    """A positive integer (window lengths)."""
    if isinstance(v, (bool, np.bool_)) or not (
        isinstance(v, (int, np.integer))
        or (isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer())
    ):
        raise BadParameter(f"{param} must be a positive integer, got {v!r}", op=op)
    iv = int(v)
    if iv < 1:
        raise BadParameter(f"{param} must be a positive integer, got {iv}", op=op)
    return iv


def check_opt_pos_int(op: str, param: str, v: Any) -> int | None:
    """None (the default rule) or a positive integer."""
    return None if v is None else check_pos_int(op, param, v)


def check_ddof(op: str, param: str, v: Any) -> int:
    """Delta degrees of freedom: 0 (population) or 1 (sample)."""
    if isinstance(v, bool) or v not in (0, 1):
        raise BadParameter(f"{param} must be 0 or 1, got {v!r}", op=op)
    return int(v)


def check_unit(op: str, param: str, v: Any) -> float:
    """A number in [0, 1]."""
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(v) <= 1.0:
        raise BadParameter(f"{param} must be a number in [0, 1], got {v!r}", op=op)
    return float(v)


def check_opt_positive(op: str, param: str, v: Any) -> float | None:
    """None or a finite number > 0."""
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(float(v)) and float(v) > 0):
        raise BadParameter(f"{param} must be a positive number, got {v!r}", op=op)
    return float(v)


# ------------------------------------------------------------ the table

OPS: dict[str, OpSpec] = {}
_ALIASES: dict[str, str] = {}


def register(spec: OpSpec) -> OpSpec:
    for nm in (spec.name, *spec.aliases):
        if nm in _ALIASES:
            raise ValueError(f"op name {nm!r} declared twice")
        _ALIASES[nm] = spec.name
    OPS[spec.name] = spec
    return spec


def lookup(name: str) -> OpSpec | None:
    """The op called `name` (canonical or alias), or None."""
    canon = _ALIASES.get(name)
    return OPS[canon] if canon is not None else None


def get(name: str) -> OpSpec:
    """Like lookup, but an unknown name raises UnknownName with a suggestion."""
    spec = lookup(name)
    if spec is None:
        close = difflib.get_close_matches(name, names(), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise UnknownName(f"unknown operation {name!r}{hint}")
    return spec


def names() -> list[str]:
    """Every callable name, aliases included."""
    return sorted(_ALIASES)


# The declarations live in blawk/ops/ (one module per family); importing the
# package registers them all.  Imported last: those modules use the machinery above.
from . import ops as _ops  # noqa: E402,F401
