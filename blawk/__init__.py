"""blawk: kdb+-style columnar time-series work from Python and a small Lisp.

Float64 columns with Arrow-layout validity bitmaps, hand-written SIMD C kernels
chosen at run time (AVX-512, AVX2+FMA, portable scalar), a planner that fuses an
expression graph into one blocked pass over memory, and an S-expression
language on top.

Example:
    >>> import numpy as np, blawk
    >>> x = np.array([100.0, 101.0, 99.5])
    >>> blawk.eval("(* (dlog x 1) 252)", x=x).to_list()[1]
    2.507483374998305
    >>> r = (blawk.col("px").dlog(1) * 252)
    >>> blawk.compute(r, px=x).null_count
    1
"""

from __future__ import annotations

import os as _os

from . import _core
from .column import Column
from .errors import (
    ArityError,
    BadParameter,
    BlawkError,
    IOFailure,
    ReadError,
    ShapeError,
    Span,
    TypeMismatch,
    UnknownName,
)
from .expr import Expr, col
from .planner import compute, explain, get_threads, set_threads
from .table import Table

__version__ = "0.1.0"
BLOCK_SIZE: int = _core.BLOCK


def isa() -> str:
    """The instruction set the kernels use now: "avx512", "avx2" or "scalar"."""
    return _core.active_isa()


def available_isas() -> list[str]:
    """The instruction sets this CPU can run, slowest first."""
    return _core.available_isas()


def set_isa(name: str) -> None:
    """Force the kernels of one instruction set ("scalar", "avx2", "avx512").

    Raises BadParameter if the name is unknown or the CPU cannot run it.
    Results are bit-identical whichever is chosen.
    """
    if name not in ("scalar", "avx2", "avx512"):
        raise BadParameter(
            f"unknown instruction set {name!r}; expected scalar, avx2 or avx512", op="set-isa"
        )
    if name not in _core.available_isas():
        raise BadParameter(
            f"instruction set {name!r} is not available on this CPU "
            f"(available: {', '.join(_core.available_isas())})",
            op="set-isa",
        )
    _core.set_isa(name)


def _isa_from_env() -> None:
    want = _os.environ.get("BLAWK_ISA", "").strip()
    if want:
        try:
            set_isa(want)
        except BlawkError as exc:
            raise ImportError(f"BLAWK_ISA={want}: {exc.message}") from None


_isa_from_env()

from . import api as _api  # noqa: E402

_api.install()
globals().update(_api.FUNCTIONS)


from .calendar import mask as calendar_mask  # noqa: E402
from .calendar import mask_and, mask_not, mask_or, resample, weekdays, weekends  # noqa: E402
from .interop import from_pandas, to_pandas  # noqa: E402
from .io_csv import LenientParseWarning, LenientReport, load_csv, save_csv  # noqa: E402
from .io_parquet import load_parquet, save_parquet  # noqa: E402
from .io_splayed import load_splayed, save_splayed  # noqa: E402
from .joins import aj, lj, mapr  # noqa: E402


def eval(source: str, /, **bindings: object) -> object:  # noqa: A001
    """Evaluate blawk source text; see blawk.lang.eval."""
    from .lang import eval as _eval

    return _eval(source, **bindings)


__all__ = [
    "ArityError", "BadParameter", "BlawkError", "Column", "Expr", "IOFailure", "ReadError",
    "ShapeError", "Span", "Table", "TypeMismatch", "UnknownName", "available_isas", "col",
    "compute", "eval", "explain", "get_threads", "isa", "load_csv", "set_isa", "set_threads",
    "LenientParseWarning", "LenientReport", "aj", "calendar_mask", "from_pandas", "lj",
    "load_parquet", "load_splayed", "mapr", "mask_and", "mask_not", "mask_or", "resample",
    "save_csv", "save_parquet", "save_splayed", "to_pandas", "weekdays", "weekends",
    *sorted(_api.FUNCTIONS),
]
