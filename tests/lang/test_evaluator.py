"""The evaluator: special forms, scoping, truthiness, errors with locations.

The special forms are tested against a small fake registry so that they do
not depend on the real operations; the last section runs the real registry.
"""

from __future__ import annotations

import io
import math
import sys
from typing import Any

import numpy as np
import pytest

import blawk
from blawk.errors import (
    ArityError,
    BadParameter,
    BlawkError,
    IOFailure,
    TypeMismatch,
    UnknownName,
)
from blawk.lang import Environment, Lambda, Symbol, eval, run_file, truthy
from blawk.lang.forms import SVector

S = Symbol


class FakeOp:
    """Quacks like registry.OpSpec: ``signature()`` and ``call(args, kwargs)``."""

    def __init__(self, name: str, fn: Any, params: str = "a b") -> None:
        self.name = name
        self.fn = fn
        self.params = params

    def signature(self) -> str:
        return f"({self.name} {self.params})"

    def call(self, args: list[Any], kwargs: dict[str, Any]) -> Any:
        for a in args:
            if not isinstance(a, (int, float)) or isinstance(a, bool):
                raise TypeMismatch(f"expected numbers, got {type(a).__name__}", op=self.name)
        return self.fn(*args, **kwargs)


def _sub(*a: float) -> float:
    return -a[0] if len(a) == 1 else a[0] - sum(a[1:])


def _lagged(x: float, lag: int = 1, min_periods: int = 0) -> tuple[float, int, int]:
    if lag < 0:
        raise BadParameter(f"lag must be a non-negative integer, got {lag}", op="lagged")
    return (x, lag, min_periods)


class FakeRegistry:
    def __init__(self) -> None:
        self.ops = {
            "+": FakeOp("+", lambda *a: float(sum(a))),
            "-": FakeOp("-", _sub),
            "*": FakeOp("*", lambda *a: float(math.prod(a))),
            "<": FakeOp("<", lambda a, b: a < b),
            "=": FakeOp("=", lambda a, b: a == b),
            "lagged": FakeOp("lagged", _lagged, "x lag=1 min_periods=0"),
        }
        self.lookups = 0

    def lookup(self, name: str) -> FakeOp | None:
        self.lookups += 1
        return self.ops.get(name)

    def names(self) -> list[str]:
        return sorted(self.ops)


def ev(source: str, **bindings: Any) -> Any:
    return eval(source, filename="t.blawk", env=Environment(registry=FakeRegistry()),
                **bindings)


def err_of(source: str, cls: type[BlawkError] = BlawkError, **bindings: Any) -> BlawkError:
    with pytest.raises(cls) as info:
        ev(source, **bindings)
    return info.value


# ------------------------------------------------------------------ atoms and constants


@pytest.mark.parametrize(("source", "value"), [
    ("42", 42), ("2.5", 2.5), ('"s"', "s"), ("#t", True), ("#f", False), ("t", True),
    ("nil", None), ("true", True), ("false", False), ("inf", math.inf), ("-inf", -math.inf),
    ("+inf", math.inf), (":lag", blawk.lang.Keyword("lag")), ("", None), ("1 2 3", 3),
    ("()", []),
])
def test_self_evaluating_and_constants(source: str, value: Any) -> None:
    got = ev(source)
    assert got == value and type(got) is type(value)


def test_nan_is_a_float() -> None:
    assert math.isnan(ev("nan"))


@pytest.mark.parametrize(("value", "expected"), [
    ("0", True), ("0.0", True), ('""', True), ("(list)", True), ("nan", True), ("'()", True),
    ("t", True), ("#t", True), ("nil", False), ("#f", False), ("false", False),
])
def test_truthiness(value: str, expected: bool) -> None:
    assert ev(f"(if {value} 'yes 'no)") is (S("yes") if expected else S("no"))


def test_truthy_function() -> None:
    assert truthy(0) and truthy(0.0) and truthy([]) and truthy(np.float64(0.0))
    assert not truthy(None) and not truthy(False) and not truthy(np.bool_(False))
    assert truthy(np.bool_(True))


