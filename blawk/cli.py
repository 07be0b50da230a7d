"""The ``blawk`` command.

Usage::

    blawk                                    interactive REPL (stdin a terminal), else
                                             evaluate the forms read from stdin
    blawk -e EXPR [--set NAME=VALUE ...]     evaluate EXPR, print its value
    blawk run FILE [--set NAME=VALUE ...]    run a script (FILE may be - for stdin),
                                             print the value of its last form
    blawk ops [--json]                       every operation: signature, aliases, doc
    blawk verify A.csv B.csv [--atol X] [--rtol Y]
                                             compare two tables of numbers
    blawk selftest                           IEEE and null tripwires of this build
    blawk --version

Options anywhere: ``--traceback`` shows the Python traceback of an error
instead of the short ``file:line:col: message``.

Exit status: 0 on success, 1 for an error in the user's input (a BlawkError:
malformed source, unknown name, bad argument, unreadable file...), for tables
that differ (``verify``) and for a failed tripwire (``selftest``), 2 for a
usage error or an internal error.

Example:
    >>> main(["-e", "(+ 1 2)"])
    3.0
    0
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["main", "parse_value", "selftest", "verify"]

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


def _tolerance(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not v >= 0 or math.isinf(v):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return v


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
    """The argument parser (subcommands: run, ops, verify, selftest)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                        help="on an error, show the Python traceback")
    binding = argparse.ArgumentParser(add_help=False)
    binding.add_argument("--set", metavar="NAME=VALUE", type=_binding, action="append",
                         default=argparse.SUPPRESS, dest="bindings",
                         help="bind NAME globally before evaluating (a number if VALUE reads "
                              "as one, else a string); repeatable")

    parser = argparse.ArgumentParser(
        prog="blawk", parents=[common, binding],
        description="kdb+-style columnar time-series work: evaluate blawk expressions.  "
                    "Without arguments: an interactive REPL (or, when standard input is not "
                    "a terminal, evaluate the forms it holds).",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("-e", "--eval", metavar="EXPR", dest="expr",
                        help="evaluate EXPR and print its value")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", parents=[common, binding], help="run a blawk script",
                         description="Run a blawk script and print the value of its last "
                                     "form (unless it is nil or print has just written it).")
    run.add_argument("file", metavar="FILE", help="the script (- reads standard input)")
    ops = sub.add_parser("ops", parents=[common], help="list every operation",
                         description="Every operation of the registry: signature, kind, "
                                     "aliases, documentation.")
    ops.add_argument("--json", action="store_true", help="as JSON (a list of objects)")
    ver = sub.add_parser("verify", parents=[common], help="compare two CSV tables",
                         description="Compare two CSV files of numbers: the headers must "
                                     "match; null equals null, NaN equals NaN, infinities "
                                     "compare by sign; other values are equal when "
                                     "|a - b| <= atol + rtol * |b|.  Prints the largest "
                                     "difference and the first mismatches; exit status 1 "
                                     "if they differ.")
    ver.add_argument("a", metavar="A.csv")
    ver.add_argument("b", metavar="B.csv")
    ver.add_argument("--atol", type=_tolerance, default=0.0, help="absolute tolerance "
                     "(default 0)")
    ver.add_argument("--rtol", type=_tolerance, default=0.0, help="relative tolerance "
                     "(default 0)")
    ver.add_argument("--show", type=int, default=10, metavar="N",
                     help="how many mismatches to list (default 10)")
    sub.add_parser("selftest", parents=[common], help="check this build's IEEE and null rules",
                   description="Tripwires of the installed build: IEEE special values, "
                               "null propagation, bit-identical results on every "
                               "instruction set this CPU has.  Exit status 1 if any fails.")
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
        job: Callable[[], int | None] = _EvalExpr(args.expr, bindings)
    elif args.command == "run":
        job = _RunFile(args.file, bindings)
    elif args.command == "ops":
        job = lambda: _ops(args.json)  # noqa: E731
    elif args.command == "verify":
        job = lambda: verify(args.a, args.b, atol=args.atol, rtol=args.rtol,  # noqa: E731
                             show=args.show)
    elif args.command == "selftest":
        job = selftest
    else:
        job = _Interactive(bindings)
    return _execute(job, show_traceback)


class _Interactive:
    """``blawk``: the REPL on a terminal, else the forms of standard input."""

    def __init__(self, bindings: dict[str, Any]) -> None:
        self.bindings = bindings

    def __call__(self) -> int:
        from . import repl
        from .lang import Environment

        env = Environment(self.bindings)
        if sys.stdin.isatty() and sys.stdout.isatty():
            return repl.run(env)
        return repl.run_stream(env, sys.stdin)


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
        status = job()
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
    return status if isinstance(status, int) else 0


