"""The planner (first cut): expression graph -> one fused VM program.

Every node of the graph below the outputs is lowered into a register program
that the C VM runs block by block, so ``(dlog x 1) * 252 + 1`` is a single pass
over memory with no full-length temporaries, and ``dlog`` computes one log per
element: with lag 1 a fused DLOG1 instruction differences each log against its
neighbour in registers; with other lags a LOG writes into a register whose
history the VM keeps and a DIFF reads it back.

Plans are cached by graph *structure*: leaves (named inputs and bound columns)
are numbered in order of first appearance, so running the same script again on
other data reuses the compiled program.

Example:
    >>> import numpy as np, blawk
    >>> e = blawk.col("x").dlog(1) * 252
    >>> print(blawk.explain(e))  # doctest: +NORMALIZE_WHITESPACE
    1 fused pass (1 input, 1 output, 2 instructions, 2 block registers)
      r1 = dlog1 r0 lag=1
      r2 = mul_s r1 252.0        -> output 0 (may be null)
      r0 = input x
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from .column import Column, aligned_empty, as_float64, bitmap_words
from .errors import BadParameter, ShapeError, TypeMismatch, UnknownName
from .expr import Expr

_UNARY = {"log": "log", "exp": "exp", "sqrt": "sqrt", "abs": "abs", "neg": "neg"}
_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
# column (op) scalar, and scalar (op) column
_WITH_SCALAR = {"+": ("add_s", "add_s"), "-": ("sub_s", "rsub_s"), "*": ("mul_s", "mul_s"),
                "/": ("div_s", "rdiv_s")}
_LAG = {"dlog": ("log", "diff")}
_LEAVES = ("input", "column")


@dataclass
class Plan:
    """A compiled program plus how to bind its inputs."""

    program: _core.Program
    n_leaves: int
    code: list[tuple[Any, ...]]
    out_regs: list[int]


_CACHE: OrderedDict[tuple[Any, ...], Plan] = OrderedDict()
_CACHE_SIZE = 512


def _topo(outputs: list[Expr]) -> list[Expr]:
    """Nodes reachable from the outputs, every node after its arguments (iterative)."""
    order: list[Expr] = []
    seen: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(o, False) for o in reversed(outputs)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded or not node.args:
            seen.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for a in reversed(node.args):
            if id(a) not in seen:
                stack.append((a, False))
    return order


def _leaves(order: list[Expr]) -> list[Expr]:
    return [nd for nd in order if nd.op in _LEAVES]


def _structure_key(order: list[Expr], outputs: list[Expr]) -> tuple[Any, ...]:
    index: dict[int, int] = {}
    key: list[Any] = []
    leaf = 0
    for i, nd in enumerate(order):
        index[id(nd)] = i
        if nd.op in _LEAVES:
            key.append(("leaf", leaf))
            leaf += 1
        elif nd.op == "const":
            key.append(("const", struct.pack("<d", nd.param("value"))))
        else:
            key.append((nd.op, tuple(index[id(a)] for a in nd.args), nd.params))
    key.append(("out", tuple(index[id(o)] for o in outputs)))
    return tuple(key)


def _compile(order: list[Expr], outputs: list[Expr]) -> Plan:
    leaves = _leaves(order)
    reg: dict[int, int] = {id(nd): i for i, nd in enumerate(leaves)}
    nreg = len(leaves)
    code: list[tuple[Any, ...]] = []

    def new_reg() -> int:
        nonlocal nreg
        nreg += 1
        return nreg - 1

    # arguments whose log the graph needs anyway: dlog of those shares the LOG
    logged = {id(nd.args[0]) for nd in order if nd.op == "log"}

    for nd in order:
        if nd.op in _LEAVES or nd.op == "const":
            continue
        args = nd.args
        if nd.op in _UNARY:
            dst = new_reg()
            code.append((_UNARY[nd.op], dst, reg[id(args[0])], 0, 0, 0.0))
        elif nd.op in _BINARY:
            a, b = args
            dst = new_reg()
            if a.op != "const" and b.op != "const":
                code.append((_BINARY[nd.op], dst, reg[id(a)], reg[id(b)], 0, 0.0))
            elif b.op == "const":
                code.append((_WITH_SCALAR[nd.op][0], dst, reg[id(a)], 0, 0, b.param("value")))
            else:
                code.append((_WITH_SCALAR[nd.op][1], dst, reg[id(b)], 0, 0, a.param("value")))
        elif nd.op == "dlog" and nd.param("lag") == 1 and id(args[0]) not in logged:
            # one pass: each log is differenced against its neighbour in registers
            dst = new_reg()
            code.append(("dlog1", dst, reg[id(args[0])], 0, 1, 0.0))
        elif nd.op in _LAG:
            pre, lagop = _LAG[nd.op]
            src = reg[id(args[0])]
            if args[0].op == "const":
                raise TypeMismatch("x must be a column, got a number", op=nd.op)
            tmp = new_reg()
            code.append((pre, tmp, src, 0, 0, 0.0))
            dst = new_reg()
            code.append((lagop, dst, tmp, 0, int(nd.param("lag")), 0.0))
        else:
            raise TypeMismatch(f"operation {nd.op!r} cannot run in the VM", op=nd.op)
        reg[id(nd)] = dst

    out_regs: list[int] = []
    for o in outputs:
        if o.op == "const":
            raise TypeMismatch("a scalar is not a column expression", op="compute")
        r = reg[id(o)]
        if r < len(leaves) or r in out_regs:
            # an output that is an input, or the same node twice: copy it
            dst = new_reg()
            code.append(("copy", dst, r, 0, 0, 0.0))
            r = dst
        out_regs.append(r)

    program = _core.Program(code, len(leaves), nreg, out_regs)
    return Plan(program, len(leaves), code, out_regs)


def plan(outputs: list[Expr]) -> tuple[Plan, list[Expr]]:
    """The (cached) plan for these outputs, and the graph's leaves in binding order."""
    order = _topo(outputs)
    key = _structure_key(order, outputs)
    p = _CACHE.get(key)
    if p is None:
        p = _compile(order, outputs)
        _CACHE[key] = p
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return p, _leaves(order)


