"""Run-time ISA selection: detection, BLAWK_ISA, blawk.isa()."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import PYTHON

import blawk
from blawk import _core


def run_py(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k != "BLAWK_ISA"}
    e.update(env)
    return subprocess.run([*PYTHON, "-c", code], capture_output=True, text=True, env=e,
                          timeout=60)


def test_default_is_best() -> None:
    r = run_py("import blawk; print(blawk.isa())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == _core.best_isa()
    assert "scalar" in blawk.available_isas()


@pytest.mark.parametrize("name", _core.available_isas())
def test_env_forces(name: str) -> None:
    r = run_py("import blawk, numpy as np; print(blawk.isa()); "
               "print(blawk.dlog(blawk.Column([1.0, 2.0]), 1).to_list())", BLAWK_ISA=name)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[0] == name


def test_env_unknown_is_clear_error() -> None:
    r = run_py("import blawk", BLAWK_ISA="sse9")
    assert r.returncode != 0
    assert "BLAWK_ISA=sse9" in r.stderr and "expected scalar, avx2 or avx512" in r.stderr


def test_set_isa_errors() -> None:
    with pytest.raises(blawk.BadParameter, match="unknown instruction set"):
        blawk.set_isa("neon")
    missing = [i for i in ("avx2", "avx512") if i not in blawk.available_isas()]
    for name in missing:
        with pytest.raises(blawk.BadParameter, match="not available"):
            blawk.set_isa(name)
        r = run_py("import blawk", BLAWK_ISA=name)
        assert r.returncode != 0 and "not available" in r.stderr