def _internal_error(exc: BaseException | None) -> int:
    what = f"{type(exc).__name__}: {exc}" if exc is not None else "unknown failure"
    print(f"blawk: internal error: {what}", file=sys.stderr)
    print("blawk: this is a bug in blawk; rerun with --traceback for details", file=sys.stderr)
    return 2


def _silence_stdout() -> None:
    # stdout's reader went away (blawk ... | head): do not complain at exit either
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# ------------------------------------------------------------------ ops


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else repr(v)
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return repr(v)


def op_records() -> list[dict[str, Any]]:
    """Every registry operation as a plain dict (what ``blawk ops --json`` prints)."""
    from . import registry

    out = []
    for name in sorted(registry.OPS):
        spec = registry.OPS[name]
        out.append({
            "name": spec.name,
            "signature": spec.signature(),
            "kind": spec.kind,
            "aliases": list(spec.aliases),
            "operands": list(spec.operands),
            "variadic": bool(spec.variadic),
            "params": [{"name": p.name, "keyword": ":" + p.name.replace("_", "-"),
                        "default": None if p.default is registry.REQUIRED
                        else _jsonable(p.default),
                        "required": p.default is registry.REQUIRED,
                        "keyword_only": bool(getattr(p, "keyword_only", False)),
                        "doc": p.doc} for p in spec.params],
            "doc": spec.doc,
            "null_rule": spec.null_rule,
            "example": spec.example,
            "example_result": _jsonable(spec.example_result),
            "python_name": spec.python_name or spec.name.replace("-", "_"),
        })
    return out


def _ops(as_json: bool) -> int:
    records = op_records()
    if as_json:
        _write(json.dumps(records, indent=1) + "\n")
        return 0
    from . import registry
    from .lang.builtins import describe_op

    blocks = [describe_op(registry.OPS[r["name"]]) for r in records]
    _write("\n\n".join(blocks) + f"\n\n{len(records)} operations\n")
    return 0


# ------------------------------------------------------------------ verify


def _read_table(path: str) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from .errors import IOFailure
    from .io_csv import DEFAULT_NULLS, sniff_delimiter

    if not os.path.exists(path):
        raise IOFailure(f"no such file: {path}", op="verify")
    if os.path.isdir(path):
        raise IOFailure(f"is a directory, not a CSV file: {path}", op="verify")
    try:
        with pa.input_stream(path, compression="detect") as f:
            head = f.read(1 << 16).decode("utf-8", "replace")
        return pcsv.read_csv(
            path, parse_options=pcsv.ParseOptions(delimiter=sniff_delimiter(head)),
            convert_options=pcsv.ConvertOptions(null_values=list(DEFAULT_NULLS),
                                                strings_can_be_null=True))
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise IOFailure(f"{path}: {exc}", op="verify") from None


def _numbers(arr: Any) -> tuple[Any, Any] | None:
    """(float64 values, valid) of a column of numbers, or None if it is not one."""
    import numpy as np
    import pyarrow as pa

    from .io_csv import parse_floats

    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t):
        values = np.asarray(arr.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False),
                            dtype=np.float64)
        return values, np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        values, ok, bad = parse_floats(arr)
        if bad.any():
            return None
        return values, ok
    return None


def _fmt_number(v: float) -> str:
    return repr(float(v))


