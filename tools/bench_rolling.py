"""Rolling moments' speed: ms per 1e6 rows, one thread, best of 9, against bottleneck.

    python -P tools/bench_rolling.py
"""
import timeit

import bottleneck as bn
import numpy as np

import blawk

blawk.set_threads(1)
rng = np.random.default_rng(0)
x = 100 + np.cumsum(rng.standard_normal(1_000_000))
y = np.empty_like(x)


def best(f):
    return min(timeit.repeat(f, number=1, repeat=9)) * 1e3


print("isa", blawk.isa())
for w in (20, 250):
    for op in ("msum", "mavg", "mvar", "mstd"):
        e = getattr(blawk.col("x"), op)(w)
        print(f"{op} w={w}: {best(lambda e=e: blawk.compute(e, x=x, out=y)):.2f}")
    print(f"bn.move_mean w={w}: {best(lambda w=w: bn.move_mean(x, w)):.2f}")
    print(f"bn.move_std  w={w}: {best(lambda w=w: bn.move_std(x, w, ddof=1)):.2f}")
