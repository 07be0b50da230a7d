#!/usr/bin/env python3
"""blawk's transcendental functions against numpy's: 1e6 doubles uniform in
[0.1, 3] (and y in [0.1, 3] for pow(x, y)), one thread, through
blawk.compute(..., out=out) and numpy's ufuncs with out=, minimum over
`reps` runs.

    PYTHONPATH=. python -P tools/vmath_speed.py [--reps 200] [--isa avx2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import blawk


def best(f, reps: int) -> float:
    b = 1e9
    for _ in range(reps):
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
    return b * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--isa", default=None)
    a = ap.parse_args()
    blawk.set_threads(1)
    if a.isa:
        blawk.set_isa(a.isa)
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 3, 10**6)
    y = rng.uniform(0.1, 3, 10**6)
    out = np.empty_like(x)
    c, d = blawk.col("x"), blawk.col("y")
    cases = {
        "log": (c.log(), lambda: np.log(x, out=out)),
        "exp": (c.exp(), lambda: np.exp(x, out=out)),
        "log2": (c.log2(), lambda: np.log2(x, out=out)),
        "log10": (c.log10(), lambda: np.log10(x, out=out)),
        "log1p": (c.log1p(), lambda: np.log1p(x, out=out)),
        "x ** 1.7": (c ** 1.7, lambda: np.power(x, 1.7, out=out)),
        "1.7 ** x": (1.7 ** c, lambda: np.power(1.7, x, out=out)),
        "x ** y": (c ** d, lambda: np.power(x, y, out=out)),
    }
    print(f"isa {blawk.isa()}, 1e6 values, one thread, best of {a.reps}")
    for name, (e, npf) in cases.items():
        tb = best(lambda e=e: blawk.compute(e, x=x, y=y, out=out), a.reps)
        tn = best(npf, a.reps)
        print(f"{name:9s} blawk {tb:6.3f} ms  numpy {tn:6.3f} ms  numpy/blawk {tn / tb:5.2f}")


if __name__ == "__main__":
    main()