def verify(a: str, b: str, *, atol: float = 0.0, rtol: float = 0.0, show: int = 10,
           out: Any = None) -> int:
    """Compare two CSV tables (see ``blawk verify --help``); 0 if equal, 1 if not."""
    import numpy as np

    out = out or sys.stdout
    ta, tb = _read_table(a), _read_table(b)
    names_a, names_b = ta.column_names, tb.column_names
    if names_a != names_b:
        out.write(f"MISMATCH: the headers differ\n  {a}: {', '.join(names_a)}\n"
                  f"  {b}: {', '.join(names_b)}\n")
        return 1
    if ta.num_rows != tb.num_rows:
        out.write(f"MISMATCH: {a} has {ta.num_rows} rows, {b} has {tb.num_rows}\n")
        return 1
    n = ta.num_rows
    mismatches: list[tuple[int, str, str, str, str]] = []  # (row, column, a, b, note)
    count = 0
    best: tuple[float, str, int, float, float] | None = None  # max |a - b|
    best_rel = 0.0
    numeric_cols = 0
    for name in names_a:
        ca, cb = ta.column(name), tb.column(name)
        na, nb = _numbers(ca), _numbers(cb)
        if na is None or nb is None:  # dates, text: compared exactly, as text
            sa = ca.cast("string").to_pylist() if ca.type != cb.type else ca.to_pylist()
            sb = cb.cast("string").to_pylist() if ca.type != cb.type else cb.to_pylist()
            for r, (x, y) in enumerate(zip(sa, sb, strict=True)):
                if x != y:
                    count += 1
                    if len(mismatches) < show:
                        mismatches.append((r, name, _text(x), _text(y), ""))
            continue
        numeric_cols += 1
        (xa, va), (xb, vb) = na, nb
        both = va & vb
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(xa - xb)
            finite = both & np.isfinite(xa) & np.isfinite(xb)
            close = finite & (diff <= atol + rtol * np.abs(xb))
            same = both & ((xa == xb) | (np.isnan(xa) & np.isnan(xb)))
        ok = np.where(both, same | close, va == vb)
        if finite.any():
            d = np.where(finite, diff, -1.0)
            r = int(np.argmax(d))
            if best is None or d[r] > best[0]:
                best = (float(d[r]), name, r, float(xa[r]), float(xb[r]))
            with np.errstate(invalid="ignore", divide="ignore"):
                rel = np.where(finite & (diff > 0), diff / np.maximum(np.abs(xa), np.abs(xb)),
                               0.0)
            best_rel = max(best_rel, float(rel.max()))
        bad = np.flatnonzero(~ok)
        count += len(bad)
        for r in bad[: max(0, show - len(mismatches))]:
            x = "null" if not va[r] else _fmt_number(xa[r])
            y = "null" if not vb[r] else _fmt_number(xb[r])
            note = f"  (diff {diff[r]:.3g})" if finite[r] else ""
            mismatches.append((int(r), name, x, y, note))
    out.write(f"compared {a} and {b}: {n} rows, {len(names_a)} columns "
              f"({numeric_cols} numeric)\n")
    if best is not None:
        d, name, r, x, y = best
        out.write(f"max difference: {d:.6g} (column {name}, row {r + 2}: {_fmt_number(x)} vs "
                  f"{_fmt_number(y)}); max relative difference {best_rel:.3g}\n")
    tol = f"atol={atol:g}, rtol={rtol:g}"
    if not count:
        out.write(f"equal ({tol})\n")
        return 0
    out.write(f"MISMATCH: {count} value{'s' if count != 1 else ''} differ ({tol})")
    mismatches.sort()
    out.write(f"; the first {len(mismatches)}:\n" if mismatches else "\n")
    for r, name, x, y, note in mismatches:
        out.write(f"  row {r + 2}, {name}: {x} vs {y}{note}\n")
    return 1


def _text(v: Any) -> str:
    return "null" if v is None else str(v)


# ------------------------------------------------------------------ selftest


def _bits(x: float) -> int:
    import struct

    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _same(x: Any, y: Any) -> bool:
    """Same IEEE value: bit-identical, any NaN equal to any NaN, None equal to None."""
    if x is None or y is None:
        return x is None and y is None
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return _bits(x) == _bits(y)


