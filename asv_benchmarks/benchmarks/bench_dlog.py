"""dlog(x, 1) = log(x[i]) - log(x[i-1]): blawk's fused single pass against the alternatives.

Input: a seeded positive random-walk price series (see ``prices``) at n = 1e3,
1e5, 1e6, 1e7.  One class per tool, so a missing optional competitor skips only
its own class.  All tools run on one thread.

What each case does (the natural spelling in each tool):

  Blawk.time_dlog_out      blawk.compute(col("x").dlog(1), x=x, out=y)  one pass, preallocated
  Blawk.time_dlog_alloc    blawk.compute(col("x").dlog(1), x=x)         one pass, allocates
  Numpy.time_log_out       np.log(x, out=y)          the floor: one log pass, no diff
  Numpy.time_diff_log      np.diff(np.log(x))        two passes, two allocations
  Numexpr.time_dlog        l = log(x); l[1:] - l[:-1] as two ne.evaluate calls
  Numexpr.time_dlog_out    the same into preallocated buffers
  Pandas.time_dlog         np.log(s).diff()
  Polars.time_dlog         s.log().diff()
  Pyarrow.time_dlog        pc.pairwise_diff(pc.ln(a))
  BlawkISA.time_dlog_*     blawk at n = 1e6 with the ISA forced (scalar/avx2/avx512)

Results differ only in the first slot (null in blawk/pandas/polars/pyarrow,
absent in numpy's diff); the work is the same.
"""

from __future__ import annotations

import numpy as np

from . import SIZES, buffer, cached, number_for, numexpr_single_thread, optional, prices


class _Timing:
    """Timing attributes shared by every class here (asv reads them per benchmark)."""

    params = [SIZES]
    param_names = ["n"]
    # Per sample: number_for(n) calls (set in setup); 3..8 samples per process,
    # at most ~2 s of samples; 2 processes (rounds).  The whole file runs in
    # about two minutes on a 2-core machine.
    repeat = (3, 8, 2.0)
    min_run_count = 2
    warmup_time = 0.05
    rounds = 2
    timeout = 300

    def _size(self, n: int) -> None:
        self.number = number_for(n)


def _blawk():
    import blawk

    blawk.set_threads(1)  # one core against one core (threads: bench_pipeline.Threads)
    return blawk


def _dlog_expr():
    blawk = _blawk()
    return cached("blawk-dlog-expr", lambda: blawk.col("x").dlog(1))


def _warm_blawk(n: int) -> None:
    """Plan and compile the dlog program once (blawk caches it by graph structure)."""
    blawk = _blawk()

    def warm() -> bool:
        blawk.compute(_dlog_expr(), x=prices(min(n, 4096)))
        return True

    cached(("blawk-warm", blawk.isa()), warm)


class Blawk(_Timing):
    def setup(self, n):
        self._size(n)
        self.blawk = _blawk()
        self.e = _dlog_expr()
        self.x = prices(n)
        self.y = buffer("blawk-out", n)
        _warm_blawk(n)

    def time_dlog_out(self, n):
        self.blawk.compute(self.e, x=self.x, out=self.y)

    def time_dlog_alloc(self, n):
        self.blawk.compute(self.e, x=self.x)


class BlawkISA(_Timing):
    """blawk dlog at n = 1e6 with each ISA forced (the default pick is in Blawk)."""

    params = [["scalar", "avx2", "avx512"]]
    param_names = ["isa"]
    N = 1_000_000

    def setup(self, isa):
        self._size(self.N)
        self.blawk = _blawk()
        if isa not in self.blawk.available_isas():
            raise NotImplementedError(f"{isa} is not available on this CPU")
        self.previous = self.blawk.isa()
        self.blawk.set_isa(isa)
        self.e = _dlog_expr()
        self.x = prices(self.N)
        self.y = buffer("blawk-out", self.N)
        _warm_blawk(self.N)

    def teardown(self, isa):
        self.blawk.set_isa(self.previous)

    def time_dlog_out(self, isa):
        self.blawk.compute(self.e, x=self.x, out=self.y)

    def time_dlog_alloc(self, isa):
        self.blawk.compute(self.e, x=self.x)


class Numpy(_Timing):
    def setup(self, n):
        self._size(n)
        self.x = prices(n)
        self.y = buffer("numpy-out", n)

    def time_log_out(self, n):
        np.log(self.x, out=self.y)

    def time_diff_log(self, n):
        np.diff(np.log(self.x))


class Numexpr(_Timing):
    """numexpr has no lagged operands: log in one call, the lagged difference in another."""

    def setup(self, n):
        self._size(n)
        self.ne = numexpr_single_thread()
        self.x = prices(n)
        self.log_buf = buffer("numexpr-log", n)
        self.y = buffer("numexpr-out", n)
        self.out_tail = self.y[1:]

        def warm() -> bool:  # compile both expressions once
            self.time_dlog(n)
            self.time_dlog_out(n)
            return True

        cached(("numexpr-warm", n), warm)

    def time_dlog(self, n):
        ne = self.ne
        lg = ne.evaluate("log(x)", local_dict={"x": self.x})
        ne.evaluate("a - b", local_dict={"a": lg[1:], "b": lg[:-1]})

    def time_dlog_out(self, n):
        ne = self.ne
        lg = self.log_buf
        ne.evaluate("log(x)", local_dict={"x": self.x}, out=lg)
        ne.evaluate("a - b", local_dict={"a": lg[1:], "b": lg[:-1]}, out=self.out_tail)


class Pandas(_Timing):
    def setup(self, n):
        self._size(n)
        pd = optional("pandas")
        self.s = cached(("pandas-series", n), lambda: pd.Series(prices(n)))

    def time_dlog(self, n):
        np.log(self.s).diff()


class Polars(_Timing):
    def setup(self, n):
        self._size(n)
        pl = optional("polars")
        self.s = cached(("polars-series", n), lambda: pl.Series("x", prices(n)))

    def time_dlog(self, n):
        self.s.log().diff()


class Pyarrow(_Timing):
    def setup(self, n):
        self._size(n)
        pa = optional("pyarrow")
        self.pc = optional("pyarrow.compute")
        if not hasattr(self.pc, "pairwise_diff"):
            raise NotImplementedError("pyarrow.compute.pairwise_diff needs pyarrow >= 13")
        self.a = cached(("pyarrow-array", n), lambda: pa.array(prices(n)))

    def time_dlog(self, n):
        self.pc.pairwise_diff(self.pc.ln(self.a))