# ------------------------------------------------------------------ quote, quasiquote


def test_quote() -> None:
    assert ev("'x") is S("x")
    assert ev("'(a 1 \"s\")") == [S("a"), 1, "s"]
    assert ev("(quote (quote x))") == [S("quote"), S("x")]


def test_quasiquote() -> None:
    assert ev("(define x 5) `(a ,x ,(+ x 1))") == [S("a"), 5, 6.0]
    assert ev("(define xs (list 1 2)) `(a ,@xs b ,@(list))") == [S("a"), 1, 2, S("b")]
    assert ev("`x") is S("x")
    assert ev("`[1 ,(+ 1 1)]") == [1, 2.0]
    assert type(ev("`[1 ,(+ 1 1)]")) is SVector
    # nested quasiquote: the inner unquote stays
    assert ev("(define x 1) `(a `(b ,(c ,x)))") == [
        S("a"), [S("quasiquote"), [S("b"), [S("unquote"), [S("c"), 1]]]]]


def test_quasiquote_errors() -> None:
    err = err_of("(define v 3)\n`(a ,@v)", TypeMismatch)
    assert err.format() == (
        "t.blawk:2:5: unquote-splicing: ,@ needs a list to splice, got 3 (a number)\n"
        "    `(a ,@v)\n"
        "        ^"
    )
    err = err_of("(+ 1 ,x)")
    assert str(err) == ("t.blawk:1:6: unquote: , is only meaningful inside a ` (quasiquote) "
                        "template")
    assert str(err_of("`(a\n   ,(nope))", UnknownName)) == "t.blawk:2:6: unknown function 'nope'"


# ------------------------------------------------------------------ conditionals


def test_if() -> None:
    assert ev("(if t 1 2)") == 1
    assert ev("(if nil 1 2)") == 2
    assert ev("(if nil 1)") is None
    assert ev("(if 0 'zero-is-true 'no)") is S("zero-is-true")
    # only the taken branch is evaluated
    assert ev("(if t 1 (undefined-function))") == 1


def test_cond() -> None:
    src = "(define (sign x) (cond ((< x 0) 'neg) ((= x 0) 'zero) (else 'pos)))"
    assert ev(src + "(list (sign -2) (sign 0) (sign 3))") == [S("neg"), S("zero"), S("pos")]
    assert ev("(cond (nil 1) (t 2 3))") == 3
    assert ev("(cond (nil 1))") is None
    assert ev("(cond (5))") == 5
    assert ev("(cond)") is None
    err = err_of("(cond (nil 1) x)", TypeMismatch)
    assert str(err) == "t.blawk:1:15: cond: each clause must be a list (test form ...)"


def test_when_unless() -> None:
    assert ev("(when t 1 2)") == 2
    assert ev("(when nil 1 2)") is None
    assert ev("(unless nil 1 2)") == 2
    assert ev("(unless 0 1)") is None
    assert ev("(when t)") is None


def test_and_or() -> None:
    assert ev("(and)") is True
    assert ev("(or)") is None
    assert ev("(and 1 2 3)") == 3
    assert ev("(and 1 nil (undefined))") is None
    assert ev("(and 1 #f 3)") is False
    assert ev("(or nil #f 7 (undefined))") == 7
    assert ev("(or nil #f)") is False


# ------------------------------------------------------------------ definitions


def test_define_value_and_function() -> None:
    env = Environment(registry=FakeRegistry())
    assert env.eval("(define x 10)") is S("x")
    assert env.eval("(define (f a b) (+ a b x))") is S("f")
    assert env.eval("(f 1 2)") == 13.0
    assert isinstance(env["f"], Lambda)
    assert env["x"] == 10
    assert "x" in env and "nope" not in env
    assert env.names() == ["f", "x"]


def test_define_docstring() -> None:
    env = Environment(registry=FakeRegistry())
    env.eval('(define (f x) "Doubles x." (* 2 x))')
    assert env["f"].doc == "Doubles x."
    assert env.eval("(f 4)") == 8.0
    env.eval('(define (g) "just a string")')  # a lone string is the body, not a docstring
    assert env.eval("(g)") == "just a string"


