"""The evaluator: the one place forms get a meaning.

A form is evaluated in a *scope*: a chain of :class:`Frame` objects (``None``
is the global scope) in front of an :class:`Environment`.  A symbol resolves

    local frames (innermost first) -> the environment's globals -> constants
    (``t nil true false inf -inf nan``) -> builtins (``print``, ``list``)
    -> registry operations

and otherwise is an :class:`~blawk.errors.UnknownName` with a "did you mean".
A list whose head is a special-form name (``if``, ``let``, ``->`` ...) is
handled by that form's function in ``SPECIAL_FORMS``; any other list is a call:
the head and the arguments are evaluated left to right, ``:keyword value``
pairs become keyword arguments, and the function is applied.  Registry ops go
through ``OpSpec.call``, which returns lazy expressions when columns are
involved, so a whole script stays one fusable graph until a value is needed.

Errors get the span of the innermost form that failed and the source text, so
``err.format()`` shows a caret.

Example:
    >>> env = Environment()
    >>> env.eval("(define (twice f x) (f (f x))) (twice (lambda (v) (* v 3)) 2)")
    18.0
    >>> env.eval("(let ((x 5)) (if (and x 0) 'yes 'no))")
    Symbol('yes')
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import ArityError, BadParameter, BlawkError, IOFailure, TypeMismatch, UnknownName
from .forms import Keyword, Loc, SList, SVector, Symbol, make_list
from .printer import display, show
from .reader import QUASIQUOTE, UNQUOTE, UNQUOTE_SPLICING, read

__all__ = [
    "Builtin", "Environment", "Frame", "Lambda", "SPECIAL_FORMS", "apply", "evaluate",
    "truthy",
]

_MISSING: Any = object()
_RECURSION_LIMIT = 8000  # raised to this (never lowered) when evaluation starts

S = Symbol
_AMP_OPTIONAL = S("&optional")
_AMP_REST = S("&rest")
_DOT = S(".")  # (define (f a . more) ...) is (define (f a &rest more) ...)
_ELSE = S("else")
_T = S("t")

CONSTANTS: dict[Symbol, Any] = {
    S("t"): True, S("true"): True, S("nil"): None, S("false"): False,
    S("inf"): float("inf"), S("+inf"): float("inf"), S("-inf"): float("-inf"),
    S("nan"): float("nan"),
}

SpecialForm = Callable[[SList, "Frame | None", "Environment"], Any]
SPECIAL_FORMS: dict[Symbol, SpecialForm] = {}


def truthy(value: Any) -> bool:
    """Only nil (None), #f and false (False) are false; 0, "", () and NaN are true."""
    if value is None or value is False:
        return False
    if type(value) is np.bool_:
        return bool(value)
    return True


# ------------------------------------------------------------------ runtime objects


class Frame:
    """One local scope: a dict of bindings and the enclosing frame."""

    __slots__ = ("vars", "parent")

    def __init__(self, vars: dict[Symbol, Any], parent: Frame | None) -> None:
        self.vars = vars
        self.parent = parent


