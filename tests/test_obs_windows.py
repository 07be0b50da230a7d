"""Observation-mode rolling windows (``:obs t``) through the ops, the planner and the VM.

The rule under test: at a valid row the result is bit-identical to the same op
over the column compressed to its valid rows, scattered back; null rows are
null.  Checked for every window op (aliases and ``ur`` included) against the
unfused op on the compressed column and against pandas'
``Series.dropna().rolling(...)``, on every ISA, every thread count, in fused
pipelines, and for the business-day use: a calendar mask that nulls weekends.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from conftest import ISAS, B, random_validity, same_bits

import blawk
from blawk import planner
from blawk.calendar import weekdays
from blawk.registry import OPS, lookup
from blawk.table import Table

X = blawk.col("x")
WINDOW_OPS = sorted(name for name, spec in OPS.items() if spec.kind == "window")
ALL_OPS = [*WINDOW_OPS, "ur"]


def call(name: str, x, **kw):
    return lookup(name).call([x], kw)


def materialize(v) -> blawk.Column:
    return v if isinstance(v, blawk.Column) else blawk.compute(v)


def compressed(name: str, col: blawk.Column, **kw) -> blawk.Column:
    """The plain op (no :obs) on the valid rows, scattered back."""
    ok = col.is_valid()
    inner = materialize(call(name, blawk.Column(col.values[ok].copy()), **kw))
    vals = np.zeros(len(col))
    valid = np.zeros(len(col), bool)
    vals[ok] = inner.values
    valid[ok] = inner.is_valid()
    return blawk.Column(vals, valid=valid)


def data(rng: np.random.Generator, n: int, style: str) -> np.ndarray:
    x = rng.standard_normal(n)
    if style == "specials" and n:
        idx = rng.integers(0, n, max(1, n // 30))
        x[idx] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], len(idx))
    if style == "ints":  # ties, constant runs
        x = rng.integers(-2, 3, n).astype(float)
    return x


def test_every_window_op_has_the_param() -> None:
    assert len(WINDOW_OPS) >= 14  # msum .. ft-zscore
    for name in ALL_OPS:
        spec = OPS[name]
        p = next(p for p in spec.params if p.name == "obs")
        assert p.keyword_only and p.default is False, name
        assert ":obs nil" in spec.signature(), name
    # every alias reaches the same declaration
    for name in WINDOW_OPS:
        for alias in OPS[name].aliases:
            assert lookup(alias) is OPS[name]


# ------------------------------------------------ the identity, every op and ISA


@pytest.mark.parametrize("name", ALL_OPS)
def test_equals_op_on_compressed_column(isa: str, name: str) -> None:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for n in (0, 1, 2, 65, B + 1, 3 * B + 5):
        for style in ("normal", "specials", "ints"):
            for pattern in ("none", "all", "null", "mixed", "sparse"):
                ok = random_validity(rng, n, pattern)
                x = data(rng, n, style)
                col = blawk.Column(x, valid=ok) if ok is not None else blawk.Column(x)
                for w, mp in ((1, None), (3, 1), (20, 2), (B + 2, None), (10**6, 1)):
                    got = materialize(call(name, col, window=w, min_periods=mp, obs=True))
                    want = compressed(name, col, window=w, min_periods=mp)
                    assert got.equals(want), (n, style, pattern, w, mp)
                    if ok is not None:
                        assert not got.is_valid()[~ok].any()


def test_values_at_a_glance() -> None:
    c = blawk.Column([1.0, None, 3.0, None, 5.0, 7.0])
    assert c.mavg(2, obs=True).to_list() == [None, None, 2.0, None, 4.0, 6.0]
    assert c.mavg(2).to_list() == [None, None, None, None, None, 6.0]
    assert c.msum(2, 1, obs=True).to_list() == [1.0, None, 4.0, None, 8.0, 12.0]
    assert c.mcount(3, obs=True).to_list() == [1.0, None, 2.0, None, 3.0, 3.0]
    assert c.mcount(3).to_list() == [1.0, 1.0, 2.0, 1.0, 2.0, 2.0]
    assert blawk.ft_mean(c, 2, 1, obs=True).to_list() == [None, None, 1.0, None, 2.0, 4.0]
    assert c.mmax(2, obs=True).to_list() == [None, None, 3.0, None, 5.0, 7.0]


def test_language_python_and_aliases_agree() -> None:
    c = blawk.Column([1.0, None, 3.0, 4.0, None, None, 8.0, 2.0])
    want = c.mavg(3, obs=True)
    assert blawk.eval("(mavg x 3 :obs t)", x=c).equals(want)
    assert blawk.eval("(rolling-mean x :window 3 :obs t)", x=c).equals(want)
    assert blawk.mavg(c, 3, obs=True).equals(want)
    assert blawk.compute(X.mavg(3, obs=True), x=c).equals(want)
    assert blawk.eval("(mavg x 3 :obs nil)", x=c).equals(c.mavg(3))
    assert blawk.eval("(mzscore x 3 :min-periods 2 :obs t)", x=c).equals(
        c.wzs(3, 2, obs=True))
    assert blawk.eval("(mmedian x 2 :obs t)", x=c).equals(c.mmed(2, obs=True))
    assert blawk.eval("(ur x 2 :obs t)", x=c).equals(blawk.ur(c, 2, obs=True))


def test_ur_is_x_over_observation_mstd() -> None:
    rng = np.random.default_rng(4)
    n = 2 * B + 9
    ok = random_validity(rng, n, "mixed")
    c = blawk.Column(rng.standard_normal(n), valid=ok)
    got = blawk.ur(c, 20, obs=True)
    sd = c.mstd(20, obs=True)
    assert got.equals(materialize(c / (sd * (100 * np.sqrt(252.0)))))
    assert got.equals(compressed("ur", c, window=20))


def test_edge_columns() -> None:
    for name in ALL_OPS:
        assert len(materialize(call(name, blawk.Column([]), window=3, obs=True))) == 0
        one = materialize(call(name, blawk.Column([2.5]), window=3, min_periods=1, obs=True))
        assert one.equals(materialize(call(name, blawk.Column([2.5]), window=3, min_periods=1)))
        nul = materialize(call(name, blawk.Column([None, None, None]), window=2, min_periods=1,
                               obs=True))
        assert nul.to_list() == [None, None, None], name  # mcount too: null rows are null


def test_count_nulls_only_where_the_input_has_them() -> None:
    full = blawk.Column([1.0, 2.0, 3.0])
    got = full.mcount(2, obs=True)
    assert got.null_count == 0 and got.to_list() == [1.0, 2.0, 2.0]
    # the static null analysis: observation-mode count is null where its input is
    prog = planner.plan([X.mcount(2, obs=True)])[0].stages[0].program
    assert prog.may_null([True]) == [True] and prog.may_null([False]) == [False]
    plain = planner.plan([X.mcount(2)])[0].stages[0].program
    assert plain.may_null([True]) == [False]
    holes = blawk.Column([1.0, None, 3.0])
    assert holes.mcount(2, obs=True).to_list() == [1.0, None, 2.0]


# ------------------------------------------------------------------ pandas


def _pandas(pd, name: str, s, w: int, mp: int):
    """pandas' value of op `name` over the series s (already compressed)."""
    r = s.rolling(w, min_periods=mp)
    past = s.shift(1).rolling(w, min_periods=mp)
    return {
        "msum": lambda: r.sum(), "mavg": lambda: r.mean(), "mvar": lambda: r.var(ddof=0),
        "mstd": lambda: r.std(), "mdev": lambda: r.std(ddof=0), "mmin": lambda: r.min(),
        "mmax": lambda: r.max(), "mcount": lambda: s.rolling(w, min_periods=0).count(),
        "mmed": lambda: r.median(), "mskew": lambda: r.skew(), "mkurt": lambda: r.kurt(),
        "wzs": lambda: (s - r.mean()) / r.std(), "ft-mean": lambda: past.mean(),
        "ft-std": lambda: past.std(), "ft-zscore": lambda: (s - past.mean()) / past.std(),
    }[name]()


