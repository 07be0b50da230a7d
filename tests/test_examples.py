"""Every script in examples/ runs through the command line and prints what its
sibling .out file says (regenerate one with
``blawk run examples/NAME.blawk > examples/NAME.out`` from the repository root)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "examples").glob("*.blawk"))


def test_there_are_examples() -> None:
    assert len(SCRIPTS) >= 4
    for script in SCRIPTS:
        assert script.with_suffix(".out").exists(), f"{script.name} has no .out file"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_example_output(script: Path) -> None:
    r = subprocess.run([*PYTHON, "-m", "blawk.cli", "run", str(script.relative_to(ROOT))],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout == script.with_suffix(".out").read_text()
