"""The planner: expression graph -> stages of fused VM programs.

Passes, in order (each is a function below, with tests of its own):

1. ``_topo``      every node after its arguments (iterative: deep graphs are fine)
2. ``_classify``  column nodes, scalar nodes (reductions, and maps of scalars
                  computed on the host) and constants
3. ``_stages``    map, lag, window and scan nodes fuse into the stage of their
                  arguments; a reduction is known only after the pass that
                  computes it, so anything that uses its scalar moves to a later
                  stage (``zscore`` = one pass that also accumulates the moments,
                  then one normalising pass)
4. ``_lower``     per stage, a register program for the C VM with register
                  reuse (a register is free again after its last use, so a
                  stage's live registers stay in L1/L2 whatever the graph size);
                  only values a later stage or the caller needs are materialized

Algebraic simplification and constant folding happen while nodes are built
(blawk.registry): constants fold with the column kernels, and nothing that could
change an IEEE result is rewritten (x*1 -> x is allowed, x*0 -> 0 is not).

Plans are cached by graph *structure* (leaves numbered by first appearance),
so re-running a script on other data reuses the compiled programs; the plan of
a root node is also kept on the node itself, so a repeated ``compute`` does not
even walk the graph.

Example:
    >>> import numpy as np, blawk
    >>> e = blawk.col("x").dlog(1) * 252
    >>> print(blawk.explain(e))  # doctest: +NORMALIZE_WHITESPACE
    1 stage, 1 pass over memory
    stage 1: 1 input, 1 output, 1 instruction, 1 block register
      r1 = dlog1 r0 lag=1 * 252.0 -> output (may be null)
      r0 = input x
    per element: reads 8 B, writes 8 B (+ bitmaps)
"""

from __future__ import annotations

import os
import struct
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _core
from .column import Column, aligned_empty, as_float64, bitmap_words
from .errors import BadParameter, ShapeError, TypeMismatch, UnknownName
from .expr import Expr

# ------------------------------------------------------------------ lowering tables

_UNARY = {"log": "log", "exp": "exp", "sqrt": "sqrt", "abs": "abs", "neg": "neg",
          "not": "not", "null?": "isnull", "valid?": "isvalid", "nan->null": "nan2null",
          "floor": "floor", "ceil": "ceil", "sign": "sign", "log1p": "log1p",
          "expm1": "expm1", "log10": "log10", "log2": "log2"}
_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "pow": "pow", "mod": "mod",
           "min2": "min2", "max2": "max2", "<": "lt", "<=": "le", ">": "gt", ">=": "ge",
           "=": "eq", "!=": "ne", "coalesce": "coalesce"}
# column (op) scalar, and scalar (op) column
_WITH_SCALAR = {"+": ("add_s", "add_s"), "-": ("sub_s", "rsub_s"), "*": ("mul_s", "mul_s"),
                "/": ("div_s", "rdiv_s"), "pow": ("pow_s", "rpow_s"), "mod": ("mod_s", "rmod_s"),
                "min2": ("min_s", "min_s"), "max2": ("max_s", "max_s"),
                "<": ("lt_s", "gt_s"), "<=": ("le_s", "ge_s"), ">": ("gt_s", "lt_s"),
                ">=": ("ge_s", "le_s"), "=": ("eq_s", "eq_s"), "!=": ("ne_s", "ne_s")}
# unary ops that are a scalar-kernel with a fixed or parameter immediate
_UNARY_IMM = {"inv": ("rdiv_s", lambda nd: 1.0),
              "round": ("round_s", lambda nd: float(nd.param("digits"))),
              "fill": ("fill_s", lambda nd: float(nd.param("value")))}
_LAG = {"dlog": ("log", "diff")}
_LEAVES = ("input", "column")

# kernel kinds: the numbering of csrc/kernels/window.h, scan.h, reduce.h
WIN_KINDS = {k: i for i, k in enumerate(
    ["sum", "mean", "var", "std", "min", "max", "count", "median", "skew", "kurt", "zscore"])}
SCAN_KINDS = {k: i for i, k in enumerate(
    ["sum", "sum1", "expsum", "prod", "max", "min", "count", "ema", "fill"])}
RED_KINDS = {k: i for i, k in enumerate(
    ["sum", "sum0", "mean", "var", "std", "min", "max", "count", "first", "last", "prod",
     "skew", "kurt", "median", "quantile", "cov", "cor", "wsum", "wavg"])}

# op name -> ("window", kind, past_only) | ("scan", kind) | ("reduce", kind, two_inputs);
# filled by the op declarations (blawk.ops) through register_lowering
LOWERING: dict[str, tuple[Any, ...]] = {}


def register_lowering(op: str, how: tuple[Any, ...]) -> None:
    """Declare how the planner runs op `op` (used by blawk.ops modules)."""
    LOWERING[op] = how


def _is_lag(nd: Expr) -> bool:
    low = LOWERING.get(nd.op)
    return nd.op in _LAG or (low is not None and low[0] == "lag")


def _is_lead(nd: Expr) -> bool:
    if not _is_lag(nd):
        return False
    lag = dict(nd.params).get("lag", 0)
    return isinstance(lag, int) and lag < 0