def test_define_inside_a_body_is_local() -> None:
    src = """
    (define x 'global)
    (define (f) (define x 'local) x)
    (list (f) x)
    """
    assert ev(src) == [S("local"), S("global")]
    assert ev("(let ((a 1)) (define b 2) (+ a b))") == 3.0
    err = err_of("(let ((a 1)) (define b 2)) b", UnknownName)
    assert str(err) == "t.blawk:1:28: unknown name 'b'"


def test_defun_is_global_and_recursive() -> None:
    src = """
    (defun fact (n) (if (< n 2) 1 (* n (fact (- n 1)))))
    (fact 10)
    """
    assert ev(src) == 3628800.0
    assert ev("(let ((x 1)) (defun inner () 'made)) (inner)") is S("made")


def test_defparameter_defvar() -> None:
    env = Environment(registry=FakeRegistry())
    assert env.eval("(defvar *rate* 252)") is S("*rate*")
    env.eval("(defvar *rate* 365)")  # defvar does not overwrite
    assert env["*rate*"] == 252
    env.eval('(defparameter *rate* 260 "trading days")')  # defparameter does
    assert env["*rate*"] == 260
    env.eval("(defun set-it () (defparameter *other* 'from-inside))")
    env.eval("(set-it)")
    assert env["*other*"] is S("from-inside")
    env.eval("(defvar *unset*)")
    assert "*unset*" in env and env["*unset*"] is None


def test_setf_setq() -> None:
    assert ev("(define x 1) (setf x 2) x") == 2
    assert ev("(define a 1) (define b 2) (setq a 10 b (+ a 1)) (list a b)") == [10, 11.0]
    # setf changes the innermost binding and leaves the global one alone
    assert ev("(define x 1) (let ((x 5)) (setf x 6) x)") == 6
    assert ev("(define x 1) (let ((x 5)) (setf x 6)) x") == 1
    # a closure's variable is shared state
    src = """
    (define (make-counter) (let ((n 0)) (lambda () (setf n (+ n 1)))))
    (define c (make-counter))
    (define d (make-counter))
    (c) (c) (d)
    (list (c) (d))
    """
    assert ev(src) == [3.0, 2.0]


def test_setf_of_an_unbound_name() -> None:
    err = err_of("(define total 0)\n(setf totl 5)", UnknownName)
    assert err.format() == (
        "t.blawk:2:7: setf: unknown name 'totl'; did you mean total? "
        "(define it before assigning with setf)\n"
        "    (setf totl 5)\n"
        "          ^"
    )


def test_cannot_bind_constants_or_special_forms() -> None:
    assert str(err_of("(define t 1)", BadParameter)) == (
        "t.blawk:1:9: define: cannot bind t: it is a constant")
    assert str(err_of("(let ((if 1)) if)", BadParameter)) == (
        "t.blawk:1:8: let: cannot bind if: it is a special form")
    assert str(err_of("(define 5 1)", TypeMismatch)) == (
        "t.blawk:1:9: define: expected a name, got 5 (a number)")
    assert str(err_of("(lambda (a nil) a)", BadParameter)) == (
        "t.blawk:1:12: parameter: cannot bind nil: it is a constant")
    with pytest.raises(BadParameter):
        Environment({"nil": 1})


# ------------------------------------------------------------------ let, lambda, scope


def test_let_is_parallel_let_star_sequential() -> None:
    assert ev("(define x 1) (let ((x 2) (y x)) y)") == 1
    assert ev("(define x 1) (let* ((x 2) (y x)) y)") == 2
    assert ev("(let* ((x 1) (x (+ x 1))) x)") == 2.0
    assert ev("(let (a (b) (c 3)) (list a b c))") == [None, None, 3]
    assert ev("(let () 5)") == 5
    assert ev("(let ((x 1)))") is None
    err = err_of("(let ((x 1) (x 2)) x)", BadParameter)
    assert str(err) == "t.blawk:1:13: let: x is bound twice in one let"
    err = err_of("(let ((x 1 2)) x)", TypeMismatch)
    assert str(err) == "t.blawk:1:7: let: a binding is name or (name value)"
    err = err_of("(let x 1)", TypeMismatch)
    assert str(err) == "t.blawk:1:6: let: expected a list of bindings ((name value) ...)"


