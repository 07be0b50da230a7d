"""The ``blawk`` command.

Usage::

    blawk -e EXPR [--set NAME=VALUE ...]     evaluate EXPR, print its value
    blawk run FILE [--set NAME=VALUE ...]    run a script (FILE may be - for stdin),
                                             print the value of its last form
    blawk --version

Options anywhere: ``--traceback`` shows the Python traceback of an error
instead of the short ``file:line:col: message``.

Exit status: 0 on success, 1 for an error in the user's input (a BlawkError:
malformed source, unknown name, bad argument, unreadable file...), 2 for a
usage error or an internal error.

Example:
    >>> main(["-e", "(+ 1 2)"])
    3.0
    0
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "parse_value"]

_NUMBER_WORDS = {"inf": float("inf"), "+inf": float("inf"), "-inf": float("-inf"),
                 "nan": float("nan")}


def parse_value(text: str) -> int | float | str:
    """A ``--set`` value: a number if it reads as one (``inf``/``nan`` included),
    else the string itself.

    Example:
        >>> parse_value("5"), parse_value("-2.5e3"), parse_value("inf"), parse_value("px")
        (5, -2500.0, inf, 'px')
    """
    from .lang.reader import _NUMBER

    stripped = text.strip()
    if stripped in _NUMBER_WORDS:
        return _NUMBER_WORDS[stripped]
    if len(stripped) <= 1000:
        m = _NUMBER.fullmatch(stripped)
        if m is not None:
            if m.group(1) is None and m.group(2) is None and m.group(3) is None:
                return int(stripped)
            return float(stripped)
    return text


def _binding(text: str) -> tuple[str, int | float | str]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, parse_value(value)


def _version() -> str:
    try:
        import blawk

        version = getattr(blawk, "__version__", None)
    except ImportError:
        version = None
    if version is None:
        try:
            from importlib.metadata import version as dist_version

            version = dist_version("blawk")
        except Exception:  # noqa: BLE001 - any failure: we just do not know
            version = "unknown"
    return f"blawk {version}"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (subcommands: ``run``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                        help="on an error, show the Python traceback")
    common.add_argument("--set", metavar="NAME=VALUE", type=_binding, action="append",
                        default=argparse.SUPPRESS, dest="bindings",
                        help="bind NAME globally before evaluating (a number if VALUE reads "
                             "as one, else a string); repeatable")

    parser = argparse.ArgumentParser(
        prog="blawk", parents=[common],
        description="kdb+-style columnar time-series work: evaluate blawk expressions.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("-e", "--eval", metavar="EXPR", dest="expr",
                        help="evaluate EXPR and print its value")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", parents=[common], help="run a blawk script",
                         description="Run a blawk script and print the value of its last "
                                     "form (unless it is nil or print has just written it).")
    run.add_argument("file", metavar="FILE", help="the script (- reads standard input)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(_version())
        return 0
    if args.expr is not None and args.command is not None:
        parser.error("use either -e EXPR or a command, not both")
    show_traceback = getattr(args, "traceback", False)
    bindings = dict(getattr(args, "bindings", None) or [])
    if args.expr is not None:
        job = _EvalExpr(args.expr, bindings)
    elif args.command == "run":
        job = _RunFile(args.file, bindings)
    else:
        return _no_command(parser)
    return _execute(job, show_traceback)


def _no_command(parser: argparse.ArgumentParser) -> int:
    # The interactive REPL plugs in here.
    parser.print_usage(sys.stderr)
    print("blawk: give -e EXPR or run FILE (see blawk --help)", file=sys.stderr)
    return 2


class _EvalExpr:
    """``blawk -e EXPR``: evaluate and print the value."""

    def __init__(self, expr: str, bindings: dict[str, Any]) -> None:
        self.expr = expr
        self.bindings = bindings

    def __call__(self) -> None:
        from .lang import Environment

        env = Environment(self.bindings)
        _show_result(env, env.eval(self.expr, filename="<expr>"))


class _RunFile:
    """``blawk run FILE``: run a script and print its last value."""

    def __init__(self, path: str, bindings: dict[str, Any]) -> None:
        self.path = path
        self.bindings = bindings

    def __call__(self) -> None:
        from .lang import Environment

        env = Environment(self.bindings)
        if self.path == "-":
            value = env.eval(sys.stdin.read(), filename="<stdin>")
        else:
            value = env.run_file(self.path)
        _show_result(env, value)


def _show_result(env: Any, value: Any) -> None:
    # nil prints nothing; neither does a value that (print ...) has just written
    if value is None or value is env.last_printed:
        return
    from .lang.printer import show

    _write(show(value) + "\n")


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _execute(job: Any, show_traceback: bool) -> int:
    try:
        from .errors import BlawkError
    except Exception:  # noqa: BLE001 - the package itself is broken
        if show_traceback:
            raise
        return _internal_error(sys.exc_info()[1])
    try:
        job()
    except BlawkError as err:
        if show_traceback:
            traceback.print_exc()
        else:
            sys.stdout.flush()
            print(err.format(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except Exception as exc:  # noqa: BLE001 - reported, with a way to see more
        if show_traceback:
            traceback.print_exc()
            return 2
        return _internal_error(exc)
    return 0


def _internal_error(exc: BaseException | None) -> int:
    what = f"{type(exc).__name__}: {exc}" if exc is not None else "unknown failure"
    print(f"blawk: internal error: {what}", file=sys.stderr)
    print("blawk: this is a bug in blawk; rerun with --traceback for details", file=sys.stderr)
    return 2


def _silence_stdout() -> None:
    # stdout's reader went away (blawk ... | head): do not complain at exit either
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    raise SystemExit(main())