def _bind(leaf: Expr, inputs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None, Any]:
    """(values, bitmap words or None, owner to keep alive) for one leaf."""
    if leaf.op == "column":
        c: Column = leaf.param("column")
        return c.values, c.validity, c
    name = leaf.param("name")
    if name not in inputs:
        given = ", ".join(sorted(inputs)) or "none"
        raise UnknownName(f"no input named {name!r} (inputs given: {given})", op="compute")
    v = inputs[name]
    if isinstance(v, Column):
        return v.values, v.validity, v
    if isinstance(v, np.ndarray):
        arr = np.ascontiguousarray(as_float64(v, f"input {name!r}"))
        if arr.ctypes.data % 8:  # C needs doubles on their natural alignment
            arr = arr.copy()
        return arr, None, arr
    if isinstance(v, (list, tuple)):
        c = Column(v)
        return c.values, c.validity, c
    raise TypeMismatch(f"input {name!r} must be a column or an array, got {type(v).__name__}",
                       op="compute")


def compute(expr: Expr | list[Expr], *, out: np.ndarray | None = None,
            **inputs: Any) -> Any:
    """Run an expression (or a list of them, in one pass) and return Column(s).

    Named inputs (``blawk.col("px")``) are bound from keyword arguments (numpy
    arrays, Columns or lists).  ``out=`` gives a preallocated float64 array for
    the (single) result's values; the returned Column then views it.

    Example:
        >>> import numpy as np, blawk
        >>> x = np.array([1.0, 2.0, 4.0])
        >>> blawk.compute(blawk.col("x").dlog(1) / blawk.log(2.0), x=x).to_list()
        [None, 1.0, 1.0]
    """
    multi = isinstance(expr, list)
    exprs = list(expr) if multi else [expr]
    results: list[Any] = [None] * len(exprs)
    lazy: list[Expr] = []
    where: list[int] = []
    for i, e in enumerate(exprs):
        if isinstance(e, Column):
            results[i] = e
        elif isinstance(e, Expr) and e.op == "const":
            results[i] = e.param("value")
        elif isinstance(e, Expr):
            lazy.append(e)
            where.append(i)
        elif isinstance(e, (int, float)) and not isinstance(e, bool):
            results[i] = float(e)
        else:
            raise TypeMismatch(f"cannot compute a {type(e).__name__}", op="compute")
    if lazy:
        if out is not None and len(lazy) != 1:
            raise BadParameter("out= needs exactly one column result", op="compute")
        cols = _run(lazy, inputs, out)
        for i, c in zip(where, cols, strict=True):
            results[i] = c
    return results if multi else results[0]


