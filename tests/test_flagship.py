"""The flagship pipeline (examples/flagship.blawk) against an independent pandas version."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import blawk
from blawk.registry import lookup

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data" / "prices.csv"


def pandas_pipeline() -> object:
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(DATA, parse_dates=["date"], index_col="date", na_values=["NA"])
    df = df[df.index.day_of_week < 5]  # keep weekdays
    spread = np.log(df["es"]).diff() - np.log(df["nq"]).diff()
    curve = 1 + spread.cumsum()  # cumsum skips NaN and goes on, like blawk's
    curve[spread.isna()] = np.nan
    m = curve.rolling(25).mean()
    s = curve.rolling(25).std()
    z = (curve - m) / s
    # blawk's lag rule (DESIGN.md "Null rules"): a lag is null where x[i] or x[i-lag] is
    # null -- shift included, so the lagged signal is also null where today's z is
    signal = (z > -1).astype(float).where(z.notna()).shift(2).where(z.notna())
    rty = np.log(df["ty"]).diff()
    risk = rty / (100 * math.sqrt(252) * rty.rolling(250).std())
    daily = signal * risk
    pnl = daily.cumsum()
    pnl[daily.isna()] = np.nan
    return pnl


def blawk_pipeline() -> blawk.Column:
    t = blawk.load_csv(str(DATA))
    days = lookup("filter").call([t, lookup("weekdays").call([t], {})], {})
    es, nq, ty = (blawk.col(n) for n in ("es", "nq", "ty"))
    spread = es.dlog(1) - nq.dlog(1)
    z = lookup("wzs").call([lookup("cs1").call([spread], {})], {"window": 25})
    signal = lookup("shift").call([z > -1], {"lag": 2})
    risk = lookup("ur").call([ty.dlog(1)], {"window": 250})
    pnl = lookup("cumsum").call([signal * risk], {})
    assert "1 stage" in blawk.explain(pnl)  # the whole job is one pass over memory
    return blawk.compute(pnl, es=days["es"], nq=days["nq"], ty=days["ty"])


def test_flagship_matches_pandas() -> None:
    ref = pandas_pipeline().to_numpy()
    got = blawk_pipeline()
    ok = got.is_valid()
    assert len(got) == len(ref) == 2609
    # null exactly where pandas has NaN, equal values elsewhere
    assert np.array_equal(ok, ~np.isnan(ref))
    np.testing.assert_allclose(got.to_numpy()[ok], ref[ok], rtol=1e-9, atol=1e-12)
    assert ok.sum() > 2000


def test_flagship_script_runs() -> None:
    from blawk.lang import run_file

    got = run_file(str(ROOT / "examples" / "flagship.blawk"))
    assert isinstance(got, blawk.Column) and got.equals(blawk_pipeline())