def test_lexical_scope_and_closures() -> None:
    # the function sees the y of where it was defined, not of where it is called
    assert ev("(define y 'outer) (define (g) y) (let ((y 'caller)) (g))") is S("outer")
    # a call does not clobber the caller's variables
    assert ev("(define x 1) (define (f x) (* x 10)) (let ((x 7)) (f 5) x)") == 7
    adders = """
    (define (adder n) (lambda (x) (+ x n)))
    (define add2 (adder 2))
    (define add10 (adder 10))
    (list (add2 1) (add10 1))
    """
    assert ev(adders) == [3.0, 11.0]
    assert ev("((lambda (x) (* x x)) 7)") == 49.0
    assert ev("(((lambda (a) (lambda (b) (list a b))) 1) 2)") == [1, 2]


def test_optional_and_rest_parameters() -> None:
    src = "(define (f a &optional (b 10) c &rest more) (list a b c more))"
    assert ev(src + "(f 1)") == [1, 10, None, []]
    assert ev(src + "(f 1 2 3 4 5)") == [1, 2, 3, [4, 5]]
    # defaults are evaluated at call time, in the function's scope
    assert ev("(define (g a &optional (b (* a 2))) b) (g 4)") == 8.0
    err = err_of("(define (f a &rest r) r) (f)", ArityError)
    assert str(err) == "t.blawk:1:26: f: expected at least 1 argument (f a &rest r), got 0"
    err = err_of("(define (f &rest a b) 1)", TypeMismatch)
    assert "&rest must be followed by exactly one name" in str(err)


def test_lambda_arity_errors() -> None:
    err = err_of("(define (f x y) (+ x y))\n(f 1 2 3)", ArityError)
    assert err.format() == (
        "t.blawk:2:1: f: expected 2 arguments (f x y), got 3\n"
        "    (f 1 2 3)\n"
        "    ^"
    )
    err = err_of("(define (h x &optional y) x) (h)", ArityError)
    assert str(err) == "t.blawk:1:30: h: expected 1 to 2 arguments (h x &optional y), got 0"
    err = err_of("((lambda () 1) :k 2)", ArityError)
    assert str(err) == "t.blawk:1:1: lambda: unknown keyword :k; usage (lambda)"
    err = err_of("(lambda (a a) a)", BadParameter)
    assert str(err) == "t.blawk:1:12: lambda: parameter a appears twice"


def test_anonymous_lambdas_take_the_name_they_are_defined_as() -> None:
    err = err_of("(define add (lambda (a b) (+ a b)))\n(add 1)", ArityError)
    assert str(err) == "t.blawk:2:1: add: expected 2 arguments (add a b), got 1"
    err = err_of("(define (adder n) (lambda (x) (+ x n))) (defparameter inc (adder 1)) (inc)",
                 ArityError)
    assert str(err) == "t.blawk:1:70: inc: expected 1 argument (inc x), got 0"
    assert ev("(define f (lambda () 1)) (define g f) g").name == "f"


def test_lambda_called_from_python() -> None:
    env = Environment(registry=FakeRegistry())
    f = env.eval("(lambda (x &optional (k 2)) (* x k))")
    assert f(21) == 42.0
    assert f(2, 5) == 10.0
    assert f(np.float64(2.0)) == 4.0
    assert repr(f) == "#<lambda (lambda x &optional (k 2))>"
    with pytest.raises(ArityError, match="expected 1 to 2 arguments"):
        f()


def test_progn_begin() -> None:
    assert ev("(progn 1 2 3)") == 3
    assert ev("(begin)") is None
    assert ev("(define x 0) (begin (setf x 1) (setf x (+ x 1))) x") == 2.0


# ------------------------------------------------------------------ threading


