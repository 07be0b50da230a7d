"""Every docstring example in the package runs and gives what it says."""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil

import pytest

import blawk

MODULES = ["blawk"] + sorted(
    m.name for m in pkgutil.walk_packages(blawk.__path__, "blawk.") if not m.name.endswith("_core")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstrings(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.chdir(root)  # examples refer to examples/data/...
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0, f"{res.failed} docstring example(s) failed in {name}"