def _is_reduce(nd: Expr) -> bool:
    low = LOWERING.get(nd.op)
    return low is not None and low[0] == "reduce"


# ------------------------------------------------------------------ threads

_THREADS = [0]


def default_threads() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def set_threads(n: int | None) -> None:
    """Threads for the VM: n >= 1, or None for the default (the usable cores).

    Results are bit-identical whatever the thread count.
    """
    if n is None:
        _THREADS[0] = 0
        return
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise BadParameter(f"threads must be a positive integer, got {n!r}", op="set-threads")
    _THREADS[0] = n


_DEFAULT_THREADS: list[int] = []


def get_threads() -> int:
    """The thread count the VM uses now."""
    if _THREADS[0]:
        return _THREADS[0]
    if not _DEFAULT_THREADS:
        _DEFAULT_THREADS.append(default_threads())
    return _DEFAULT_THREADS[0]


# ------------------------------------------------------------------ the plan


@dataclass
class Stage:
    """One pass over memory: a program plus where its inputs and outputs live."""

    program: _core.Program
    code: list[tuple[Any, ...]]
    inputs: list[int]  # node positions (in topo order) bound to input registers
    outputs: list[int]  # node positions materialized by this stage
    out_regs: list[int]
    reduces: list[int]  # node positions of the reductions this stage computes


@dataclass
class Plan:
    """Compiled stages for one graph structure."""

    stages: list[Stage]
    n_scalars: int
    scalar_slot: dict[int, int]  # node position -> scalar register
    host: list[list[int]]  # after stage i: host-scalar node positions to evaluate
    kinds: list[str]  # per node position: "col", "scalar", "const", "leaf"
    n_leaves: int
    results: list[int]  # node position of each requested output
    alias: dict[int, int] = field(default_factory=dict)  # intermediate -> result sharing memory
    # scalar register -> constant set before the run (the shift of a fused muladd_s)
    consts: dict[int, float] = field(default_factory=dict)
    # the scalar registers and their validity before a run: the constants set,
    # the rest zero (filled by reductions and the host)
    scalars0: np.ndarray | None = None
    svalid0: np.ndarray | None = None

    def __post_init__(self) -> None:
        # what every run needs, worked out once
        self.leaf_pos = [i for i, k in enumerate(self.kinds) if k == "leaf"]
        self.col_results = [i for i in self.results if self.kinds[i] == "col"]
        self.copy_scalars = len(self.consts) < self.n_scalars
        st = self.stages[0] if len(self.stages) == 1 else None
        self.one_call = (st is not None and not self.host[0] and not self.alias
                         and len(st.inputs) <= 64 and len(st.outputs) <= 64)
        if self.n_scalars:
            self.scalars0 = np.zeros(self.n_scalars)
            self.svalid0 = np.zeros(self.n_scalars, dtype=np.uint8)
            for s, v in self.consts.items():
                self.scalars0[s] = v
                self.svalid0[s] = 1


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


def _classify(order: list[Expr]) -> list[str]:
    """Per node: "leaf", "const", "col" (a column) or "scalar" (one number)."""
    pos = {id(nd): i for i, nd in enumerate(order)}
    kinds: list[str] = []
    for nd in order:
        if nd.op in _LEAVES:
            kinds.append("leaf")
        elif nd.op == "const":
            kinds.append("const")
        elif _is_reduce(nd):
            for a in nd.args:
                if kinds[pos[id(a)]] in ("const", "scalar"):
                    raise TypeMismatch("needs a column, got a number", op=nd.op)
            kinds.append("scalar")
        elif nd.op in _UNARY or nd.op in _BINARY or nd.op in _UNARY_IMM or nd.op == "where":
            arg_kinds = [kinds[pos[id(a)]] for a in nd.args]
            col = any(k in ("leaf", "col") for k in arg_kinds)
            kinds.append("col" if col else "scalar")
        else:  # lag, window, scan: need a column
            for a in nd.args:
                if kinds[pos[id(a)]] in ("const", "scalar"):
                    what = "a reduction's result" if kinds[pos[id(a)]] == "scalar" else "a number"
                    raise TypeMismatch(f"x must be a column, got {what}", op=nd.op)
            kinds.append("col")
    return kinds


def _stages(order: list[Expr], kinds: list[str]) -> tuple[list[int], list[int]]:
    """Stage of every node, and for scalars the first stage that can read them."""
    pos = {id(nd): i for i, nd in enumerate(order)}
    stage = [0] * len(order)
    avail = [0] * len(order)
    for i, nd in enumerate(order):
        k = kinds[i]
        if k in ("leaf", "const"):
            continue
        s = 0
        lead = _is_lead(nd)
        for a in nd.args:
            j = pos[id(a)]
            if kinds[j] == "col" and lead:
                s = max(s, stage[j] + 1)  # a lead reads ahead: its input must be in memory
            else:
                s = max(s, stage[j] if kinds[j] in ("leaf", "col") else avail[j])
        stage[i] = s
        if k == "scalar":
            # a reduction is known after its pass; a host scalar as soon as its inputs are
            avail[i] = s + 1 if _is_reduce(nd) else s
    return stage, avail