def test_thread_first_and_last() -> None:
    assert ev("(-> 10 (- 3))") == 7.0
    assert ev("(->> 10 (- 3))") == -7.0
    assert ev("(-> 10 (- 3) (- 2))") == 5.0
    assert ev("(->> 10 (- 3) (- 2))") == 9.0
    assert ev("(define (dbl x) (* 2 x)) (-> 5 dbl dbl)") == 20.0
    assert ev("(-> 5)") == 5
    assert ev("(-> 2 (list 1) (list 0))") == [[2, 1], 0]
    assert ev("(->> 2 (list 1) (list 0))") == [0, [1, 2]]
    assert ev("(-> 2 ((lambda (x) (* x 100))))") == 200.0


def test_thread_as() -> None:
    assert ev("(as-> 5 v (- v 1) (- 10 v) (list v v))") == [6.0, 6.0]
    assert ev("(as-> 5 v)") == 5
    err = err_of("(as-> 5 7 v)", TypeMismatch)
    assert str(err) == "t.blawk:1:9: as->: expected a name, got 7 (a number)"


def test_threading_keeps_keywords_and_reports_the_failing_step() -> None:
    assert ev("(-> 3 (lagged :lag 2 :min-periods 1))") == (3, 2, 1)
    src = "(-> 3\n    (+ 2)\n    (lagged :lag -1))"
    err = err_of(src, BadParameter)
    assert err.format() == (
        "t.blawk:3:5: lagged: lag must be a non-negative integer, got -1\n"
        "        (lagged :lag -1))\n"
        "        ^"
    )
    err = err_of("(->> 1 (+ 2) nope)", UnknownName)
    assert str(err) == "t.blawk:1:14: unknown function 'nope'"
    err = err_of("(-> undefined-thing (+ 1))", UnknownName)
    assert str(err) == "t.blawk:1:5: unknown name 'undefined-thing'"
    assert str(err_of("(->)", ArityError)) == "t.blawk:1:1: ->: expected (-> value step...)"


# ------------------------------------------------------------------ calls and errors


def test_keyword_arguments_map_dashes_to_underscores() -> None:
    assert ev("(lagged 1 :min-periods 3)") == (1, 1, 3)
    assert ev("(lagged 1 :lag 4)") == (1, 4, 0)
    err = err_of("(lagged 1 :lag)", ArityError)
    assert str(err) == "t.blawk:1:11: lagged: keyword :lag has no value after it"
    err = err_of("(lagged 1 :lag 1 :lag 2)", ArityError)
    assert str(err) == "t.blawk:1:18: lagged: keyword :lag given twice"


def test_unknown_function_with_did_you_mean() -> None:
    err = err_of("(define (helper x) x)\n(+ 1 (helpr 2))", UnknownName)
    assert err.format() == (
        "t.blawk:2:7: unknown function 'helpr'; did you mean helper?\n"
        "    (+ 1 (helpr 2))\n"
        "          ^"
    )
    err = err_of("(lagge 1)", UnknownName)
    assert str(err) == "t.blawk:1:2: unknown function 'lagge'; did you mean lagged?"
    err = err_of("(lamda (x) x)", UnknownName)
    assert str(err) == "t.blawk:1:2: unknown function 'lamda'; did you mean lambda?"
    err = err_of("(let ((alpha 1)) (+ alpah 1))", UnknownName)
    assert str(err) == "t.blawk:1:21: unknown name 'alpah'; did you mean alpha?"


def test_unknown_name_at_top_level_points_at_the_symbol() -> None:
    err = err_of("1\n  zzz", UnknownName)
    assert err.format() == "t.blawk:2:3: unknown name 'zzz'\n      zzz\n      ^"


def test_errors_in_a_function_body_point_into_the_body() -> None:
    src = "(define (f x)\n  (+ x missing))\n(f 1)"
    err = err_of(src, UnknownName)
    assert str(err) == "t.blawk:2:8: unknown name 'missing'"
    src = "(define (f x)\n  (- x \"str\"))\n(f 1)"
    err = err_of(src, TypeMismatch)
    assert str(err) == "t.blawk:2:3: -: expected numbers, got str; signature (- a b)"
    # an atom as the body
    err = err_of("(define (g) oops) (g)", UnknownName)
    assert str(err) == "t.blawk:1:13: unknown name 'oops'"


