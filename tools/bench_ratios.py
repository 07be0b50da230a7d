#!/usr/bin/env python3
"""Print the dlog speed ratios blawk quotes, measured directly in one process.

    python tools/bench_ratios.py                 # n = 1e6, the quoted numbers
    python tools/bench_ratios.py --n 10000000 --rounds 9
    python tools/bench_ratios.py --from-asv      # the same ratios from the newest asv result
    python tools/bench_ratios.py --from-asv asv_benchmarks/.asv/results/vm/<file>.json

Direct mode times each case with timeit (batches of at least --min-time
seconds, the cases interleaved round by round, the minimum over --rounds
rounds), all in this one process, on the same seeded price series the asv
suite uses (asv_benchmarks/benchmarks/__init__.py).  numexpr is pinned to one
thread.  Every ratio is a ratio of *times*, written time(A) / time(B):

  blawk dlog / np.log(x, out=y)      < 1: a fused dlog costs less than one numpy log pass
  np.diff(np.log(x)) / blawk dlog    > 1: blawk is that many times faster than numpy's dlog
  blawk dlog / numexpr dlog          < 1: blawk is faster than numexpr (one thread)

The header prints the command line, the machine, the ISA in use and the
commit, so a quoted ratio can be reproduced.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shlex
import subprocess
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASV_DIR = ROOT / "asv_benchmarks"


# --------------------------------------------------------------------------- #
# machine description                                                          #
# --------------------------------------------------------------------------- #

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + (" (uncommitted changes in the tree)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def print_header(mode: str) -> None:
    import numpy as np

    import blawk

    cmd = shlex.join([Path(sys.executable).name, *sys.argv])
    print(f"$ {cmd}")
    print(f"mode:    {mode}")
    print(f"machine: {_cpu_model()}, {os.cpu_count()} logical CPUs, "
          f"{platform.system()} {platform.machine()}")
    forced = os.environ.get("BLAWK_ISA")
    print(f"isa:     {blawk.isa()} active (available: {', '.join(blawk.available_isas())})"
          + (f", forced by BLAWK_ISA={forced}" if forced else ""))
    versions = [f"blawk {blawk.__version__} @ {_git_commit()}", f"numpy {np.__version__}"]
    try:
        import numexpr

        versions.append(f"numexpr {numexpr.__version__}")
    except ImportError:
        versions.append("numexpr not installed")
    print(f"python:  {platform.python_version()}; " + "; ".join(versions))


# --------------------------------------------------------------------------- #
# direct timing                                                                #
# --------------------------------------------------------------------------- #

def _prices(n: int):
    sys.path.insert(0, str(ASV_DIR))
    try:
        from benchmarks import prices  # the asv suite's series: same seed, same data
    finally:
        sys.path.pop(0)
    return prices(n)


class Case:
    def __init__(self, key: str, label: str, fn: Callable[[], object],
                 before: Callable[[], None] | None = None,
                 after: Callable[[], None] | None = None) -> None:
        self.key, self.label, self.fn = key, label, fn
        self.before, self.after = before, after
        self.number = 1
        self.best = float("inf")

    def _timed(self, number: int) -> float:
        if self.before:
            self.before()
        try:
            return timeit.Timer(self.fn).timeit(number)
        finally:
            if self.after:
                self.after()

    def calibrate(self, min_time: float) -> None:
        self._timed(1)  # warm: plan caches, numexpr compile, first-touch of buffers
        number = 1
        while True:
            t = self._timed(number)
            if t >= min_time or number >= 1_000_000:
                break
            number = max(number * 2, int(number * min_time / max(t, 1e-9) * 1.2))
        self.number = number

    def sample(self) -> None:
        self.best = min(self.best, self._timed(self.number) / self.number)


def build_cases(n: int, ne_threads: int) -> list[Case]:
    import numpy as np

    import blawk

    x = _prices(n)
    e = blawk.col("x").dlog(1)
    y_blawk, y_np, y_ne, log_ne = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    tail_ne = y_ne[1:]

    # Correctness guard: never time something that computes the wrong thing.
    got = blawk.compute(e, x=x).to_numpy()[1:]
    want = np.diff(np.log(x))
    if not np.allclose(got, want, rtol=0, atol=1e-12):
        raise SystemExit("blawk dlog disagrees with np.diff(np.log(x)); not timing it")

    def blawk_out() -> None:
        blawk.compute(e, x=x, out=y_blawk)

    def blawk_alloc() -> None:
        blawk.compute(e, x=x)

    cases = [
        Case("blawk_out", f"blawk dlog, out= ({blawk.isa()})", blawk_out),
        Case("blawk_alloc", f"blawk dlog, allocating ({blawk.isa()})", blawk_alloc),
    ]

    if "avx2" in blawk.available_isas():
        saved: list[str] = []

        def to_avx2() -> None:
            saved.append(blawk.isa())
            blawk.set_isa("avx2")

        def restore() -> None:
            blawk.set_isa(saved.pop())

        cases += [
            Case("avx2_out", "blawk dlog, out= (avx2 forced)", blawk_out, to_avx2, restore),
            Case("avx2_alloc", "blawk dlog, allocating (avx2 forced)", blawk_alloc,
                 to_avx2, restore),
        ]

    cases += [
        Case("np_log_out", "np.log(x, out=y)", lambda: np.log(x, out=y_np)),
        Case("np_diff_log", "np.diff(np.log(x))", lambda: np.diff(np.log(x))),
    ]

    try:
        import numexpr as ne
    except ImportError:
        print("numexpr is not installed: its cases are left out")
    else:
        ne.set_num_threads(ne_threads)

        def ne_alloc() -> None:
            lg = ne.evaluate("log(x)", local_dict={"x": x})
            ne.evaluate("a - b", local_dict={"a": lg[1:], "b": lg[:-1]})

        def ne_out() -> None:
            ne.evaluate("log(x)", local_dict={"x": x}, out=log_ne)
            ne.evaluate("a - b", local_dict={"a": log_ne[1:], "b": log_ne[:-1]}, out=tail_ne)

        cases += [
            Case("ne_out", f"numexpr log; a-b, out= ({ne_threads} thread)", ne_out),
            Case("ne_alloc", f"numexpr log; a-b, allocating ({ne_threads} thread)", ne_alloc),
        ]
    return cases


def run_direct(n: int, rounds: int, min_time: float, ne_threads: int) -> dict[str, float]:
    cases = build_cases(n, ne_threads)
    gcold = gc.isenabled()
    gc.disable()
    try:
        for c in cases:
            c.calibrate(min_time)
        for _ in range(rounds):  # interleaved, so slow drift hits every case alike
            for c in cases:
                c.sample()
    finally:
        if gcold:
            gc.enable()
    print(f"\nn = {n:,}: min over {rounds} rounds, each a batch of >= {min_time * 1e3:g} ms")
    width = max(len(c.label) for c in cases)
    for c in cases:
        print(f"  {c.label:<{width}}  {_fmt_time(c.best):>10}   (x{c.number} per batch)")
    return {c.key: c.best for c in cases}


# --------------------------------------------------------------------------- #
# from asv results                                                             #
# --------------------------------------------------------------------------- #

ASV_KEYS = {
    # our key: (benchmark name, parameter tuple as asv stores it)
    "blawk_out": ("bench_dlog.Blawk.time_dlog_out", "n"),
    "blawk_alloc": ("bench_dlog.Blawk.time_dlog_alloc", "n"),
    "avx2_out": ("bench_dlog.BlawkISA.time_dlog_out", "avx2"),
    "avx2_alloc": ("bench_dlog.BlawkISA.time_dlog_alloc", "avx2"),
    "np_log_out": ("bench_dlog.Numpy.time_log_out", "n"),
    "np_diff_log": ("bench_dlog.Numpy.time_diff_log", "n"),
    "ne_out": ("bench_dlog.Numexpr.time_dlog_out", "n"),
    "ne_alloc": ("bench_dlog.Numexpr.time_dlog", "n"),
}


def _newest_result() -> Path:
    files = [p for p in (ASV_DIR / ".asv" / "results").glob("*/*.json")
             if p.name != "machine.json"]
    if not files:
        raise SystemExit("no asv results under asv_benchmarks/.asv/results: run `asv run` first")
    return max(files, key=lambda p: json.loads(p.read_text()).get("date", 0))


def run_from_asv(path: Path | None, n: int) -> dict[str, float]:
    path = path or _newest_result()
    data = json.loads(path.read_text())
    cols = data["result_columns"]
    print(f"\nasv result: {path}")
    mp = data.get("params", {})
    print(f"  commit {data.get('commit_hash', '?')[:10]}, environment {data.get('env_name')}")
    print(f"  measured on asv machine {mp.get('machine')!r}: {mp.get('cpu')}, "
          f"{mp.get('num_cpu')} CPUs (the header above describes this machine now)")
    print(f"  asv reports the median of its samples; n = {n:,} (BlawkISA is always 1e6)")
    times: dict[str, float] = {}
    for key, (bench, which) in ASV_KEYS.items():
        row = data["results"].get(bench)
        if row is None:
            continue
        rec = dict(zip(cols, row, strict=False))
        want = str(n) if which == "n" else repr(which)
        # one parameter axis: the flat result list follows that axis
        values, params = rec["result"], rec["params"][0]
        if want in params and values is not None:
            v = values[params.index(want)]
            if v is not None and v == v:  # skipped/failed cases are None or NaN
                times[key] = v
                print(f"  {bench}({want}): {_fmt_time(v)}")
    return times


# --------------------------------------------------------------------------- #
# the ratios                                                                   #
# --------------------------------------------------------------------------- #

RATIOS = [
    # (numerator, denominator, text)
    ("blawk_out", "np_log_out", "blawk dlog (out=) / np.log(x, out=y)"),
    ("np_diff_log", "blawk_out", "np.diff(np.log(x)) / blawk dlog (out=)"),
    ("np_diff_log", "blawk_alloc", "np.diff(np.log(x)) / blawk dlog (allocating)"),
    ("avx2_out", "np_log_out", "blawk dlog avx2 (out=) / np.log(x, out=y)"),
    ("np_diff_log", "avx2_out", "np.diff(np.log(x)) / blawk dlog avx2 (out=)"),
    ("blawk_out", "ne_out", "blawk dlog (out=) / numexpr dlog (out=, 1 thread)"),
    ("blawk_alloc", "ne_alloc", "blawk dlog (allocating) / numexpr dlog (allocating, 1 thread)"),
]


def print_ratios(t: dict[str, float]) -> None:
    print("\nratios (time / time):")
    width = max(len(text) for _, _, text in RATIOS)
    for num, den, text in RATIOS:
        if num in t and den in t:
            print(f"  {text:<{width}}  {t[num] / t[den]:6.2f}")
        else:
            print(f"  {text:<{width}}     n/a")


def _fmt_time(s: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="series length (default 1e6)")
    ap.add_argument("--rounds", type=int, default=7, help="timed rounds; the minimum is kept")
    ap.add_argument("--min-time", type=float, default=0.05,
                    help="seconds per timed batch (default 0.05)")
    ap.add_argument("--numexpr-threads", type=int, default=1)
    ap.add_argument("--from-asv", nargs="?", const="", metavar="RESULT_JSON",
                    help="read an asv result file (default: the newest) instead of timing")
    args = ap.parse_args(argv)
    if args.from_asv is not None:
        print_header("asv results")
        times = run_from_asv(Path(args.from_asv) if args.from_asv else None, args.n)
    else:
        print_header("direct (timeit, min of rounds, one process)")
        times = run_direct(args.n, args.rounds, args.min_time, args.numexpr_threads)
    print_ratios(times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