class RegAlloc:
    """Block registers for one stage, reused once their value is dead.

    Outputs and lag sources ask for a fresh register: the VM keeps their
    history (their memory, or a ring), so they are written once per program.
    """

    def __init__(self, first: int) -> None:
        self.count = first
        self._free: list[int] = []

    def new(self, fresh: bool = False) -> int:
        if self._free and not fresh:
            return self._free.pop()
        self.count += 1
        return self.count - 1

    def release(self, r: int) -> None:
        if r not in self._free:
            self._free.append(r)


def _fused_dlog1(nd: Expr, pos: dict[int, int], logged: set[int]) -> bool:
    """dlog(x, 1) runs as one DLOG1 instruction (when log x is not needed elsewhere)."""
    return nd.op == "dlog" and nd.param("lag") == 1 and not nd.param("obs") \
        and pos[id(nd.args[0])] not in logged


def _fusions(order: list[Expr], kinds: list[str], pos: dict[int, int], logged: set[int],
              keep: set[int]) -> dict[int, tuple[str, Expr]]:
    """Pairs of nodes that run as one instruction, {index of the second node:
    (what, the first node)}, where the first node has no other reader and is
    not kept (a result or a column a later stage reads):

    - ``dlog(x, 1) * c``, c a constant: ("dlog1", the dlog), one scaled DLOG1;
    - ``(x - s1) / s2``, s1 a constant or a scalar, s2 a scalar register (a
      reduction or host scalar): ("subdiv", the -), one SUBDIV_S (zscore's
      second pass);
    - ``x * s1 + s2``, ``s2 + x * s1`` (s1 and s2 constants or scalars) and
      ``x * s1 - c`` (c a constant other than NaN, run as ``+ (-c)``: IEEE
      defines a - c as a + (-c)): ("muladd", the *), one MULADD_S.  Not after
      a scaled DLOG1 (that * is already one instruction).

    The fused instruction applies the same IEEE operations in the same order
    (the product rounded, then the sum: no fused multiply-add), so the bits
    are those of the two instructions."""
    uses = [0] * len(order)
    for nd in order:
        for a in nd.args:
            uses[pos[id(a)]] += 1

    def single(j: int) -> bool:
        return kinds[j] == "col" and uses[j] == 1 and j not in keep

    fused: dict[int, tuple[str, Expr]] = {}
    for i, nd in enumerate(order):
        if kinds[i] != "col":
            continue
        if nd.op == "*":
            for d, c in (nd.args, nd.args[::-1]):
                if kinds[pos[id(c)]] == "const" and single(pos[id(d)]) \
                        and _fused_dlog1(d, pos, logged):
                    fused[i] = ("dlog1", d)
                    break
        elif nd.op == "/":
            num, den = nd.args
            if kinds[pos[id(den)]] == "scalar" and num.op == "-" and single(pos[id(num)]):
                x, s1 = num.args
                if kinds[pos[id(x)]] in ("leaf", "col") and \
                        kinds[pos[id(s1)]] in ("const", "scalar"):
                    fused[i] = ("subdiv", num)
        elif nd.op in ("+", "-"):
            a, b = nd.args
            for m, s2 in ((a, b), (b, a)) if nd.op == "+" else ((a, b),):
                j = pos[id(m)]
                if m.op != "*" or not single(j) or j in fused:
                    continue
                k2 = kinds[pos[id(s2)]]
                if nd.op == "-" and not (k2 == "const" and s2.param("value") == s2.param("value")):
                    continue  # a - s2 = a + (-s2) needs s2 negated: a constant, not NaN
                if k2 in ("const", "scalar") and _scaled_column(m, kinds, pos) is not None:
                    fused[i] = ("muladd", m)
                    break
    return fused


def _scaled_column(m: Expr, kinds: list[str], pos: dict[int, int]) -> tuple[Expr, Expr] | None:
    """(x, s) when the product m is column x times scalar s (a constant or a
    scalar, on either side; the VM computes x * s either way), else None."""
    for x, s in (m.args, m.args[::-1]):
        if kinds[pos[id(x)]] in ("leaf", "col") and kinds[pos[id(s)]] in ("const", "scalar"):
            return x, s
    return None


def _shift_slots(order: list[Expr], kinds: list[str], pos: dict[int, int],
                 scalar_slot: dict[int, int], fusions: dict[int, tuple[str, Expr]]
                 ) -> tuple[dict[int, int], dict[int, float]]:
    """The scalar register of each fused muladd_s's shift s2 ({index of the
    + or -: register}), and the constants to place in new registers
    ({register: value}, numbered after the scalar nodes', one per distinct
    bit pattern)."""
    shift: dict[int, int] = {}
    consts: dict[int, float] = {}
    by_bits: dict[bytes, int] = {}
    for i, (what, m) in sorted(fusions.items()):
        if what != "muladd":
            continue
        nd = order[i]
        s2 = nd.args[1] if nd.args[0] is m else nd.args[0]
        j = pos[id(s2)]
        if kinds[j] == "const":
            v = float(s2.param("value"))
            v = -v if nd.op == "-" else v
            key = struct.pack("<d", v)
            if key not in by_bits:
                by_bits[key] = len(scalar_slot) + len(consts)
                consts[by_bits[key]] = v
            shift[i] = by_bits[key]
        else:
            shift[i] = scalar_slot[j]
    return shift, consts


