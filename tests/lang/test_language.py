"""The language beyond the core forms: macros, keyword arguments, tee, builtins,
comparisons, tables, the seeds' dialects, compiled-closure semantics."""

from __future__ import annotations

import io
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import blawk
from blawk import registry
from blawk.errors import ArityError, BadParameter, BlawkError, TypeMismatch, UnknownName
from blawk.lang import Environment, Lambda, Symbol, eval
from blawk.lang.evaluator import LazyTable, evaluate
from blawk.lang.reader import read_one

S = Symbol
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"


def ev(source: str, **bindings: Any) -> Any:
    return eval(source, filename="t.blawk", **bindings)


def err_of(source: str, cls: type[BlawkError] = BlawkError, env: Environment | None = None
           ) -> BlawkError:
    with pytest.raises(cls) as info:
        (env or Environment()).eval(source, filename="t.blawk")
    return info.value


def printed(source: str, env: Environment | None = None) -> tuple[Any, str]:
    out = io.StringIO()
    env = env or Environment()
    env.stdout = out
    value = env.eval(source, filename="t.blawk")
    return value, out.getvalue()


# ------------------------------------------------------------------ macros

SWAP = """
(defmacro swap! (a b)
  (let ((tmp (gensym)))
    `(let ((,tmp ,a)) (setf ,a ,b) (setf ,b ,tmp))))
"""


def test_defmacro_and_hygiene_with_gensym() -> None:
    # the user's own variable called tmp is not captured by the expansion
    assert ev(SWAP + "(define tmp 1) (define y 2) (swap! tmp y) (list tmp y)") == [2, 1]
    bad = """
    (defmacro swap-bad! (a b) `(let ((tmp ,a)) (setf ,a ,b) (setf ,b tmp)))
    (define tmp 1) (define y 2) (swap-bad! tmp y) (list tmp y)
    """
    assert ev(bad) == [1, 2]  # without gensym, tmp is captured: nothing is swapped


def test_gensym_symbols_are_fresh_and_uninterned() -> None:
    a, b = ev("(list (gensym) (gensym \"tmp\"))")
    assert a is not b and a.name.startswith("#:g") and b.name.startswith("#:tmp")
    assert a is not Symbol(a.name)  # no symbol read from text is ever it
    assert ev("(= (gensym) (gensym))") is False


def test_macro_parameters() -> None:
    assert ev("(defmacro my-when (c &body body) `(if ,c (progn ,@body))) (my-when t 1 2)") == 2
    assert ev("(define-macro (unless2 c . body) `(if ,c nil (progn ,@body))) "
              "(unless2 nil 5)") == 5
    src = "(defmacro opt (a &optional (b 2) &rest more) `(list ,a ,b ',more))"
    assert ev(src + "(list (opt 1) (opt 1 5 6 7))") == [[1, 2, []], [1, 5, [6, 7]]]
    src = "(defmacro kw (x &key (d 10) e) `(list ,x ,d ',e))"
    assert ev(src + "(list (kw 1) (kw 1 :e z :d 3))") == [[1, 10, None], [1, 3, S("z")]]
    # without &key, keywords are plain data for &rest
    assert ev("(defmacro pass (&rest opts) `',opts) (pass 1 :a 2)") == [
        1, blawk.lang.Keyword("a"), 2]
    src = "(defmacro smooth (x &rest opts) `(mavg ,x ,@opts))"
    assert ev(src + "(smooth (column 1 2 3) :window 2)").to_list() == [None, 1.5, 2.5]


def test_macros_compose_with_every_form_and_recursion() -> None:
    src = """
    (defmacro my-or (&rest xs)
      (if (null? xs) nil
        (let ((g (gensym)))
          `(let ((,g ,(car xs))) (if ,g ,g (my-or ,@(cdr xs)))))))
    (defun pick (a b) (my-or a b 'neither))
    (list (pick nil 2) (pick nil nil) (let* ((x nil)) (my-or x 7)) (-> nil (my-or 3)))
    """
    assert ev(src) == [2, S("neither"), 7, 3]


def test_macroexpand() -> None:
    env = Environment()
    env.eval(SWAP)
    once = env.eval("(macroexpand-1 '(swap! p q))")
    assert once[0] is S("let") and once[2] == [S("setf"), S("p"), S("q")]
    env.eval("(defmacro twice (x) `(progn ,x ,x)) (defmacro outer (x) `(twice ,x))")
    assert env.eval("(macroexpand '(outer 1))") == [S("progn"), 1, 1]
    assert env.eval("(macroexpand-1 '(outer 1))") == [S("twice"), 1]
    assert env.eval("(macroexpand '(+ 1 2))") == [S("+"), 1, 2]


