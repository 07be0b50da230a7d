"""Lag operations: each output reads back (or, for a lead, ahead) in time.

Positional mode: ``x[i-lag]`` is the row `lag` rows back; out[i] is null for
i < lag and wherever x[i] or x[i-lag] is null.  A negative lag is a lead
(``x[i+k]``, null for the last k rows).

Observation mode (``:obs t``): the lag counts *valid observations* only --
x[i-lag] is the lag-th valid value before row i, however far back (the
"business-day" semantics of the seed Lisp's golden results); out[i] is null
where x[i] is null or fewer than `lag` valid values precede it.
"""

from __future__ import annotations

from typing import Any

from ..errors import BadParameter
from ..planner import register_lowering
from ..registry import OpSpec, Param, check_lag, register


def check_signed_lag(op: str, param: str, v: Any) -> int:
    """An integer lag; negative = a lead."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or \
            (isinstance(v, float) and not v.is_integer()):
        raise BadParameter(f"{param} must be an integer, got {v!r}", op=op)
    return int(v)


def check_flag(op: str, param: str, v: Any) -> bool:
    """A boolean flag (t/nil, #t/#f, True/False)."""
    if v is None or v is False:
        return False
    if v is True:
        return True
    raise BadParameter(f"{param} must be t or nil, got {v!r}", op=op)


_OBS = Param("obs", False, check_flag, "lag over valid observations instead of rows",
             keyword_only=True)
_NULLS = "lag: null for i < lag (i >= n+lag for a lead) and where x[i] or x[i-lag] is null"

register(OpSpec(
    name="dlog", kind="lag", operands=("x",),
    params=(Param("lag", 1, check_lag, "how many rows back (>= 0)"), _OBS),
    doc="Log return: ln x[i] - ln x[i-lag], computed with one log per element.",
    example="(dlog (column 1 1 2) 1)", example_result=[None, 0.0, 0.6931471805599453],
    null_rule=_NULLS,
))


def _lag(name: str, op: str, post: tuple[str, float] | None, doc: str, example: str,
         result: Any, aliases: tuple[str, ...] = (), default: int = 1,
         fixed: int | None = None) -> None:
    params: tuple[Param, ...]
    if fixed is None:
        params = (Param("lag", default, check_signed_lag, "rows back; negative = ahead"), _OBS)
    else:
        params = (_OBS,)
    register(OpSpec(name=name, kind="lag", operands=("x",), params=params, doc=doc,
                    example=example, example_result=result, aliases=aliases,
                    null_rule=_NULLS))
    register_lowering(name, ("lag", op, post, fixed if fixed is not None else default))


_X = "(column 1 2 4 nil 16)"
_lag("shift", "shift", None, "x[i-lag]: the value `lag` rows back (a lead when negative).",
     f"(shift {_X} 1)", [None, 1.0, 2.0, None, None], aliases=("xprev",))
_lag("prev", "shift", None, "The previous row's value (q's prev).", f"(prev {_X})",
     [None, 1.0, 2.0, None, None], fixed=1)
_lag("next", "shift", None, "The next row's value (q's next).", f"(next {_X})",
     [2.0, 4.0, None, None, None], fixed=-1)
_lag("diff", "diff", None, "x[i] - x[i-lag] (q's deltas).", f"(diff {_X} :obs t)",
     [None, 1.0, 2.0, None, 12.0], aliases=("deltas",))
_lag("ratio", "ratio", None, "x[i] / x[i-lag] (q's ratios).", f"(ratio {_X})",
     [None, 2.0, 2.0, None, None], aliases=("ratios",))
_lag("ret", "ratio", ("sub_s", 1.0), "Simple return x[i] / x[i-lag] - 1.", f"(ret {_X})",
     [None, 1.0, 1.0, None, None], aliases=("pct-change",))
