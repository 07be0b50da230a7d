"""The planner and fused VM against numpy, numexpr, pandas and polars.

Cases (n = 1e6 unless stated, one thread unless stated):

* ``Zscore``: ``(-> prices (dlog 1) (* 252) (zscore))`` in blawk (two passes:
  dlog*252 plus the moments, then the normalising pass) next to blawk's dlog
  alone, numpy, pandas and polars.
* ``Chain6``: a 6-op elementwise chain ``((x*1.5 + 2) * x - 3) / (x + 4)``:
  blawk and numexpr, each with 1 and 2 threads.
* ``Threads``: the dlog pipeline ``dlog(x)*252 + 1`` at 1e7 with 1 and 2 threads.
* ``FixedCost``: a cached plan on 1,000 elements, end to end from Python.
* ``PeakMemory``: a 10-op pipeline on 1e7 elements, the peak memory beyond the
  input, measured in a fresh process (track_: MB).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from . import (
    PassTiming,
    blawk_threads,
    buffer,
    cached,
    numexpr_single_thread,
    optional,
    prices,
)

N = 1_000_000


_blawk = blawk_threads


_Timing = PassTiming


class Zscore(_Timing):
    def setup(self):
        self.blawk = _blawk()
        b = self.blawk
        self.x = prices(N)
        self.y = buffer("zscore-out", N)
        self.z = cached("zscore-expr", lambda: b.zscore(b.col("x").dlog(1) * 252))
        self.d = cached("dlog-expr", lambda: b.col("x").dlog(1))
        b.compute(self.z, x=self.x, out=self.y)

    def time_blawk(self):
        self.blawk.compute(self.z, x=self.x, out=self.y)

    def time_blawk_dlog_alone(self):
        self.blawk.compute(self.d, x=self.x, out=self.y)

    def time_numpy(self):
        r = np.diff(np.log(self.x)) * 252
        (r - r.mean()) / r.std(ddof=1)


class ZscorePandas(_Timing):
    def setup(self):
        pd = optional("pandas")
        self.s = cached("pandas-prices", lambda: pd.Series(prices(N)))

    def time_pandas(self):
        r = np.log(self.s).diff() * 252
        (r - r.mean()) / r.std()


class ZscorePolars(_Timing):
    def setup(self):
        self.pl = optional("polars")
        pl = self.pl
        self.df = cached("polars-prices", lambda: pl.DataFrame({"x": prices(N)}))

    def time_polars(self):
        pl = self.pl
        r = pl.col("x").log().diff() * 252
        self.df.select((r - r.mean()) / r.std())


def _chain(x):
    return ((x * 1.5 + 2) * x - 3) / (x + 4)


class Chain6(_Timing):
    params = [[1, 2]]
    param_names = ["threads"]

    def setup(self, threads):
        self.blawk = _blawk(threads)
        b = self.blawk
        self.x = prices(N)
        self.y = buffer("chain-out", N)
        self.e = cached("chain-expr", lambda: _chain(b.col("x")))
        b.compute(self.e, x=self.x, out=self.y)
        self.ne = numexpr_single_thread()
        self.ne.set_num_threads(threads)

    def teardown(self, threads):
        self.blawk.set_threads(1)
        self.ne.set_num_threads(1)

    def time_blawk(self, threads):
        self.blawk.compute(self.e, x=self.x, out=self.y)

    def time_numexpr(self, threads):
        self.ne.evaluate("((x * 1.5 + 2) * x - 3) / (x + 4)", local_dict={"x": self.x},
                         out=self.y)

    def time_numpy(self, threads):
        _chain(self.x)


class Threads(_Timing):
    params = [[1, 2]]
    param_names = ["threads"]
    number = 2

    def setup(self, threads):
        self.blawk = _blawk(threads)
        b = self.blawk
        self.x = prices(10 * N)
        self.y = buffer("threads-out", 10 * N)
        self.e = cached("threads-expr", lambda: b.col("x").dlog(1) * 252 + 1)
        b.compute(self.e, x=self.x, out=self.y)

    def teardown(self, threads):
        self.blawk.set_threads(1)

    def time_dlog_pipeline(self, threads):
        self.blawk.compute(self.e, x=self.x, out=self.y)


class FixedCost(_Timing):
    number = 2000

    def setup(self):
        self.blawk = _blawk()
        b = self.blawk
        self.x = prices(1000)
        self.y = buffer("fixed-out", 1000)
        self.e = cached("fixed-expr", lambda: b.col("x").dlog(1) * 252)
        b.compute(self.e, x=self.x, out=self.y)

    def time_cached_plan_1e3(self):
        self.blawk.compute(self.e, x=self.x, out=self.y)

    def time_numexpr_1e3(self):
        ne = numexpr_single_thread()
        ne.evaluate("log(x) * 252", local_dict={"x": self.x}, out=self.y)


_PEAK = r"""
import resource, sys
import numpy as np
import blawk
blawk.set_threads(1)
n = 10_000_000
x = np.empty(n)                        # built in place: no temporaries raise the peak
np.random.default_rng(1).standard_normal(out=x)
x *= 0.01
np.cumsum(x, out=x)
np.exp(x, out=x)
e = blawk.col("x")
for k in range(10):
    e = (e.dlog(1) + 1.0) if k == 0 else (e * 1.0001 + 0.5 if k % 2 else e - 0.25)
blawk.compute(e, x=x[:4096])          # plan once, small
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = blawk.compute(e, x=x)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((peak - base) / 1024.0)          # MB beyond input (KB units on Linux)
"""


class PeakMemory:
    """Peak memory (MB) a 10-op pipeline on 1e7 adds beyond its input.

    The output itself is 76.3 MB (+ 1.2 MB of bitmap); the budget is output +
    16 MB.
    """

    timeout = 300
    unit = "MB"

    def track_extra_mb_10op_1e7(self):
        res = subprocess.run([sys.executable, "-c", _PEAK], capture_output=True, text=True,
                             timeout=240, check=True)
        return float(res.stdout.strip().splitlines()[-1])
