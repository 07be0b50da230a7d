"""The evaluator: the one place forms get a meaning.

Forms are *compiled* before they run: each form becomes a Python closure
``code(frame) -> value``, once, and running a program is calling closures (no
re-dispatch on the form's shape at every evaluation).  Special forms, macro
expansion, threading rewrites and syntax checks all happen at compile time;
name lookups, calls and errors happen at run time.  A top-level form is
compiled just before it runs (so a macro defined by one form is used by the
next); a function body is compiled the first time the function is called.

A form runs in a *frame*: a dict of local bindings whose ``UP`` entry is the
enclosing frame (``None`` is the global scope) in front of an
:class:`Environment`.  A symbol resolves

    local frames (innermost first) -> the environment's globals -> constants
    (``t nil true false inf -inf nan``) -> builtins (``print``, ``list``...)
    -> registry operations

and otherwise is an :class:`~blawk.errors.UnknownName` with a "did you mean".
The compiler knows which names each frame can hold (parameters, ``let``
names, ``define`` inside a body), so a name that no enclosing frame can hold
goes straight to the globals.

Registry ops go through ``OpSpec.call``, which returns lazy expressions when
columns are involved, so a whole script stays one fusable graph until a value
is needed.  An op applied to a table applies to each of its columns (kdb
style), lazily as well.  Arithmetic on plain numbers takes a short cut with the
same IEEE results.

Errors get the span of the innermost form that failed and the source text, so
``err.format()`` shows a caret.

Example:
    >>> env = Environment()
    >>> env.eval("(define (twice f x) (f (f x))) (twice (lambda (v) (* v 3)) 2)")
    18.0
    >>> env.eval("(let ((x 5)) (if (and x 0) 'yes 'no))")
    Symbol('yes')
    >>> env.eval("(defmacro unless2 (c &rest body) `(if ,c nil (progn ,@body))) (unless2 nil 1 2)")
    2
"""

from __future__ import annotations

import difflib
import operator
import re
import sys
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import (
    ArityError,
    BadParameter,
    BlawkError,
    IOFailure,
    ShapeError,
    TypeMismatch,
    UnknownName,
)
from .forms import Keyword, Loc, SList, SVector, Symbol, make_list
from .printer import show
from .reader import QUASIQUOTE, UNQUOTE, UNQUOTE_SPLICING, read

__all__ = [
    "BUILTINS", "Builtin", "CONSTANTS", "Environment", "Lambda", "LazyTable", "Macro",
    "SPECIAL_FORMS", "UP", "apply", "evaluate", "truthy",
]

_MISSING: Any = object()
UP: Any = Symbol.uninterned("#:up")  # a frame's key for its enclosing frame
_RECURSION_LIMIT = 8000  # raised to this (never lowered) when evaluation starts
_NOKW: Mapping[str, Any] = {}

S = Symbol
_AMP_OPTIONAL = S("&optional")
_AMP_REST = S("&rest")
_AMP_BODY = S("&body")
_AMP_KEY = S("&key")
_DOT = S(".")  # (define (f a . more) ...) is (define (f a &rest more) ...)
_LAMBDA_WORDS = (_AMP_OPTIONAL, _AMP_REST, _AMP_BODY, _AMP_KEY, _DOT)
_ELSE = S("else")
_T = S("t")
_TEE = S("tee")
_PROGN = S("progn")
_BEGIN = S("begin")

CONSTANTS: dict[Symbol, Any] = {
    S("t"): True, S("true"): True, S("nil"): None, S("false"): False,
    S("inf"): float("inf"), S("+inf"): float("inf"), S("-inf"): float("-inf"),
    S("nan"): float("nan"),
}

Code = Callable[[Any], Any]  # compiled form: frame -> value
# special form compiler: (form, compile-time scope, env, parent, index) -> code
SpecialForm = Callable[[SList, "Scope | None", "Environment", Any, int], Code]
SPECIAL_FORMS: dict[Symbol, SpecialForm] = {}
SPECIAL_DOCS: dict[str, tuple[str, str]] = {}  # name -> (usage, doc)
BUILTINS: dict[Symbol, Builtin] = {}

_np_bool = np.bool_


def truthy(value: Any) -> bool:
    """Only nil (None), #f and false (False) are false; 0, "", () and NaN are true."""
    if value is None or value is False:
        return False
    if type(value) is _np_bool:
        return bool(value)
    return True


# ------------------------------------------------------------------ locations


def _span_of(x: Any, parent: Any, i: int) -> tuple[Any, str | None]:
    """(span, source text) of form ``x``, element ``i`` of ``parent``."""
    if isinstance(x, SList) and x.src is not None:
        return x.src.span(x.start, x.end), x.src.text
    if isinstance(parent, SList):
        loc = parent.child_loc(i)
        if loc is not None:
            return loc[0].span(loc[1], loc[2]), loc[0].text
    return None, None


def _locate(e: BlawkError, x: Any, parent: Any, i: int) -> None:
    """Give ``e`` the location of form ``x`` (element ``i`` of ``parent``) if it has none."""
    if e.span is None:
        span, text = _span_of(x, parent, i)
        if span is not None:
            e.located(span, text)


def _too_deep(x: Any, parent: Any, i: int) -> BlawkError:
    err = BlawkError("expression nested too deeply (more nested forms or calls than the "
                     "evaluator allows)")
    try:
        _locate(err, x, parent, i)
    except RecursionError:  # an outer form will locate it
        pass
    return err


# ------------------------------------------------------------------ runtime objects


class Scope:
    """Compile-time scope: the names a run-time frame can hold."""

    __slots__ = ("names", "parent")

    def __init__(self, names: set[Symbol], parent: Scope | None) -> None:
        self.names = names
        self.parent = parent


def _depth(cs: Scope | None, sym: Symbol) -> int:
    """How many frames up ``sym`` lives, or -1 if no enclosing frame can hold it."""
    d = 0
    while cs is not None:
        if sym in cs.names:
            return d
        cs = cs.parent
        d += 1
    return -1


def _scope_of_frame(frame: dict | None) -> Scope | None:
    """The compile-time scope matching a run-time frame chain."""
    chain = []
    while frame is not None:
        chain.append(frame)
        frame = frame.get(UP)
    cs = None
    for fr in reversed(chain):
        cs = Scope({k for k in fr if k is not UP}, cs)
    return cs


class Params:
    """A parsed parameter list: required, &optional, &rest (&body), &key."""

    __slots__ = ("required", "optional", "rest", "keys", "by_pyname", "names", "nsimple",
                 "parent_form", "defaults")

    def __init__(self) -> None:
        self.required: list[Symbol] = []
        self.optional: list[tuple[Symbol, Any, Any, int]] = []  # sym, default, parent, index
        self.rest: Symbol | None = None
        self.keys: list[tuple[Symbol, Any, Any, int]] = []
        self.by_pyname: dict[str, Symbol] = {}
        self.names: list[Symbol] = []
        self.nsimple = -1  # number of parameters if they are all required, else -1
        self.defaults: dict[Symbol, Code | None] | None = None  # compiled with the body

    def usage(self, name: str) -> str:
        """The call shape, e.g. ``(f x y &optional (z 1) &rest more &key w)``."""
        parts = [name, *(p.name for p in self.required)]
        for word, group in (("&optional", self.optional), (None, None), ("&key", self.keys)):
            if word is None:
                if self.rest is not None:
                    parts += ["&rest", self.rest.name]
                continue
            if group:
                parts.append(word)
                parts += [f"({p.name} {show(d)})" if d is not None else p.name
                          for p, d, _, _ in group]
        return "(" + " ".join(parts) + ")"


