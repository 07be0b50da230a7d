"""The one exception family of blawk.

Every error a user can provoke is a :class:`BlawkError`.  An error may carry a
:class:`Span` (file, line, column) and the name of the operation or form it is
about; :meth:`BlawkError.format` renders the kdb/compiler-style message::

    prices.blawk:3:12: dlog: lag must be a non-negative integer, got -1
        (dlog px -1)
               ^

Example:
    >>> from blawk.errors import BadParameter, Span
    >>> e = BadParameter("lag must be a non-negative integer, got -1", op="dlog",
    ...                  span=Span("prices.blawk", 3, 12))
    >>> str(e)
    'prices.blawk:3:12: dlog: lag must be a non-negative integer, got -1'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """Where a form starts in its source: 1-based line and column."""

    file: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class BlawkError(Exception):
    """Base class of every error blawk raises on bad input.

    Attributes:
        message: what was wrong, without location.
        op: the operation or form the error is about (or None).
        span: where in the source (or None).
        source: the source text, if known, so a caret line can be shown.
    """

    def __init__(
        self,
        message: str,
        *,
        op: str | None = None,
        span: Span | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.op = op
        self.span = span
        self.source = source

    def located(self, span: Span | None, source: str | None = None) -> BlawkError:
        """Attach a span (and source) if the error has none yet; returns self."""
        if self.span is None and span is not None:
            self.span = span
        if self.source is None and source is not None:
            self.source = source
        return self

    def __str__(self) -> str:
        head = f"{self.span}: " if self.span is not None else ""
        opname = f"{self.op}: " if self.op else ""
        return f"{head}{opname}{self.message}"

    def format(self) -> str:
        """The one-line message, plus the source line and a caret when known."""
        text = str(self)
        if self.span is None or self.source is None:
            return text
        lines = self.source.split("\n")  # the reader counts lines at \n only
        if not 1 <= self.span.line <= len(lines):
            return text
        line = lines[self.span.line - 1].rstrip("\r").replace("\t", " ")
        caret = " " * (self.span.col - 1) + "^"
        return f"{text}\n    {line}\n    {caret}"


class ReadError(BlawkError):
    """Malformed source text: unbalanced parentheses, bad tokens, ..."""


class UnknownName(BlawkError):
    """A symbol, operation or column that does not exist."""


class ArityError(BlawkError):
    """Wrong number of arguments, or an unknown keyword argument."""


class TypeMismatch(BlawkError):
    """An argument of the wrong type (a string where a column is needed, ...)."""


class BadParameter(BlawkError):
    """A parameter value outside its domain (negative lag, ...)."""


class ShapeError(BlawkError):
    """Columns of different lengths where one length is needed."""


class IOFailure(BlawkError):
    """A file that cannot be read or written, or malformed file contents."""
