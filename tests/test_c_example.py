"""examples/c/dlog_example.c: build libblawk.a and the example from source, run it, check it.

The library is built with CMake (the `cmake` on PATH or the `cmake` pip package;
Ninja when available) into a temporary directory, the example with
examples/c/CMakeLists.txt against that library.  Without any CMake the library
sources are compiled directly with the C compiler (same per-ISA flags as the
root CMakeLists.txt), so the example is still tested.  The test skips only when
there is no C compiler at all.

The example prints every value with %.17g, so prices are compared exactly and
dlog values against numpy's log difference within a couple of ULPs.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = ROOT / "examples" / "c"
HEADER = ROOT / "csrc" / "include" / "blawk.h"
ISA_NAMES = ("scalar", "avx2", "avx512")


# --------------------------------------------------------------------------- #
# tools                                                                        #
# --------------------------------------------------------------------------- #

def _runs(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _c_compiler() -> str | None:
    for name in (os.environ.get("CC", ""), "cc", "gcc", "clang"):
        exe = shutil.which(name) if name else None
        if exe and _runs([exe, "--version"]):
            return exe
    return None


def _cmake() -> str | None:
    candidates = [shutil.which("cmake")]
    try:
        import cmake

        candidates.append(str(Path(cmake.CMAKE_BIN_DIR) / "cmake"))
    except ImportError:
        pass
    for exe in candidates:  # a pyenv shim may exist yet fail: check that it runs
        if exe and _runs([exe, "--version"]):
            return exe
    return None


def _ninja() -> str | None:
    candidates = [shutil.which("ninja")]
    try:
        import ninja

        candidates.append(str(Path(ninja.BIN_DIR) / "ninja"))
    except ImportError:
        pass
    for exe in candidates:
        if exe and _runs([exe, "--version"]):
            return exe
    return None


def _run(cmd: list[str], **kw) -> None:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if res.returncode != 0:
        pytest.fail(f"command failed ({res.returncode}): {' '.join(cmd)}\n"
                    f"{res.stdout[-4000:]}\n{res.stderr[-4000:]}")


def _build_with_cmake(cmake: str, cc: str, out: Path) -> Path:
    gen: list[str] = []
    ninja = _ninja()
    if ninja:
        gen = ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}"]
    common = [*gen, "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_C_COMPILER={cc}"]
    lib_dir, ex_dir = out / "lib", out / "example"
    _run([cmake, "-S", str(ROOT), "-B", str(lib_dir), *common])
    _run([cmake, "--build", str(lib_dir), "--parallel", "2"])
    lib = lib_dir / "libblawk.a"
    assert lib.is_file(), f"the root CMake build made no {lib}"
    _run([cmake, "-S", str(EXAMPLE_DIR), "-B", str(ex_dir), *common,
          f"-DBLAWK_LIBRARY={lib}"])
    _run([cmake, "--build", str(ex_dir)])
    return ex_dir / "dlog_example"


def _build_with_cc(cc: str, out: Path) -> Path:
    """No CMake: compile the library sources like the root CMakeLists.txt does."""
    flags = ["-std=c11", "-O2", "-ffp-contract=off", "-fno-math-errno", "-fno-strict-aliasing",
             f"-I{ROOT / 'csrc' / 'include'}", f"-I{ROOT / 'csrc'}"]
    isa_flags = {
        "_avx2.c": ["-mavx2", "-mfma"],
        "_avx512.c": ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mavx2", "-mfma"],
    }
    objs = []
    sources = sorted((ROOT / "csrc").glob("*.c")) + sorted((ROOT / "csrc" / "kernels").glob("*.c"))
    for i, src in enumerate(sources):
        extra = next((f for suffix, f in isa_flags.items() if src.name.endswith(suffix)), [])
        obj = out / f"{i:02d}_{src.stem}.o"
        _run([cc, *flags, *extra, "-c", str(src), "-o", str(obj)])
        objs.append(str(obj))
    exe = out / "dlog_example"
    _run([cc, *flags, str(EXAMPLE_DIR / "dlog_example.c"), *objs, "-lm", "-o", str(exe)])
    return exe


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc = _c_compiler()
    if cc is None:
        pytest.skip("no C compiler found (tried $CC, cc, gcc, clang)")
    out = tmp_path_factory.mktemp("c_example")
    cmake = _cmake()
    exe = _build_with_cmake(cmake, cc, out) if cmake else _build_with_cc(cc, out)
    assert exe.is_file()
    return exe


def run_example(exe: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BLAWK_ISA"}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60, env=env)


# --------------------------------------------------------------------------- #
# what the example must print                                                  #
# --------------------------------------------------------------------------- #

def expected_prices(n: int) -> list[float]:
    """The example's price walk, recomputed: 64-bit LCG, whole cents, floor 1.00."""
    state, cents, out = 20240601, 10000, []
    for _ in range(n):
        out.append(cents / 100.0)
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        cents = max(cents + (state >> 33) % 201 - 100, 100)
    return out


def price_is_null(i: int) -> bool:
    return i % 7 == 3 or i == 11