def _leaf_name(leaf: Expr) -> str:
    return leaf.param("name") if leaf.op == "input" else "<column>"


def _run(outputs: list[Expr], inputs: dict[str, Any], out: np.ndarray | None) -> list[Column]:
    p, leaves = plan(outputs)
    bound = [_bind(lf, inputs) for lf in leaves]
    lengths = {len(b[0]) for b in bound}
    if len(lengths) > 1:
        desc = ", ".join(f"{_leaf_name(lf)}: {len(b[0])}" for lf, b in zip(leaves, bound,
                                                                             strict=True))
        raise ShapeError(f"input lengths differ ({desc})", op="compute")
    if not bound:
        raise TypeMismatch("expression has no column input", op="compute")
    n = lengths.pop()
    may_null = p.program.may_null([b[1] is not None for b in bound])
    dests: list[tuple[np.ndarray, np.ndarray | None]] = []
    copy_back = None
    for j, nullable in enumerate(may_null):
        if j == 0 and out is not None:
            if not isinstance(out, np.ndarray) or out.dtype != np.float64 or out.ndim != 1:
                raise TypeMismatch("out= must be a 1-D float64 numpy array", op="compute")
            if len(out) != n:
                raise ShapeError(f"out= has length {len(out)}, the result has {n}", op="compute")
            if not out.flags.writeable or not out.flags.c_contiguous or out.ctypes.data % 8:
                raise BadParameter("out= must be writable, contiguous and 8-byte aligned",
                                   op="compute")
            if any(np.shares_memory(out, b[0]) for b in bound):
                # in place over an input: compute aside, then copy (lags read history)
                vals, copy_back = aligned_empty(n), out
            else:
                vals = out
        else:
            vals = aligned_empty(n)
        words = aligned_empty(bitmap_words(n), np.uint64) if nullable else None
        dests.append((vals, words))
    p.program.run([(b[0], b[1]) for b in bound], dests, n)
    if copy_back is not None:
        copy_back[:] = dests[0][0]
        dests[0] = (copy_back, dests[0][1])
    return [Column._wrap(v.view(), w) for v, w in dests]


def fold_constant(node: Expr) -> float:
    """Evaluate an op whose arguments are all constants, with the column kernels."""
    isa = _core.active_isa()
    vals = [np.array([a.param("value")]) for a in node.args]
    if node.op in _UNARY:
        return float(_core.kernel_unary(_UNARY[node.op], vals[0], isa)[0])
    if node.op in _BINARY:
        return float(_core.kernel_binary(_BINARY[node.op], vals[0], vals[1], isa)[0])
    raise TypeMismatch("x must be a column, got a number", op=node.op)


def explain(expr: Expr | list[Expr]) -> str:
    """Describe the plan: the fused pass, its instructions, inputs and outputs."""
    exprs = expr if isinstance(expr, list) else [expr]
    lazy = [e for e in exprs if isinstance(e, Expr) and e.op != "const"]
    if not lazy:
        return "nothing to compute (constants only)"
    p, leaves = plan(lazy)
    nin = p.n_leaves
    flags = p.program.may_null([lf.op == "column" and lf.param("column").validity is not None
                                for lf in leaves])
    lines = [f"1 fused pass ({nin} input{'s' * (nin != 1)}, {len(p.out_regs)} output"
             f"{'s' * (len(p.out_regs) != 1)}, {len(p.code)} instructions, "
             f"{p.program.n_regs - nin} block registers)"]
    for op, dst, a, b, lag, imm in p.code:
        if op in ("add", "sub", "mul", "div"):
            text = f"r{dst} = {op} r{a} r{b}"
        elif op.endswith("_s"):
            text = f"r{dst} = {op} r{a} {imm!r}"
        elif op in ("diff", "ratio", "shift", "dlog1"):
            text = f"r{dst} = {op} r{a} lag={lag}"
        else:
            text = f"r{dst} = {op} r{a}"
        if dst in p.out_regs:
            j = p.out_regs.index(dst)
            text = f"{text:<26} -> output {j}" + (" (may be null)" if flags[j] else "")
        lines.append("  " + text)
    for i, lf in enumerate(leaves):  # names from this graph: the plan may be shared
        lines.append(f"  r{i} = input {_leaf_name(lf)}")
    return "\n".join(lines)