def _lower_node(nd: Expr, i: int, reg_of: dict[int, int], kinds: list[str],
                scalar_slot: dict[int, int], pos: dict[int, int], dst: int,
                logged: set[int], new_reg: Any,
                fused: tuple[str, Expr] | None = None,
                shift: int = 0) -> list[tuple[Any, ...]]:
    """Instructions computing node `nd` into register dst (`fused`: nd runs
    together with the node before it, see _fusions; `shift`: a fused
    muladd_s's scalar register for s2)."""
    args = nd.args

    def ref(a: Expr) -> int:
        return reg_of[pos[id(a)]]

    def scalar_of(a: Expr) -> tuple[float, int, int]:
        """(imm, flags, b) for a scalar operand: a constant or a scalar register."""
        j = pos[id(a)]
        if kinds[j] == "const":
            return a.param("value"), 0, 0
        return 0.0, _core.F_SREG, scalar_slot[j]

    if fused is not None and fused[0] == "dlog1":  # dlog(x, 1) * c
        c = next(a for a in args if kinds[pos[id(a)]] == "const")
        return [("dlog1", dst, ref(fused[1].args[0]), 0, 1, float(c.param("value")), 0,
                 _core.F_SCALE, 0)]
    if fused is not None and fused[0] == "muladd":  # x * s1 + s2 (or - c)
        xs = _scaled_column(fused[1], kinds, pos)
        assert xs is not None  # checked by _fusions
        x, s1 = xs
        imm, flags, sb = scalar_of(s1)
        return [("muladd_s", dst, ref(x), sb, 0, imm, 0, flags, shift)]
    if fused is not None:  # (x - s1) / s2
        x, s1 = fused[1].args
        imm, flags, sb = scalar_of(s1)
        return [("subdiv_s", dst, ref(x), sb, 0, imm, 0, flags, scalar_slot[pos[id(args[1])]])]
    if nd.op in _UNARY:
        return [(_UNARY[nd.op], dst, ref(args[0]), 0, 0, 0.0)]
    if nd.op in _UNARY_IMM:
        kop, imm = _UNARY_IMM[nd.op]
        return [(kop, dst, ref(args[0]), 0, 0, imm(nd))]
    if nd.op == "where":
        c, a, b = args
        kc, ka, kb = (kinds[pos[id(v)]] for v in args)
        if not (kc in ("leaf", "col") and ka in ("leaf", "col") and kb in ("leaf", "col")):
            raise TypeMismatch("cond, a and b must all be columns", op="where")
        return [("where", dst, ref(c), ref(a), 0, 0.0, 0, 0, ref(b))]
    if nd.op in _BINARY:
        a, b = args
        ka, kb = kinds[pos[id(a)]], kinds[pos[id(b)]]
        if ka in ("leaf", "col") and kb in ("leaf", "col"):
            return [(_BINARY[nd.op], dst, ref(a), ref(b), 0, 0.0)]
        if ka in ("leaf", "col"):
            imm, flags, sb = scalar_of(b)
            return [(_WITH_SCALAR[nd.op][0], dst, ref(a), sb, 0, imm, 0, flags, 0)]
        imm, flags, sb = scalar_of(a)
        return [(_WITH_SCALAR[nd.op][1], dst, ref(b), sb, 0, imm, 0, flags, 0)]
    p = dict(nd.params)
    obs = _core.F_OBS if p.get("obs") else 0
    if _fused_dlog1(nd, pos, logged):
        # one pass: each log is differenced against its neighbour in registers
        return [("dlog1", dst, ref(args[0]), 0, 1, 0.0)]
    if nd.op in _LAG:
        pre, lagop = _LAG[nd.op]
        tmp = new_reg(fresh=True)  # read back in time: never a reused register
        return [(pre, tmp, ref(args[0]), 0, 0, 0.0),
                (lagop, dst, tmp, 0, int(p["lag"]), 0.0, 0, obs, 0)]
    low = LOWERING.get(nd.op)
    if low is not None and low[0] == "lag":
        _, lagop, post = low[:3]
        lag = int(p.get("lag", low[3] if len(low) > 3 else 1))
        if post is None:
            return [(lagop, dst, ref(args[0]), 0, lag, 0.0, 0, obs, 0)]
        tmp = new_reg()
        return [(lagop, tmp, ref(args[0]), 0, lag, 0.0, 0, obs, 0),
                (post[0], dst, tmp, 0, 0, post[1])]
    if low is None:
        raise TypeMismatch(f"operation {nd.op!r} cannot run in the VM", op=nd.op)
    if low[0] == "window":
        p = dict(nd.params)
        flags = _core.F_PAST_ONLY if low[2] else 0
        flags |= obs  # observation mode: the window counts valid rows only
        flags |= int(p.get("ddof", 1)) << 8
        return [("window", dst, ref(args[0]), 0, int(p["window"]), 0.0, WIN_KINDS[low[1]],
                 flags, int(p.get("min_periods") or 1))]
    if low[0] == "scan":
        p = dict(nd.params)
        return [("scan", dst, ref(args[0]), 0, 0, float(p.get("alpha", 0.0)),
                 SCAN_KINDS[low[1]], 0, int(p.get("limit", 0) or 0))]
    raise TypeMismatch(f"operation {nd.op!r} cannot run in the VM", op=nd.op)


