"""The language: how fast blawk reads and interprets, against the system it replaces.

There is no old implementation to run: the ClaudeLang project's Python
S-expression parser and interpreter published these numbers, kept here as
constants so the results can be read side by side.

Reader (ClaudeLang's parser: 19 us for ``(+ 1 2)``, about 6 us per source byte
otherwise; the target is 50x faster):

  ==========  ===================================================  ==========  =========
  case        source                                               old (us)    target
  ==========  ===================================================  ==========  =========
  add         (+ 1 2)                                              19          0.38 us
  nested      (* (+ 1 2) (- 4 3))                                  114         2.28 us
  lambda      (lambda (x y) (+ x y))                               132         2.64 us
  let         (let ((x 10) (y 20)) (+ x y))                        174         3.48 us
  vector      [1 2 3 4 5 6 7 8 9 10]                               132         2.64 us
  map         a recursive map over a list (MAP below, 76 bytes)    456         9.12 us
  ==========  ===================================================  ==========  =========

Interpreter (the target is 10x faster):

  =============  ==========  =========
  program        old (us)    target
  =============  ==========  =========
  fib(10)        3,160       316 us
  factorial(15)  265         26.5 us
  =============  ==========  =========

``Reader.time_read`` times :func:`blawk.lang.reader.read` (the compiled
reader, plus a dict lookup of the text and asv's call overhead, about 0.1 us);
``Reader.time_read_python`` the Python reference reader it is checked against.
``Interpreter.time_*`` evaluate the call on pre-read forms in an environment
where the function is defined (compiling the call, running it, finishing the
value); ``*_from_source`` read the call text too.  The
``track_*_speedup`` benchmarks record old time / new time (best of 7 timeit
runs), so asv shows the factor directly.
"""

from __future__ import annotations

import timeit

from . import cached

MAP = "(define (map f xs) (if (null? xs) '() (cons (f (car xs)) (map f (cdr xs)))))"
EXPRESSIONS = {
    "add": "(+ 1 2)",
    "nested": "(* (+ 1 2) (- 4 3))",
    "lambda": "(lambda (x y) (+ x y))",
    "let": "(let ((x 10) (y 20)) (+ x y))",
    "vector": "[1 2 3 4 5 6 7 8 9 10]",
    "map": MAP,
}
OLD_READ_US_PER_BYTE = 6.0
OLD_READ_US = {name: 19.0 if name == "add" else OLD_READ_US_PER_BYTE * len(text)
               for name, text in EXPRESSIONS.items()}

FIB = "(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))"
FACTORIAL = "(define (factorial n) (if (<= n 1) 1 (* n (factorial (- n 1)))))"
PROGRAMS = {"fib10": "(fib 10)", "factorial15": "(factorial 15)"}
OLD_EVAL_US = {"fib10": 3160.0, "factorial15": 265.0}


def _read(text):
    from blawk.lang.reader import read

    global _read
    _read = read  # the first call replaces this stub by the reader itself
    return read(text)


def _read_py(text):
    from blawk.lang.reader import read_py

    global _read_py
    _read_py = read_py
    return read_py(text)


def _best_us(fn, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


class Reader:
    params = [list(EXPRESSIONS)]
    param_names = ["case"]
    repeat = (3, 10, 2.0)
    number = 2000
    warmup_time = 0.05
    timeout = 120

    # No setup method: asv_runner then times `number` calls as one batch, so the
    # per-call clock reads it adds otherwise (~0.2 us) do not swamp a 0.2 us read.

    def time_read(self, case):
        _read(EXPRESSIONS[case])

    def time_read_python(self, case):
        _read_py(EXPRESSIONS[case])

    def track_read_speedup(self, case):
        text = EXPRESSIONS[case]
        return OLD_READ_US[case] / _best_us(lambda: _read(text), 20_000)

    track_read_speedup.unit = "x faster than the old parser"


def _env():
    from blawk.lang import Environment

    def make():
        env = Environment()
        env.eval(FIB)
        env.eval(FACTORIAL)
        return env

    return cached("lang-env", make)


class Interpreter:
    params = [list(PROGRAMS)]
    param_names = ["program"]
    repeat = (3, 10, 2.0)
    number = 50
    warmup_time = 0.05
    timeout = 120

    def setup(self, program):
        from blawk.lang.reader import read

        self.env = _env()
        self.text = PROGRAMS[program]
        self.forms = read(self.text)
        self.env.eval_forms(self.forms)  # function bodies compile on their first call

    def time_eval(self, program):
        self.env.eval_forms(self.forms)

    def time_eval_from_source(self, program):
        self.env.eval(self.text)

    def track_eval_speedup(self, program):
        env, forms = self.env, self.forms
        return OLD_EVAL_US[program] / _best_us(lambda: env.eval_forms(forms), 200)

    track_eval_speedup.unit = "x faster than the old interpreter"