@pytest.mark.parametrize("name", WINDOW_OPS)
def test_pandas_dropna_rolling(name: str) -> None:
    """``Series.dropna().rolling(w, min_periods=mp).<stat>()`` reindexed.  pandas
    has one missing marker (NaN), and its rolling sum/mean/var/min/max/median
    treat +-inf as missing too (pandas 3.1: ``[inf]`` -> NaN), so finite values
    here; NaN and inf are covered by the compressed-column identity above."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(zlib.crc32(f"pandas/{name}".encode()))
    exact = name in ("mmin", "mmax", "mcount", "mmed")
    for n in (0, 1, 2, 300, B + 7):
        x = rng.standard_normal(n)
        if n:  # signed zeros (== compares them equal, as pandas' sign of zero may differ)
            x[rng.integers(0, n, max(1, n // 20))] = rng.choice([0.0, -0.0], max(1, n // 20))
        if name == "mcount" and n:  # pandas counts +-inf as values, like blawk
            x[rng.integers(0, n, max(1, n // 20))] = rng.choice([np.inf, -np.inf], max(1, n // 20))
        for pattern in ("none", "mixed", "sparse", "null"):
            ok = random_validity(rng, n, pattern)
            okb = np.ones(n, bool) if ok is None else ok
            col = blawk.Column(x, valid=ok) if ok is not None else blawk.Column(x)
            s = pd.Series(np.where(okb, x, np.nan))
            for w, mp in ((1, 1), (5, 3), (30, 30), (n + 10, 2)):
                got = materialize(call(name, col, window=w, min_periods=mp, obs=True))
                want = _pandas(pd, name, s.dropna(), w, mp).reindex(s.index).to_numpy()
                gok = got.is_valid()
                assert np.array_equal(gok, ~np.isnan(want)), (n, pattern, w, mp)
                g = got.values[gok]
                if exact:
                    assert np.array_equal(g, want[gok])
                else:
                    tol = 1e-7 if name in ("mskew", "mkurt") else 1e-9
                    assert np.allclose(g, want[gok], rtol=tol, atol=tol), (n, pattern, w, mp)


# ---------------------------------------------- VM: threads, fusion, explain


OBS_EXPRS = [
    X.mavg(20, obs=True),
    X.mstd(B + 5, 3, obs=True) * 2 + 1,
    (X * 3).dlog(1, obs=True).mstd(20, obs=True),  # obs window of a computed register
    X.wzs(64, obs=True) - X.mavg(10),  # with a row-mode window in the same stage
    X.ft_zscore(33, obs=True) + blawk.mean(X),  # and a reduction (two stages)
    blawk.mmed(X, 250, 3, obs=True),
    blawk.ur(X, 40, obs=True),
    X.mcount(7, obs=True) + X.mkurt(9, obs=True),
]


@pytest.mark.parametrize("k", range(len(OBS_EXPRS)))
def test_threads_bit_identical(k: int) -> None:
    expr = OBS_EXPRS[k]
    n = 70 * B + 123
    rng = np.random.default_rng(k)
    x = data(rng, n, "specials") + 3
    for pattern in ("mixed", "sparse"):
        c = blawk.Column(x, valid=random_validity(rng, n, pattern))
        results = []
        try:
            for t in (1, 2, 3):
                planner.set_threads(t)
                results.append(blawk.compute(expr, x=c))
        finally:
            planner.set_threads(None)
        assert results[0].equals(results[1]) and results[0].equals(results[2])


@pytest.mark.parametrize("isa", ISAS)
def test_fused_pipeline_equals_pipeline_on_compressed_column(isa: str) -> None:
    """dlog, arithmetic and windows all in observation mode: the pipeline over a
    column with null rows is the pipeline over its valid rows, scattered."""
    rng = np.random.default_rng(8)
    n = 5 * B + 77
    px = 100 * np.exp(np.cumsum(rng.standard_normal(n) * 0.01))
    ok = random_validity(rng, n, "mixed")
    before = blawk.isa()
    blawk.set_isa(isa)
    try:
        r = X.dlog(1, obs=True) * 252
        e = (r - r.mavg(20, obs=True)) / r.mstd(20, obs=True) + r.ft_mean(5, obs=True)
        got = blawk.compute(e, x=blawk.Column(px, valid=ok))
        inner = blawk.compute(e, x=blawk.Column(px[ok].copy()))
    finally:
        blawk.set_isa(before)
    assert got.is_valid()[~ok].sum() == 0
    assert np.array_equal(got.is_valid()[ok], inner.is_valid())
    assert same_bits(got.values[ok][inner.is_valid()], inner.values[inner.is_valid()])


def test_explain_shows_observations() -> None:
    text = blawk.explain(X.mavg(3, obs=True) + X.ft_std(4, obs=True) + X.mavg(5))
    lines = [ln for ln in text.splitlines() if "window" in ln]
    assert any("window mean" in ln and "w=3" in ln and "(observations)" in ln for ln in lines)
    assert any("window std" in ln and "past-only (observations)" in ln for ln in lines)
    assert any("window mean" in ln and "w=5" in ln and "(observations)" not in ln
               for ln in lines)
    # the flag reaches the program
    p, _, _ = planner.plan([X.mmin(3, obs=True)])
    ins = next(i for i in p.stages[0].code if i[0] == "window")
    assert ins[7] & blawk._core.F_OBS


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", ALL_OPS)
@pytest.mark.parametrize("bad", [1, 0, "t", 0.5, [True]])
def test_non_boolean_obs_is_a_bad_parameter(name: str, bad: object) -> None:
    c = blawk.Column([1.0, 2.0, 3.0])
    with pytest.raises(blawk.BadParameter, match=f"{name}: obs must be t or nil, got"):
        call(name, c, window=2, obs=bad)
    with pytest.raises(blawk.BadParameter, match=f"{name}: obs must be t or nil"):
        blawk.eval(f"({name} x 2 :obs 1)", x=c)


def test_obs_is_keyword_only() -> None:
    c = blawk.Column([1.0, 2.0, 3.0])
    with pytest.raises(blawk.ArityError, match="expects at most"):
        blawk.eval("(mavg x 2 1 t)", x=c)
    with pytest.raises(blawk.ArityError, match="expects at most"):
        blawk.eval("(mstd x 2 1 1 t)", x=c)


# ------------------------------------------------------ business days


def test_business_days_from_a_calendar_mask() -> None:
    """Weekend rows nulled by the calendar mask: the observation-mode window
    over the calendar equals the plain window over the filtered weekdays."""
    days = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-07-01"))
    n = len(days)
    rng = np.random.default_rng(12)
    t = Table({"px": 100 + np.cumsum(rng.standard_normal(n))}, index=days)
    wd = weekdays(t)
    px = t.column("px")
    masked = blawk.masked(px, wd)
    assert masked.equals(blawk.where(wd, px, blawk.Column([None] * n)))
    assert masked.null_count == int((wd.values == 0).sum())
    got = masked.mavg(5, obs=True)
    trading = t.filter(wd).column("px").mavg(5)
    keep = wd.values == 1
    assert got.is_valid()[~keep].sum() == 0
    assert blawk.Column(got.values[keep], valid=got.is_valid()[keep]).equals(trading)
    # a Monday's 5-day window reaches back over the weekend to the previous Tuesday
    mondays = np.flatnonzero((days.astype("datetime64[D]").view("int64") + 3) % 7 == 0)
    i = int(mondays[2])
    want = np.mean(px.values[[i - 6, i - 5, i - 4, i - 3, i]])
    assert got.to_list()[i] == pytest.approx(want, rel=1e-14)


def test_masked_semantics_and_language() -> None:
    """masked: x where the mask is true, null where it is false, NaN or null
    (and where x is null); x's NaN and -0.0 pass through unchanged.  From the
    language, the business-day return is one fused pass."""
    x = blawk.Column([1.0, None, 3.0, float("nan"), -0.0, 5.0, 6.0])
    m = blawk.Column([1.0, 1.0, 0.0, 1.0, 1.0, float("nan"), None])
    got = blawk.masked(x, m)
    assert got.is_valid().tolist() == [True, False, False, True, True, False, False]
    assert np.isnan(got.values[3]) and np.signbit(got.values[4]) and got.values[4] == 0.0
    assert got.values[0] == 1.0
    days = np.arange(np.datetime64("2024-03-01"), np.datetime64("2024-04-01"))
    px = 100 + np.arange(len(days), dtype=float) ** 1.5
    t = Table({"px": px}, index=days)
    res = blawk.eval("(dlog (masked px (weekdays tbl)) 1 :obs t)", tbl=t, px=t.column("px"))
    keep = weekdays(t).values == 1
    want = np.diff(np.log(px[keep]))
    vals = res.values[keep][1:]
    assert res.is_valid()[~keep].sum() == 0 and res.is_valid()[keep][1:].all()
    np.testing.assert_allclose(vals, want, rtol=1e-15)


def test_masked_bad_input() -> None:
    """masked needs two columns: the error names masked and the operand."""
    with pytest.raises(blawk.TypeMismatch, match="mask must be a column") as e:
        blawk.eval("(masked (column 1 2) 3)")
    assert "masked" in str(e.value)
    with pytest.raises(blawk.TypeMismatch, match="x must be a column"):
        blawk.masked(3.0, blawk.Column([1.0, 0.0]))
    with pytest.raises(blawk.ShapeError):
        blawk.masked(blawk.Column([1.0, 2.0]), blawk.Column([1.0, 0.0, 1.0]))