def _compile(order: list[Expr], outputs: list[Expr]) -> Plan:
    pos = {id(nd): i for i, nd in enumerate(order)}
    kinds = _classify(order)
    stage, avail = _stages(order, kinds)
    results = [pos[id(o)] for o in outputs]
    n_leaves = sum(1 for k in kinds if k == "leaf")

    scalar_slot: dict[int, int] = {}
    for i, k in enumerate(kinds):
        if k == "scalar":
            scalar_slot[i] = len(scalar_slot)

    col_nodes = [i for i, k in enumerate(kinds) if k == "col"]
    n_stages = 1 + max([stage[i] for i in col_nodes] +
                       [stage[i] for i, nd in enumerate(order) if _is_reduce(nd)] + [0])
    # what each stage must materialize: results, and columns a later stage reads
    needed_later: set[int] = set()
    for i, nd in enumerate(order):
        if kinds[i] not in ("col", "scalar"):
            continue
        for a in nd.args:
            j = pos[id(a)]
            if kinds[j] == "col" and stage[j] < stage[i]:
                needed_later.add(j)
    logged = {pos[id(nd.args[0])] for nd in order if nd.op == "log"}
    fusions = _fusions(order, kinds, pos, logged, set(results) | needed_later)
    fused_away = {pos[id(first)] for _, first in fusions.values()}
    shift, consts = _shift_slots(order, kinds, pos, scalar_slot, fusions)
    n_scalars = len(scalar_slot) + len(consts)

    stages: list[Stage] = []
    host: list[list[int]] = [[] for _ in range(n_stages + 1)]
    for i, k in enumerate(kinds):
        if k == "scalar" and not _is_reduce(order[i]):
            host[avail[i]].append(i)  # evaluate before stage avail[i] runs
    for s in range(n_stages):
        members = [i for i in range(len(order))
                   if (kinds[i] == "col" or (kinds[i] == "scalar" and _is_reduce(order[i])))
                   and stage[i] == s]
        if not members:
            continue
        # inputs: leaves and earlier-stage columns read by this stage
        inputs: list[int] = []
        for i in members:
            for a in order[i].args:
                j = pos[id(a)]
                if (kinds[j] == "leaf" or (kinds[j] == "col" and stage[j] < s)) \
                        and j not in inputs:
                    inputs.append(j)
        reg_of = {j: r for r, j in enumerate(inputs)}
        regs = RegAlloc(len(inputs))
        new_reg = regs.new
        pinned: set[int] = set()  # registers never reused: lag sources, outputs
        code: list[tuple[Any, ...]] = []

        outs = [i for i in members if kinds[i] == "col" and (i in results or i in needed_later)]
        # last use of every value inside this stage
        last_use: dict[int, int] = {}
        for i in members:
            for a in order[i].args:
                last_use[pos[id(a)]] = i
        for i, (_, first) in fusions.items():  # the fused node reads the first one's input
            for a in first.args:
                src = pos[id(a)]
                if i in members and last_use.get(src, -1) < i:
                    last_use[src] = i
        lag_sources = {pos[id(order[i].args[0])] for i in members if _is_lag(order[i])}
        reduces: list[int] = []
        for i in members:
            nd = order[i]
            if _is_reduce(nd):
                low = LOWERING[nd.op]
                p = dict(nd.params)
                two = low[2]
                flags = (int(p.get("ddof", 1)) << 8) | (_core.F_TWO_INPUTS if two else 0)
                b = reg_of[pos[id(nd.args[1])]] if two else 0
                code.append(("reduce", scalar_slot[i], reg_of[pos[id(nd.args[0])]], b, 0,
                             float(p.get("q", 0.5)), RED_KINDS[low[1]], flags, 0))
                reduces.append(i)
            elif i in fused_away:
                continue  # computed by the fused instruction of the node that reads it
            else:
                keep = i in outs or i in lag_sources
                dst = new_reg(fresh=keep)
                if keep:
                    pinned.add(dst)
                before = len(code)
                code.extend(_lower_node(nd, i, reg_of, kinds, scalar_slot, pos, dst, logged,
                                        new_reg, fusions.get(i), shift.get(i, 0)))
                # a temporary made inside the lowering (dlog's log) is a lag source
                for ins in code[before:]:
                    if ins[0] in ("diff", "ratio", "shift"):
                        pinned.add(ins[2])
                reg_of[i] = dst
            # registers whose value is dead after this node can be reused (a
            # fused node also reads the arguments of the node it absorbed)
            reads = nd.args + (fusions[i][1].args if i in fusions else ())
            for a in reads:
                j = pos[id(a)]
                if last_use.get(j) == i and j in reg_of and j not in inputs \
                        and reg_of[j] not in pinned:
                    regs.release(reg_of[j])
        out_regs = []
        for i in outs:
            out_regs.append(reg_of[i])
        program = _core.Program(code, len(inputs), regs.count, out_regs, n_scalars)
        stages.append(Stage(program, code, inputs, outs, out_regs, reduces))
    plan_ = Plan(stages, n_scalars, scalar_slot, host, kinds, n_leaves, results,
                 consts=consts)
    plan_.alias = _find_alias(plan_, order, pos)
    return plan_