def parse_params(params: SList, first: int, name: str) -> Params:
    """Parse a lambda list (from element ``first`` of ``params``)."""
    out = Params()
    mode = "required"
    k = first
    n = len(params)
    while k < n:
        p = params[k]
        if p is _AMP_OPTIONAL or p is _AMP_REST or p is _AMP_BODY or p is _DOT or p is _AMP_KEY:
            order = {"required": 0, "optional": 1, "rest": 2, "key": 3}
            new = {_AMP_OPTIONAL: "optional", _AMP_KEY: "key"}.get(p, "rest")
            if order[new] <= order[mode] or (mode == "rest" and new != "key"):
                raise _form_error(params, f"{p.name} out of place", k, TypeMismatch, op=name)
            mode = new
            k += 1
            if mode == "rest":
                if k >= n or (k != n - 1 and params[k + 1] is not _AMP_KEY):
                    raise _form_error(params, f"{p.name} must be followed by exactly one name",
                                      k - 1, TypeMismatch, op=name)
            continue
        default: Any = None
        where: tuple[Any, int] = (params, k)
        sym = p
        if mode in ("optional", "key") and isinstance(p, SList) and not isinstance(p, SVector):
            if len(p) not in (1, 2):
                raise _form_error(params, f"an {'optional' if mode == 'optional' else 'key'} "
                                  "parameter is name or (name default)", k, TypeMismatch,
                                  op=name)
            sym = p[0]
            if len(p) == 2:
                default, where = p[1], (p, 1)
            _check_bindable(sym, "parameter", p, 0)
        else:
            _check_bindable(sym, "parameter", params, k)
        if sym in out.names:
            raise _form_error(params, f"parameter {sym.name} appears twice", k, BadParameter,
                              op=name)
        out.names.append(sym)
        if mode == "required":
            out.required.append(sym)
        elif mode == "optional":
            out.optional.append((sym, default, where[0], where[1]))
        elif mode == "rest":
            out.rest = sym
        else:
            out.keys.append((sym, default, where[0], where[1]))
        if mode != "rest":
            out.by_pyname[sym.name.replace("-", "_")] = sym
        k += 1
    if not out.optional and out.rest is None and not out.keys:
        out.nsimple = len(out.required)
    return out


class FnInfo:
    """What a ``lambda`` form compiles to: the parameters and the (lazily compiled) body.

    Every closure made by one ``lambda`` form shares its FnInfo, so the body is
    compiled once, the first time any of them is called (by then the names of
    the enclosing scopes are all known).
    """

    __slots__ = ("params", "form", "body_start", "cs", "env", "doc", "body", "kind")

    def __init__(self, params: Params, form: SList, body_start: int, cs: Scope | None,
                 env: Environment, doc: str | None, kind: str = "lambda") -> None:
        self.params = params
        self.form = form
        self.body_start = body_start
        self.cs = Scope(set(params.names), cs)  # the body's scope
        self.env = env
        self.doc = doc
        self.body: Code | None = None
        self.kind = kind

    def compile_body(self) -> Code:
        p = self.params
        defaults: dict[Symbol, Code | None] = {}
        for sym, default, parent, idx in (*p.optional, *p.keys):
            defaults[sym] = None if default is None else compile_form(
                default, self.cs, self.env, parent, idx)
        p.defaults = defaults
        body = _compile_body(self.form, self.body_start, self.cs, self.env)
        self.body = body
        return body