def test_a_macro_defined_in_a_toplevel_progn_is_used_by_later_forms() -> None:
    assert ev("(progn (defmacro m (x) `(+ ,x 1)) (m 1))") == 2.0


def test_macro_errors_point_at_the_call() -> None:
    src = "(defmacro bad (x) `(nope ,x))\n(list 1\n  (bad 2))"
    err = err_of(src, UnknownName)
    assert err.format() == (
        "t.blawk:3:3: unknown function 'nope'\n"
        "      (bad 2))\n"
        "      ^"
    )
    err = err_of("(defmacro one (x) x)\n(one)", ArityError)
    assert str(err) == "t.blawk:2:1: one: expected 1 argument (one x), got 0"
    err = err_of("(defmacro one (x) x) (list one)", TypeMismatch)
    assert "one is a macro" in str(err) or "macro" in str(err)
    # an argument's own errors keep their place
    err = err_of("(defmacro id (x) x)\n(id (+ 1 zz))", UnknownName)
    assert str(err) == "t.blawk:2:10: unknown name 'zz'"


def test_runaway_macro_expansion_is_an_error() -> None:
    err = err_of("(defmacro loop (x) `(loop ,x)) (loop 1)")
    assert "nested too deeply" in err.message


# ------------------------------------------------------------------ keyword arguments


def test_keyword_arguments_for_functions() -> None:
    src = "(defun f (a &optional (b 2) &key (scale 10) shift) (list a b scale shift))"
    assert ev(src + "(f 1)") == [1, 2, 10, None]
    assert ev(src + "(f 1 5 :shift 3)") == [1, 5, 10, 3]
    assert ev(src + "(f :scale 1 :a 0 :b 9)") == [0, 9, 1, None]
    # every parameter can be passed by name, like a registry op's
    assert ev("(define (g x y) (- x y)) (g :y 1 :x 10)") == 9.0
    # defaults see the parameters before them
    assert ev("(defun h (a &key (b (* a 2))) b) (h 4)") == 8.0
    # kebab-case names: :min-periods binds min-periods
    assert ev("(defun k (&key (min-periods 1)) min-periods) (k :min-periods 5)") == 5


def test_keyword_argument_errors() -> None:
    src = "(defun f (a &key (scale 10)) a)\n"
    err = err_of(src + "(f 1 :scal 2)", ArityError)
    assert str(err) == ("t.blawk:2:1: f: unknown keyword :scal; did you mean :scale?; "
                        "usage (f a &key (scale 10))")
    err = err_of(src + "(f 1 :a 2)", ArityError)
    assert str(err) == ("t.blawk:2:1: f: a given twice (by position and as :a); "
                        "usage (f a &key (scale 10))")
    err = err_of(src + "(f :scale 2)", ArityError)
    assert str(err) == "t.blawk:2:1: f: missing argument a; usage (f a &key (scale 10))"
    err = err_of("(lambda (&key a &optional b) a)", TypeMismatch)
    assert "&optional out of place" in str(err)


def test_keyword_arguments_for_ops_with_did_you_mean() -> None:
    x = np.arange(1.0, 31.0)
    r = ev("(mavg x :window 5 :min-periods 2)", x=x)
    assert r.to_list()[1] == 1.5
    with pytest.raises(ArityError) as info:
        ev("(mavg x :windw 5)", x=x)
    assert str(info.value).startswith("t.blawk:1:1: mavg: unknown keyword :windw; did you mean "
                                      ":window?; signature (mavg x ")


def test_lambdas_take_keywords_from_python() -> None:
    f = Environment().eval("(lambda (x &key (k 2)) (* x k))")
    assert f(3, k=5) == 15.0


# ------------------------------------------------------------------ tee


def test_tee_names_an_intermediate_of_a_pipeline() -> None:
    env = Environment()
    assert env.eval("(-> 5 (+ 1) (tee r) (* 2))") == 12.0
    assert env["r"] == 6.0
    assert env.eval("(->> 5 (- 1) (tee r2) (* 2))") == -8.0
    assert env["r2"] == -4.0
    assert env.eval("(as-> 5 v (+ v 1) (tee r3) (* v 2))") == 12.0
    assert env["r3"] == 6.0
    assert env.eval("(tee (+ 1 1) two)") == 2.0 and env["two"] == 2.0
    # inside a function, tee binds locally
    assert env.eval("(defun f (x) (-> x (* 3) (tee y) (+ y))) (f 2)") == 12.0
    assert "y" not in env