def _reads(ins: tuple[Any, ...]) -> tuple[int, ...]:
    """The block registers an instruction reads (the *_s ops, subdiv_s and
    muladd_s read a only: their scalars are imm or scalar registers)."""
    op = ins[0]
    if op == "where":
        return ins[2], ins[3], ins[8]
    if op in _BINARY.values() or (op == "reduce" and ins[7] & _core.F_TWO_INPUTS):
        return ins[2], ins[3]
    return (ins[2],)


def _find_alias(p: Plan, order: list[Expr], pos: dict[int, int]) -> dict[int, int]:
    """Intermediates that can live in the final result's buffer.

    ``zscore`` materializes r = dlog(x)*252 in pass 1 and reads it in pass 2
    to write the result: r can be written straight into the result's memory
    and pass 2 run in place, when pass 2 is the only reader of r, writes one
    column, reads r only at or before the instruction that writes the result,
    and never reads r back in time.
    """
    alias: dict[int, int] = {}
    if not p.stages:
        return alias
    last = p.stages[-1]
    if len(last.outputs) != 1 or last.outputs[0] not in p.results:
        return alias
    x = last.outputs[0]
    x_reg = last.out_regs[0]
    write_at = max(k for k, ins in enumerate(last.code) if ins[0] != "reduce" and ins[1] == x_reg)
    for r, m in enumerate(last.inputs):
        if p.kinds[m] != "col" or m in p.results:
            continue
        if any(m in st.inputs for st in p.stages[:-1]):
            continue
        readers = [k for k, ins in enumerate(last.code) if r in _reads(ins)]
        lagged = any(last.code[k][0] in ("diff", "ratio", "shift", "dlog1", "window", "scan")
                     for k in readers)
        if readers and max(readers) <= write_at and not lagged:
            alias[m] = x
            break
    return alias


def plan(outputs: list[Expr]) -> tuple[Plan, list[Expr], list[Expr]]:
    """The (cached) plan for these outputs, the graph's leaves, and its topo order."""
    if len(outputs) == 1:
        cached = getattr(outputs[0], "_plan", None)
        if cached is not None:
            return cached
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
    res = (p, _leaves(order), order)
    if len(outputs) == 1:
        outputs[0]._plan = res
    return res


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
        if not arr.flags.aligned:  # C needs doubles on their natural alignment
            arr = arr.copy()
        return arr, None, arr
    if isinstance(v, (list, tuple)):
        c = Column(v)
        return c.values, c.validity, c
    raise TypeMismatch(f"input {name!r} must be a column or an array, got {type(v).__name__}",
                       op="compute")