class Lambda:
    """A function made by ``lambda``, ``defun`` or ``(define (f ...) ...)``.

    Callable from Python too: ``env.eval("(lambda (x) (* x 2))")(21)`` is 42.0.
    """

    __slots__ = ("name", "info", "scope")
    blawk_kind = "lambda"

    def __init__(self, name: str, info: FnInfo, scope: dict | None) -> None:
        self.name = name
        self.info = info
        self.scope = scope

    @property
    def doc(self) -> str | None:
        return self.info.doc

    @property
    def env(self) -> Environment:
        return self.info.env

    def usage(self) -> str:
        """The call shape, e.g. ``(f x y &optional (z 1) &rest more)``."""
        return self.info.params.usage(self.name)

    def call(self, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
        """Apply to evaluated arguments (keyword arguments by parameter name)."""
        info = self.info
        p = info.params
        if not kwargs and p.nsimple == len(args):
            frame = dict(zip(p.required, args, strict=True))
            frame[UP] = self.scope
        else:
            frame = self._bind(args, kwargs)
        body = info.body
        if body is None:
            body = info.compile_body()
        return body(frame)

    def _bind(self, args: list[Any], kwargs: Mapping[str, Any]) -> dict:
        p = self.info.params
        n = len(args)
        nreq = len(p.required)
        if not kwargs and (n < nreq or (p.rest is None and n > nreq + len(p.optional))):
            raise ArityError(self._arity_message(n), op=self.name)
        if p.defaults is None:
            self.info.compile_body()
        frame: dict = {UP: self.scope}
        k = 0
        for sym in p.required:
            if k < n:
                frame[sym] = args[k]
                k += 1
        for sym, _, _, _ in p.optional:
            if k < n:
                frame[sym] = args[k]
                k += 1
        if k < n:
            if p.rest is None:
                raise ArityError(self._arity_message(n), op=self.name)
            frame[p.rest] = list(args[k:])
        elif p.rest is not None:
            frame[p.rest] = []
        for name, value in kwargs.items():
            sym = p.by_pyname.get(name)
            shown = name.replace("_", "-")
            if sym is None:
                raise ArityError(f"unknown keyword :{shown}; usage {self.usage()}", op=self.name)
            if sym in frame:
                raise ArityError(f"{sym.name} given twice (by position and as :{shown}); "
                                 f"usage {self.usage()}", op=self.name)
            frame[sym] = value
        for sym in p.required:
            if sym not in frame:
                raise ArityError(f"missing argument {sym.name}; usage {self.usage()}",
                                 op=self.name)
        defaults = p.defaults or {}
        for sym, _, _, _ in (*p.optional, *p.keys):
            if sym not in frame:
                code = defaults.get(sym)
                frame[sym] = None if code is None else code(frame)
        return frame

    def _arity_message(self, n: int) -> str:
        p = self.info.params
        nreq, nopt = len(p.required), len(p.optional)
        if p.rest is not None:
            want = f"at least {nreq}"
        elif nopt:
            want = f"{nreq} to {nreq + nopt}"
        else:
            want = f"{nreq}"
        noun = "argument" if want.endswith(" 1") or want == "1" else "arguments"
        return f"expected {want} {noun} {self.usage()}, got {n}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        env = self.info.env
        env._prepare()
        values = [to_value(a) for a in args]
        return env._finish(self.call(values, {k: to_value(v) for k, v in kwargs.items()}))

    def __repr__(self) -> str:
        return f"#<{self.info.kind} {self.usage()}>"


class Macro:
    """A macro made by ``defmacro`` / ``define-macro``: a function from forms to a form."""

    __slots__ = ("name", "fn")
    blawk_kind = "macro"

    def __init__(self, name: str, fn: Lambda) -> None:
        self.name = name
        self.fn = fn

    @property
    def doc(self) -> str | None:
        return self.fn.doc

    def usage(self) -> str:
        return self.fn.usage()

    def expand(self, form: SList) -> Any:
        """The expansion of the call ``form`` (one step; not relocated)."""
        args = list(form[1:])
        kwargs: dict[str, Any] = {}
        p = self.fn.info.params
        if p.keys:  # :name value pairs for the macro's &key parameters
            positional = []
            k = 0
            while k < len(args):
                a = args[k]
                if type(a) is Keyword and a.pyname in p.by_pyname and k + 1 < len(args):
                    if a.pyname in kwargs:
                        raise ArityError(f"keyword {a} given twice", op=self.name)
                    kwargs[a.pyname] = args[k + 1]
                    k += 2
                else:
                    positional.append(a)
                    k += 1
            args = positional
        return self.fn.call(args, kwargs)

    def __repr__(self) -> str:
        return f"#<macro {self.usage()}>"


class Builtin:
    """A function implemented in Python that is part of the language (``print``...).

    ``op``: the registry operation of the same name that column arguments go to
    (the comparisons, ``not``, ``null?``, ``filter``), or None.
    """

    __slots__ = ("name", "fn", "usage_text", "doc", "op")
    blawk_kind = "builtin"

    def __init__(self, name: str, fn: Callable[[Environment, list[Any], Mapping[str, Any]], Any],
                 usage_text: str, doc: str, op: str | None = None) -> None:
        self.name = name
        self.fn = fn
        self.usage_text = usage_text
        self.doc = doc
        self.op = op

    def usage(self) -> str:
        return self.usage_text

    def __repr__(self) -> str:
        return f"#<builtin {self.usage_text}>"


def builtin(name: str, usage: str, doc: str, op: str | None = None,
            aliases: tuple[str, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a builtin function ``fn(env, args, kwargs)`` (see blawk/lang/builtins.py)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        for nm in (name, *aliases):
            BUILTINS[Symbol(nm)] = Builtin(nm, fn, usage.replace(f"({name}", f"({nm}", 1),
                                           doc, op)
        return fn

    return register


class LazyTable:
    """An op applied to each column of a table, not computed yet (kdb style).

    ``columns``: name -> lazy expression (or Column/number); ``base``: the table
    whose index and names it keeps; ``row``: the op was a reduction, so the
    result is a one-row table.  :meth:`compute` runs every column in one pass.
    """

    __slots__ = ("base", "columns", "row", "_table")
    blawk_kind = "table"

    def __init__(self, base: Any, columns: dict[str, Any], row: bool = False) -> None:
        self.base = base
        self.columns = columns
        self.row = row
        self._table: Any = None

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def compute(self, env: Environment | None = None) -> Any:
        """The Table (computed once, all columns in one planner call)."""
        if self._table is None:
            from ..table import Table

            names = list(self.columns)
            values = _compute_all([self.columns[n] for n in names], env)
            if self.row:
                self._table = Table({n: [v] for n, v in zip(names, values, strict=True)})
            else:
                self._table = self.base._like(dict(zip(names, values, strict=True)))
        return self._table

    def __len__(self) -> int:
        return 1 if self.row else len(self.base)

    def __repr__(self) -> str:
        return repr(self.compute())


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
        from . import builtins as _builtins  # noqa: F401 - fills BUILTINS

        self.globals: dict[Symbol, Any] = {}
        self._registry = registry
        self._static: dict[Symbol, Any] = {}  # builtins and ops resolved before
        self._ops: dict[Symbol, Any] = {}
        self._fast: dict[int, Callable[[list[Any]], Any]] = (
            _fast_ops() if registry is None else {})
        self._memo: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
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
        return self._finish(self.run_forms(forms))

    def run_forms(self, forms: SList) -> Any:
        """Evaluate top-level forms in order (compiling each just before it runs);
        the last value, possibly lazy."""
        value = None
        for k in range(len(forms)):
            value = self.run_toplevel(forms[k], forms, k)
        return value

    def run_toplevel(self, form: Any, parent: Any = None, index: int = 0) -> Any:
        """Compile and run one top-level form; ``(progn ...)`` runs its forms as
        top-level forms (so a macro it defines is used by the forms after it)."""
        if (type(form) is SList and len(form) > 0 and (form[0] is _PROGN or form[0] is _BEGIN)):
            value = None
            for k in range(1, len(form)):
                value = self.run_toplevel(form[k], form, k)
            return value
        try:
            code = compile_form(form, None, self, parent, index)
            return code(None)
        except RecursionError:
            raise _too_deep(form, parent, index) from None

    def run_file(self, path: str) -> Any:
        """Read and evaluate a file (UTF-8); the last value."""
        return self.eval(read_source_file(path), filename=str(path))

    def _prepare(self) -> None:
        if sys.getrecursionlimit() < _RECURSION_LIMIT:
            sys.setrecursionlimit(_RECURSION_LIMIT)

    def _finish(self, value: Any) -> Any:
        try:
            return self.compute(value)
        except RecursionError:
            raise BlawkError("expression nested too deeply to compute") from None

    def compute(self, value: Any) -> Any:
        """A value with its lazy parts computed: an expression becomes a Column (or
        a number), a lazy table a Table; a list's lazy elements are computed
        together (one fused pass).  Each expression is computed at most once."""
        if isinstance(value, list):
            if any(_is_lazy(v) for v in value):
                return _compute_all(value, self)
            return value
        return materialize(value, self)

    # ---- name resolution
    @property
    def registry(self) -> Any:
        """The operation registry in use."""
        if self._registry is None:
            from .. import registry

            self._registry = registry
        return self._registry

    def lookup_op(self, name: str) -> Any:
        """The registry operation called ``name`` (or None)."""
        sym = Symbol(name)
        v = self._ops.get(sym)
        if v is None:
            v = self.registry.lookup(name)
            if v is not None:
                self._ops[sym] = v
        return v

    def resolve(self, sym: Symbol, scope: dict | None, head: bool = False) -> Any:
        """The value of ``sym`` in ``scope``; UnknownName (with a suggestion) if none."""
        f = scope
        while f is not None:
            v = f.get(sym, _MISSING)
            if v is not _MISSING:
                return v
            f = f[UP]
        v = self.globals.get(sym, _MISSING)
        if v is not _MISSING:
            return v
        v = CONSTANTS.get(sym, _MISSING)
        if v is not _MISSING:
            return v
        v = BUILTINS.get(sym)
        if v is None:
            v = self.lookup_op(sym.name)
        if v is not None:
            self._static[sym] = v
            return v
        if sym in SPECIAL_FORMS:
            raise TypeMismatch(f"{sym.name} is a special form; it can only be used as "
                               f"({sym.name} ...)")
        raise self.unknown(sym, scope, "function" if head else "name")

    def unknown(self, sym: Symbol, scope: dict | None, what: str = "name") -> UnknownName:
        """An UnknownName error for ``sym`` with close matches from everything bound."""
        names: set[str] = set()
        f = scope
        while f is not None:
            names.update(s.name for s in f if s is not UP)
            f = f[UP]
        names.update(s.name for s in self.globals)
        names.update(s.name for s in CONSTANTS)
        names.update(s.name for s in BUILTINS)
        names.update(s.name for s in SPECIAL_FORMS)
        names.update(self.registry.names())
        return UnknownName(f"unknown {what} {sym.name!r}{did_you_mean(sym.name, names)}")

    def completions(self) -> list[str]:
        """Every name a user can type: globals, builtins, special forms, constants, ops."""
        names = {s.name for s in self.globals}
        names.update(s.name for s in BUILTINS)
        names.update(s.name for s in SPECIAL_FORMS)
        names.update(s.name for s in CONSTANTS)
        names.update(self.registry.names())
        return sorted(names)


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


_EXPR: Any = None


def _expr_type() -> type:
    global _EXPR
    if _EXPR is None:
        from ..expr import Expr

        _EXPR = Expr
    return _EXPR


def _is_lazy(v: Any) -> bool:
    return isinstance(v, (_expr_type(), LazyTable))


def materialize(value: Any, env: Environment | None = None) -> Any:
    """Compute a lazy expression into a Column (or a number), a lazy table into a
    Table; other values as they are.  With ``env``, each expression is computed
    once (later uses get the same Column)."""
    if isinstance(value, LazyTable):
        return value.compute(env)
    Expr = _expr_type()
    if isinstance(value, Expr):
        if env is not None:
            hit = env._memo.get(value, _MISSING)
            if hit is not _MISSING:
                return hit
        from ..expr import materialize as _materialize

        result = _materialize(value)
        if env is not None:
            env._memo[value] = result
        return result
    return value


def _compute_all(values: list[Any], env: Environment | None) -> list[Any]:
    """Compute a list of values; the lazy expressions among them in one planner call."""
    Expr = _expr_type()
    out = list(values)
    todo: list[int] = []
    for k, v in enumerate(out):
        if isinstance(v, LazyTable):
            out[k] = v.compute(env)
        elif isinstance(v, Expr):
            hit = env._memo.get(v, _MISSING) if env is not None else _MISSING
            if hit is not _MISSING:
                out[k] = hit
            else:
                todo.append(k)
    if todo:
        from ..planner import compute

        results = compute([out[k] for k in todo])
        for k, r in zip(todo, results, strict=True):
            if env is not None:
                env._memo[out[k]] = r
            out[k] = r
    return out


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


# ------------------------------------------------------------------ calling


def apply(fn: Any, args: list[Any], kwargs: Mapping[str, Any], env: Environment) -> Any:
    """Call a function value (lambda, builtin, registry op or Python callable)."""
    t = type(fn)
    if t is Lambda:
        return fn.call(args, kwargs)
    if t is Builtin:
        return fn.fn(env, args, kwargs)
    return _apply_other(fn, args, kwargs, env)


def _apply_other(fn: Any, args: list[Any], kwargs: Mapping[str, Any], env: Environment) -> Any:
    fast = env._fast.get(id(fn))
    if fast is not None and not kwargs:
        value = fast(args)
        if value is not _MISSING:
            return value
    call = getattr(fn, "call", None)
    if call is not None and hasattr(fn, "signature"):  # a registry OpSpec
        return call_op(fn, args, kwargs, env)
    if type(fn) is Macro:
        raise TypeMismatch(f"{fn.name} is a macro; it can only be used as ({fn.name} ...)")
    if callable(fn):
        return fn(*args, **kwargs)
    raise TypeMismatch(f"{_describe(fn)} is not a function")


def call_op(spec: Any, args: list[Any], kwargs: Mapping[str, Any], env: Environment) -> Any:
    """Call a registry op: computed expressions are reused, tables broadcast."""
    from ..table import Table

    Expr = _expr_type()
    memo = env._memo
    tables = False
    for a in args:
        ta = type(a)
        if ta is Table or ta is LazyTable:
            tables = True
    if memo:
        args = [memo.get(a, a) if type(a) is Expr else a for a in args]
    kind = getattr(spec, "kind", None)
    if tables:
        if kind == "reduce" and kwargs.get("axis") in ("rows", 1):
            # across each row: the registry reduces the computed table
            args = [a.compute(env) if type(a) is LazyTable else a for a in args]
            return spec.call(args, dict(kwargs))
        if kind == "structural":
            if spec.name == "col" and args and type(args[0]) is LazyTable:
                return _lazy_col(args[0], args[1:], kwargs, env)
            args = [a.compute(env) if type(a) is LazyTable else a for a in args]
        else:
            return _broadcast(spec, args, kwargs, env)
    return spec.call(args, dict(kwargs))


def _lazy_col(lt: LazyTable, rest: list[Any], kwargs: Mapping[str, Any], env: Environment) -> Any:
    name = rest[0] if rest else kwargs.get("name")
    if isinstance(name, str) and name in lt.columns and len(rest) <= 1 and len(kwargs) <= (
            0 if rest else 1):
        return lt.columns[name]
    return env.lookup_op("col").call([lt.compute(env), *rest], dict(kwargs))


def _broadcast(spec: Any, args: list[Any], kwargs: Mapping[str, Any], env: Environment) -> Any:
    """An op applied to tables: to each column (same names), lazily.  A one-row table
    of reductions (``(mean t)``) holds a number per column, so ``(- t (mean t))``
    demeans every column."""
    from ..table import Table

    def names_of(t: Any) -> list[str]:
        return list(t.columns) if type(t) is LazyTable else t.names

    tabs = [a for a in args if type(a) is Table or type(a) is LazyTable]
    names = names_of(tabs[0])
    for other in tabs[1:]:
        if names_of(other) != names:
            raise ShapeError(f"tables with different columns: {', '.join(names)} vs "
                             f"{', '.join(names_of(other))}", op=spec.name)
    full = [t for t in tabs if not (type(t) is LazyTable and t.row)]
    kind = getattr(spec, "kind", None)
    if not full and kind != "map":
        raise ShapeError("a one-row table of reductions holds numbers, not columns",
                         op=spec.name)
    base = None
    if full:
        base = full[0].base if type(full[0]) is LazyTable else full[0]
    out: dict[str, Any] = {}
    for name in names:
        row_args = []
        for a in args:
            if type(a) is Table:
                row_args.append(a.column(name))
            elif type(a) is LazyTable:
                row_args.append(a.columns[name])
            else:
                row_args.append(a)
        try:
            out[name] = spec.call(row_args, dict(kwargs))
        except BlawkError as e:
            e.message = f"column {name!r}: {e.message}"
            raise
    return LazyTable(base, out, row=kind == "reduce" or not full)


def _fast_ops() -> dict[int, Callable[[list[Any]], Any]]:
    """Plain-number short cuts for + - * / of the real registry (same IEEE results)."""
    global _FAST_OPS
    if _FAST_OPS is None:
        from .. import registry

        table: dict[int, Callable[[list[Any]], Any]] = {}
        for name, fn in (("+", _fast_add), ("-", _fast_sub), ("*", _fast_mul),
                         ("/", _fast_div)):
            spec = registry.lookup(name)
            if spec is not None:
                table[id(spec)] = fn
        _FAST_OPS = table
    return _FAST_OPS


_FAST_OPS: dict[int, Callable[[list[Any]], Any]] | None = None


def _floats(args: list[Any]) -> list[float] | None:
    out = []
    for a in args:
        t = type(a)
        if t is float:
            out.append(a)
        elif t is int:
            try:
                out.append(float(a))
            except OverflowError:
                return None
        else:
            return None
    return out


def _fast_add(args: list[Any]) -> Any:
    if len(args) == 2:
        a, b = args
        ta, tb = type(a), type(b)
        if (ta is float or ta is int) and (tb is float or tb is int):
            try:
                return float(a) + float(b)
            except OverflowError:
                return _MISSING
        return _MISSING
    xs = _floats(args)
    if xs is None or len(xs) < 2:
        return _MISSING
    acc = xs[0]
    for x in xs[1:]:
        acc = acc + x
    return acc


def _fast_sub(args: list[Any]) -> Any:
    if len(args) == 2:
        a, b = args
        ta, tb = type(a), type(b)
        if (ta is float or ta is int) and (tb is float or tb is int):
            try:
                return float(a) - float(b)
            except OverflowError:
                return _MISSING
        return _MISSING
    xs = _floats(args)
    if not xs:
        return _MISSING
    if len(xs) == 1:
        return -xs[0]
    acc = xs[0]
    for x in xs[1:]:
        acc = acc - x
    return acc


def _fast_mul(args: list[Any]) -> Any:
    if len(args) == 2:
        a, b = args
        ta, tb = type(a), type(b)
        if (ta is float or ta is int) and (tb is float or tb is int):
            try:
                return float(a) * float(b)
            except OverflowError:
                return _MISSING
        return _MISSING
    xs = _floats(args)
    if xs is None or len(xs) < 2:
        return _MISSING
    acc = xs[0]
    for x in xs[1:]:
        acc = acc * x
    return acc


def _fast_div(args: list[Any]) -> Any:
    xs = _floats(args)
    if not xs:
        return _MISSING
    try:
        if len(xs) == 1:
            return 1.0 / xs[0]
        acc = xs[0]
        for x in xs[1:]:
            acc = acc / x
        return acc
    except ZeroDivisionError:  # IEEE: inf, -inf or NaN, as the registry computes it
        return _MISSING


def _signed(e: BlawkError, fn: Any) -> None:
    """An arity or type error from calling ``fn`` shows fn's signature (and a close
    keyword for an unknown one)."""
    if fn is None or type(e) not in (ArityError, TypeMismatch) or e.span is not None:
        return
    name = _name_of(fn)
    if name is None or e.op != name:
        return
    m = _UNKNOWN_KW.match(e.message)
    if m and "did you mean" not in e.message:
        if type(fn) is Lambda:
            p = fn.info.params
            names = [s.name for s in (*p.required, *(o[0] for o in p.optional),
                                      *(k[0] for k in p.keys))]
        else:
            names = [getattr(p, "name", "") for p in getattr(fn, "params", ())]
        close = did_you_mean(":" + m.group(1), [":" + n.replace("_", "-") for n in names])
        e.message = e.message[:m.end()] + close + e.message[m.end():]
    sig = fn.signature() if hasattr(fn, "signature") else fn.usage() if hasattr(
        fn, "usage") else None
    if sig is None or "signature" in e.message or "usage" in e.message or sig in e.message:
        return
    e.message = f"{e.message}; signature {sig}"


_UNKNOWN_KW = re.compile(r"unknown keyword :([^\s;]+)")


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


# ------------------------------------------------------------------ the compiler


def evaluate(form: Any, scope: dict | None, env: Environment) -> Any:
    """The value of one form in a run-time frame (possibly a lazy expression)."""
    try:
        return compile_form(form, _scope_of_frame(scope), env)(scope)
    except RecursionError:
        raise _too_deep(form, None, 0) from None


def _const(value: Any) -> Code:
    def const(f: Any) -> Any:
        return value

    const.const = True  # type: ignore[attr-defined]
    const.value = value  # type: ignore[attr-defined]
    return const


def compile_form(x: Any, cs: Scope | None, env: Environment, parent: Any = None,
                 i: int = 0, head: bool = False) -> Code:
    """Compile one form (element ``i`` of ``parent``, for locations) to a closure."""
    t = type(x)
    if t is Symbol:
        return _compile_symbol(x, cs, env, parent, i, head)
    if t is SList:
        if not x:
            return lambda f: []
        try:
            h = x[0]
            if type(h) is Symbol:
                sf = SPECIAL_FORMS.get(h)
                if sf is not None:
                    return sf(x, cs, env, parent, i)
                if _depth(cs, h) < 0:
                    m = env.globals.get(h)
                    if type(m) is Macro:
                        return compile_form(_expand(m, x, env, parent, i), cs, env, parent, i)
            return _compile_call(x, cs, env, parent, i)
        except BlawkError as e:
            _locate(e, x, parent, i)
            raise
        except RecursionError:
            raise _too_deep(x, parent, i) from None
    if t is SVector:
        codes = [compile_form(x[k], cs, env, x, k) for k in range(len(x))]

        def vector(f: Any) -> Any:
            return [c(f) for c in codes]

        return vector
    return _const(x)


def _compile_symbol(sym: Symbol, cs: Scope | None, env: Environment, parent: Any, i: int,
                    head: bool) -> Code:
    v = CONSTANTS.get(sym, _MISSING)
    if v is not _MISSING:
        return _const(v)

    def miss(f: Any) -> Any:
        try:
            return env.resolve(sym, f, head)
        except BlawkError as e:
            _locate(e, sym, parent, i)
            raise

    d = _depth(cs, sym)
    if d == 0:
        def local0(f: Any) -> Any:
            try:
                return f[sym]
            except KeyError:
                return miss(f)

        return local0
    if d == 1:
        def local1(f: Any) -> Any:
            try:
                return f[UP][sym]
            except KeyError:
                return miss(f)

        return local1
    if d > 1:
        def local(f: Any) -> Any:
            g = f
            for _ in range(d):
                g = g[UP]
            try:
                return g[sym]
            except KeyError:
                return miss(f)

        return local
    glob = env.globals
    static = env._static

    def free(f: Any) -> Any:
        v = glob.get(sym, _MISSING)
        if v is _MISSING:
            v = static.get(sym, _MISSING)
            if v is _MISSING:
                return miss(f)
        elif type(v) is Macro and not head:
            err = TypeMismatch(f"{sym.name} is a macro; it can only be used as "
                               f"({sym.name} ...)")
            _locate(err, sym, parent, i)
            raise err
        return v

    return free


def _compile_body(form: SList, first: int, cs: Scope | None, env: Environment) -> Code:
    """Compile ``form[first:]`` as a body: the last value (nil if empty)."""
    n = len(form)
    if first >= n:
        return _const(None)
    codes = [compile_form(form[k], cs, env, form, k) for k in range(first, n)]
    if len(codes) == 1:
        return codes[0]
    last = codes[-1]
    init = codes[:-1]

    def body(f: Any) -> Any:
        for c in init:
            c(f)
        return last(f)

    return body


def _compile_call(form: SList, cs: Scope | None, env: Environment, parent: Any,
                  i: int) -> Code:
    head_code = compile_form(form[0], cs, env, form, 0, head=True)
    n = len(form)
    items: list[tuple[str | None, Code]] = []
    seen: set[str] = set()
    k = 1
    while k < n:
        a = form[k]
        if type(a) is Keyword:
            if k + 1 >= n:
                return _bad_call(head_code, f"keyword {a} has no value after it", form, k)
            if a.pyname in seen:
                return _bad_call(head_code, f"keyword {a} given twice", form, k)
            seen.add(a.pyname)
            items.append((a.pyname, compile_form(form[k + 1], cs, env, form, k + 1)))
            k += 2
        else:
            items.append((None, compile_form(a, cs, env, form, k)))
            k += 1
    if seen:
        return _call_kw(head_code, items, form, parent, i, env)
    codes = [c for _, c in items]
    nargs = len(codes)
    h = form[0]
    if nargs == 2 and type(h) is Symbol and _depth(cs, h) < 0 and h not in CONSTANTS:
        prim = _primitive(h, env)
        if prim is not None:
            general = _call2(head_code, codes[0], codes[1], form, parent, i, env)
            return _inline2(h, prim, codes[0], codes[1], general, form, parent, i, env)
    if nargs == 0:
        return _call0(head_code, form, parent, i, env)
    if nargs == 1:
        return _call1(head_code, codes[0], form, parent, i, env)
    if nargs == 2:
        return _call2(head_code, codes[0], codes[1], form, parent, i, env)
    return _calln(head_code, codes, form, parent, i, env)


_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_COMPARE = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
            "=": operator.eq, "!=": operator.ne, "/=": operator.ne}


def _primitive(h: Symbol, env: Environment) -> tuple[bool, Callable[[Any, Any], Any]] | None:
    """(arithmetic?, operator) if ``h`` names, unless a global shadows it, a builtin
    comparison or a registry + - * / (whose results on plain numbers Python's float
    arithmetic gives exactly)."""
    b = BUILTINS.get(h)
    if b is not None:
        if b.name in _COMPARE and b.op is not None:
            return False, _COMPARE[b.name]
        return None
    spec = env.lookup_op(h.name)
    if spec is not None and id(spec) in env._fast and spec.name in _ARITH:
        return True, _ARITH[spec.name]
    return None


def _inline2(h: Symbol, prim: tuple[bool, Callable[[Any, Any], Any]], a0: Code, a1: Code,
             general: Code, form: SList, parent: Any, i: int, env: Environment) -> Code:
    """A two-argument call of a primitive: plain numbers are done here, anything else
    (or a global that shadows the primitive) goes through the general call."""
    arith, op = prim
    glob = env.globals

    def slow(f: Any, x: Any, y: Any) -> Any:
        fn = None
        try:
            fn = env.resolve(h, f, True)
            return apply(fn, [x, y], _NOKW, env)
        except BlawkError as e:
            _signed(e, fn)
            _locate(e, form, parent, i)
            raise

    if arith:
        def arith2(f: Any) -> Any:
            if h in glob:
                return general(f)
            x = a0(f)
            y = a1(f)
            tx = type(x)
            ty = type(y)
            try:
                if tx is float:
                    if ty is float:
                        return op(x, y)
                    if ty is int:
                        return op(x, float(y))
                elif tx is int:
                    if ty is float:
                        return op(float(x), y)
                    if ty is int:
                        return op(float(x), float(y))
            except (OverflowError, ZeroDivisionError):
                pass
            return slow(f, x, y)

        return arith2

    def compare2(f: Any) -> Any:
        if h in glob:
            return general(f)
        x = a0(f)
        y = a1(f)
        tx = type(x)
        ty = type(y)
        if (tx is float or tx is int) and (ty is float or ty is int):
            return op(x, y)
        return slow(f, x, y)

    return compare2


def _bad_call(head_code: Code, message: str, form: SList, k: int) -> Code:
    def bad(f: Any) -> Any:
        fn = head_code(f)
        err = ArityError(message, op=_name_of(fn))
        _locate(err, form[k], form, k)
        raise err

    return bad


def _run_lambda(fn: Lambda, args: list[Any]) -> Any:
    return fn.call(args, _NOKW)


def _call0(head: Code, form: SList, parent: Any, i: int, env: Environment) -> Code:
    def call0(f: Any) -> Any:
        fn = None
        try:
            fn = head(f)
            t = type(fn)
            if t is Lambda:
                return fn.call([], _NOKW)
            if t is Builtin:
                return fn.fn(env, [], _NOKW)
            return _apply_other(fn, [], _NOKW, env)
        except BlawkError as e:
            _signed(e, fn)
            _locate(e, form, parent, i)
            raise
        except RecursionError:
            raise _too_deep(form, parent, i) from None

    return call0


def _call1(head: Code, a0: Code, form: SList, parent: Any, i: int, env: Environment) -> Code:
    def call1(f: Any) -> Any:
        fn = None
        try:
            fn = head(f)
            x = a0(f)
            t = type(fn)
            if t is Lambda:
                info = fn.info
                p = info.params
                if p.nsimple == 1:
                    body = info.body
                    if body is None:
                        body = info.compile_body()
                    return body({p.required[0]: x, UP: fn.scope})
                return fn.call([x], _NOKW)
            if t is Builtin:
                return fn.fn(env, [x], _NOKW)
            return _apply_other(fn, [x], _NOKW, env)
        except BlawkError as e:
            _signed(e, fn)
            _locate(e, form, parent, i)
            raise
        except RecursionError:
            raise _too_deep(form, parent, i) from None

    return call1


def _call2(head: Code, a0: Code, a1: Code, form: SList, parent: Any, i: int,
           env: Environment) -> Code:
    fast = env._fast

    def call2(f: Any) -> Any:
        fn = None
        try:
            fn = head(f)
            x = a0(f)
            y = a1(f)
            t = type(fn)
            if t is Lambda:
                info = fn.info
                p = info.params
                if p.nsimple == 2:
                    body = info.body
                    if body is None:
                        body = info.compile_body()
                    r = p.required
                    return body({r[0]: x, r[1]: y, UP: fn.scope})
                return fn.call([x, y], _NOKW)
            if t is Builtin:
                return fn.fn(env, [x, y], _NOKW)
            op = fast.get(id(fn))
            if op is not None:
                v = op([x, y])
                if v is not _MISSING:
                    return v
            return _apply_other(fn, [x, y], _NOKW, env)
        except BlawkError as e:
            _signed(e, fn)
            _locate(e, form, parent, i)
            raise
        except RecursionError:
            raise _too_deep(form, parent, i) from None

    return call2


def _calln(head: Code, codes: list[Code], form: SList, parent: Any, i: int,
           env: Environment) -> Code:
    def calln(f: Any) -> Any:
        fn = None
        try:
            fn = head(f)
            args = [c(f) for c in codes]
            t = type(fn)
            if t is Lambda:
                return fn.call(args, _NOKW)
            if t is Builtin:
                return fn.fn(env, args, _NOKW)
            return _apply_other(fn, args, _NOKW, env)
        except BlawkError as e:
            _signed(e, fn)
            _locate(e, form, parent, i)
            raise
        except RecursionError:
            raise _too_deep(form, parent, i) from None

    return calln


def _call_kw(head: Code, items: list[tuple[str | None, Code]], form: SList, parent: Any,
             i: int, env: Environment) -> Code:
    def callkw(f: Any) -> Any:
        fn = None
        try:
            fn = head(f)
            args: list[Any] = []
            kwargs: dict[str, Any] = {}
            for name, c in items:
                if name is None:
                    args.append(c(f))
                else:
                    kwargs[name] = c(f)
            return apply(fn, args, kwargs, env)
        except BlawkError as e:
            _signed(e, fn)
            _locate(e, form, parent, i)
            raise
        except RecursionError:
            raise _too_deep(form, parent, i) from None

    return callkw


# ------------------------------------------------------------------ macros


def _expand(m: Macro, form: SList, env: Environment, parent: Any, i: int) -> Any:
    """One macro expansion of ``form``, relocated to the call site."""
    try:
        expansion = m.expand(form)
    except BlawkError as e:
        _locate(e, form, parent, i)
        raise
    return relocate(expansion, form, parent, i)


def relocate(expansion: Any, call: SList, parent: Any = None, i: int = 0) -> Any:
    """Make a macro's expansion code located at the call: lists that come from the
    call's arguments keep their places; the rest (the template's lists, and plain
    lists built with ``list``) become forms located at the call site."""
    keep: set[int] = set()
    stack: list[Any] = list(call[1:])
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            if id(v) in keep:
                continue
            keep.add(id(v))
            stack.extend(v)
    if call.src is not None:
        loc: Loc | None = (call.src, call.start, call.end)
    elif isinstance(parent, SList):
        loc = parent.child_loc(i)
    else:
        loc = None

    def copy(v: Any, depth: int) -> Any:
        if not isinstance(v, list) or id(v) in keep:
            return v
        if depth > 100_000:
            raise BlawkError("macro expansion nested too deeply")
        items = [copy(x, depth + 1) for x in v]
        out = SVector(items) if isinstance(v, SVector) else SList(items)
        if loc is not None:
            out.src, out.start, out.end = loc
            out.locs = [loc] * len(items)
        return out

    return copy(expansion, 0)


def macroexpand_1(form: Any, env: Environment) -> tuple[Any, bool]:
    """``form`` expanded once if it is a macro call: (result, expanded?)."""
    if type(form) is SList and form and type(form[0]) is Symbol:
        m = env.globals.get(form[0])
        if type(m) is Macro:
            return _expand(m, form, env, None, 0), True
    return form, False


# ------------------------------------------------------------------ special forms


def special(*names: str, usage: str = "", doc: str = "") -> Callable[[SpecialForm], SpecialForm]:
    """Register the compiler of a special form under one or more names."""

    def register(fn: SpecialForm) -> SpecialForm:
        for name in names:
            SPECIAL_FORMS[Symbol(name)] = fn
            SPECIAL_DOCS[name] = (usage.replace(f"({names[0]}", f"({name}", 1), doc)
        return fn

    return register


def _form_error(form: SList, message: str, index: int | None = None,
                cls: type[BlawkError] = ArityError, op: str | None = None) -> BlawkError:
    if op is None and form and type(form[0]) is Symbol:
        op = form[0].name
    err = cls(message, op=op)
    if index is not None:
        _locate(err, form[index] if 0 <= index < len(form) else None, form, index)
    else:
        _locate(err, form, None, 0)
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
    elif sym in _LAMBDA_WORDS:
        problem = f"{what}: {sym.name} is not a name"
    if problem is None:
        return
    err = TypeMismatch(problem) if type(sym) is not Symbol else BadParameter(problem)
    if form is not None:
        if index is not None:
            _locate(err, sym, form, index)
        else:
            _locate(err, form, None, 0)
    raise err


def _is_list_form(x: Any) -> bool:
    return isinstance(x, SList) and not isinstance(x, SVector)


@special("quote", usage="(quote form)", doc="form, unevaluated; 'x is (quote x).")
def _quote(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    _nargs(form, 1, 1, "(quote form)")
    return _const(form[1])


@special("quasiquote", usage="(quasiquote template)",
         doc="A template: ,x is replaced by the value of x, ,@xs splices the list xs.")
def _quasiquote(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    _nargs(form, 1, 1, "(quasiquote form)")
    return _qq(form[1], form.child_loc(1), 1, cs, env)


def _qq(tmpl: Any, loc: Loc | None, depth: int, cs: Scope | None, env: Environment) -> Code:
    """Compile a quasiquote template to a builder."""
    if not isinstance(tmpl, SList) or not tmpl:
        return _const(tmpl)
    head = tmpl[0]
    if head is UNQUOTE or head is UNQUOTE_SPLICING:
        if len(tmpl) != 2:
            raise _form_error(tmpl, f"expected ({head.name} form)")
        if head is UNQUOTE_SPLICING and depth == 1:
            raise _form_error(tmpl, ",@ can only splice inside a list")
        if depth == 1:
            return compile_form(tmpl[1], cs, env, tmpl, 1)
        inner = _qq(tmpl[1], tmpl.child_loc(1), depth - 1, cs, env)
        locs2 = [tmpl.child_loc(0), tmpl.child_loc(1)]
        return lambda f: make_list([head, inner(f)], list(locs2), like=loc)
    if head is QUASIQUOTE and len(tmpl) == 2:
        inner = _qq(tmpl[1], tmpl.child_loc(1), depth + 1, cs, env)
        locs2 = [tmpl.child_loc(0), tmpl.child_loc(1)]
        return lambda f: make_list([head, inner(f)], list(locs2), like=loc)
    parts: list[tuple[bool, Code, Loc | None, SList | None]] = []  # (splice?, code, loc, item)
    child_locs = tmpl.child_locs()
    for k, item in enumerate(tmpl):
        if (depth == 1 and isinstance(item, SList) and len(item) == 2
                and item[0] is UNQUOTE_SPLICING):
            parts.append((True, compile_form(item[1], cs, env, item, 1), None, item))
        else:
            parts.append((False, _qq(item, child_locs[k], depth, cs, env), child_locs[k], None))
    vector = isinstance(tmpl, SVector)

    def build(f: Any) -> Any:
        items: list[Any] = []
        locs: list[Loc | None] = []
        for splice, code, cloc, item in parts:
            if splice:
                value = code(f)
                if not isinstance(value, (list, tuple)) and value is not None:
                    err = TypeMismatch(f",@ needs a list to splice, got {_describe(value)}",
                                       op="unquote-splicing")
                    _locate(err, item, None, 0)
                    raise err
                if value:
                    items.extend(value)
                    locs.extend([None] * len(value))
            else:
                items.append(code(f))
                locs.append(cloc)
        out = make_list(items, locs, like=loc)
        if vector:
            vec = SVector(out)
            vec.locs = locs
            if loc is not None:
                vec.src, vec.start, vec.end = loc
            return vec
        return out

    return build


@special("unquote", "unquote-splicing", usage="(unquote x)",
         doc=",x and ,@x: only inside a ` (quasiquote) template.")
def _unquote_outside(form: SList, cs: Scope | None, env: Environment, parent: Any,
                     i: int) -> Code:
    mark = "," if form[0] is UNQUOTE else ",@"
    raise _form_error(form, f"{mark} is only meaningful inside a ` (quasiquote) template",
                      cls=BlawkError)


@special("if", usage="(if test then [else])",
         doc="then if test is true (anything but nil and #f), else else (default nil).")
def _if(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    n = len(form)
    if n != 3 and n != 4:
        _nargs(form, 2, 3, "(if test then [else])")
    test = compile_form(form[1], cs, env, form, 1)
    then = compile_form(form[2], cs, env, form, 2)
    if n == 4:
        other = compile_form(form[3], cs, env, form, 3)

        def if_(f: Any) -> Any:
            v = test(f)
            if v is None or v is False or (type(v) is _np_bool and not v):
                return other(f)
            return then(f)

        return if_

    def if1(f: Any) -> Any:
        v = test(f)
        if v is None or v is False or (type(v) is _np_bool and not v):
            return None
        return then(f)

    return if1


@special("cond", usage="(cond (test body...) ... (else body...))",
         doc="The body of the first clause whose test is true; a clause without a body "
             "gives its test's value; else and t always match.")
def _cond(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    clauses: list[tuple[Code | None, Code | None]] = []
    for k in range(1, len(form)):
        clause = form[k]
        if not _is_list_form(clause) or not clause:
            raise _form_error(form, "each clause must be a list (test form ...)", k,
                              TypeMismatch)
        test = clause[0]
        tc = None if (test is _ELSE or test is _T) else compile_form(test, cs, env, clause, 0)
        body = _compile_body(clause, 1, cs, env) if len(clause) > 1 else None
        clauses.append((tc, body))

    def cond(f: Any) -> Any:
        for tc, body in clauses:
            v = True if tc is None else tc(f)
            if truthy(v):
                return v if body is None else body(f)
        return None

    return cond


@special("when", usage="(when test body...)", doc="The body if test is true, else nil.")
def _when(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    _nargs(form, 1, None, "(when test body...)")
    test = compile_form(form[1], cs, env, form, 1)
    body = _compile_body(form, 2, cs, env)
    return lambda f: body(f) if truthy(test(f)) else None


@special("unless", usage="(unless test body...)", doc="The body if test is false, else nil.")
def _unless(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    _nargs(form, 1, None, "(unless test body...)")
    test = compile_form(form[1], cs, env, form, 1)
    body = _compile_body(form, 2, cs, env)
    return lambda f: None if truthy(test(f)) else body(f)


@special("and", usage="(and x...)", doc="The first false value, or the last; (and) is #t.")
def _and(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    codes = [compile_form(form[k], cs, env, form, k) for k in range(1, len(form))]

    def and_(f: Any) -> Any:
        value: Any = True
        for c in codes:
            value = c(f)
            if not truthy(value):
                return value
        return value

    return and_


@special("or", usage="(or x...)", doc="The first true value, or the last; (or) is nil.")
def _or(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    codes = [compile_form(form[k], cs, env, form, k) for k in range(1, len(form))]

    def or_(f: Any) -> Any:
        value: Any = None
        for c in codes:
            value = c(f)
            if truthy(value):
                return value
        return value

    return or_


@special("progn", "begin", usage="(progn body...)",
         doc="Evaluate in order; the last value (nil if empty).")
def _begin(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    return _compile_body(form, 1, cs, env)


def _named(value: Any, sym: Symbol) -> Any:
    """An anonymous lambda bound to a name takes that name (for error messages)."""
    if type(value) is Lambda and value.name == "lambda":
        value.name = sym.name
    return value


def _binder(sym: Symbol, cs: Scope | None, env: Environment) -> Callable[[Any, Any], None]:
    """A setter binding ``sym`` in the current scope (and tell the compiler)."""
    if cs is None:
        glob = env.globals

        def set_global(f: Any, value: Any) -> None:
            if f is None:
                glob[sym] = value
            else:  # pragma: no cover - a top-level scope always runs without a frame
                f[sym] = value

        return set_global
    cs.names.add(sym)

    def set_local(f: Any, value: Any) -> None:
        f[sym] = value

    return set_local


@special("define", usage="(define name value) or (define (name params...) [doc] body...)",
         doc="Bind name in the current scope (global at top level, local in a body).")
def _define(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    if len(form) < 2:
        raise _form_error(form, "expected (define name value) or (define (name params...) "
                          "body...)")
    target = form[1]
    if _is_list_form(target):
        if not target:
            raise _form_error(form, "(define (name params...) body...) needs a name", 1,
                              TypeMismatch)
        _check_bindable(target[0], "define", target, 0)
        name = target[0]
        setter = _binder(name, cs, env)
        info = _make_fn(name.name, target, 1, form, 2, cs, env)

        def define_fn(f: Any) -> Any:
            setter(f, Lambda(name.name, info, f))
            return name

        return define_fn
    _check_bindable(target, "define", form, 1)
    if len(form) != 3:
        raise _form_error(form, f"expected (define {show(target)} value), got "
                          f"{len(form) - 1} arguments")
    value = compile_form(form[2], cs, env, form, 2)
    setter = _binder(target, cs, env)

    def define(f: Any) -> Any:
        setter(f, _named(value(f), target))
        return target

    return define


@special("defun", usage="(defun name (params...) [doc] body...)",
         doc="Define a function, always globally.")
def _defun(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    if len(form) < 3:
        raise _form_error(form, "expected (defun name (params...) body...)")
    _check_bindable(form[1], "defun", form, 1)
    params = form[2]
    if not _is_list_form(params):
        raise _form_error(form, "expected a parameter list (params...) after the name", 2,
                          TypeMismatch)
    name = form[1]
    info = _make_fn(name.name, params, 0, form, 3, cs, env)
    glob = env.globals

    def defun(f: Any) -> Any:
        glob[name] = Lambda(name.name, info, f)
        return name

    return defun


@special("lambda", usage="(lambda (params...) [doc] body...)",
         doc="A function closing over the current scope.  Parameters: names, then "
             "&optional (name default)..., &rest name, &key (name default)...")
def _lambda(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    if len(form) < 2:
        raise _form_error(form, "expected (lambda (params...) body...)")
    params = form[1]
    if not _is_list_form(params):
        raise _form_error(form, "expected a parameter list (params...)", 1, TypeMismatch)
    info = _make_fn("lambda", params, 0, form, 2, cs, env)
    return lambda f: Lambda("lambda", info, f)


def _make_fn(name: str, params: SList, first: int, form: SList, body_start: int,
             cs: Scope | None, env: Environment, kind: str = "lambda") -> FnInfo:
    p = parse_params(params, first, name)
    doc = None
    if len(form) > body_start + 1 and type(form[body_start]) is str:
        doc = form[body_start]
        body_start += 1
    return FnInfo(p, form, body_start, cs, env, doc, kind)


@special("defmacro", usage="(defmacro name (params...) [doc] body...)",
         doc="Define a macro: called with its argument forms unevaluated, it returns the "
             "form to evaluate instead.  Parameters as lambda (&optional, &rest/&body, &key); "
             "use (gensym) for names the expansion introduces.")
def _defmacro(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    if len(form) < 3:
        raise _form_error(form, "expected (defmacro name (params...) body...)")
    _check_bindable(form[1], "defmacro", form, 1)
    params = form[2]
    if not _is_list_form(params):
        raise _form_error(form, "expected a parameter list (params...) after the name", 2,
                          TypeMismatch)
    return _macro_definer(form[1], params, 0, form, 3, cs, env)


@special("define-macro", usage="(define-macro (name params...) [doc] body...)",
         doc="Define a macro, Scheme style (see defmacro).")
def _define_macro(form: SList, cs: Scope | None, env: Environment, parent: Any,
                  i: int) -> Code:
    if len(form) < 2 or not _is_list_form(form[1]) or not form[1]:
        raise _form_error(form, "expected (define-macro (name params...) body...)")
    target = form[1]
    _check_bindable(target[0], "define-macro", target, 0)
    return _macro_definer(target[0], target, 1, form, 2, cs, env)


def _macro_definer(name: Symbol, params: SList, first: int, form: SList, body_start: int,
                   cs: Scope | None, env: Environment) -> Code:
    info = _make_fn(name.name, params, first, form, body_start, cs, env, kind="macro")
    glob = env.globals

    def defmacro(f: Any) -> Any:
        glob[name] = Macro(name.name, Lambda(name.name, info, f))
        return name

    return defmacro


def _set_global(form: SList, cs: Scope | None, env: Environment, only_if_unbound: bool,
                what: str) -> Code:
    if len(form) < 2 or len(form) > 4:
        raise _form_error(form, f"expected ({what} name value [docstring])")
    _check_bindable(form[1], what, form, 1)
    sym = form[1]
    glob = env.globals
    if len(form) == 2:
        if not only_if_unbound:
            raise _form_error(form, f"expected ({what} name value [docstring])")

        def defvar0(f: Any) -> Any:
            glob.setdefault(sym, None)
            return sym

        return defvar0
    if len(form) == 4 and type(form[3]) is not str:
        raise _form_error(form, "the docstring must be a string", 3, TypeMismatch)
    value = compile_form(form[2], cs, env, form, 2)

    def set_global(f: Any) -> Any:
        if only_if_unbound and sym in glob:
            return sym
        glob[sym] = _named(value(f), sym)
        return sym

    return set_global


@special("defparameter", usage="(defparameter name value [doc])", doc="Set a global, always.")
def _defparameter(form: SList, cs: Scope | None, env: Environment, parent: Any,
                  i: int) -> Code:
    return _set_global(form, cs, env, False, "defparameter")


@special("defvar", usage="(defvar name [value [doc]])",
         doc="Set a global only if it is unbound.")
def _defvar(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    return _set_global(form, cs, env, True, "defvar")


@special("setf", "setq", usage="(setf name value [name value ...])",
         doc="Assign to the innermost existing binding (an unbound name is an error).")
def _setf(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    what = form[0].name
    if len(form) < 3 or len(form) % 2 == 0:
        raise _form_error(form, f"expected ({what} name value [name value ...])")
    pairs: list[tuple[Symbol, Code, int]] = []
    for k in range(1, len(form), 2):
        _check_bindable(form[k], what, form, k)
        pairs.append((form[k], compile_form(form[k + 1], cs, env, form, k + 1), k))
    glob = env.globals

    def setf(f: Any) -> Any:
        value: Any = None
        for sym, code, k in pairs:
            value = code(f)
            g = f
            while g is not None:
                if sym in g:
                    g[sym] = value
                    break
                g = g[UP]
            else:
                if sym not in glob:
                    err = env.unknown(sym, f)
                    err.message = f"{err.message} (define it before assigning with {what})"
                    err.op = what
                    _locate(err, sym, form, k)
                    raise err
                glob[sym] = value
        return value

    return setf


def _let_bindings(form: SList) -> SList:
    if len(form) < 2:
        raise _form_error(form, f"expected ({form[0].name} ((name value) ...) body...)")
    bindings = form[1]
    if not _is_list_form(bindings):
        raise _form_error(form, "expected a list of bindings ((name value) ...)", 1,
                          TypeMismatch)
    return bindings


def _binding(bindings: SList, k: int) -> tuple[Symbol, bool]:
    """(name, has_value) of binding ``k``: ``name``, ``(name)`` or ``(name value)``."""
    b = bindings[k]
    if type(b) is Symbol:
        _check_bindable(b, "let", bindings, k)
        return b, False
    if _is_list_form(b) and 1 <= len(b) <= 2:
        _check_bindable(b[0], "let", b, 0)
        return b[0], len(b) == 2
    raise _form_error(bindings, "a binding is name or (name value)", k, TypeMismatch,
                      op="let")


_NIL = _const(None)


@special("let", usage="(let ((name value) ...) body...)",
         doc="Bind names (values computed in the outer scope, in parallel), then the body.")
def _let(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    bindings = _let_bindings(form)
    syms: list[Symbol] = []
    codes: list[Code] = []
    for k in range(len(bindings)):
        sym, has_value = _binding(bindings, k)
        if sym in syms:
            raise _form_error(bindings, f"{sym.name} is bound twice in one let", k,
                              BadParameter, op="let")
        syms.append(sym)
        codes.append(compile_form(bindings[k][1], cs, env, bindings[k], 1) if has_value
                     else _NIL)
    inner = Scope(set(syms), cs)
    body = _compile_body(form, 2, inner, env)
    pairs = list(zip(syms, codes, strict=True))

    def let(f: Any) -> Any:
        frame = {sym: code(f) for sym, code in pairs}
        frame[UP] = f
        return body(frame)

    return let


@special("let*", usage="(let* ((name value) ...) body...)",
         doc="Bind names one after the other (each value sees the names before it).")
def _let_star(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    bindings = _let_bindings(form)
    inner = Scope(set(), cs)
    steps: list[tuple[bool, Symbol, Code]] = []  # (new frame first?, name, value)
    for k in range(len(bindings)):
        sym, has_value = _binding(bindings, k)
        fresh = sym in inner.names  # rebinding a name: a new frame, as nested lets would
        if fresh:
            inner = Scope(set(), inner)
        code = compile_form(bindings[k][1], inner, env, bindings[k], 1) if has_value else _NIL
        inner.names.add(sym)
        steps.append((fresh, sym, code))
    body = _compile_body(form, 2, inner, env)

    def let_star(f: Any) -> Any:
        frame: dict = {UP: f}
        for fresh, sym, code in steps:
            if fresh:
                frame = {UP: frame}
            frame[sym] = code(frame)
        return body(frame)

    return let_star


def _thread_form(form: SList, last: bool) -> Any:
    """The rewrite of (-> x steps...) / (->> x steps...) into nested calls."""
    if len(form) < 2:
        raise _form_error(form, f"expected ({form[0].name} value step...)")
    locs = form.child_locs()
    acc: Any = form[1]
    acc_loc = locs[1]
    for k in range(2, len(form)):
        step = form[k]
        step_loc = locs[k]
        if _is_list_form(step) and step:
            items = list(step)
            item_locs = step.child_locs()
            if step[0] is _TEE and len(step) == 2:  # (tee name): bind the value so far
                items.insert(1, acc)
                item_locs.insert(1, acc_loc)
            elif last:
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
    return acc, acc_loc


@special("->", usage="(-> x step...)",
         doc="Thread first: (-> x (f a) g) is (g (f x a)); (tee name) names the value so far.")
def _thread_first(form: SList, cs: Scope | None, env: Environment, parent: Any,
                  i: int) -> Code:
    code, loc = _thread_form(form, False)
    return _compile_at(code, loc, cs, env)


@special("->>", usage="(->> x step...)",
         doc="Thread last: (->> x (f a)) is (f a x); (tee name) names the value so far.")
def _thread_last(form: SList, cs: Scope | None, env: Environment, parent: Any,
                 i: int) -> Code:
    code, loc = _thread_form(form, True)
    return _compile_at(code, loc, cs, env)


def _compile_at(x: Any, loc: Loc | None, cs: Scope | None, env: Environment) -> Code:
    """Compile a rewritten form whose location is ``loc``."""
    holder = make_list([x], [loc]) if loc is not None else None
    return compile_form(x, cs, env, holder, 0)


@special("as->", usage="(as-> x name step...)",
         doc="Bind name to x, then to each step's value in turn; the last value.")
def _thread_as(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    if len(form) < 3:
        raise _form_error(form, "expected (as-> value name step...)")
    _check_bindable(form[2], "as->", form, 2)
    name = form[2]
    start = compile_form(form[1], cs, env, form, 1)
    inner = Scope({name}, cs)
    steps = []
    for k in range(3, len(form)):
        step = form[k]
        if _is_list_form(step) and len(step) == 2 and step[0] is _TEE:
            # (tee r): bind r, where the as-> form is, to the value so far
            _check_bindable(step[1], "tee", step, 1)
            steps.append(_tee_step(name, _binder(step[1], cs, env)))
        else:
            steps.append(compile_form(step, inner, env, form, k))

    def as_(f: Any) -> Any:
        frame = {name: start(f), UP: f}
        value = frame[name]
        for code in steps:
            value = code(frame)
            frame[name] = value
        return value

    return as_


def _tee_step(name: Symbol, setter: Callable[[Any, Any], None]) -> Code:
    def tee_step(frame: Any) -> Any:
        value = frame[name]
        setter(frame[UP], value)
        return value

    return tee_step


@special("tee", usage="(tee value name)",
         doc="Bind name to value in the current scope and return value; inside -> and ->> "
             "write (tee name) to name the value so far: (-> px (dlog 1) (tee r) (* 252)).")
def _tee(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    if len(form) != 3:
        raise _form_error(form, "expected (tee value name), or (tee name) as a step of -> "
                          "or ->>")
    _check_bindable(form[2], "tee", form, 2)
    name = form[2]
    value = compile_form(form[1], cs, env, form, 1)
    setter = _binder(name, cs, env)

    def tee(f: Any) -> Any:
        v = value(f)
        setter(f, v)
        return v

    return tee


@special("time", usage="(time form)",
         doc="Evaluate form, computing its value, and print how long it took; the value.")
def _time(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    _nargs(form, 1, 1, "(time form)")
    code = compile_form(form[1], cs, env, form, 1)

    def time_(f: Any) -> Any:
        import time

        t0 = time.perf_counter()
        value = env.compute(code(f))
        elapsed = time.perf_counter() - t0
        out = env.stdout if env.stdout is not None else sys.stdout
        out.write(f"time: {format_seconds(elapsed)}\n")
        return value

    return time_


def format_seconds(s: float) -> str:
    """``1.23 ms``, ``45.6 us``, ``2.01 s``."""
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us"


@special("doc", usage="(doc name)",
         doc="Print the documentation of an operation, builtin, special form, function or "
             "macro.")
def _doc(form: SList, cs: Scope | None, env: Environment, parent: Any, i: int) -> Code:
    _nargs(form, 1, 1, "(doc name)")
    target = form[1]
    code = None if type(target) in (Symbol, str) else compile_form(target, cs, env, form, 1)

    def doc(f: Any) -> Any:
        from .builtins import describe

        if code is None:
            name = target if type(target) is str else target.name
            text = describe(name, env, f)
        else:
            text = describe(code(f), env, f)
        out = env.stdout if env.stdout is not None else sys.stdout
        out.write(text + "\n")
        env.last_printed = None
        return None

    return doc
