"""Calendar masks and resampling, checked against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_csv import PRICES

from blawk.calendar import (
    mask,
    mask_and,
    mask_not,
    mask_or,
    resample,
    weekday_numbers,
    weekdays,
    weekends,
)
from blawk.column import Column
from blawk.errors import BadParameter, TypeMismatch
from blawk.io_csv import load_csv
from blawk.table import Table


@pytest.fixture(scope="module")
def prices() -> Table:
    return load_csv(PRICES)


def test_weekday_masks(prices: Table) -> None:
    dow = pd.DatetimeIndex(prices.index_values()).day_of_week.to_numpy()
    assert np.array_equal(weekday_numbers(prices), dow)
    assert np.array_equal(weekdays(prices).to_numpy(), (dow < 5).astype(float))
    assert np.array_equal(weekends(prices).to_numpy(), (dow >= 5).astype(float))
    kept = prices.filter(weekdays(prices))
    assert len(kept) == int((dow < 5).sum())
    ts = Table({"x": [1.0, 2.0]}, np.array(["2024-01-05T23:59:59", "1969-12-31T12:00"],
                                           "datetime64[ns]"))
    assert weekdays(ts).to_list() == [1.0, 1.0] and weekday_numbers(ts).tolist() == [4, 2]
    with pytest.raises(BadParameter, match="no date or timestamp index"):
        weekdays(Table({"x": [1.0]}))
    with pytest.raises(TypeMismatch):
        weekdays(Column([1.0]))  # type: ignore[arg-type]


def test_named_masks_and_combinators(prices: Table) -> None:
    dow = pd.DatetimeIndex(prices.index_values()).day_of_week.to_numpy()
    m = mask(prices, "weekdays and not (friday or Monday)").to_numpy()
    assert np.array_equal(m, ((dow >= 1) & (dow <= 3)).astype(float))
    assert np.array_equal(mask(prices, "saturday or sunday").to_numpy(),
                          weekends(prices).to_numpy())
    ends = mask(prices, "month-end").to_numpy().astype(bool)
    idx = pd.DatetimeIndex(prices.index_values())
    assert np.array_equal(ends, idx.is_month_end)
    assert np.array_equal(mask(prices, "month-start").to_numpy().astype(bool),
                          idx.is_month_start)
    w, f = weekdays(prices), mask(prices, "friday")
    assert np.array_equal(mask_and(w, mask_not(f)).to_numpy(),
                          mask(prices, "weekdays and not friday").to_numpy())
    assert np.array_equal(mask_or(weekends(prices), f).to_numpy(),
                          mask(prices, "weekends or friday").to_numpy())
    assert mask_and(Column([1.0, None, 1.0]), np.array([True, True, False])).to_list() == [
        1.0, 0.0, 0.0]
    for bad in ("holidays", "weekdays and", "(friday", "friday)", "and friday"):
        with pytest.raises(BadParameter):
            mask(prices, bad)


@pytest.mark.parametrize("rule,prule", [("W", "W-SUN"), ("M", "ME"), ("Q", "QE"), ("Y", "YE")])
@pytest.mark.parametrize("how", ["last", "first", "sum", "mean", "min", "max", "count"])
def test_resample_matches_pandas(prices: Table, rule: str, prule: str, how: str) -> None:
    got = resample(prices, rule, how)
    grouped = prices.to_pandas().resample(prule)
    want = grouped.sum(min_count=1) if how == "sum" else getattr(grouped, how)()
    assert np.array_equal(got.index_values().astype("datetime64[ns]"), want.index.values)
    for c in prices.names:
        assert np.allclose(got[c].to_numpy(), want[c].to_numpy(), rtol=1e-13, equal_nan=True)


def test_resample_nulls_nan_ohlc_and_labels() -> None:
    t = Table({"x": Column([1.0, None, 3.0, None, None, float("nan"), 2.0])},
              np.array(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-08", "2024-01-09",
                        "2024-01-15", "2024-01-16"], "datetime64[D]"))
    assert resample(t, "W", "last")["x"].to_list() == [3.0, None, 2.0]
    assert resample(t, "W", "first")["x"].to_list()[:2] == [1.0, None]
    assert resample(t, "W", "count")["x"].to_list() == [2.0, 0.0, 2.0]
    s = resample(t, "W", "sum")["x"].to_list()
    assert s[:2] == [4.0, None] and np.isnan(s[2])
    o = resample(t, "W", "ohlc")
    assert o.names == ["x_open", "x_high", "x_low", "x_close"]
    assert o["x_high"].to_list()[0] == 3.0 and o["x_low"].to_list()[0] == 1.0
    assert [str(d) for d in resample(t, "W", label="start").index_values()] == [
        "2024-01-01", "2024-01-08", "2024-01-15"]
    assert [str(d) for d in resample(t, "W", label="last").index_values()] == [
        "2024-01-03", "2024-01-09", "2024-01-16"]
    assert [str(d) for d in resample(t, "D").index_values()][:2] == ["2024-01-01", "2024-01-02"]
    with pytest.raises(BadParameter, match="how must be"):
        resample(t, "W", "median")
    with pytest.raises(BadParameter, match="rule must be"):
        resample(t, "fortnight")
    with pytest.raises(BadParameter, match="whole days"):
        resample(t, "5min")
    with pytest.raises(BadParameter, match="not sorted"):
        resample(t.sort_by("x"), "W")
    assert len(resample(t.head(0), "W")) == 0


def test_resample_intraday_matches_pandas() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    ns = np.sort(rng.integers(0, 3 * 86_400 * 10**9, n)) + 1_700_000_000 * 10**9
    t = Table({"p": rng.standard_normal(n)}, ns.astype("datetime64[ns]"))
    df = t.to_pandas()
    for rule, prule in (("5min", "5min"), ("1h", "1h"), ("30s", "30s"), ("D", "D")):
        got = resample(t, rule, "mean", label="start")
        want = df.resample(prule).mean().dropna()
        assert np.array_equal(got.index_values(), want.index.values)
        assert np.allclose(got["p"].to_numpy(), want["p"].to_numpy(), rtol=1e-12)