def compute(expr: Expr | list[Expr], *, out: np.ndarray | None = None,
            **inputs: Any) -> Any:
    """Run an expression (or a list of them, sharing passes) and return the results.

    Columns come back as Columns, reductions as floats (None when null).
    Named inputs (``blawk.col("px")``) are bound from keyword arguments (numpy
    arrays, Columns or lists).  ``out=`` gives a preallocated float64 array for
    the (single) column result's values; the returned Column then views it.

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
        elif isinstance(e, Expr) and e.op in _LEAVES:
            v, m, _ = _bind(e, inputs)
            results[i] = Column._wrap(np.array(v), None if m is None else np.array(m))
        elif isinstance(e, Expr):
            lazy.append(e)
            where.append(i)
        elif isinstance(e, (int, float)) and not isinstance(e, bool):
            results[i] = float(e)
        else:
            raise TypeMismatch(f"cannot compute a {type(e).__name__}", op="compute")
    if lazy:
        vals = _run(lazy, inputs, out)
        for i, c in zip(where, vals, strict=True):
            results[i] = c
    return results if multi else results[0]


def _leaf_name(leaf: Expr) -> str:
    return leaf.param("name") if leaf.op == "input" else "<column>"


def _host_scalar(nd: Expr, vals: list[float | None]) -> tuple[float, bool]:
    """A map of scalars on the host, with the column kernels (same bits)."""
    if nd.op in ("null?", "valid?"):
        return (1.0 if (vals[0] is None) == (nd.op == "null?") else 0.0), True
    if any(v is None for v in vals):
        return 0.0, False
    arrs = [np.array([v]) for v in vals]
    isa = _core.active_isa()
    if nd.op in ("not", "nan->null"):
        x = float(vals[0])  # type: ignore[arg-type]
        if nd.op == "not":
            return (0.0 if (x != 0.0 and x == x) else 1.0), True
        return x, x == x
    if nd.op in _UNARY:
        return float(_core.kernel_unary(_UNARY[nd.op], arrs[0], isa)[0]), True
    if nd.op in _UNARY_IMM:
        kop, imm = _UNARY_IMM[nd.op]
        return float(_core.kernel_scalar(kop, arrs[0], imm(nd), isa)[0]), True
    if nd.op in _HOST_CMP:  # comparisons are exact: Python's IEEE comparisons agree
        return (1.0 if _HOST_CMP[nd.op](vals[0], vals[1]) else 0.0), True
    if nd.op in _HOST_ONLY:
        raise TypeMismatch(f"needs a column, got a number ({nd.op} of a scalar)", op=nd.op)
    return float(_core.kernel_binary(_BINARY[nd.op], arrs[0], arrs[1], isa)[0]), True


_HOST_CMP = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
             ">=": lambda a, b: a >= b, "=": lambda a, b: a == b, "!=": lambda a, b: a != b}
_HOST_ONLY = {"coalesce"}


def _run(outputs: list[Expr], inputs: dict[str, Any], out: np.ndarray | None) -> list[Any]:
    p, leaves, order = plan(outputs)
    bound = [_bind(lf, inputs) for lf in leaves]
    if not bound:
        raise TypeMismatch("expression has no column input", op="compute")
    n = len(bound[0][0])
    if any(len(b[0]) != n for b in bound):
        desc = ", ".join(f"{_leaf_name(lf)}: {len(b[0])}"
                         for lf, b in zip(leaves, bound, strict=True))
        raise ShapeError(f"input lengths differ ({desc})", op="compute")
    col_results = p.col_results
    if out is not None:
        if len(col_results) != 1:
            raise BadParameter("out= needs exactly one column result", op="compute")
        if not isinstance(out, np.ndarray) or out.dtype != np.float64 or out.ndim != 1:
            raise TypeMismatch("out= must be a 1-D float64 numpy array", op="compute")
        if len(out) != n:
            raise ShapeError(f"out= has length {len(out)}, the result has {n}", op="compute")
        if not out.flags.writeable or not out.flags.c_contiguous or not out.flags.aligned:
            raise BadParameter("out= must be writable, contiguous and 8-byte aligned",
                               op="compute")
    # values by node position
    data: dict[int, tuple[np.ndarray, np.ndarray | None]] = {
        i: (b[0], b[1]) for i, b in zip(p.leaf_pos, bound, strict=True)}
    scalars, svalid = p.scalars0, p.svalid0
    if scalars is not None and svalid is not None and p.copy_scalars:
        # reductions and host scalars write theirs: a fresh copy per run (the
        # constants alone are only read, and shared)
        scalars, svalid = scalars.copy(), svalid.copy()
    threads = get_threads()
    copy_back = None

    def run_host(positions: list[int]) -> None:
        if not positions:
            return
        where = {id(nd): i for i, nd in enumerate(order)}
        for i in positions:
            nd = order[i]
            vals: list[float | None] = []
            for a in nd.args:
                j = where[id(a)]
                if p.kinds[j] == "const":
                    vals.append(a.param("value"))
                else:
                    s = p.scalar_slot[j]
                    vals.append(float(scalars[s]) if svalid[s] else None)
            v, ok = _host_scalar(nd, vals)
            scalars[p.scalar_slot[i]] = v
            svalid[p.scalar_slot[i]] = ok

    # the final result's buffer, made once (an intermediate may live in it)
    result_buf: dict[int, np.ndarray] = {}

    def buffer_for(j: int) -> np.ndarray:
        nonlocal copy_back
        j = p.alias.get(j, j)
        if j in result_buf:
            return result_buf[j]
        if out is not None and j == col_results[0]:
            if any(_core.overlaps(out, b[0]) for b in bound):
                vals, copy_back = aligned_empty(n), out  # over an input: compute aside
            else:
                vals = out
        else:
            vals = aligned_empty(n)
        result_buf[j] = vals
        return vals

    nulls: dict[int, int] = {}
    if p.one_call:
        # the common case in one call to C: null analysis, allocation, the VM
        st = p.stages[0]
        target = None
        if out is not None:
            target = buffer_for(st.outputs[0]) if st.outputs[0] == col_results[0] else None
        done = st.program.execute([data[j] for j in st.inputs], n, target, scalars, svalid,
                                  threads)
        for j, (v, m, c) in zip(st.outputs, done, strict=True):
            data[j] = (v, m)
            nulls[j] = c
    else:
        for si, st in enumerate(p.stages):
            run_host(p.host[si])
            ins = [data[j] for j in st.inputs]
            may_null = st.program.may_null([m is not None for _, m in ins], svalid)
            dests: list[tuple[np.ndarray, np.ndarray | None]] = []
            for j, nullable in zip(st.outputs, may_null, strict=True):
                vals = buffer_for(j)
                words = aligned_empty(bitmap_words(n), np.uint64) if nullable else None
                dests.append((vals, words))
            st.program.run(ins, dests, n, scalars, svalid, threads)
            for j, d in zip(st.outputs, dests, strict=True):
                data[j] = d
    for rest in p.host[len(p.stages):]:
        run_host(rest)
    if copy_back is not None:
        j = col_results[0]
        copy_back[:] = data[j][0]
        data[j] = (copy_back, data[j][1])
    res: list[Any] = []
    for i in p.results:
        if p.kinds[i] == "col":
            v, w = data[i]
            res.append(Column._wrap(v.view(), w, nulls.get(i)))
        else:
            s = p.scalar_slot[i]
            res.append(float(scalars[s]) if svalid[s] else None)
    return res


def fold_constant(node: Expr) -> float:
    """Evaluate an op whose arguments are all constants, with the column kernels."""
    if node.op in _UNARY or node.op in _BINARY or node.op in _UNARY_IMM:
        v, _ = _host_scalar(node, [a.param("value") for a in node.args])
        return v
    raise TypeMismatch("x must be a column, got a number", op=node.op)


def _fmt_bytes(b: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if b < 1024 or unit == "GB":
            return f"{b:.0f} {unit}" if unit == "B" else f"{b:.1f} {unit}"
        b /= 1024
    return f"{b} B"


def explain(expr: Expr | list[Expr]) -> str:
    """Describe the plan: stages, fused instructions, what is materialized, bytes moved."""
    exprs = expr if isinstance(expr, list) else [expr]
    lazy = [e for e in exprs if isinstance(e, Expr) and e.op != "const" and e.op not in _LEAVES]
    if not lazy:
        return "nothing to compute (constants or plain inputs only)"
    p, leaves, order = plan(lazy)
    names = {}
    li = 0
    for i, k in enumerate(p.kinds):
        if k == "leaf":
            names[i] = _leaf_name(leaves[li])
            li += 1
    nst = len(p.stages)
    lines = [f"{nst} stage{'s' * (nst != 1)}, {nst} pass{'es' * (nst != 1)} over memory"]
    reads = writes = 0
    for si, st in enumerate(p.stages):
        nin = len(st.inputs)
        flags = st.program.may_null([False] * nin)
        lines.append(f"stage {si + 1}: {nin} input{'s' * (nin != 1)}, {len(st.outputs)} output"
                     f"{'s' * (len(st.outputs) != 1)}, {len(st.code)} instruction"
                     f"{'s' * (len(st.code) != 1)}, {st.program.n_regs - nin} block register"
                     f"{'s' * (st.program.n_regs - nin != 1)}")
        for ins in st.code:
            op, dst, a, b, lag, imm = ins[:6]
            flg = ins[7] if len(ins) > 7 else 0
            if op == "reduce":
                kind = next(k for k, v in RED_KINDS.items() if v == ins[6])
                text = f"s{dst} = reduce {kind} r{a}" + (f" r{b}" if flg & _core.F_TWO_INPUTS
                                                         else "")
            elif op == "where":
                text = f"r{dst} = where r{a} r{b} r{ins[8]}"
            elif op in _BINARY.values():
                text = f"r{dst} = {op} r{a} r{b}"
            elif op.endswith("_s"):
                operand = f"s{b}" if flg & _core.F_SREG else repr(imm)
                if op == "subdiv_s":
                    operand += f" s{ins[8]}"
                if op == "muladd_s":
                    s2 = repr(p.consts[ins[8]]) if ins[8] in p.consts else f"s{ins[8]}"
                    operand = f"* {operand} + {s2}"
                text = f"r{dst} = {op} r{a} {operand}"
            elif op in ("diff", "ratio", "shift", "dlog1"):
                obs_txt = " (observations)" if flg & _core.F_OBS else ""
                obs_txt += f" * {imm!r}" if flg & _core.F_SCALE else ""
                text = f"r{dst} = {op} r{a} lag={lag}{obs_txt}"
            elif op == "window":
                kind = next(k for k, v in WIN_KINDS.items() if v == ins[6])
                past = " past-only" if flg & _core.F_PAST_ONLY else ""
                past += " (observations)" if flg & _core.F_OBS else ""
                text = f"r{dst} = window {kind} r{a} w={lag} min={ins[8]}{past}"
            elif op == "scan":
                kind = next(k for k, v in SCAN_KINDS.items() if v == ins[6])
                text = f"r{dst} = scan {kind} r{a}"
            else:
                text = f"r{dst} = {op} r{a}"
            if op != "reduce" and dst in st.out_regs:
                j = st.out_regs.index(dst)
                what = "output" if st.outputs[j] in p.results else "materialized for later"
                text = f"{text:<26} -> {what}" + (" (may be null)" if flags[j] else "")
            lines.append("  " + text)
        for r, j in enumerate(st.inputs):
            src = names.get(j, "materialized column")
            lines.append(f"  r{r} = input {src}")
        reads += 8 * nin
        writes += 8 * len(st.outputs)
    lines.append(f"per element: reads {reads} B, writes {writes} B (+ bitmaps)")
    return "\n".join(lines)
