"""Scans: cumulative ops, one pass in order.

Null rule: a null input gives a null output and leaves the running state
unchanged (rows before the first valid value are null), except ``cumcount``
(never null) and ``locf`` (fills nulls with the last valid value).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import BadParameter
from ..planner import register_lowering
from ..registry import OpSpec, Param, check_opt_pos_int, check_opt_positive, register


def _scan(name: str, kind: str, doc: str, example: str, result: Any,
          aliases: tuple[str, ...] = (), params: tuple[Param, ...] = (),
          prepare: Any = None, null_rule: str = "null in, null out; state unchanged") -> None:
    register(OpSpec(name=name, kind="scan", operands=("x",), params=params, doc=doc,
                    example=example, example_result=result, aliases=aliases, prepare=prepare,
                    null_rule=null_rule))
    register_lowering(name, ("scan", kind))


_X = "(column 1 2 nil 4)"
_scan("cumsum", "sum", "Cumulative sum.", _X.join(["(cumsum ", ")"]), [1.0, 3.0, None, 7.0],
      aliases=("sums",))
_scan("cs1", "sum1", "1 + cumulative sum: the seed's equity curve from returns.",
      "(cs1 (column 0.5 -0.25))", [1.5, 1.25])
_scan("ecs1", "expsum", "exp of the cumulative sum: the equity curve from log returns.",
      "(ecs1 (column 0 0))", [1.0, 1.0])
_scan("cumprod", "prod", "Cumulative product.", "(cumprod (column 1 2 3))", [1.0, 2.0, 6.0],
      aliases=("prds",))
_scan("cummax", "max", "Running maximum.", "(cummax (column 1 3 2))", [1.0, 3.0, 3.0],
      aliases=("maxs",))
_scan("cummin", "min", "Running minimum.", "(cummin (column 3 1 2))", [3.0, 1.0, 1.0],
      aliases=("mins",))
_scan("cumcount", "count", "Valid values so far (never null).", "(cumcount (column 1 nil 3))",
      [1.0, 1.0, 2.0], null_rule="never null")


def _ema_alpha(params: dict[str, Any]) -> dict[str, Any]:
    given = [k for k in ("alpha", "span", "halflife") if params.get(k) is not None]
    if len(given) != 1:
        raise BadParameter("give exactly one of :alpha, :span, :halflife", op="ema")
    if given[0] == "alpha":
        alpha = params["alpha"]
        if not 0.0 < alpha <= 1.0:
            raise BadParameter(f"alpha must be in (0, 1], got {alpha!r}", op="ema")
    elif given[0] == "span":
        if params["span"] < 1:
            raise BadParameter(f"span must be >= 1, got {params['span']!r}", op="ema")
        alpha = 2.0 / (params["span"] + 1.0)
    else:
        alpha = 1.0 - math.exp(-math.log(2.0) / params["halflife"])
    return {"alpha": float(alpha)}


_scan("ema", "ema", "Exponential moving average s = alpha*x + (1-alpha)*s, seeded by the first "
      "valid value; give :alpha, :span (alpha = 2/(span+1)) or :halflife.",
      "(ema (column 1 3) :alpha 0.5)", [1.0, 2.0],
      params=(Param("alpha", None, check_opt_positive, "smoothing factor in (0, 1]"),
              Param("span", None, check_opt_positive, "alpha = 2 / (span + 1)"),
              Param("halflife", None, check_opt_positive, "alpha = 1 - exp(-ln 2 / halflife)")),
      prepare=_ema_alpha)


def _fill_limit(params: dict[str, Any]) -> dict[str, Any]:
    return {"limit": int(params["limit"] or 0)}


_scan("locf", "fill", "Last observation carried forward; :limit caps how many nulls in a row "
      "are filled.", "(locf (column 1 nil nil 4) :limit 1)", [1.0, 1.0, None, 4.0],
      aliases=("fills",),
      params=(Param("limit", None, check_opt_pos_int, "fill at most this many nulls in a row"),),
      prepare=_fill_limit, null_rule="nulls take the last valid value (within :limit)")