class Lambda:
    """A function made by ``lambda``, ``defun`` or ``(define (f ...) ...)``.

    Callable from Python too: ``env.eval("(lambda (x) (* x 2))")(21)`` is 42.0.
    """

    __slots__ = ("name", "required", "optional", "rest", "form", "body_start", "scope", "env",
                 "doc")
    blawk_kind = "lambda"

    def __init__(self, name: str, required: list[Symbol],
                 optional: list[tuple[Symbol, Any, Loc | None]], rest: Symbol | None,
                 form: SList, body_start: int, scope: Frame | None, env: Environment,
                 doc: str | None = None) -> None:
        self.name = name
        self.required = required
        self.optional = optional
        self.rest = rest
        self.form = form
        self.body_start = body_start
        self.scope = scope
        self.env = env
        self.doc = doc

    def usage(self) -> str:
        """The call shape, e.g. ``(f x y &optional (z 1) &rest more)``."""
        parts = [self.name, *(p.name for p in self.required)]
        if self.optional:
            parts.append("&optional")
            parts += [f"({p.name} {show(d)})" if d is not None else p.name
                      for p, d, _ in self.optional]
        if self.rest is not None:
            parts += ["&rest", self.rest.name]
        return "(" + " ".join(parts) + ")"

    def call(self, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
        """Apply to evaluated arguments (keyword arguments are not supported)."""
        if kwargs:
            bad = next(iter(kwargs)).replace("_", "-")
            raise ArityError(f"takes no keyword arguments, got :{bad}; usage {self.usage()}",
                             op=self.name)
        n = len(args)
        required = self.required
        nreq = len(required)
        if n != nreq and (n < nreq or (self.rest is None and n > nreq + len(self.optional))):
            raise ArityError(self._arity_message(n), op=self.name)
        frame = Frame(dict(zip(required, args, strict=False)), self.scope)
        if self.optional or self.rest is not None:
            values = frame.vars
            extra = list(args[nreq:])
            for sym, default, loc in self.optional:
                if extra:
                    values[sym] = extra.pop(0)
                elif default is None:
                    values[sym] = None
                else:
                    values[sym] = _eval_located(default, loc, frame, self.env)
            if self.rest is not None:
                values[self.rest] = extra
        return _progn(self.form, self.body_start, frame, self.env)

    def _arity_message(self, n: int) -> str:
        nreq, nopt = len(self.required), len(self.optional)
        if self.rest is not None:
            want = f"at least {nreq}"
        elif nopt:
            want = f"{nreq} to {nreq + nopt}"
        else:
            want = f"{nreq}"
        noun = "argument" if want.endswith(" 1") or want == "1" else "arguments"
        return f"expected {want} {noun} {self.usage()}, got {n}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.env._prepare()
        values = [to_value(a) for a in args]
        return self.env._finish(self.call(values, {k: to_value(v) for k, v in kwargs.items()}))

    def __repr__(self) -> str:
        return f"#<lambda {self.usage()}>"


class Builtin:
    """A function implemented in Python that is part of the language (``print``...)."""

    __slots__ = ("name", "fn", "usage_text", "doc")
    blawk_kind = "builtin"

    def __init__(self, name: str, fn: Callable[[Environment, list[Any], Mapping[str, Any]], Any],
                 usage_text: str, doc: str) -> None:
        self.name = name
        self.fn = fn
        self.usage_text = usage_text
        self.doc = doc

    def __repr__(self) -> str:
        return f"#<builtin {self.usage_text}>"


# ------------------------------------------------------------------ the environment


class Environment:
    """The global environment: bindings that live across ``eval`` calls.

    Args:
        bindings: initial global bindings, by name.  numpy arrays become
            :class:`~blawk.column.Column` objects; everything else is kept as is.
        registry: where operations come from (anything with ``lookup(name)`` and
            ``names()``); default: :mod:`blawk.registry`.
        stdout: where ``print`` writes (default: ``sys.stdout`` at call time).

    Example:
        >>> env = Environment({"x": 2.0})
        >>> env.eval("(define y (* x 10))")
        Symbol('y')
        >>> env["y"], env.eval("(+ x y)")
        (20.0, 22.0)
    """

    def __init__(self, bindings: Mapping[str, Any] | None = None, *, registry: Any = None,
                 stdout: Any = None) -> None:
        self.globals: dict[Symbol, Any] = {}
        self._registry = registry
        self._ops: dict[Symbol, Any] = {}
        self.stdout = stdout
        self.last_printed: Any = _MISSING  # what print wrote last (the CLI skips re-printing)
        if bindings:
            for name, value in bindings.items():
                self.define(name, value)

    # ---- bindings
    def define(self, name: str, value: Any) -> None:
        """Bind ``name`` globally (numpy arrays become Columns)."""
        sym = Symbol(name)
        _check_bindable(sym, "define")
        self.globals[sym] = to_value(value)

    def __getitem__(self, name: str) -> Any:
        return self.globals[Symbol(name)]

    def __setitem__(self, name: str, value: Any) -> None:
        self.define(name, value)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and Symbol(name) in self.globals

    def get(self, name: str, default: Any = None) -> Any:
        """The global binding of ``name``, or ``default``."""
        return self.globals.get(Symbol(name), default)

    def names(self) -> list[str]:
        """Names of the global bindings."""
        return sorted(s.name for s in self.globals)

    def __repr__(self) -> str:
        shown = ", ".join(self.names()[:8])
        more = ", ..." if len(self.globals) > 8 else ""
        return f"<Environment: {len(self.globals)} globals ({shown}{more})>"

    # ---- evaluation
    def eval(self, source: str, *, filename: str = "<string>") -> Any:
        """Evaluate every form of ``source``; the last value, computed (not lazy)."""
        return self.eval_forms(read(source, filename))

    def eval_forms(self, forms: SList) -> Any:
        """Evaluate a read program (see :func:`~blawk.lang.reader.read`)."""
        self._prepare()
        return self._finish(_progn(forms, 0, None, self))

    def run_file(self, path: str) -> Any:
        """Read and evaluate a file (UTF-8); the last value."""
        return self.eval(read_source_file(path), filename=str(path))

    def _prepare(self) -> None:
        if sys.getrecursionlimit() < _RECURSION_LIMIT:
            sys.setrecursionlimit(_RECURSION_LIMIT)

    def _finish(self, value: Any) -> Any:
        try:
            if isinstance(value, list):
                if any(isinstance(v, _expr_type()) for v in value):
                    return [materialize(v) for v in value]
                return value
            return materialize(value)
        except RecursionError:
            raise BlawkError("expression nested too deeply to compute") from None

    # ---- name resolution
    @property
    def registry(self) -> Any:
        """The operation registry in use."""
        if self._registry is None:
            from .. import registry

            self._registry = registry
        return self._registry

    def resolve(self, sym: Symbol, scope: Frame | None, head: bool = False) -> Any:
        """The value of ``sym`` in ``scope``; UnknownName (with a suggestion) if none."""
        f = scope
        while f is not None:
            d = f.vars
            if sym in d:
                return d[sym]
            f = f.parent
        v = self.globals.get(sym, _MISSING)
        if v is not _MISSING:
            return v
        v = CONSTANTS.get(sym, _MISSING)
        if v is not _MISSING:
            return v
        v = BUILTINS.get(sym)
        if v is not None:
            return v
        v = self._ops.get(sym)
        if v is not None:
            return v
        v = self.registry.lookup(sym.name)
        if v is not None:
            self._ops[sym] = v
            return v
        if sym in SPECIAL_FORMS:
            raise TypeMismatch(f"{sym.name} is a special form; it can only be used as "
                               f"({sym.name} ...)")
        raise self.unknown(sym, scope, "function" if head else "name")

    def unknown(self, sym: Symbol, scope: Frame | None, what: str = "name") -> UnknownName:
        """An UnknownName error for ``sym`` with close matches from everything bound."""
        names: set[str] = set()
        f = scope
        while f is not None:
            names.update(s.name for s in f.vars)
            f = f.parent
        names.update(s.name for s in self.globals)
        names.update(s.name for s in CONSTANTS)
        names.update(s.name for s in BUILTINS)
        names.update(s.name for s in SPECIAL_FORMS)
        names.update(self.registry.names())
        return UnknownName(f"unknown {what} {sym.name!r}{did_you_mean(sym.name, names)}")


def did_you_mean(name: str, candidates: Any) -> str:
    """``"; did you mean x?"`` (or ``"x or y"``), or ``""`` if nothing is close."""
    close = difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.7)
    if not close:
        return ""
    if len(close) == 1:
        return f"; did you mean {close[0]}?"
    return f"; did you mean {', '.join(close[:-1])} or {close[-1]}?"


