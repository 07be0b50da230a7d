"""The builtin functions of the language (beyond the registry's operations).

Each is registered with :func:`~blawk.lang.evaluator.builtin` and called as
``fn(env, args, kwargs)`` with evaluated arguments.  A few share a name with a
registry operation (``<`` ``>`` ``<=`` ``>=`` ``=`` ``!=`` ``not`` ``null?``
``filter``): on plain values they are the Lisp functions (comparisons give
``#t``/``#f``, ``(not 0)`` is ``#f`` because 0 is true), and as soon as an
argument is a column or a table they are the registry operation (1.0/0.0
masks, table filters).

Example:
    >>> from blawk.lang import eval
    >>> eval("(map (lambda (x) (* x x)) (list 1 2 3))")
    [1.0, 4.0, 9.0]
    >>> eval('(format nil "~a has ~d items" "xs" 3)')
    'xs has 3 items'
    >>> eval("(list (< 1 2) (= 'a 'a) (not nil))")
    [True, True, True]
"""

from __future__ import annotations

import operator
import os
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ArityError, BadParameter, BlawkError, TypeMismatch, UnknownName
from .evaluator import (
    BUILTINS,
    CONSTANTS,
    SPECIAL_DOCS,
    SPECIAL_FORMS,
    UP,
    Builtin,
    Environment,
    Lambda,
    LazyTable,
    Macro,
    _compute_all,
    _describe,
    _expr_type,
    apply,
    builtin,
    did_you_mean,
    macroexpand_1,
    read_source_file,
)
from .forms import Keyword, Symbol
from .printer import display, show, show_full
from .reader import read

__all__ = ["describe", "describe_op"]


def _out(env: Environment) -> Any:
    return env.stdout if env.stdout is not None else sys.stdout


def _no_kwargs(name: str, kwargs: Mapping[str, Any]) -> None:
    if kwargs:
        raise ArityError(f"takes no keyword arguments, got :{next(iter(kwargs))}", op=name)


def _nargs(name: str, args: list[Any], lo: int, hi: int | None, usage: str) -> None:
    n = len(args)
    if n < lo or (hi is not None and n > hi):
        if hi == lo:
            want = f"{lo} argument{'s' if lo != 1 else ''}"
        elif hi is None:
            want = f"at least {lo} argument{'s' if lo != 1 else ''}"
        else:
            want = f"{lo} to {hi} arguments"
        raise ArityError(f"expected {want} {usage}, got {n}", op=name)


def _columnar(v: Any) -> bool:
    from ..column import Column
    from ..table import Table

    return isinstance(v, (Column, Table, LazyTable, _expr_type()))


def scalar_valued(v: Any) -> bool:
    """Whether a lazy expression stands for one number (a reduction, or arithmetic
    on reductions and numbers) rather than a column."""
    Expr = _expr_type()
    if not isinstance(v, Expr):
        return False
    from .. import registry

    known: dict[int, bool] = {}
    stack: list[tuple[Any, bool]] = [(v, False)]
    while stack:
        nd, expanded = stack.pop()
        if id(nd) in known:
            continue
        if nd.op == "const":
            known[id(nd)] = True
            continue
        spec = registry.lookup(nd.op)
        kind = getattr(spec, "kind", None)
        if kind == "reduce":
            known[id(nd)] = True
        elif kind != "map" or not nd.args:
            known[id(nd)] = False  # inputs, columns, lags, windows, scans
        elif expanded:
            known[id(nd)] = all(known[id(a)] for a in nd.args)
        else:
            stack.append((nd, True))
            stack.extend((a, False) for a in nd.args if id(a) not in known)
    return known[id(v)]


def _registry_call(env: Environment, name: str, args: list[Any],
                   kwargs: Mapping[str, Any]) -> Any:
    from .evaluator import call_op

    spec = env.lookup_op(name)
    if spec is None:
        raise TypeMismatch(f"no registry operation {name!r} for columns", op=name)
    return call_op(spec, args, kwargs, env)


