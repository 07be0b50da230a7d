#!/usr/bin/env python3
"""Measure the max error (ULPs, against mpmath) of blawk's log2, log10, log1p
and pow kernels on millions of inputs: the unit tests' input generators and
reference (tests/kernels/test_vmath_logfam.py, test_vmath_pow.py) with more
values and several seeds.  All ISAs give the same bits (the tests check
that), so the scalar table is measured unless --isa says otherwise.

    PYTHONPATH=. python -P tools/vmath_accuracy.py [--seeds 4] [--scale 1000]
        [--procs 2] [--isa avx512] [func ...]

Prints the max error per input set and function, with the worst input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "kernels"))

import test_vmath as tv  # noqa: E402
import test_vmath_logfam as lf  # noqa: E402

from blawk import _core  # noqa: E402

try:
    import test_vmath_pow as pw  # noqa: E402
except ImportError:  # pow not built in this tree
    pw = None


def run_unary(name: str, seed: int, scale: int, procs: int, isa: str) -> dict:
    rng = np.random.default_rng(seed)
    sets = lf.inputs(name, rng, scale)
    res = {}
    for key, x in sets.items():
        hi, fr = lf.reference(name, x, procs)
        err = tv.ulp_error(_core.kernel_unary(name, x, isa), hi, fr)
        i = int(np.argmax(err))
        res[key] = (float(err[i]), float(x[i]), len(x))
    return res


def run_pow(name: str, seed: int, scale: int, procs: int, isa: str) -> dict:
    rng = np.random.default_rng(seed)
    res = {}
    for key, (x, y) in pw.inputs(rng, scale).items():
        hi, fr = pw.reference(x, y, procs)
        ok = np.isfinite(hi) & (hi != 0)    # the ULP needs a finite nonzero result
        x, y, hi, fr = x[ok], y[ok], hi[ok], fr[ok]
        err = tv.ulp_error(pw.run(name, x, y, isa), hi, fr)
        i = int(np.argmax(err))
        res[key] = (float(err[i]), (float(x[i]), float(y[i])), len(x))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("funcs", nargs="*", default=["log2", "log10", "log1p", "pow"])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--scale", type=int, default=1000)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--isa", default="scalar")
    a = ap.parse_args()
    for name in a.funcs:
        if name == "pow" and pw is None:
            print("pow: not available")
            continue
        t0 = time.perf_counter()
        worst: dict[str, tuple] = {}
        total = 0
        for seed in range(a.seeds):
            fn = run_pow if name == "pow" else run_unary
            for key, (e, x, n) in fn(name, 1000 + seed, a.scale, a.procs, a.isa).items():
                total += n
                if key not in worst or e > worst[key][0]:
                    worst[key] = (e, x)
        print(f"{name}: {total} inputs, {time.perf_counter() - t0:.0f} s")
        for key, (e, x) in worst.items():
            print(f"  {key:14s} max {e:.3f} ULP at {x!r}")
        e, x = max(worst.values(), key=lambda v: v[0])
        print(f"  overall        max {e:.3f} ULP at {x!r}")


if __name__ == "__main__":
    main()
