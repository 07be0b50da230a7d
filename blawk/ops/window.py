"""Rolling windows: O(n) whatever the window, nulls skipped, min-periods.

The window of row i is the last `window` rows (past-only forms, the seed's
``ft-`` family: the `window` rows before i).  ``min_periods`` defaults to the
full window (pandas' rule: no statistic from a partial window unless asked);
a window with fewer valid values is null.  Variance-like ops default to the
sample (ddof 1) except q's ``mdev``/``mvar``, which are population (ddof 0).

Observation mode (``:obs t``, every window op and ``ur``): the window counts
*valid observations* only -- the window of a valid row i is its last `window`
valid values, however far back (past-only: the `window` valid values before
i), the "business-day" semantics of the lags' ``:obs t``.  Null rows do not
advance the window and their result is null (``mcount`` included).  At the
valid rows the result is bit-identical to the op on the column compressed to
its valid rows, scattered back (``(mavg x 2 :obs t)`` in the language):

    >>> from blawk import Column
    >>> x = Column([1.0, None, 3.0, None, 5.0])
    >>> x.mavg(2, obs=True).to_list()
    [None, None, 2.0, None, 4.0]
    >>> x.mavg(2).to_list()
    [None, None, None, None, None]

A program with an observation-mode window runs on one thread (like
observation-mode lags): the observations before a thread's range can lie
arbitrarily far back.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import BadParameter
from ..expr import Expr
from ..planner import register_lowering
from ..registry import (
    OpSpec,
    Param,
    check_ddof,
    check_opt_pos_int,
    check_pos_int,
    lookup,
    register,
)
from .lag import check_flag

_MAX_WINDOW = 2**31 - 1


def check_window(op: str, param: str, v: Any) -> int:
    """A window length: a positive integer below 2^31."""
    w = check_pos_int(op, param, v)
    if w > _MAX_WINDOW:
        raise BadParameter(f"{param} must be at most {_MAX_WINDOW}, got {w}", op=op)
    return w


_OBS = Param("obs", False, check_flag,
             "window over valid observations (null rows skipped) instead of rows",
             keyword_only=True)


def _mp_default(params: dict[str, Any]) -> dict[str, Any]:
    p = dict(params)
    if p.get("min_periods") is None:
        p["min_periods"] = p["window"]
    return p


def _window(name: str, kind: str, doc: str, example: str, result: Any,
            aliases: tuple[str, ...] = (), ddof: int | None = None, past: bool = False) -> None:
    params = [Param("window", 20, check_window, "rows in the window"),
              Param("min_periods", None, check_opt_pos_int,
                    "valid values needed for a result (default: window)")]
    if ddof is not None:
        params.append(Param("ddof", ddof, check_ddof, "0 = population, 1 = sample"))
    params.append(_OBS)
    register(OpSpec(name=name, kind="window", operands=("x",), params=tuple(params), doc=doc,
                    example=example, example_result=result, aliases=aliases,
                    prepare=_mp_default,
                    null_rule="skips nulls; null where fewer than min_periods valid values "
                              "(:obs t: also at null rows)"))
    register_lowering(name, ("window", kind, past))


_X = "(column 1 2 3 4 5)"
_window("msum", "sum", "Moving sum.", f"(msum {_X} :window 2)", [None, 3.0, 5.0, 7.0, 9.0])
_window("mavg", "mean", "Moving average.", f"(mavg {_X} :window 2)",
        [None, 1.5, 2.5, 3.5, 4.5], aliases=("rolling-mean",))
_window("mvar", "var", "Moving variance; population (ddof 0) as q's mvar.",
        f"(mvar {_X} :window 2)", [None, 0.25, 0.25, 0.25, 0.25], ddof=0)
_window("mstd", "std", "Moving standard deviation; sample (ddof 1) as pandas' rolling std.",
        f"(mstd {_X} :window 2 :ddof 0)", [None, 0.5, 0.5, 0.5, 0.5], aliases=("rolling-std",),
        ddof=1)
_window("mdev", "std", "Moving standard deviation, population (ddof 0), q's mdev.",
        f"(mdev {_X} :window 2)", [None, 0.5, 0.5, 0.5, 0.5], ddof=0)
_window("mmin", "min", "Moving minimum (monotonic deque).", f"(mmin {_X} :window 2)",
        [None, 1.0, 2.0, 3.0, 4.0])
_window("mmax", "max", "Moving maximum (monotonic deque).", f"(mmax {_X} :window 2)",
        [None, 2.0, 3.0, 4.0, 5.0])
_window("mcount", "count", "Valid values in the window (never null; with :obs t null at null "
        "rows).",
        "(mcount (column 1 nil 3) :window 2)", [1.0, 1.0, 1.0])
_window("mmed", "median", "Moving median (O(log w) per row).", f"(mmed {_X} :window 3)",
        [None, None, 2.0, 3.0, 4.0], aliases=("mmedian",))
_window("mskew", "skew", "Moving skewness (bias-corrected, as pandas).",
        f"(mskew {_X} :window 3)", [None, None, 0.0, 0.0, 0.0])
_window("mkurt", "kurt", "Moving excess kurtosis (bias-corrected, as pandas).",
        "(mkurt (column 1 2 3 4 1) :window 4)", [None, None, None, -1.2, -1.2])
_window("wzs", "zscore", "Rolling z-score: (x - mavg) / mstd over the window.",
        f"(wzs {_X} :window 3)", [None, None, 1.0, 1.0, 1.0], aliases=("mzscore",), ddof=1)
_window("ft-mean", "mean", "Past-only moving average: the `window` rows before this one.",
        f"(ft-mean {_X} :window 2)", [None, None, 1.5, 2.5, 3.5], past=True)
_window("ft-std", "std", "Past-only moving standard deviation (sample).",
        f"(ft-std {_X} :window 2 :ddof 0)", [None, None, 0.5, 0.5, 0.5], ddof=1, past=True)
_window("ft-zscore", "zscore", "Past-only z-score: (x - mean of the window before) / its std.",
        f"(ft-zscore {_X} :window 2 :ddof 0)", [None, None, 3.0, 3.0, 3.0], ddof=1, past=True)

_UR_SCALE = 100.0 * math.sqrt(252.0)


def _ur(x: Expr, window: int, min_periods: int | None, obs: bool) -> Any:
    mstd = lookup("mstd")
    assert mstd is not None
    sd = mstd.call([x], {"window": window, "min_periods": min_periods, "obs": obs})
    return lookup("/").call([x, lookup("*").call([sd, _UR_SCALE], {})], {})  # type: ignore


register(OpSpec(
    name="ur", kind="composite", operands=("x",),
    params=(Param("window", 250, check_window, "rows in the volatility window"),
            Param("min_periods", None, check_opt_pos_int, "default: window"), _OBS),
    expand=_ur,
    doc="Unit-risk scaling, the seed's position sizing: x / (100 * sqrt(252) * mstd(x)).",
    example="(ur (column 1 -1 1) :window 2)",
    example_result=[None, -1.0 / (_UR_SCALE * math.sqrt(2.0)), 1.0 / (_UR_SCALE * math.sqrt(2.0))],
    null_rule="null where the rolling std is null",
))