def header_version() -> str:
    text = HEADER.read_text()
    parts = [re.search(rf"#define BLAWK_VERSION_{p}\s+(\d+)", text).group(1)
             for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def _float(tok: str) -> float | None:
    return None if tok == "null" else float(tok)


def parse(stdout: str) -> dict:
    lines = stdout.splitlines()
    assert lines[0] == f"blawk {header_version()} dlog example"
    m = re.fullmatch(r"active ISA: (\w+) \(best on this CPU: (\w+)\)", lines[1])
    assert m, lines[1]
    m2 = re.fullmatch(r"dlog\(x, 1\) with the block VM: n = (\d+), (\d+) null prices, "
                      r"(\d+) null results", lines[2])
    assert m2, lines[2]
    n = int(m2.group(1))
    assert lines[3].split() == ["i", "price", "dlog"]
    rows = [ln.split() for ln in lines[4:4 + n]]
    assert [int(r[0]) for r in rows] == list(range(n))
    assert all(len(r) == 3 for r in rows)
    rest = lines[4 + n:]
    assert rest[0] == "blawk_log on 7 values:"
    assert rest[1].split() == ["i", "x", "log(x)"]
    logs = [ln.split() for ln in rest[2:]]
    assert [int(r[0]) for r in logs] == list(range(7))
    return {
        "active": m.group(1), "best": m.group(2), "n": n,
        "null_prices": int(m2.group(2)), "null_results": int(m2.group(3)),
        "price": [_float(r[1]) for r in rows], "dlog": [_float(r[2]) for r in rows],
        "log_x": [float(r[1]) for r in logs], "log": [float(r[2]) for r in logs],
        "rows_text": lines[2:],  # everything after the ISA line
    }


def check_values(out: dict) -> None:
    n = out["n"]
    prices = expected_prices(n)
    valid = [not price_is_null(i) for i in range(n)]
    # prices: exact, nulls exactly where the bitmap has them
    for i in range(n):
        assert out["price"][i] == (prices[i] if valid[i] else None), i
    assert out["null_prices"] == valid.count(False)
    # dlog: null for i < 1 and wherever x[i] or x[i-1] is null; else log difference
    logs = np.log(np.array(prices))
    want_valid = [i >= 1 and valid[i] and valid[i - 1] for i in range(n)]
    assert [v is not None for v in out["dlog"]] == want_valid
    assert out["null_results"] == want_valid.count(False)
    for i in range(1, n):
        if want_valid[i]:
            want = logs[i] - logs[i - 1]
            tol = 2 * (np.spacing(abs(logs[i])) + np.spacing(abs(logs[i - 1])))
            assert abs(out["dlog"][i] - want) <= tol, (i, out["dlog"][i], want)


def test_example_default_run(example: Path) -> None:
    res = run_example(example)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    out = parse(res.stdout)
    assert out["n"] == 24
    assert out["active"] == out["best"] and out["active"] in ISA_NAMES
    try:
        from blawk import _core
    except ImportError:
        pass
    else:  # the C library and the extension pick the same ISA on the same CPU
        assert out["best"] == _core.best_isa()
    check_values(out)
    nulls_in = [i for i, v in enumerate(out["price"]) if v is None]
    nulls_out = [i for i, v in enumerate(out["dlog"]) if v is None]
    assert nulls_in == [3, 10, 11, 17]
    assert nulls_out == [0, 3, 4, 10, 11, 12, 17, 18]

    # blawk_log on a raw array, IEEE special values included
    assert out["log_x"] == [1.0, 2.0, 0.5, 100.25, 1e-300, 0.0, -1.0]
    got = out["log"]
    assert got[0] == 0.0
    for x, v in zip(out["log_x"][1:5], got[1:5], strict=True):
        assert abs(v - math.log(x)) <= np.spacing(abs(math.log(x))), (x, v)
    assert got[5] == -math.inf
    assert math.isnan(got[6])


def _isas() -> list[str]:
    try:
        import blawk

        return blawk.available_isas()
    except ImportError:
        return ["scalar"]


def test_example_across_blocks_and_isas(example: Path) -> None:
    """n = 2500 spans three VM blocks; every ISA prints the very same bits."""
    texts = {}
    for isa in _isas():
        res = run_example(example, "2500", isa)
        assert res.returncode == 0, res.stderr
        out = parse(res.stdout)
        assert out["active"] == isa
        assert out["n"] == 2500
        check_values(out)
        texts[isa] = out["rows_text"]
    first = next(iter(texts.values()))
    for isa, text in texts.items():
        assert text == first, f"{isa} output differs from {next(iter(texts))}"


def test_example_reports_errors(example: Path) -> None:
    res = run_example(example, "10", "sse9")
    assert res.returncode == 1
    assert res.stdout == ""
    assert res.stderr.startswith("dlog_example: blawk_isa_from_name failed: ")
    assert "(status 2)" in res.stderr  # BLAWK_ERR_ARG
    res = run_example(example, "0")
    assert res.returncode == 2
    assert "N must be a positive integer" in res.stderr
    for isa in set(ISA_NAMES) - set(_isas()):  # an ISA this CPU cannot run
        res = run_example(example, "10", isa)
        assert res.returncode == 1
        assert res.stderr.startswith("dlog_example: blawk_set_isa failed: ")