def to_value(value: Any) -> Any:
    """A Python value as the language sees it (numpy arrays become Columns)."""
    if isinstance(value, np.ndarray):
        from ..column import Column

        return Column(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _expr_type() -> type:
    from ..expr import Expr

    return Expr


def materialize(value: Any) -> Any:
    """Compute a lazy expression into a Column (or a number); other values as they are."""
    from ..expr import Expr
    from ..expr import materialize as _materialize

    if isinstance(value, Expr):
        return _materialize(value)
    return value


def read_source_file(path: Any) -> str:
    """The text of a source file, or IOFailure saying why not."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise IOFailure(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IOFailure(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None


# ------------------------------------------------------------------ evaluation


def evaluate(form: Any, scope: Frame | None, env: Environment) -> Any:
    """The value of one form (possibly a lazy expression)."""
    t = type(form)
    if t is Symbol:
        return env.resolve(form, scope)
    if t is SList:
        try:
            if not form:
                return []
            head = form[0]
            if type(head) is Symbol:
                special = SPECIAL_FORMS.get(head)
                if special is not None:
                    return special(form, scope, env)
            return _call(form, scope, env)
        except BlawkError as e:
            if e.span is None:
                e.located(form.span, form.text)
            raise
        except RecursionError:
            raise _too_deep(form) from None
    if t is SVector:
        try:
            return [_ev_at(form, i, scope, env) for i in range(len(form))]
        except RecursionError:
            raise _too_deep(form) from None
    return form


def _too_deep(form: SList) -> BlawkError:
    return BlawkError("expression nested too deeply (more nested forms or calls than the "
                      "evaluator allows)", span=form.span, source=form.text)


def _locate_child(e: BlawkError, form: SList, i: int) -> None:
    if e.span is None:
        loc = form.child_loc(i)
        if loc is not None:
            e.located(loc[0].span(loc[1], loc[2]), loc[0].text)


def _ev_at(form: SList, i: int, scope: Frame | None, env: Environment) -> Any:
    """Evaluate element ``i`` of ``form``; errors point at that element."""
    try:
        return evaluate(form[i], scope, env)
    except BlawkError as e:
        _locate_child(e, form, i)
        raise


def _eval_located(sub: Any, loc: Loc | None, scope: Frame | None, env: Environment) -> Any:
    try:
        return evaluate(sub, scope, env)
    except BlawkError as e:
        if e.span is None and loc is not None:
            e.located(loc[0].span(loc[1], loc[2]), loc[0].text)
        raise


def _progn(form: SList, first: int, scope: Frame | None, env: Environment) -> Any:
    """Evaluate ``form[first:]`` in order; the last value (nil if there is none)."""
    n = len(form)
    if first >= n:
        return None
    i = first
    try:
        while i < n - 1:
            evaluate(form[i], scope, env)
            i += 1
        return evaluate(form[i], scope, env)
    except BlawkError as e:
        _locate_child(e, form, i)
        raise


def _call(form: SList, scope: Frame | None, env: Environment) -> Any:
    head = form[0]
    i = 0
    try:
        if type(head) is Symbol:
            fn = env.resolve(head, scope, True)
        else:
            fn = evaluate(head, scope, env)
        n = len(form)
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        i = 1
        while i < n:
            a = form[i]
            if type(a) is Keyword:
                if i + 1 >= n:
                    raise ArityError(f"keyword {a} has no value after it", op=_name_of(fn))
                if a.pyname in kwargs:
                    raise ArityError(f"keyword {a} given twice", op=_name_of(fn))
                i += 1
                kwargs[a.pyname] = evaluate(form[i], scope, env)
            else:
                args.append(evaluate(a, scope, env))
            i += 1
    except BlawkError as e:
        _locate_child(e, form, i)
        raise
    return apply(fn, args, kwargs, env)


def apply(fn: Any, args: list[Any], kwargs: Mapping[str, Any], env: Environment) -> Any:
    """Call a function value (lambda, builtin, registry op or Python callable)."""
    t = type(fn)
    if t is Lambda:
        return fn.call(args, kwargs)
    if t is Builtin:
        return fn.fn(env, args, kwargs)
    call = getattr(fn, "call", None)
    if call is not None and hasattr(fn, "signature"):  # a registry OpSpec
        return call(args, dict(kwargs))
    if callable(fn):
        return fn(*args, **kwargs)
    raise TypeMismatch(f"{_describe(fn)} is not a function")


def _name_of(fn: Any) -> str | None:
    name = getattr(fn, "name", None)
    return name if isinstance(name, str) else None


def _describe(v: Any) -> str:
    text = show(v)
    if len(text) > 40:
        text = text[:37] + "..."
    kind = {float: "number", int: "number", str: "string", bool: "boolean"}.get(type(v))
    if kind is None:
        kind = "list" if isinstance(v, list) else type(v).__name__
    return f"{text} (a {kind})" if v is not None else "nil"


# ------------------------------------------------------------------ special forms


def special(*names: str) -> Callable[[SpecialForm], SpecialForm]:
    """Register a special form under one or more names."""

    def register(fn: SpecialForm) -> SpecialForm:
        for name in names:
            SPECIAL_FORMS[Symbol(name)] = fn
        return fn

    return register


def _form_error(form: SList, message: str, index: int | None = None,
                cls: type[BlawkError] = ArityError, op: str | None = None) -> BlawkError:
    if op is None and form and type(form[0]) is Symbol:
        op = form[0].name
    err = cls(message, op=op)
    if index is not None:
        _locate_child(err, form, index)
    else:
        err.located(form.span, form.text)
    return err


def _nargs(form: SList, lo: int, hi: int | None, usage: str) -> None:
    n = len(form) - 1
    if n < lo or (hi is not None and n > hi):
        raise _form_error(form, f"expected {usage}, got {n} argument{'s' if n != 1 else ''}")


def _check_bindable(sym: Any, what: str, form: SList | None = None,
                    index: int | None = None) -> None:
    problem = None
    if type(sym) is not Symbol:
        problem = f"{what}: expected a name, got {_describe(sym)}"
    elif sym in CONSTANTS:
        problem = f"{what}: cannot bind {sym.name}: it is a constant"
    elif sym in SPECIAL_FORMS:
        problem = f"{what}: cannot bind {sym.name}: it is a special form"
    elif sym in (_AMP_OPTIONAL, _AMP_REST, _DOT):
        problem = f"{what}: {sym.name} is not a name"
    if problem is None:
        return
    err = TypeMismatch(problem) if type(sym) is not Symbol else BadParameter(problem)
    if form is not None:
        if index is not None:
            _locate_child(err, form, index)
        else:
            err.located(form.span, form.text)
    raise err


@special("quote")
def _quote(form: SList, scope: Frame | None, env: Environment) -> Any:
    _nargs(form, 1, 1, "(quote form)")
    return form[1]


@special("quasiquote")
def _quasiquote(form: SList, scope: Frame | None, env: Environment) -> Any:
    _nargs(form, 1, 1, "(quasiquote form)")
    return _qq(form[1], form.child_loc(1), 1, scope, env)


def _qq(tmpl: Any, loc: Loc | None, depth: int, scope: Frame | None, env: Environment) -> Any:
    if not isinstance(tmpl, SList) or not tmpl:
        return tmpl
    head = tmpl[0]
    if head is UNQUOTE or head is UNQUOTE_SPLICING:
        if len(tmpl) != 2:
            raise _form_error(tmpl, f"expected ({head.name} form)")
        if head is UNQUOTE_SPLICING and depth == 1:
            raise _form_error(tmpl, ",@ can only splice inside a list")
        if depth == 1:
            return _ev_at(tmpl, 1, scope, env)
        inner = _qq(tmpl[1], tmpl.child_loc(1), depth - 1, scope, env)
        return make_list([head, inner], [tmpl.child_loc(0), tmpl.child_loc(1)], like=loc)
    if head is QUASIQUOTE and len(tmpl) == 2:
        inner = _qq(tmpl[1], tmpl.child_loc(1), depth + 1, scope, env)
        return make_list([head, inner], [tmpl.child_loc(0), tmpl.child_loc(1)], like=loc)
    items: list[Any] = []
    locs: list[Loc | None] = []
    child_locs = tmpl.child_locs()
    for k, item in enumerate(tmpl):
        if (depth == 1 and isinstance(item, SList) and len(item) == 2
                and item[0] is UNQUOTE_SPLICING):
            value = _ev_at(item, 1, scope, env)
            if not isinstance(value, (list, tuple)):
                err = TypeMismatch(f",@ needs a list to splice, got {_describe(value)}",
                                   op="unquote-splicing")
                raise err.located(item.span, item.text)
            items.extend(value)
            locs.extend([None] * len(value))
        else:
            items.append(_qq(item, child_locs[k], depth, scope, env))
            locs.append(child_locs[k])
    out = make_list(items, locs, like=loc)
    if isinstance(tmpl, SVector):
        vec = SVector(out)
        vec.locs = locs
        if loc is not None:
            vec.src, vec.start, vec.end = loc
        return vec
    return out


@special("unquote", "unquote-splicing")
def _unquote_outside(form: SList, scope: Frame | None, env: Environment) -> Any:
    mark = "," if form[0] is UNQUOTE else ",@"
    raise _form_error(form, f"{mark} is only meaningful inside a ` (quasiquote) template",
                      cls=BlawkError)


@special("if")
def _if(form: SList, scope: Frame | None, env: Environment) -> Any:
    n = len(form)
    if n != 3 and n != 4:
        _nargs(form, 2, 3, "(if test then [else])")
    if truthy(_ev_at(form, 1, scope, env)):
        return _ev_at(form, 2, scope, env)
    if n == 4:
        return _ev_at(form, 3, scope, env)
    return None


@special("cond")
def _cond(form: SList, scope: Frame | None, env: Environment) -> Any:
    for k in range(1, len(form)):
        clause = form[k]
        if not isinstance(clause, SList) or isinstance(clause, SVector) or not clause:
            raise _form_error(form, "each clause must be a list (test form ...)", k,
                              TypeMismatch)
        test = clause[0]
        if test is _ELSE or test is _T:
            value: Any = True
        else:
            value = _ev_at(clause, 0, scope, env)
        if truthy(value):
            if len(clause) == 1:
                return value
            return _progn(clause, 1, scope, env)
    return None


@special("when")
def _when(form: SList, scope: Frame | None, env: Environment) -> Any:
    _nargs(form, 1, None, "(when test body...)")
    if truthy(_ev_at(form, 1, scope, env)):
        return _progn(form, 2, scope, env)
    return None


@special("unless")
def _unless(form: SList, scope: Frame | None, env: Environment) -> Any:
    _nargs(form, 1, None, "(unless test body...)")
    if not truthy(_ev_at(form, 1, scope, env)):
        return _progn(form, 2, scope, env)
    return None


@special("and")
def _and(form: SList, scope: Frame | None, env: Environment) -> Any:
    value: Any = True
    for k in range(1, len(form)):
        value = _ev_at(form, k, scope, env)
        if not truthy(value):
            return value
    return value


@special("or")
def _or(form: SList, scope: Frame | None, env: Environment) -> Any:
    value: Any = None
    for k in range(1, len(form)):
        value = _ev_at(form, k, scope, env)
        if truthy(value):
            return value
    return value


@special("progn", "begin")
def _begin(form: SList, scope: Frame | None, env: Environment) -> Any:
    return _progn(form, 1, scope, env)


def _named(value: Any, sym: Symbol) -> Any:
    """An anonymous lambda bound to a name takes that name (for error messages)."""
    if type(value) is Lambda and value.name == "lambda":
        value.name = sym.name
    return value


def _bind_here(sym: Symbol, value: Any, scope: Frame | None, env: Environment) -> None:
    if scope is None:
        env.globals[sym] = value
    else:
        scope.vars[sym] = value


@special("define")
def _define(form: SList, scope: Frame | None, env: Environment) -> Any:
    if len(form) < 2:
        raise _form_error(form, "expected (define name value) or (define (name params...) "
                          "body...)")
    target = form[1]
    if isinstance(target, SList) and not isinstance(target, SVector):
        if not target:
            raise _form_error(form, "(define (name params...) body...) needs a name", 1,
                              TypeMismatch)
        _check_bindable(target[0], "define", target, 0)
        name = target[0]
        fn = _make_lambda(name.name, target, 1, form, 2, scope, env)
        _bind_here(name, fn, scope, env)
        return name
    _check_bindable(target, "define", form, 1)
    if len(form) != 3:
        raise _form_error(form, f"expected (define {show(target)} value), got "
                          f"{len(form) - 1} arguments")
    _bind_here(target, _named(_ev_at(form, 2, scope, env), target), scope, env)
    return target


@special("defun")
def _defun(form: SList, scope: Frame | None, env: Environment) -> Any:
    if len(form) < 3:
        raise _form_error(form, "expected (defun name (params...) body...)")
    _check_bindable(form[1], "defun", form, 1)
    params = form[2]
    if not isinstance(params, SList) or isinstance(params, SVector):
        raise _form_error(form, "expected a parameter list (params...) after the name", 2,
                          TypeMismatch)
    name = form[1]
    env.globals[name] = _make_lambda(name.name, params, 0, form, 3, scope, env)
    return name


@special("lambda")
def _lambda(form: SList, scope: Frame | None, env: Environment) -> Any:
    if len(form) < 2:
        raise _form_error(form, "expected (lambda (params...) body...)")
    params = form[1]
    if not isinstance(params, SList) or isinstance(params, SVector):
        raise _form_error(form, "expected a parameter list (params...)", 1, TypeMismatch)
    return _make_lambda("lambda", params, 0, form, 2, scope, env)


def _make_lambda(name: str, params: SList, first: int, form: SList, body_start: int,
                 scope: Frame | None, env: Environment) -> Lambda:
    required: list[Symbol] = []
    optional: list[tuple[Symbol, Any, Loc | None]] = []
    rest: Symbol | None = None
    mode = "required"
    seen: set[Symbol] = set()
    k = first
    n = len(params)
    while k < n:
        p = params[k]
        if p is _AMP_OPTIONAL or p is _AMP_REST or p is _DOT:
            if (p is _AMP_OPTIONAL and mode != "required") or mode == "rest":
                raise _form_error(params, f"{p.name} out of place", k, TypeMismatch, op=name)
            mode = "optional" if p is _AMP_OPTIONAL else "rest"
            k += 1
            if mode == "rest" and (k != n - 1):
                raise _form_error(params, f"{p.name} must be followed by exactly one name",
                                  k - 1, TypeMismatch, op=name)
            continue
        default: Any = None
        default_loc: Loc | None = None
        sym = p
        if mode == "optional" and isinstance(p, SList) and not isinstance(p, SVector):
            if len(p) not in (1, 2):
                raise _form_error(params, "an optional parameter is name or (name default)",
                                  k, TypeMismatch, op=name)
            sym = p[0]
            if len(p) == 2:
                default, default_loc = p[1], p.child_loc(1)
            _check_bindable(sym, "parameter", p, 0)
        else:
            _check_bindable(sym, "parameter", params, k)
        if sym in seen:
            raise _form_error(params, f"parameter {sym.name} appears twice", k, BadParameter,
                              op=name)
        seen.add(sym)
        if mode == "required":
            required.append(sym)
        elif mode == "optional":
            optional.append((sym, default, default_loc))
        else:
            rest = sym
        k += 1
    doc = None
    if len(form) > body_start + 1 and type(form[body_start]) is str:
        doc = form[body_start]
        body_start += 1
    return Lambda(name, required, optional, rest, form, body_start, scope, env, doc)


def _set_global(form: SList, scope: Frame | None, env: Environment, only_if_unbound: bool,
                what: str) -> Any:
    if len(form) < 2 or len(form) > 4:
        raise _form_error(form, f"expected ({what} name value [docstring])")
    _check_bindable(form[1], what, form, 1)
    sym = form[1]
    if len(form) == 2:
        if not only_if_unbound:
            raise _form_error(form, f"expected ({what} name value [docstring])")
        env.globals.setdefault(sym, None)
        return sym
    if len(form) == 4 and type(form[3]) is not str:
        raise _form_error(form, "the docstring must be a string", 3, TypeMismatch)
    if only_if_unbound and sym in env.globals:
        return sym
    env.globals[sym] = _named(_ev_at(form, 2, scope, env), sym)
    return sym


@special("defparameter")
def _defparameter(form: SList, scope: Frame | None, env: Environment) -> Any:
    return _set_global(form, scope, env, False, "defparameter")


@special("defvar")
def _defvar(form: SList, scope: Frame | None, env: Environment) -> Any:
    return _set_global(form, scope, env, True, "defvar")


@special("setf", "setq")
def _setf(form: SList, scope: Frame | None, env: Environment) -> Any:
    what = form[0].name
    if len(form) < 3 or len(form) % 2 == 0:
        raise _form_error(form, f"expected ({what} name value [name value ...])")
    value: Any = None
    for k in range(1, len(form), 2):
        sym = form[k]
        _check_bindable(sym, what, form, k)
        value = _ev_at(form, k + 1, scope, env)
        f = scope
        while f is not None:
            if sym in f.vars:
                f.vars[sym] = value
                break
            f = f.parent
        else:
            if sym not in env.globals:
                err = env.unknown(sym, scope)
                err.message = f"{err.message} (define it before assigning with {what})"
                err.op = what
                _locate_child(err, form, k)
                raise err
            env.globals[sym] = value
    return value


def _let_bindings(form: SList) -> SList:
    if len(form) < 2:
        raise _form_error(form, f"expected ({form[0].name} ((name value) ...) body...)")
    bindings = form[1]
    if not isinstance(bindings, SList) or isinstance(bindings, SVector):
        raise _form_error(form, "expected a list of bindings ((name value) ...)", 1,
                          TypeMismatch)
    return bindings


def _binding(bindings: SList, k: int) -> tuple[Symbol, bool]:
    """(name, has_value) of binding ``k``: ``name``, ``(name)`` or ``(name value)``."""
    b = bindings[k]
    if type(b) is Symbol:
        _check_bindable(b, "let", bindings, k)
        return b, False
    if isinstance(b, SList) and not isinstance(b, SVector) and 1 <= len(b) <= 2:
        _check_bindable(b[0], "let", b, 0)
        return b[0], len(b) == 2
    raise _form_error(bindings, "a binding is name or (name value)", k, TypeMismatch,
                      op="let")


@special("let")
def _let(form: SList, scope: Frame | None, env: Environment) -> Any:
    bindings = _let_bindings(form)
    values: dict[Symbol, Any] = {}
    for k in range(len(bindings)):
        sym, has_value = _binding(bindings, k)
        if sym in values:
            raise _form_error(bindings, f"{sym.name} is bound twice in one let", k,
                              BadParameter, op="let")
        values[sym] = _ev_at(bindings[k], 1, scope, env) if has_value else None
    return _progn(form, 2, Frame(values, scope), env)


@special("let*")
def _let_star(form: SList, scope: Frame | None, env: Environment) -> Any:
    bindings = _let_bindings(form)
    frame = Frame({}, scope)
    for k in range(len(bindings)):
        sym, has_value = _binding(bindings, k)
        if sym in frame.vars:  # rebinding a name: a new frame, as nested lets would
            frame = Frame({}, frame)
        frame.vars[sym] = _ev_at(bindings[k], 1, frame, env) if has_value else None
    return _progn(form, 2, frame, env)


def _thread(form: SList, scope: Frame | None, env: Environment, last: bool) -> Any:
    if len(form) < 2:
        raise _form_error(form, f"expected ({form[0].name} value step...)")
    locs = form.child_locs()
    acc: Any = form[1]
    acc_loc = locs[1]
    for k in range(2, len(form)):
        step = form[k]
        step_loc = locs[k]
        if isinstance(step, SList) and not isinstance(step, SVector) and step:
            items = list(step)
            item_locs = step.child_locs()
            if last:
                items.append(acc)
                item_locs.append(acc_loc)
            else:
                items.insert(1, acc)
                item_locs.insert(1, acc_loc)
        else:
            items = [step, acc]
            item_locs = [step_loc, acc_loc]
        acc = make_list(items, item_locs, like=step_loc)
        acc_loc = step_loc
    return _eval_located(acc, acc_loc, scope, env)


@special("->")
def _thread_first(form: SList, scope: Frame | None, env: Environment) -> Any:
    return _thread(form, scope, env, False)


@special("->>")
def _thread_last(form: SList, scope: Frame | None, env: Environment) -> Any:
    return _thread(form, scope, env, True)


@special("as->")
def _thread_as(form: SList, scope: Frame | None, env: Environment) -> Any:
    if len(form) < 3:
        raise _form_error(form, "expected (as-> value name step...)")
    _check_bindable(form[2], "as->", form, 2)
    name = form[2]
    frame = Frame({name: _ev_at(form, 1, scope, env)}, scope)
    value = frame.vars[name]
    for k in range(3, len(form)):
        value = _ev_at(form, k, frame, env)
        frame.vars[name] = value
    return value


# ------------------------------------------------------------------ builtins


def _print(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    if kwargs:
        raise ArityError(f"takes no keyword arguments, got :{next(iter(kwargs))}", op="print")
    values = [materialize(a) for a in args]
    out = env.stdout if env.stdout is not None else sys.stdout
    out.write(" ".join(display(v) for v in values) + "\n")
    result = values[-1] if values else None
    env.last_printed = result
    return result


def _list(env: Environment, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
    if kwargs:
        raise ArityError(f"takes no keyword arguments, got :{next(iter(kwargs))}", op="list")
    return list(args)


BUILTINS: dict[Symbol, Builtin] = {
    S("print"): Builtin("print", _print, "(print value ...)",
                        "Write the values (computed; strings without quotes), separated by "
                        "spaces, then a newline.  Returns the last value."),
    S("list"): Builtin("list", _list, "(list value ...)", "A list of the values."),
}