def test_tee_keeps_columns_lazy() -> None:
    env = Environment({"px": np.array([100.0, 101.0, 103.0])})
    out = env.eval("(-> px (dlog 1) (tee r) (* 252))")
    assert isinstance(out, blawk.Column)
    assert isinstance(env["r"], blawk.Expr)
    err = err_of("(-> 1 (tee 5))", TypeMismatch)
    assert str(err) == "t.blawk:1:12: tee: expected a name, got 5 (a number)"


# ------------------------------------------------------------------ builtins


def test_list_builtins() -> None:
    assert ev("(list (car '(1 2)) (car nil) (car '()) (cdr '(1 2 3)) (cdr nil))") == [
        1, None, None, [2, 3], None]
    assert ev("(list (cons 0 '(1)) (cons 0 nil) (nth 1 '(a b)) (nth 5 '(a)) (nth 1.0 '(a b)))"
              ) == [[0, 1], [0], S("b"), None, S("b")]
    assert ev("(list (length '(1 2)) (length \"abc\") (length nil) (length (column 1 2)))") \
        == [2, 3, 0, 2]
    assert ev("(list (append '(1) '() '(2 3)) (apply + 1 '(2 3)) (apply list '()))") == [
        [1, 2, 3], 6.0, []]
    with pytest.raises(TypeMismatch, match=r"car: list must be a list, got 5 \(a number\); "
                                           r"signature \(car list\)"):
        ev("(car 5)")
    with pytest.raises(TypeMismatch, match="nth: index must be a whole number"):
        ev("(nth 1.5 '(a))")


def test_map_filter_reduce() -> None:
    assert ev("(map (lambda (x) (* x x)) '(1 2 3))") == [1.0, 4.0, 9.0]
    assert ev("(map + '(1 2 3) '(10 20))") == [11.0, 22.0]
    assert ev("(filter (lambda (x) (> x 1)) '(1 2 3))") == [2, 3]
    assert ev("(reduce + '(1 2 3 4))") == 10.0
    assert ev("(reduce list '(1 2 3) 0)") == [[[0, 1], 2], 3]
    assert ev("(reduce + '() :initial-value 7)") == 7
    with pytest.raises(BadParameter, match="empty list needs an initial value"):
        ev("(reduce + '())")
    with pytest.raises(TypeMismatch, match="map: argument 2 must be a list, got .*operations "
                                           "apply to whole columns"):
        ev("(map neg (column 1 2))")
    # a recursive map written in blawk (the reader benchmark's program)
    src = """
    (define (my-map f xs) (if (null? xs) '() (cons (f (car xs)) (my-map f (cdr xs)))))
    (my-map (lambda (x) (+ x 1)) '(1 2 3))
    """
    assert ev(src) == [2.0, 3.0, 4.0]


def test_str_and_format() -> None:
    assert ev('(str "a" 1 \'b 2.5 nil)') == "a1b2.5nil"
    assert ev('(format nil "~a=~d ~,2f ~s~%" "x" 3 3.14159 "q")') == 'x=3 3.14 "q"\n'
    assert ev('(format "~5d|~e|~~" 42 1500.0)') == "   42|1.500000e+03|~"
    value, out = printed('(format t "hi ~a~%" (list 1 2))')
    assert value is None and out == "hi (1 2)\n"
    with pytest.raises(BadParameter, match="not enough values"):
        ev('(format nil "~a ~a" 1)')
    with pytest.raises(BadParameter, match="left over"):
        ev('(format nil "~a" 1 2)')
    with pytest.raises(BadParameter, match="unknown directive '~q'"):
        ev('(format nil "~q" 1)')


def test_print_see_time_explain_doc() -> None:
    x = blawk.Column([1.0, None, 4.0] + [2.0] * 20)
    env = Environment({"x": x})
    value, out = printed("(print 'a (list 1 2) \"s\")", env)
    assert out == "a (1 2) s\n"
    value, out = printed("(see x)", env)
    assert value is x
    assert out.splitlines()[0] == "float64[23] 1 null"
    assert out.splitlines()[1].startswith("1 null 4 2 2 2") and out.count("...") == 0
    value, out = printed("(time (* x 2))", env)
    assert isinstance(value, blawk.Column) and out.startswith("time: ")
    value, out = printed("(explain (-> x (dlog 1) (* 252)))", env)
    assert value is None and "dlog" in out and "pass" in out
    value, out = printed("(explain 1)", env)
    assert out == "nothing to compute: 1 (a number) is a value, not a lazy expression\n"
    value, out = printed("(doc dlog)", env)
    assert out.startswith("(dlog x lag=1") and "Log return" in out and "example:" in out
    value, out = printed("(doc if)", env)
    assert out.startswith("(if test then [else])    [special form]")
    value, out = printed('(defun f (a) "Adds one." (+ a 1)) (doc f)', env)
    assert out == "(f a)    [function]\n  Adds one.\n"
    value, out = printed("(doc <)", env)
    assert "[builtin]" in out and "With columns:" in out
    with pytest.raises(UnknownName, match="doc: nothing called 'dlgo'; did you mean dlog"):
        env.eval("(doc dlgo)")