def test_innermost_failing_form_wins() -> None:
    err = err_of("(list 1\n  (list 2\n    (- 3 'a)))", TypeMismatch)
    assert (err.span.line, err.span.col) == (3, 5)
    assert err.op == "-"


def test_calling_a_non_function() -> None:
    err = err_of("(define x 3)\n(x 1)", TypeMismatch)
    assert str(err) == "t.blawk:2:1: 3 (a number) is not a function"
    assert str(err_of('("s")', TypeMismatch)) == 't.blawk:1:1: "s" (a string) is not a function'


def test_special_form_syntax_errors() -> None:
    assert str(err_of("(if)", ArityError)) == (
        "t.blawk:1:1: if: expected (if test then [else]), got 0 arguments")
    assert str(err_of("(if 1 2 3 4)", ArityError)) == (
        "t.blawk:1:1: if: expected (if test then [else]), got 4 arguments")
    assert str(err_of("(quote)", ArityError)) == (
        "t.blawk:1:1: quote: expected (quote form), got 0 arguments")
    assert str(err_of("(define x 1 2)", ArityError)) == (
        "t.blawk:1:1: define: expected (define x value), got 3 arguments")
    assert str(err_of("(lambda x x)", TypeMismatch)) == (
        "t.blawk:1:9: lambda: expected a parameter list (params...)")
    assert str(err_of("(setf x)", ArityError)) == (
        "t.blawk:1:1: setf: expected (setf name value [name value ...])")
    assert str(err_of("(defun f)", ArityError)) == (
        "t.blawk:1:1: defun: expected (defun name (params...) body...)")


def test_special_form_as_a_value() -> None:
    err = err_of("(list if)", TypeMismatch)
    assert str(err) == "t.blawk:1:7: if is a special form; it can only be used as (if ...)"


def test_deeply_nested_code_is_an_error_not_a_crash() -> None:
    n = 100_000
    err = err_of("(list " * n + "1" + ")" * n)
    assert err.message.startswith("expression nested too deeply")
    assert err.span is not None and err.span.line == 1
    err.format()
    # runaway recursion too
    err = err_of("(defun f (n) (+ 1 (f n)))\n(f 1)")
    assert err.message.startswith("expression nested too deeply")
    assert err.span is not None


def test_moderately_deep_recursion_works() -> None:
    src = "(defun count (n) (if (< n 1) 0 (+ 1 (count (- n 1))))) (count 500)"
    assert ev(src) == 500.0


def test_errors_leave_the_environment_usable() -> None:
    env = Environment(registry=FakeRegistry())
    env.eval("(define x 1)")
    with pytest.raises(UnknownName):
        env.eval("(define y 2) (nope)")
    assert env.eval("(+ x y)") == 3.0


# ------------------------------------------------------------------ builtins, bindings, API


def test_print_and_list() -> None:
    out = io.StringIO()
    env = Environment(registry=FakeRegistry(), stdout=out)
    assert env.eval('(print "a" 1.5 \'sym (list 1 "s" nil #t))') == [1, "s", None, True]
    assert out.getvalue() == 'a 1.5 sym (1 "s" nil #t)\n'
    assert env.eval("(print)") is None
    assert env.eval("(list)") == []
    with pytest.raises(ArityError, match="list: takes no keyword arguments, got :a"):
        env.eval("(list :a 1)")


def test_print_goes_to_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    ev("(print 'hello)")
    assert capsys.readouterr().out == "hello\n"


def test_registry_ops_and_builtins_are_values() -> None:
    assert ev("(define plus +) (plus 1 2)") == 3.0
    assert ev("((if t + *) 3 4)") == 7.0
    assert ev("(define (apply2 f a b) (f a b)) (apply2 * 3 4)") == 12.0
    assert ev("(define p print) p").name == "print"


def test_locals_shadow_ops_and_builtins() -> None:
    assert ev("(let ((+ (lambda (a b) 'mine))) (+ 1 2))") is S("mine")
    assert ev("(define (list . xs) 'mine) (list 1)") is S("mine")


