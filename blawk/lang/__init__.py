"""The blawk language: an S-expression front end over the lazy expression graph.

``reader`` turns text into forms (with spans), ``evaluator`` gives them a
meaning, ``printer`` turns values back into text.  The language itself is
described in docs/language.md.

Example:
    >>> import numpy as np
    >>> from blawk.lang import eval
    >>> r = eval("(* (dlog x 1) 252)", x=np.array([100.0, 101.0, 99.5]))
    >>> r.to_list()[0] is None, round(r.to_list()[1], 6)
    (True, 2.507483)
    >>> eval("(let ((a 2) (b 3)) (+ a b))")
    5.0
"""

from __future__ import annotations

from os import PathLike
from typing import Any

from .evaluator import Environment, Lambda, truthy
from .forms import Keyword, SList, SVector, Symbol
from .printer import display, show
from .reader import read, read_one

__all__ = [
    "Environment", "Keyword", "Lambda", "SList", "SVector", "Symbol", "display", "eval",
    "read", "read_one", "run_file", "show", "truthy",
]


def eval(  # noqa: A001 - the language's eval, re-exported as blawk.eval
    source: str,
    /,
    *,
    filename: str = "<string>",
    env: Environment | None = None,
    **bindings: Any,
) -> Any:
    """Evaluate every form of ``source`` in order; the last value, computed.

    Args:
        source: blawk source text.
        filename: the name errors report (``file:line:col``).
        env: a global environment to evaluate in (kept between calls); a fresh
            one if None.
        **bindings: global bindings to add first (into ``env`` if given).  numpy
            arrays become Columns; Columns, numbers and strings are used as is.

    Returns:
        The value of the last form: a lazy result is computed into a Column (or a
        number); a list of lazy results is computed element by element.  An
        empty source gives None.

    Raises:
        blawk.BlawkError: a ReadError, UnknownName, ArityError, ... with the
        file, line and column of the failing form (``err.format()`` adds the
        source line and a caret).

    Example:
        >>> eval("(define (sq v) (* v v)) (sq 7)")
        49.0
        >>> eval("(-> 16 sqrt (+ 1))")
        5.0
    """
    if env is None:
        env = Environment()
    for name, value in bindings.items():
        env.define(name, value)
    return env.eval(source, filename=filename)


def run_file(
    path: str | PathLike[str],
    *,
    bindings: dict[str, Any] | None = None,
    env: Environment | None = None,
) -> Any:
    """Evaluate a source file (UTF-8; a first line starting with ``#!`` is skipped).

    Args:
        path: the file.
        bindings: global bindings to add first (see :func:`eval`).
        env: the environment to run in (a fresh one if None).

    Returns:
        The value of the last form, computed.

    Raises:
        blawk.IOFailure: the file cannot be read or is not UTF-8.
        blawk.BlawkError: as :func:`eval`, with ``path`` as the file name.
    """
    if env is None:
        env = Environment()
    for name, value in (bindings or {}).items():
        env.define(name, value)
    return env.run_file(str(path))