def test_error_builtin() -> None:
    err = err_of('(defun check (x) (when (< x 0) (error "negative:" x)) x)\n(check -2)')
    assert err.format() == ("t.blawk:1:32: negative: -2\n"
                            "    (defun check (x) (when (< x 0) (error \"negative:\" x)) x)\n"
                            "                                   ^")


# ------------------------------------------------------------------ comparisons, not, null?


def test_comparisons_of_scalars_are_booleans() -> None:
    assert ev("(list (< 1 2) (> 1 2) (<= 2 2) (>= 1 2) (= 1 1.0) (!= 1 2) (/= 1 1))") == [
        True, False, True, False, True, True, False]
    assert ev("(list (< 1 2 3) (< 1 3 2) (= 'a 'a) (= \"s\" \"s\") (= '(1 (2)) '(1 (2))))") \
        == [True, False, True, True, True]
    assert ev("(list (= nan nan) (!= nan nan) (< 1 inf) (= #t 1))") == [False, True, True,
                                                                         False]
    assert ev('(< "abc" "abd")') is True
    # the seeds' bug: a false comparison must be false
    assert ev("(if (< 2 1) 'yes 'no)") is S("no")
    with pytest.raises(TypeMismatch, match=r"<: expected numbers \(or strings\), got a"):
        ev("(< 1 'a)")
    with pytest.raises(ArityError, match="at least 2 arguments"):
        ev("(< 1)")


def test_comparisons_of_columns_are_registry_masks() -> None:
    x = np.array([1.0, 2.0, 3.0])
    assert ev("(< x 2)", x=x).to_list() == [1.0, 0.0, 0.0]
    assert ev("(= x 2)", x=x).to_list() == [0.0, 1.0, 0.0]
    assert ev("(not (> x 1))", x=x).to_list() == [1.0, 0.0, 0.0]
    assert ev("(null? (column 1 nil))").to_list() == [0.0, 1.0]


def test_comparisons_of_reductions_are_booleans() -> None:
    x = np.array([1.0, 2.0, 3.0])
    assert ev("(list (> (count x) 2) (< (mean x) 0) (= (+ (sum x) 1) 7))", x=x) == [
        True, False, True]
    assert ev("(if (< (mean x) 0) 'negative 'positive)", x=x) is S("positive")


def test_not_and_null_on_values() -> None:
    assert ev("(list (not nil) (not #f) (not 0) (not '()) (not 'a))") == [
        True, True, False, False, False]
    assert ev("(list (null? nil) (null? '()) (null? '(1)) (null? 0))") == [
        True, True, False, False]


# ------------------------------------------------------------------ fast arithmetic


finite_or_special = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0, 5e-324, 1e308]))


