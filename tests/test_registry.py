"""The registry is the single source: every op reachable from both front ends."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import blawk
from blawk import api
from blawk.column import Column
from blawk.registry import OPS, lookup, names


@pytest.mark.parametrize("name", sorted(OPS))
def test_doc_example_runs(name: str, tmp_path, monkeypatch) -> None:
    # the I/O examples write relative paths: run them in a fresh directory
    # that sees the sample data (examples/data) where the examples read it
    (tmp_path / "examples").symlink_to(Path(__file__).resolve().parents[1] / "examples")
    monkeypatch.chdir(tmp_path)
    spec = OPS[name]
    assert spec.doc and spec.example.startswith("(")
    got = blawk.eval(spec.example)
    want = spec.example_result
    if want is None:  # structural examples: they must run and give a value
        assert got is not None
    elif isinstance(want, list):
        assert isinstance(got, Column)
        assert len(got) == len(want)
        for g, w in zip(got.to_list(), want, strict=True):
            assert (g is None and w is None) or (g is not None and w is not None and _close(g, w))
    else:
        assert isinstance(got, float) and _close(got, want)


def _close(got: float, want: float) -> bool:
    """Equal, or within 1e-12 relative (moment-based statistics round differently)."""
    if math.isnan(want):
        return math.isnan(got)
    return got == want or math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize("name", sorted(OPS))
def test_reachable_from_language_and_python(name: str) -> None:
    spec = OPS[name]
    for alias in (spec.name, *spec.aliases):
        assert lookup(alias) is spec
        assert alias in names()
    if spec.kind != "structural":
        fn = getattr(blawk, api.python_name(spec))
        assert callable(fn) and spec.doc in (fn.__doc__ or "")
        assert hasattr(blawk.Expr, api.python_name(spec))
        assert hasattr(blawk.Column, api.python_name(spec))


def test_language_and_python_agree() -> None:
    c = Column([1.0, 2.0, None, 8.0])
    assert blawk.eval("(* (dlog x 1) 252)", x=c).equals(blawk.dlog(c, 1) * 252)
    assert blawk.eval("(dlog x :lag 2)", x=c).equals(c.dlog(lag=2))
    assert blawk.eval("(sub 1 x)", x=c).equals(1 - c)


def test_signature_and_arity_errors() -> None:
    spec = lookup("dlog")
    assert spec is not None and spec.signature() == "(dlog x lag=1 :obs nil)"
    with pytest.raises(blawk.ArityError, match=r"signature \(dlog x lag=1 :obs nil\)"):
        blawk.dlog(Column([1.0]), 1, 2)
    with pytest.raises(blawk.ArityError, match="unknown keyword :window"):
        blawk.dlog(Column([1.0]), window=3)
    with pytest.raises(blawk.ArityError, match="at least 2"):
        blawk.add(Column([1.0]))
