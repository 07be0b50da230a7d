"""The operation catalogue against numpy, bottleneck and pandas (1e6, one thread).

* ``Rolling``: mavg / mstd at windows 20 and 250 vs bottleneck's move_mean /
  move_std and pandas' rolling (min_periods = window everywhere).
* ``Scans``: cumsum, cummax, ema vs a memory copy of the same data (np.copyto).
* ``Elementwise``: sqrt, abs, x*2+1 vs the memory copy; log/exp/expm1/log2/
  log10/log1p and x ** 1.7, 1.7 ** x vs numpy's own.
* ``Reductions``: sum, mean, std, min, max, median, quantile (q = 0.99) vs
  numpy on the same data.
"""

from __future__ import annotations

import numpy as np

from . import PassTiming, blawk_threads, buffer, cached, optional, prices

N = 1_000_000


_blawk = blawk_threads


_Timing = PassTiming


class Rolling(_Timing):
    params = [["mavg", "mstd"], [20, 250]]
    param_names = ["op", "window"]

    def setup(self, op, window):
        self.blawk = _blawk()
        b = self.blawk
        self.x = prices(N)
        self.y = buffer("rolling-out", N)
        spec = b.registry.lookup(op)
        self.e = cached(("rolling", op, window),
                        lambda: spec.call([b.col("x")], {"window": window}))
        b.compute(self.e, x=self.x, out=self.y)

    def time_blawk(self, op, window):
        self.blawk.compute(self.e, x=self.x, out=self.y)

    def time_bottleneck(self, op, window):
        bn = optional("bottleneck")
        if op == "mavg":
            bn.move_mean(self.x, window)
        else:
            bn.move_std(self.x, window, ddof=1)

    def time_pandas(self, op, window):
        pd = optional("pandas")
        s = cached("pandas-series", lambda: pd.Series(prices(N)))
        r = s.rolling(window)
        r.mean() if op == "mavg" else r.std()


class Scans(_Timing):
    params = [["cumsum", "cummax", "ema"]]
    param_names = ["op"]

    def setup(self, op):
        self.blawk = _blawk()
        b = self.blawk
        self.x = prices(N)
        self.y = buffer("scan-out", N)
        spec = b.registry.lookup(op)
        kw = {"alpha": 0.1} if op == "ema" else {}
        self.e = cached(("scan", op), lambda: spec.call([b.col("x")], kw))
        b.compute(self.e, x=self.x, out=self.y)

    def time_blawk(self, op):
        self.blawk.compute(self.e, x=self.x, out=self.y)

    def time_memory_copy(self, op):
        np.copyto(self.y, self.x)


class Elementwise(_Timing):
    params = [["sqrt", "abs", "affine", "log", "exp", "expm1", "log2", "log10", "log1p",
               "pow_s", "rpow_s"]]
    param_names = ["op"]

    def setup(self, op):
        self.blawk = _blawk()
        b = self.blawk
        self.x = prices(N) / 100.0
        self.y = buffer("map-out", N)
        col = b.col("x")
        make = {"sqrt": lambda: col.sqrt(), "abs": lambda: abs(col),
                "affine": lambda: col * 2 + 1, "log": lambda: col.log(),
                "exp": lambda: col.exp(), "expm1": lambda: col.expm1(),
                "log2": lambda: col.log2(),
                "log10": lambda: col.log10(), "log1p": lambda: col.log1p(),
                "pow_s": lambda: col ** 1.7, "rpow_s": lambda: 1.7 ** col}[op]
        self.e = cached(("map", op), make)
        b.compute(self.e, x=self.x, out=self.y)
        self.np = {"sqrt": np.sqrt, "abs": np.abs, "log": np.log, "exp": np.exp,
                   "expm1": np.expm1, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
                   "pow_s": lambda x, out: np.power(x, 1.7, out=out),
                   "rpow_s": lambda x, out: np.power(1.7, x, out=out)}.get(op)

    def time_blawk(self, op):
        self.blawk.compute(self.e, x=self.x, out=self.y)

    def time_numpy(self, op):
        if self.np is None:
            np.multiply(self.x, 2, out=self.y)
            np.add(self.y, 1, out=self.y)
        else:
            self.np(self.x, out=self.y)

    def time_memory_copy(self, op):
        np.copyto(self.y, self.x)


class Reductions(_Timing):
    params = [["sum", "mean", "std", "min", "max", "median", "quantile"]]
    param_names = ["op"]

    def setup(self, op):
        self.blawk = _blawk()
        b = self.blawk
        self.x = prices(N)
        spec = b.registry.lookup(op)
        kw = {"q": 0.99} if op == "quantile" else {}
        self.e = cached(("reduce", op), lambda: spec.call([b.col("x")], kw))
        b.compute(self.e, x=self.x)
        self.np = {"sum": np.sum, "mean": np.mean, "std": lambda a: np.std(a, ddof=1),
                   "min": np.min, "max": np.max, "median": np.median,
                   "quantile": lambda a: np.quantile(a, 0.99)}[op]

    def time_blawk(self, op):
        self.blawk.compute(self.e, x=self.x)

    def time_numpy(self, op):
        self.np(self.x)