# ------------------------------------------------------------------ output


@builtin("print", "(print value ...)",
         "Write the values (computed; strings without quotes), separated by spaces, then a "
         "newline.  Returns the last value.")
def _print(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("print", kwargs)
    values = _compute_all(list(args), env)
    _out(env).write(" ".join(display(v) for v in values) + "\n")
    result = values[-1] if values else None
    env.last_printed = result
    return result


@builtin("see", "(see value)",
         "Write the value in full (every element of a column or a list, every row of a "
         "table).  Returns the value.")
def _see(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("see", kwargs)
    _nargs("see", args, 1, 1, "(see value)")
    value = env.compute(args[0])
    _out(env).write(show_full(value) + "\n")
    env.last_printed = value
    return value


@builtin("explain", "(explain expr)",
         "Print how a lazy value will be computed (blawk.explain: the fused passes and "
         "their instructions).  Returns nil.")
def _explain(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("explain", kwargs)
    _nargs("explain", args, 1, 1, "(explain expr)")
    _out(env).write(explain_text(args[0]) + "\n")
    env.last_printed = None
    return None


def explain_text(value: Any) -> str:
    """The plan of a lazy value in words (or why there is none)."""
    import blawk

    if isinstance(value, LazyTable):
        exprs = [v for v in value.columns.values() if isinstance(v, _expr_type())]
        if not exprs:
            return "nothing to compute (the table's columns are computed already)"
        return blawk.explain(exprs)
    if isinstance(value, _expr_type()):
        return blawk.explain(value)
    return f"nothing to compute: {_describe(value)} is a value, not a lazy expression"


@builtin("str", "(str value ...)",
         "The values as one string (strings as they are, the rest as print shows them).")
def _str(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("str", kwargs)
    return "".join(display(v) for v in _compute_all(list(args), env))


_DIRECTIVE = re.compile(r"~([0-9]*)(?:,([0-9]*))?([aAsSdDfFeE%&~])")


@builtin("format", "(format [t|nil] control value ...)",
         "Common Lisp style formatting: ~a (as print shows it), ~s (as data), ~d (a whole "
         "number), ~f / ~,2f (fixed point), ~e (exponent), ~% (newline), ~~ (a tilde).  "
         "With t first, write the text and return nil; otherwise (also with nil first) "
         "return the string.")
def _format(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("format", kwargs)
    args = list(args)
    dest: Any = False
    if len(args) >= 2 and (args[0] is True or args[0] is None) and type(args[1]) is str:
        dest = args.pop(0)
    if not args or type(args[0]) is not str:
        raise TypeMismatch("expected a control string, e.g. (format nil \"~a\" x)",
                           op="format")
    control = args.pop(0)
    values = iter(_compute_all(args, env))
    out: list[str] = []
    pos = 0
    for m in _DIRECTIVE.finditer(control):
        out.append(control[pos:m.start()])
        pos = m.end()
        width, prec, d = m.group(1), m.group(2), m.group(3).lower()
        if d == "%" or d == "&":
            out.append("\n")
            continue
        if d == "~":
            out.append("~")
            continue
        try:
            v = next(values)
        except StopIteration:
            raise BadParameter(f"not enough values for the directives in {control!r}",
                               op="format") from None
        out.append(_directive(d, v, width, prec))
    rest = control[pos:]
    if "~" in rest:
        bad = rest[rest.index("~"):][:2]
        raise BadParameter(f"unknown directive {bad!r} (known: ~a ~s ~d ~f ~e ~% ~~)",
                           op="format")
    out.append(rest)
    leftover = sum(1 for _ in values)
    if leftover:
        raise BadParameter(f"{leftover} value(s) left over after the directives in "
                           f"{control!r}", op="format")
    text = "".join(out)
    if dest is True:
        _out(env).write(text)
        env.last_printed = None
        return None
    return text


def _directive(d: str, v: Any, width: str | None, prec: str | None) -> str:
    if d == "a":
        text = display(v)
    elif d == "s":
        text = show(v)
    else:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeMismatch(f"~{d} needs a number, got {_describe(v)}", op="format")
        if d == "d":
            text = str(int(v)) if isinstance(v, int) or (v == v and abs(v) != float("inf")
                                                         and float(v).is_integer()) else repr(v)
        elif d == "f":
            text = f"{float(v):.{int(prec)}f}" if prec else repr(float(v))
        else:
            text = f"{float(v):.{int(prec)}e}" if prec else f"{float(v):e}"
    return text.rjust(int(width)) if width else text


# ------------------------------------------------------------------ lists


def _as_list(name: str, v: Any, what: str = "list") -> list[Any]:
    if v is None:
        return []
    if isinstance(v, list):
        return v
    if _columnar(v):
        raise TypeMismatch(f"{what} must be a list, got {_describe(v)}; operations apply "
                           f"to whole columns already", op=name)
    raise TypeMismatch(f"{what} must be a list, got {_describe(v)}", op=name)


@builtin("list", "(list value ...)", "A list of the values.")
def _list(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("list", kwargs)
    return list(args)


@builtin("car", "(car list)", "The first element of a list (nil for an empty list).")
def _car(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("car", kwargs)
    _nargs("car", args, 1, 1, "(car list)")
    xs = _as_list("car", args[0])
    return xs[0] if xs else None


@builtin("cdr", "(cdr list)", "The list without its first element (nil for nil).")
def _cdr(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("cdr", kwargs)
    _nargs("cdr", args, 1, 1, "(cdr list)")
    if args[0] is None:
        return None
    return list(_as_list("cdr", args[0])[1:])


@builtin("cons", "(cons value list)", "A new list: value, then the elements of list.")
def _cons(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("cons", kwargs)
    _nargs("cons", args, 2, 2, "(cons value list)")
    return [args[0], *_as_list("cons", args[1], "the second argument")]


@builtin("nth", "(nth index list)", "Element index (from 0) of list; nil past the end.")
def _nth(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("nth", kwargs)
    _nargs("nth", args, 2, 2, "(nth index list)")
    k = args[0]
    if isinstance(k, bool) or not isinstance(k, (int, float)) or (
            isinstance(k, float) and not k.is_integer()):
        raise TypeMismatch(f"index must be a whole number, got {_describe(k)}", op="nth")
    k = int(k)
    if k < 0:
        raise BadParameter(f"index must be >= 0, got {k}", op="nth")
    xs = _as_list("nth", args[1])
    return xs[k] if k < len(xs) else None


@builtin("length", "(length x)",
         "The number of elements of a list or string, of values in a column, of rows in a "
         "table.")
def _length(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("length", kwargs)
    _nargs("length", args, 1, 1, "(length x)")
    v = args[0]
    if v is None:
        return 0
    if isinstance(v, _expr_type()):
        v = env.compute(v)
    try:
        return len(v)
    except TypeError:
        raise TypeMismatch(f"{_describe(v)} has no length", op="length") from None


@builtin("append", "(append list ...)", "One list with the elements of all the lists.")
def _append(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("append", kwargs)
    out: list[Any] = []
    for k, v in enumerate(args):
        out.extend(_as_list("append", v, f"argument {k + 1}"))
    return out


@builtin("apply", "(apply f value ... list)",
         "Call f with the values and then the elements of the last argument (a list).")
def _apply(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _nargs("apply", args, 2, None, "(apply f value ... list)")
    spread = _as_list("apply", args[-1], "the last argument")
    return apply(args[0], [*args[1:-1], *spread], kwargs, env)


@builtin("map", "(map f list ...)",
         "A list of f applied to each element (to the elements of several lists in step; "
         "as long as the shortest).")
def _map(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("map", kwargs)
    _nargs("map", args, 2, None, "(map f list ...)")
    fn = args[0]
    lists = [_as_list("map", v, f"argument {k + 2}") for k, v in enumerate(args[1:])]
    if len(lists) == 1:
        return [apply(fn, [x], {}, env) for x in lists[0]]
    n = min(len(xs) for xs in lists)
    return [apply(fn, [xs[k] for xs in lists], {}, env) for k in range(n)]


@builtin("filter", "(filter pred list)",
         "The elements of list for which (pred x) is true.  With a table, the registry's "
         "(filter table mask).", op="filter")
def _filter(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    if any(_columnar(a) for a in args):
        return _registry_call(env, "filter", args, kwargs)
    _no_kwargs("filter", kwargs)
    _nargs("filter", args, 2, 2, "(filter pred list)")
    fn = args[0]
    return [x for x in _as_list("filter", args[1]) if _truthy(apply(fn, [x], {}, env))]


@builtin("reduce", "(reduce f list [initial])",
         "Fold f over the list from the left: (f (f (f initial x0) x1) x2); without an "
         "initial value the first element starts.  Also :initial-value.")
def _reduce(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    extra = set(kwargs) - {"initial_value"}
    if extra:
        raise ArityError(f"unknown keyword :{extra.pop().replace('_', '-')}; usage "
                         "(reduce f list [initial])", op="reduce")
    _nargs("reduce", args, 2, 3, "(reduce f list [initial])")
    fn = args[0]
    xs = list(_as_list("reduce", args[1]))
    if len(args) == 3 or "initial_value" in kwargs:
        if len(args) == 3 and "initial_value" in kwargs:
            raise ArityError("initial value given twice", op="reduce")
        xs.insert(0, args[2] if len(args) == 3 else kwargs["initial_value"])
    if not xs:
        raise BadParameter("reduce of an empty list needs an initial value", op="reduce")
    acc = xs[0]
    for x in xs[1:]:
        acc = apply(fn, [acc, x], {}, env)
    return acc


def _truthy(v: Any) -> bool:
    from .evaluator import truthy

    return truthy(v)


@builtin("not", "(not x)",
         "#t if x is nil or #f, else #f.  With a column, the registry's not (1.0 where x is "
         "0 or NaN).", op="not")
def _not(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    if len(args) == 1 and not kwargs:
        x = args[0]
        if x is None or x is False:
            return True
        if not _columnar(x):
            return not _truthy(x)
    if any(_columnar(a) for a in args):
        return _registry_call(env, "not", args, kwargs)
    _no_kwargs("not", kwargs)
    _nargs("not", args, 1, 1, "(not x)")
    return None  # pragma: no cover


@builtin("null?", "(null? x)",
         "#t for nil and the empty list, #f for other values.  With a column, the "
         "registry's null? (1.0 where the value is null).", op="null?")
def _nullp(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    if any(_columnar(a) for a in args):
        return _registry_call(env, "null?", args, kwargs)
    _no_kwargs("null?", kwargs)
    _nargs("null?", args, 1, 1, "(null? x)")
    x = args[0]
    return x is None or (isinstance(x, list) and not x)


# ------------------------------------------------------------------ comparisons


def _is_num(v: Any) -> bool:
    t = type(v)
    return t is float or t is int


def _equal(a: Any, b: Any) -> bool:
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if _is_num(x) and _is_num(y):
            if not x == y:
                return False
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif type(x) is not type(y) or not x == y:
            return False
    return True


def _comparison(name: str, op: Callable[[Any, Any], bool], regname: str, doc: str,
                aliases: tuple[str, ...] = ()) -> None:
    numeric = name not in ("=", "!=")
    usage = f"({name} a b ...)"

    def cmp(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
        if len(args) == 2 and not kwargs:
            a, b = args
            ta, tb = type(a), type(b)
            if (ta is float or ta is int) and (tb is float or tb is int):
                return op(a, b)
        if any(_columnar(a) for a in args):
            if not all(scalar_valued(a) or not _columnar(a) for a in args):
                return _registry_call(env, regname, args, kwargs)
            # a reduction's result is a number: compute it, compare numbers
            args = _compute_all(list(args), env)
        _no_kwargs(name, kwargs)
        _nargs(name, args, 2, None, usage)
        if name == "!=":
            return not all(_equal(args[0], b) for b in args[1:])
        for a, b in zip(args, args[1:], strict=False):
            if name == "=":
                if not _equal(a, b):
                    return False
                continue
            if not ((_is_num(a) and _is_num(b)) or (type(a) is str and type(b) is str)):
                bad = b if _is_num(a) or type(a) is str else a
                raise TypeMismatch(f"expected numbers (or strings), got {_describe(bad)}",
                                   op=name)
            if not op(a, b):
                return False
        return True

    kind = "numbers or strings" if numeric else "any values (lists compare element by element)"
    builtin(name, usage, f"{doc} On {kind}: #t or #f; several arguments chain "
            f"((< a b c) is a < b < c).  With a column, the registry's {regname} "
            "(a 1.0/0.0 mask).", op=regname, aliases=aliases)(cmp)


_comparison("<", operator.lt, "<", "Less than.")
_comparison(">", operator.gt, ">", "Greater than.")
_comparison("<=", operator.le, "<=", "Less than or equal.")
_comparison(">=", operator.ge, ">=", "Greater than or equal.")
_comparison("=", operator.eq, "=", "Equal (NaN is not equal to itself).")
_comparison("!=", operator.ne, "!=", "Not equal.", aliases=("/=",))


# ------------------------------------------------------------------ macros, symbols, errors


@builtin("gensym", "(gensym [prefix])",
         "A fresh symbol that no other symbol equals (shown as #:g12): names a macro's "
         "expansion introduces cannot capture the user's variables.")
def _gensym(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("gensym", kwargs)
    _nargs("gensym", args, 0, 1, "(gensym [prefix])")
    prefix = "g"
    if args:
        if type(args[0]) is not str:
            raise TypeMismatch(f"prefix must be a string, got {_describe(args[0])}",
                               op="gensym")
        prefix = args[0]
    return Symbol.gensym(prefix)


@builtin("macroexpand-1", "(macroexpand-1 form)",
         "The form with its macro call expanded once (the form itself if it is not one).")
def _macroexpand_1(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("macroexpand-1", kwargs)
    _nargs("macroexpand-1", args, 1, 1, "(macroexpand-1 form)")
    return macroexpand_1(args[0], env)[0]


@builtin("macroexpand", "(macroexpand form)",
         "The form expanded until its head is not a macro (inner forms are left as they "
         "are).")
def _macroexpand(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("macroexpand", kwargs)
    _nargs("macroexpand", args, 1, 1, "(macroexpand form)")
    form = args[0]
    for _ in range(10_000):
        form, again = macroexpand_1(form, env)
        if not again:
            return form
    raise BlawkError("macro expansion does not terminate (10000 steps)", op="macroexpand")


@builtin("error", "(error message value ...)",
         "Stop with an error: the message and the values, as print writes them.")
def _error(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _no_kwargs("error", kwargs)
    _nargs("error", args, 1, None, "(error message value ...)")
    raise BlawkError(" ".join(display(v) for v in _compute_all(list(args), env)))


# ------------------------------------------------------------------ load


_SCRIPTS = (".blawk", ".bl", ".lisp", ".lsp", ".scm")
_COMPRESSED = (".gz", ".bz2", ".zst", ".xz")


@builtin("load", "(load path [:option value ...])",
         "A .blawk script: evaluate it (its definitions become global); the value of its "
         "last form.  A data file: the registry's loader for its extension (load-csv for "
         ".csv/.tsv/.txt, also compressed; load-parquet; a directory: load-splayed), with "
         "the keyword options passed on.")
def _load(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    _nargs("load", args, 1, 1, "(load path)")
    path = args[0]
    if type(path) is not str:
        raise TypeMismatch(f"path must be a string, got {_describe(path)}", op="load")
    lower = path.lower()
    for z in _COMPRESSED:
        if lower.endswith(z):
            lower = lower[: -len(z)]
    ext = os.path.splitext(lower)[1]
    if ext in _SCRIPTS:
        _no_kwargs("load", kwargs)
        return env.run_forms(read(read_source_file(path), path))
    if ext in (".csv", ".tsv", ".txt"):
        opname = "load-csv"
    elif os.path.isdir(path):
        opname = "load-splayed"
    elif ext:
        opname = "load-" + ext[1:]
    else:
        opname = ""
    spec = env.lookup_op(opname) if opname else None
    if spec is None:
        known = ", ".join(n for n in env.registry.names() if n.startswith("load-"))
        raise BadParameter(f"cannot tell how to load {path!r} (scripts: {', '.join(_SCRIPTS)};"
                           f" data: {known})", op="load")
    return apply(spec, [path], kwargs, env)


# ------------------------------------------------------------------ doc


def describe_op(spec: Any) -> str:
    """A registry operation's documentation: signature, aliases, doc, nulls, example."""
    lines = [f"{spec.signature()}    [{spec.kind}]"]
    lines.append("  " + spec.doc)
    if spec.aliases:
        lines.append("  aliases: " + " ".join(spec.aliases))
    for p in getattr(spec, "params", ()):
        if p.doc:
            lines.append(f"  :{p.name.replace('_', '-')}  {p.doc}")
    null_rule = getattr(spec, "null_rule", "")
    if null_rule:
        lines.append("  nulls: " + null_rule)
    if getattr(spec, "example", ""):
        ex = f"  example: {spec.example}"
        if spec.example_result is not None:
            ex += f"  =>  {show(spec.example_result)}"
        lines.append(ex)
    return "\n".join(lines)


def describe(target: Any, env: Environment, frame: Any = None) -> str:
    """The documentation of a name (str) or a value, as ``doc`` prints it."""
    if isinstance(target, str):
        sym = Symbol(target)
        if sym in SPECIAL_FORMS:
            usage, doc = SPECIAL_DOCS.get(target, (f"({target} ...)", ""))
            return f"{usage}    [special form]\n  {doc}"
        f = frame
        while f is not None:
            if sym in f:
                return describe(f[sym], env)
            f = f[UP]
        if sym in env.globals:
            value = env.globals[sym]
            if isinstance(value, (Lambda, Macro, Builtin)) or _is_op(value):
                return describe(value, env)
            return f"{target}: a global variable, {_describe(value)}"
        if sym in CONSTANTS:
            return f"{target}: a constant, {show(CONSTANTS[sym])}"
        b = BUILTINS.get(sym)
        if b is not None:
            return describe(b, env)
        spec = env.lookup_op(target)
        if spec is not None:
            return describe_op(spec)
        raise UnknownName(f"nothing called {target!r}"
                          f"{did_you_mean(target, env.completions())}", op="doc")
    if _is_op(target):
        return describe_op(target)
    if isinstance(target, Builtin):
        text = f"{target.usage_text}    [builtin]\n  {target.doc}"
        if target.op is not None:
            spec = env.lookup_op(target.op)
            if spec is not None:
                text += "\n\nWith columns:\n" + describe_op(spec)
        return text
    if isinstance(target, Lambda):
        return f"{target.usage()}    [function]" + (f"\n  {target.doc}" if target.doc else "")
    if isinstance(target, Macro):
        return f"{target.usage()}    [macro]" + (f"\n  {target.doc}" if target.doc else "")
    if isinstance(target, Keyword):
        return f"{target}: a keyword"
    return _describe(target)


def _is_op(v: Any) -> bool:
    return callable(getattr(v, "signature", None)) and callable(getattr(v, "call", None)) \
        and hasattr(v, "kind")