def _selftest_checks() -> list[tuple[str, Callable[[], str | None]]]:

    import blawk
    from blawk import Column

    def kernel(op: str, *cols: Any) -> list[Any]:
        fn = getattr(blawk, op)
        return fn(*[Column(c) if not isinstance(c, Column) else c for c in cols]).to_list()

    def expect(got: Any, want: Any) -> str | None:
        if isinstance(want, list):
            if len(got) != len(want) or not all(_same(g, w) for g, w in zip(got, want,
                                                                            strict=True)):
                return f"got {got}, want {want}"
            return None
        return None if _same(got, want) else f"got {got!r}, want {want!r}"

    inf, nan = math.inf, math.nan
    checks: list[tuple[str, Callable[[], str | None]]] = [
        ("log(0) = -inf, log(-1) = NaN, log(1) = 0, log(inf) = inf",
         lambda: expect(kernel("log", [0.0, -1.0, 1.0, inf, -0.0]), [-inf, nan, 0.0, inf, -inf])),
        ("exp(0) = 1, exp(-inf) = 0, exp(inf) = inf, exp(1000) = inf",
         lambda: expect(kernel("exp", [0.0, -inf, inf, 1000.0]), [1.0, 0.0, inf, inf])),
        ("1/0 = inf, -1/0 = -inf, 0/0 = NaN, 1/-0 = -inf",
         lambda: expect(kernel("div", [1.0, -1.0, 0.0, 1.0], [0.0, 0.0, 0.0, -0.0]),
                        [inf, -inf, nan, -inf])),
        ("neg 0 = -0, neg -0 = 0 (the sign bit flips)",
         lambda: expect(kernel("neg", [0.0, -0.0]), [-0.0, 0.0])),
        ("abs -0 = 0, abs -inf = inf",
         lambda: expect(kernel("abs", [-0.0, -inf]), [0.0, inf])),
        ("sqrt -0 = -0, sqrt -1 = NaN",
         lambda: expect(kernel("sqrt", [-0.0, -1.0]), [-0.0, nan])),
        ("-0 * 1 = -0, -0 + 0 = 0",
         lambda: expect(kernel("mul", [-0.0], [1.0]) + kernel("add", [-0.0], [0.0]),
                        [-0.0, 0.0])),
        ("null in, null out; NaN stays NaN (not null)",
         lambda: expect((Column([1.0, None, nan]) + 1.0).to_list(), [2.0, None, nan])),
        ("dlog: null for i < lag and where x[i] or x[i-lag] is null",
         lambda: expect(Column([1.0, None, 2.0, 4.0]).dlog(1).to_list(),
                        [None, None, None, math.log(2.0)])),
        ("nan->null makes NaN null, and only NaN",
         lambda: expect(blawk.eval("(nan->null x)", x=Column([nan, 1.0, None])).to_list(),
                        [None, 1.0, None])),
        ("constants fold with the kernels: (log 0) = -inf, (/ 1 0) = inf",
         lambda: expect([blawk.eval("(log 0)"), blawk.eval("(/ 1 0)")], [-inf, inf])),
        ("comparisons of numbers are booleans; 0 is true",
         lambda: None if (blawk.eval("(< 1 2)") is True
                          and blawk.eval("(if 0 'yes 'no)").name == "yes") else "wrong"),
        ("reductions skip nulls: mean of 1, null, 3 is 2",
         lambda: expect(blawk.eval("(mean x)", x=Column([1.0, None, 3.0])), 2.0)),
    ]
    checks.append(("bit-identical results on every instruction set ("
                   + ", ".join(blawk.available_isas()) + ")", _isa_check))
    return checks


def _isa_check() -> str | None:
    import numpy as np

    import blawk
    from blawk import Column

    rng = np.random.default_rng(5)
    n = 1000
    x = rng.standard_normal(n) * np.exp(rng.uniform(-20, 20, n))
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e308, -1e308,
                         1.0, -1.0, 2.2250738585072014e-308])
    x[: len(specials)] = specials
    valid = rng.random(n) > 0.05
    col = Column(x, valid=valid)
    pos = Column(np.abs(x) + 0.5, valid=valid)
    exprs = {
        "log": lambda: col.log(), "exp": lambda: col.exp(), "sqrt": lambda: col.sqrt(),
        "dlog": lambda: pos.dlog(1), "dlog 3": lambda: pos.dlog(3),
        "+ * /": lambda: (col * 1.5 + col) / (col - 2.0),
    }
    before = blawk.isa()
    results: dict[str, dict[str, Any]] = {}
    try:
        for isa in blawk.available_isas():
            blawk.set_isa(isa)
            for name, make in exprs.items():
                r = make()
                vals = r.to_numpy()
                results.setdefault(name, {})[isa] = (vals.view(np.uint64), np.isnan(vals),
                                                     r.is_valid())
    finally:
        blawk.set_isa(before)
    for name, per in results.items():
        isas = list(per)
        b0, n0, v0 = per[isas[0]]
        for isa in isas[1:]:
            b1, n1, v1 = per[isa]
            same = np.array_equal(v0, v1) and np.array_equal(n0 & v0, n1 & v1) and \
                np.array_equal(b0[v0 & ~n0], b1[v1 & ~n1])
            if not same:
                return f"{name}: {isa} differs from {isas[0]}"
    return None


def selftest(out: Any = None) -> int:
    """Run the tripwires; print one line per check; 0 if all pass, else 1."""
    import blawk

    out = out or sys.stdout
    t0 = time.perf_counter()
    failed = 0
    checks = _selftest_checks()
    for name, check in checks:
        try:
            problem = check()
        except Exception as exc:  # noqa: BLE001 - a tripwire that raises has failed
            problem = f"{type(exc).__name__}: {exc}"
        if problem is None:
            out.write(f"ok    {name}\n")
        else:
            failed += 1
            out.write(f"FAIL  {name}: {problem}\n")
    dt = time.perf_counter() - t0
    summary = (f"{len(checks) - failed} of {len(checks)} checks passed in {dt:.2f} s "
               f"(blawk {blawk.__version__}, kernels: {blawk.isa()})")
    out.write(("selftest: " if not failed else "selftest FAILED: ") + summary + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