def test_registry_lookups_are_cached() -> None:
    reg = FakeRegistry()
    env = Environment(registry=reg)
    env.eval("(+ 1 2) (+ 3 4) (+ 5 6)")
    assert reg.lookups == 1


def test_python_callables_can_be_bound() -> None:
    assert ev("(f 2 :y 3)", f=lambda x, y: x * 10 + y) == 23


def test_bindings_and_environment_persistence() -> None:
    env = Environment({"x": 3}, registry=FakeRegistry())
    assert env.eval("(* x 2)") == 6.0
    env["y"] = np.float64(1.5)
    assert type(env["y"]) is float
    env.eval("(define z (+ x y))")
    assert eval("z", env=env) == 4.5
    assert eval("(+ z w)", env=env, w=1) == 5.5
    assert env.get("missing", 7) == 7


def test_recursion_limit_is_raised_modestly() -> None:
    ev("1")
    assert sys.getrecursionlimit() >= 8000


# ------------------------------------------------------------------ with the real registry


def test_eval_computes_columns() -> None:
    x = np.array([100.0, 101.0, 99.5, 102.0])
    r = eval("(* (dlog x 1) 252)", x=x)
    assert isinstance(r, blawk.Column)
    values = r.to_list()
    assert values[0] is None
    assert values[1] == pytest.approx(252 * math.log(101 / 100))
    assert eval("(+ 1 2)") == 3.0


def test_bindings_stay_lazy_until_the_end() -> None:
    x = np.array([1.0, 2.0, 4.0])
    env = Environment({"x": x})
    env.eval("(define r (dlog x 1))")
    assert isinstance(env["r"], blawk.Expr)  # still lazy: a whole script fuses
    out = env.eval("(-> r (* 2))")
    assert isinstance(out, blawk.Column)
    assert out.to_list()[1] == pytest.approx(2 * math.log(2))
    pair = env.eval("(list r 1)")
    assert isinstance(pair[0], blawk.Column) and pair[1] == 1


def test_real_registry_errors_are_located() -> None:
    x = np.array([1.0, 2.0])
    with pytest.raises(BadParameter) as info:
        eval("(define y\n  (dlog x -1))", filename="p.blawk", x=x)
    assert info.value.format() == (
        "p.blawk:2:3: dlog: lag must be a non-negative integer, got -1\n"
        "      (dlog x -1))\n"
        "      ^"
    )
    with pytest.raises(UnknownName, match="unknown function 'dlgo'; did you mean dlog"):
        eval("(dlgo x 1)", x=x)
    with pytest.raises(ArityError, match=r"^<string>:1:1: dlog: expects at most 2"):
        eval("(dlog x 1 2)", x=x)
    with pytest.raises(TypeMismatch, match=r"^<string>:1:1: log: "):
        eval('(log "px")')


def test_flagship_pipeline() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    csv = root / "examples" / "data" / "prices.csv"
    if not csv.exists():
        pytest.skip("sample data not present")
    src = f'(-> (load-csv "{csv.as_posix()}") (col "px") (dlog 1) (* 252))'
    r = eval(src)
    assert isinstance(r, blawk.Column) and len(r) > 1
    assert r.to_list()[0] is None


def test_run_file(tmp_path: Any) -> None:
    script = tmp_path / "s.blawk"
    script.write_text("#!/usr/bin/env blawk run\n(define y (* x 2))\n(+ y 1)\n")
    assert run_file(script, bindings={"x": 4}) == 9.0
    bad = tmp_path / "bad.blawk"
    bad.write_text("(+ 1\n  (nope))\n")
    with pytest.raises(UnknownName) as info:
        run_file(bad)
    assert str(info.value) == f"{bad}:2:4: unknown function 'nope'"
    with pytest.raises(IOFailure, match="cannot read .*: No such file or directory"):
        run_file(tmp_path / "missing.blawk")
    binary = tmp_path / "bin.blawk"
    binary.write_bytes(b"(+ 1 \xff)")
    with pytest.raises(IOFailure, match="not UTF-8 text \\(bad byte at offset 5\\)"):
        run_file(binary)
