#!/usr/bin/env python3
"""Measure the max error of blawk's expm1 against mpmath on millions of inputs.

    python tools/expm1_accuracy.py [--scale 10] [--seeds 4] [--procs 2] [--isa all]

Uses the input generators and the 110-bit mpmath reference of
tests/kernels/test_vexpm1.py (scale 1 is the test suite's ~0.2e6 values per
seed; scale 10 with 4 seeds is ~8e6 values, ~1 min per million on 2 cores).
Prints the max ULP error per input set and the worst input, per ISA (the
ISAs give identical bits, so their numbers agree), and the number of values
whose result is not the correctly rounded one.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

from blawk import _core

ROOT = Path(__file__).resolve().parent.parent


def _test_module():
    path = ROOT / "tests" / "kernels" / "test_vexpm1.py"
    spec = importlib.util.spec_from_file_location("test_vexpm1", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["test_vexpm1"] = mod     # the worker processes find it by name
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--isa", default="all", help="one ISA, or 'all' available")
    args = ap.parse_args()
    t = _test_module()
    isas = _core.available_isas() if args.isa == "all" else [args.isa]
    worst: dict[tuple[str, str], tuple[float, float]] = {}
    count: dict[str, int] = {}
    wrong = {isa: 0 for isa in isas}
    t0 = time.perf_counter()
    for seed in range(args.seeds):
        sets = t.expm1_inputs(np.random.default_rng(1000 + seed), args.scale)
        x = np.concatenate(list(sets.values()))
        hi, fr = t.reference(x, args.procs)
        pos = 0
        for name, v in sets.items():
            h, f = hi[pos:pos + len(v)], fr[pos:pos + len(v)]
            pos += len(v)
            count[name] = count.get(name, 0) + len(v)
            for isa in isas:
                y = _core.kernel_unary("expm1", v, isa)
                err = t.ulp_error(y, h, f)
                wrong[isa] += int(np.count_nonzero(y != h))
                i = int(np.argmax(err))
                if float(err[i]) > worst.get((isa, name), (-1.0, 0.0))[0]:
                    worst[(isa, name)] = (float(err[i]), float(v[i]))
        print(f"seed {seed}: {len(x)} values, {time.perf_counter() - t0:.0f} s", flush=True)
    total = sum(count.values())
    for isa in isas:
        print(f"\n{isa}: {total} values, {wrong[isa]} not correctly rounded "
              f"({wrong[isa] / total:.2e})")
        for name in count:
            e, xv = worst[(isa, name)]
            print(f"  {name:12s} {count[name]:9d}  max {e:.4f} ULP  at x = {xv!r}")
        e, name = max((worst[(isa, n)][0], n) for n in count)
        print(f"  overall max {e:.4f} ULP ({name})")


if __name__ == "__main__":
    main()