def _bits(v: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", v))[0]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["+", "-", "*", "/"]), finite_or_special, finite_or_special)
def test_number_arithmetic_matches_the_registry_bit_for_bit(op: str, a: Any, b: Any) -> None:
    env = Environment({"a": a, "b": b})
    got = env.eval(f"({op} a b)")
    want = registry.lookup(op).call([a, b], {})
    assert type(got) is float
    if math.isnan(want):
        assert math.isnan(got)
    else:
        assert _bits(got) == _bits(want), (op, a, b, got, want)
    got3 = env.eval(f"({op} a b a)")
    want3 = registry.lookup(op).call([a, b, a], {})
    assert (math.isnan(got3) and math.isnan(want3)) or _bits(got3) == _bits(want3)


def test_shadowing_an_inlined_operator_takes_effect() -> None:
    env = Environment()
    env.eval("(defun add2 (a b) (+ a b))")
    assert env.eval("(add2 1 2)") == 3.0
    env.eval("(define (+ a b) 'mine)")
    assert env.eval("(add2 1 2)") is S("mine")


# ------------------------------------------------------------------ tables, laziness


def _prices() -> blawk.Table:
    if not (DATA / "prices.csv").exists():
        pytest.skip("sample data not present")
    return blawk.load_csv(str(DATA / "prices.csv"))


def test_ops_apply_to_each_column_of_a_table_in_one_pass() -> None:
    t = _prices()
    env = Environment({"prices": t})
    env.eval("(define r (dlog prices 1))")
    lazy = env["r"]
    assert isinstance(lazy, LazyTable)
    out = io.StringIO()
    env.stdout = out
    env.eval("(explain r)")
    assert out.getvalue().startswith("1 stage, 1 pass")  # four columns, one fused pass
    table = env.eval("r")
    assert isinstance(table, blawk.Table) and table.names == t.names
    px = t.column("px").dlog(1)
    assert table.column("px").equals(px)
    assert isinstance(env.eval("(define c (col r \"px\")) c"), blawk.Column)
    assert isinstance(env["c"], blawk.Expr)  # col of a lazy table stays lazy
    means = env.eval("(mean prices)")
    assert means.names == t.names and len(means) == 1
    with pytest.raises(BlawkError, match="tables with different columns"):
        env.eval("(+ prices (select prices \"px\"))")


def test_each_value_is_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from blawk import planner

    calls = []
    real = planner.compute

    def counting(*a: Any, **k: Any) -> Any:
        calls.append(a)
        return real(*a, **k)

    monkeypatch.setattr(planner, "compute", counting)
    env = Environment({"x": np.array([1.0, 2.0, 4.0])})
    env.eval("(define r (dlog x 1))")
    env.stdout = io.StringIO()
    env.eval("(print r) (print r)")
    assert len(calls) == 1
    env.eval("(print (list (* r 2) (+ r 1)))")  # a list: one fused computation
    assert len(calls) == 2


def test_seed_dialects_run_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    _prices()
    if registry.lookup("zscore") is None:
        pytest.skip("zscore is not registered yet")
    monkeypatch.chdir(DATA)
    env = Environment()
    env.eval('(define prices (load "prices.csv"))')
    env.eval("(defparameter returns (dlog prices 1))")
    z = env.eval("(-> prices (dlog 1) (mul 252) (zscore))")
    assert isinstance(z, blawk.Table) and z.names == ["px", "es", "nq", "ty"]
    col = z.column("px").to_numpy()
    assert abs(np.nanmean(col)) < 1e-9
    env.eval("(setf returns (col returns \"px\"))")
    assert env.eval("(let* ((r returns) (n (count r))) (> n 3000))") is True


def test_load_scripts_and_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lib.blawk").write_text("(defun triple (x) (* 3 x))\n(define loaded 'yes)\n7\n")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,NA\n")
    monkeypatch.chdir(tmp_path)
    env = Environment()
    assert env.eval('(load "lib.blawk")') == 7
    assert env.eval("(list (triple 2) loaded)") == [6.0, S("yes")]
    t = env.eval('(load "t.csv")')
    assert t.names == ["a", "b"] and t.column("b").to_list() == [2.0, None]
    with pytest.raises(BadParameter, match="cannot tell how to load 'x.weird'"):
        env.eval('(load "x.weird")')
    (tmp_path / "bad.blawk").write_text("(+ 1\n  nope)\n")
    with pytest.raises(UnknownName) as info:
        env.eval('(load "bad.blawk")')
    assert str(info.value) == "bad.blawk:2:3: unknown name 'nope'"


# ------------------------------------------------------------------ compiled semantics


def test_names_defined_later_in_a_body_are_seen_by_closures() -> None:
    src = "(let () (define (f) x) (define x 5) (f))"
    assert ev(src) == 5
    # a define in a branch not taken: the name falls through to the global
    assert ev("(define x 'global) (let () (if nil (define x 1)) x)") is S("global")
    # before the define runs, the outer binding is seen
    assert ev("(define x 1) (let () (define a x) (define x 2) (list a x))") == [1, 2]


def test_recursion_is_fast_and_deep_enough() -> None:
    env = Environment()
    env.eval("(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))")
    assert env.eval("(fib 20)") == 6765.0
    env.eval("(defun count (n) (if (< n 1) 0 (+ 1 (count (- n 1)))))")
    assert env.eval("(count 1500)") == 1500.0


def test_evaluate_in_a_frame() -> None:
    from blawk.lang.evaluator import UP

    env = Environment()
    frame = {S("a"): 2, UP: None}
    assert evaluate(read_one("(* a 10)"), frame, env) == 20.0


def test_lambda_repr_and_doc() -> None:
    f = ev('(lambda (a &key (b 1)) "Doc." a)')
    assert isinstance(f, Lambda) and repr(f) == "#<lambda (lambda a &key (b 1))>"
    assert f.doc == "Doc."
    m = Environment()
    m.eval("(defmacro mm (x) x)")
    assert repr(m["mm"]) == "#<macro (mm x)>"
