"""The block VM through the planner: dlog and fused maps, nulls, lags, blocks."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EDGE_LENGTHS, B, random_validity, same_ieee

import blawk
import blawk.registry
from blawk import _core


def ref_log(x: np.ndarray) -> np.ndarray:
    return _core.kernel_unary("log", np.ascontiguousarray(x, dtype=np.float64), "scalar")


def ref_lag(values: np.ndarray, ok: np.ndarray, lag: int, f) -> tuple[np.ndarray, np.ndarray]:
    """out[i] = f(v[i], v[i-lag]); null for i < lag or where either side is null."""
    n = len(values)
    out = np.zeros(n)
    valid = np.zeros(n, dtype=bool)
    if lag < n:
        with np.errstate(all="ignore"):
            out[lag:] = f(values[lag:], values[: n - lag])
        valid[lag:] = ok[lag:] & ok[: n - lag]
    return out, valid


def check(col: blawk.Column, values: np.ndarray, valid: np.ndarray) -> None:
    assert len(col) == len(values)
    got_ok = col.is_valid()
    assert np.array_equal(got_ok, valid)
    assert same_ieee(col.values[valid], values[valid])
    assert col.null_count == int((~valid).sum())
    if col.validity is not None:  # tail bits past n are zero
        n = len(col)
        words = col.validity
        if n % 64:
            assert int(words[-1]) >> (n % 64) == 0


def prices(rng: np.random.Generator, n: int) -> np.ndarray:
    return 100 * np.exp(np.cumsum(rng.standard_normal(n) * 0.01))


@pytest.mark.parametrize("n", EDGE_LENGTHS)
@pytest.mark.parametrize("kind", ["none", "all", "null", "mixed", "sparse"])
def test_dlog_matches_reference(isa: str, n: int, kind: str) -> None:
    rng = np.random.default_rng(n * 7 + len(kind))
    x = prices(rng, n)
    ok = random_validity(rng, n, kind)
    c = blawk.Column(x, valid=ok) if ok is not None else blawk.Column(x)
    for lag in (1, 2, 63, 64, 65, B - 1, B, B + 1, n, n + 5):
        got = blawk.dlog(c, lag)
        L = ref_log(x)
        want, valid = ref_lag(L, np.ones(n, bool) if ok is None else ok, lag, np.subtract)
        check(got, want, valid)


def test_dlog_one_log_per_element_lag_over_blocks(isa: str) -> None:
    # lag > BLOCK: history comes from the ring of the log register
    rng = np.random.default_rng(1)
    n = 5 * B + 17
    x = prices(rng, n)
    for lag in (B + 3, 2 * B, 3 * B + 1):
        got = blawk.compute(blawk.col("x").dlog(lag) * 252 + 1, x=x)
        L = ref_log(x)
        d, valid = ref_lag(L, np.ones(n, bool), lag, np.subtract)
        check(got, d * 252 + 1, valid)


def test_dlog_ieee_values(isa: str) -> None:
    x = np.array([1.0, 0.0, -1.0, np.inf, np.nan, 1.0, -0.0, 2.0, np.inf, np.inf])
    got = blawk.dlog(blawk.Column(x), 1)
    with np.errstate(all="ignore"):
        L = np.log(x)
        want = np.concatenate([[0.0], L[1:] - L[:-1]])
    assert got.to_list()[0] is None
    assert same_ieee(got.values[1:], want[1:])
    v = got.values
    assert v[1] == -np.inf  # ln 0 - ln 1
    assert np.isnan(v[2]) and np.isnan(v[3])  # NaN - (-inf), inf - NaN
    assert v[6] == -np.inf and v[7] == np.inf  # ln(-0.0) = -inf
    assert np.isnan(v[9])  # inf - inf


def test_lag_zero_and_big(isa: str) -> None:
    x = np.array([1.0, 2.0, 4.0])
    assert blawk.dlog(blawk.Column(x), 0).to_list() == [0.0, 0.0, 0.0]
    assert blawk.dlog(blawk.Column(x), 3).to_list() == [None, None, None]
    assert blawk.dlog(blawk.Column(x), 10**12).to_list() == [None, None, None]
    assert len(blawk.dlog(blawk.Column([]), 1)) == 0
    assert blawk.dlog(blawk.Column([5.0]), 1).to_list() == [None]


@pytest.mark.parametrize("lag", [-1, 1.5, "2", True, float("nan")])
def test_bad_lag(lag: object) -> None:
    with pytest.raises(blawk.BadParameter, match="lag must be a non-negative integer"):
        blawk.dlog(blawk.Column([1.0, 2.0]), lag)


def test_fused_equals_unfused(isa: str) -> None:
    rng = np.random.default_rng(5)
    n = 3 * B + 11
    x, y = prices(rng, n), prices(rng, n)
    ok = random_validity(rng, n, "mixed")
    cx, cy = blawk.Column(x, valid=ok), blawk.Column(y)
    fused = blawk.compute((blawk.col("x").dlog(1) * 252 + 1) / blawk.col("y").sqrt() - 3,
                          x=cx, y=cy)
    step = blawk.dlog(cx, 1)
    step = step * 252
    step = step + 1
    step = step / blawk.sqrt(cy)
    step = step - 3
    assert fused.equals(step)


def test_shared_subexpression_and_multi_output(isa: str) -> None:
    x = prices(np.random.default_rng(2), 2500)
    r = blawk.col("x").dlog(1)
    a, b = blawk.compute([r * 2, r + r], x=x)
    assert a.equals(b)
    text = blawk.explain([r * 2, r + r])
    assert text.count("= log") + text.count("= dlog1") == 1


def test_fused_dlog1_equals_log_then_diff(isa: str) -> None:
    # dlog lag 1 runs as one DLOG1 instruction; when the graph also needs log x
    # it shares that LOG and uses DIFF.  Both must give the same bits.
    rng = np.random.default_rng(11)
    for n in (1, 7, 8, 9, 17, B - 1, B, B + 1, 3 * B + 5):
        x = prices(rng, n)
        x[rng.integers(0, n, size=max(1, n // 50))] = [0.0, -1.0, np.inf, np.nan][n % 4]
        ok = random_validity(rng, n, "mixed")
        c = blawk.Column(x, valid=ok)
        fused = blawk.compute(blawk.col("x").dlog(1), x=c)
        assert "dlog1" in blawk.explain(blawk.col("x").dlog(1))
        e = blawk.col("x")
        shared, logx = blawk.compute([e.dlog(1), e.log()], x=c)
        assert "dlog1" not in blawk.explain([e.dlog(1), e.log()])
        assert fused.equals(shared)
        # dlog of a computed register (its validity history lives in a ring)
        inner = blawk.compute((blawk.col("x") * 2).dlog(1), x=c)
        two = blawk.Column(x * 2, valid=ok)
        assert inner.equals(blawk.dlog(two, 1))


def test_out_preallocated_and_in_place() -> None:
    x = prices(np.random.default_rng(3), 3000)
    want = blawk.compute(blawk.col("x").dlog(1), x=x)
    out = np.empty_like(x)
    got = blawk.compute(blawk.col("x").dlog(1), x=x, out=out)
    assert got.values.base is out or np.shares_memory(got.values, out)
    assert got.equals(want)
    xx = x.copy()
    got2 = blawk.compute(blawk.col("x").dlog(1), x=xx, out=xx)  # in place over the input
    assert got2.equals(want)
    with pytest.raises(blawk.ShapeError):
        blawk.compute(blawk.col("x").log(), x=x, out=np.empty(5))
    with pytest.raises(blawk.TypeMismatch):
        blawk.compute(blawk.col("x").log(), x=x, out=np.empty(3000, dtype=np.float32))


def test_input_conversion() -> None:
    ints = np.array([1, 2, 4], dtype=np.int64)
    f32 = np.array([1, 2, 4], dtype=np.float32)
    want = blawk.compute(blawk.col("x").log(), x=np.array([1.0, 2.0, 4.0]))
    assert blawk.compute(blawk.col("x").log(), x=ints).equals(want)
    assert blawk.compute(blawk.col("x").log(), x=f32).equals(want)
    strided = np.array([1.0, 9.0, 2.0, 9.0, 4.0, 9.0])[::2]
    assert blawk.compute(blawk.col("x").log(), x=strided).equals(want)
    raw = np.zeros(3 * 8 + 1, dtype=np.uint8)
    unaligned = raw[1:].view(np.float64)
    unaligned[:] = [1.0, 2.0, 4.0]
    assert blawk.compute(blawk.col("x").log(), x=unaligned).equals(want)
    with pytest.raises(blawk.TypeMismatch, match="dtype"):
        blawk.compute(blawk.col("x").log(), x=np.array(["a", "b"]))
    with pytest.raises(blawk.TypeMismatch, match="dtype"):
        blawk.compute(blawk.col("x").log(), x=np.array([1, None], dtype=object))


def test_errors() -> None:
    with pytest.raises(blawk.UnknownName, match="no input named 'y'"):
        blawk.compute(blawk.col("y").log(), x=np.ones(3))
    with pytest.raises(blawk.ShapeError, match="lengths differ"):
        blawk.compute(blawk.col("x") + blawk.col("y"), x=np.ones(3), y=np.ones(4))
    with pytest.raises(blawk.TypeMismatch):
        blawk.log("abc")


def test_constant_folding_uses_kernels() -> None:
    assert blawk.log(1.0) == 0.0
    assert blawk.log(0.0) == -np.inf
    assert np.isnan(blawk.log(-1.0))
    assert blawk.div(1.0, 0.0) == np.inf
    e = blawk.col("x") * (blawk.log(2.0) * 2)
    assert "mul_s" in blawk.explain(e)


def test_plan_cache_reused() -> None:
    from blawk import planner

    e1 = blawk.col("a").dlog(3) * 7
    p1, _, _ = planner.plan([e1])
    c = blawk.Column([1.0, 2.0, 3.0, 4.0])
    e2 = blawk.dlog(blawk.col("zz"), 3) * 7
    p2, _, _ = planner.plan([e2])
    assert p1 is p2  # same structure, other leaf
    assert blawk.compute(blawk.dlog(c, 3) * 7).to_list()[3] == pytest.approx(np.log(4) * 7)


def test_program_validation_never_crashes() -> None:
    bad = [
        ([("log", 1, 5, 0, 0, 0.0)], 1, 2, [1]),  # reads an unset register
        ([("log", 0, 0, 0, 0, 0.0)], 1, 2, [1]),  # writes an input
        ([("log", 1, 0, 0, 0, 0.0), ("log", 1, 0, 0, 0, 0.0)], 1, 2, [1]),  # writes twice
        ([("log", 1, 0, 0, 0, 0.0), ("diff", 2, 1, 0, -1, 0.0)], 1, 3, [2]),  # lead of a
        # computed register (only an input's memory holds the future)
        ([(999, 1, 0, 0, 0, 0.0)], 1, 2, [1]),  # unknown opcode
        ([("log", 1, 0, 0, 0, 0.0)], 1, 2, [0]),  # output is an input
        ([("log", 1, 0, 0, 0, 0.0)], 1, 2, [1, 1]),  # same output twice
        # subdiv_s's divisor is a scalar register that must exist
        ([("subdiv_s", 1, 0, 0, 0, 1.0, 0, 0, 5)], 1, 2, [1]),
        ([("subdiv_s", 1, 0, 0, 0, 1.0, 0, 0, -1)], 1, 2, [1]),
        # and so is muladd_s's shift (and its factor, with F_SREG)
        ([("muladd_s", 1, 0, 0, 0, 1.0, 0, 0, 5)], 1, 2, [1]),
        ([("muladd_s", 1, 0, 0, 0, 1.0, 0, 0, -1)], 1, 2, [1]),
        ([("muladd_s", 1, 0, 3, 0, 0.0, 0, _core.F_SREG, 0)], 1, 2, [1]),
    ]
    for code, nin, nreg, outs in bad:
        with pytest.raises(_core.CoreError, match="malformed program"):
            _core.Program(code, nin, nreg, outs, 1)
    p = _core.Program([("diff", 1, 0, 0, 1, 0.0)], 1, 2, [1])
    x = np.ones(10)
    with pytest.raises(_core.CoreError, match="invalid argument"):
        p.run([(x, None)], [(np.empty(10), None)], 10)  # nullable output without bitmap
    with pytest.raises(ValueError):
        p.run([(x, None)], [(np.empty(9), None)], 10)


def _ref_unary(name: str, x: np.ndarray) -> np.ndarray:
    if name in ("log", "exp"):
        return _core.kernel_unary(name, x, "scalar")
    with np.errstate(all="ignore"):
        return {"sqrt": np.sqrt, "abs": np.abs, "neg": np.negative}[name](x)


_BIN = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}


@pytest.mark.parametrize("n", [0, 1, 2, 63, 64, 65, B - 1, B, B + 1, 3000])
@pytest.mark.parametrize("kind", ["none", "all", "null", "mixed"])
def test_every_map_op_with_nulls(isa: str, n: int, kind: str) -> None:
    from conftest import random_mixed

    rng = np.random.default_rng(n + 17 * len(kind))
    x, y = random_mixed(rng, n), random_mixed(rng, n)
    okx = random_validity(rng, n, kind)
    oky = random_validity(rng, n, "sparse" if kind != "none" else "none")
    cx = blawk.Column(x, valid=okx) if okx is not None else blawk.Column(x)
    cy = blawk.Column(y, valid=oky) if oky is not None else blawk.Column(y)
    vx = np.ones(n, bool) if okx is None else okx
    vy = np.ones(n, bool) if oky is None else oky
    for name in ("log", "exp", "sqrt", "abs", "neg"):
        check(getattr(blawk, name)(cx), _ref_unary(name, x), vx)
    for op, f in _BIN.items():
        with np.errstate(all="ignore"):
            check(blawk.registry.lookup(op).call([cx, cy]).collect(), f(x, y), vx & vy)
            check((blawk.registry.lookup(op).call([cx, 2.5])).collect(), f(x, 2.5), vx)
            check((blawk.registry.lookup(op).call([-0.0, cx])).collect(), f(-0.0, x), vx)


def test_subdiv_s_is_sub_then_div(isa: str) -> None:
    """(x - s1) / s2 runs as one SUBDIV_S (zscore's second pass): the bits of
    sub_s then div_s on every ISA, specials and nulls included; a null scalar
    makes every row null."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(2500)
    x[rng.integers(0, 2500, 60)] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], 60)
    valid = rng.random(2500) > 0.1
    col = blawk.Column(x, valid=valid)
    X = blawk.col("x")
    for s1v, s2v in ((1.5, 3.0), (0.0, -0.0), (np.inf, 2.0), (-2.0, np.nan), (1e-300, 1e300)):
        prog = _core.Program([("subdiv_s", 1, 0, 0, 0, 0.0, 0, _core.F_SREG, 1)], 1, 2, [1], 2)
        out = np.empty(2500)
        bits = np.zeros(40, np.uint64)
        prog.run([(x, None)], [(out, bits)], 2500, scalars=np.array([s1v, s2v]),
                 scalars_valid=np.array([1, 1], np.uint8))
        with np.errstate(all="ignore"):
            want = (x - s1v) / s2v
        assert same_ieee(out, want), (s1v, s2v)
    # through the planner: the mean and std of a column, fused and not
    e = (X - X.mean()) / X.std()
    assert "subdiv_s" in blawk.explain(e)
    got = blawk.compute(e, x=col)
    m, sd = blawk.compute(X.mean(), x=col), blawk.compute(X.std(), x=col)
    with np.errstate(all="ignore"):
        want = (x - m) / sd
    assert np.array_equal(got.is_valid(), valid)
    assert same_ieee(got.values[valid], want[valid])
    # a constant numerator's shift: (x - 2) / std
    got = blawk.compute((X - 2.0) / X.std(), x=col)
    with np.errstate(all="ignore"):
        assert same_ieee(got.values[valid], ((x - 2.0) / sd)[valid])
    # a null scalar (no valid values: the mean is null) nulls every row
    allnull = blawk.Column(x[:10], valid=np.zeros(10, bool))
    assert blawk.compute(e, x=allnull).null_count == 10


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("stream", [False, True])
def test_muladd_s_is_mul_then_add(isa: str, threads: int, stream: bool) -> None:
    """x * s1 + s2 runs as one MULADD_S: the bits of mul_s then add_s (the
    product rounded, then the sum; never an FMA) on every ISA, with IEEE
    specials in x and in both scalars, nulls, outputs written in place or
    with non-temporal stores, any thread count; a null scalar (either one)
    makes every row null."""
    from blawk.expr import column_node

    rng = np.random.default_rng(8)
    n = 5000
    x = rng.standard_normal(n) * np.exp(rng.uniform(-30, 30, n))
    x[rng.integers(0, n, 90)] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324], 90)
    x[:3] = 1.0 + 2.0**-30  # with s1 = x and s2 = -(1 + 2**-29): 0 rounded, 2**-60 by FMA
    valid = rng.random(n) > 0.1
    words = (n + 63) // 64
    mv = np.packbits(valid, bitorder="little")
    mv = np.concatenate([mv, np.zeros(-len(mv) % 8, np.uint8)]).view(np.uint64)
    pairs = ((2.0, 1.0), (-2.5, -0.0), (0.0, -0.0), (-0.0, 0.0), (np.inf, -np.inf),
             (1e300, -1e300), (np.nan, 3.0), (5e-324, np.nan), (1e-300, 1e-308),
             (1.0 + 2.0**-30, -(1.0 + 2.0**-29)))
    before_stream = _core.stream_min()
    try:
        if stream:
            _core.set_stream_min(0)  # outputs through the non-temporal tables
        for s1v, s2v in pairs:
            two = _core.Program([("mul_s", 1, 0, 0, 0, s1v), ("add_s", 2, 1, 0, 0, s2v)],
                                1, 3, [2])
            want, wbits = np.empty(n), np.zeros(words, np.uint64)
            two.run([(x, mv)], [(want, wbits)], n, threads=threads)
            for prog, sc in (
                (_core.Program([("muladd_s", 1, 0, 0, 0, s1v, 0, 0, 0)], 1, 2, [1], 1),
                 np.array([s2v])),
                (_core.Program([("muladd_s", 1, 0, 0, 0, 0.0, 0, _core.F_SREG, 1)], 1, 2, [1],
                               2), np.array([s1v, s2v])),
            ):
                out, bits = np.empty(n), np.zeros(words, np.uint64)
                prog.run([(x, mv)], [(out, bits)], n, scalars=sc,
                         scalars_valid=np.ones(len(sc), np.uint8), threads=threads)
                assert np.array_equal(bits, wbits)
                assert same_ieee(out[valid], want[valid]), (s1v, s2v)
                with np.errstate(all="ignore"):
                    assert same_ieee(out[valid], (x * s1v + s2v)[valid]), (s1v, s2v)
        assert np.all(out[:3] == 0.0)  # the last pair: two roundings, not one
        # a null scalar, either one, nulls every row
        prog = _core.Program([("muladd_s", 1, 0, 0, 0, 0.0, 0, _core.F_SREG, 1)], 1, 2, [1], 2)
        for sv in ([1, 0], [0, 1]):
            svalid = np.array(sv, np.uint8)
            assert prog.may_null([False], svalid) == [True]
            out, bits = np.empty(n), np.ones(words, np.uint64)
            prog.run([(x, None)], [(out, bits)], n, scalars=np.array([2.0, 1.0]),
                     scalars_valid=svalid, threads=threads)
            assert not bits.any()
        assert prog.may_null([False], np.array([1, 1], np.uint8)) == [False]
    finally:
        _core.set_stream_min(before_stream)
    # through the planner: each form against its two separate ops
    col = blawk.Column(x, valid=valid)
    X = blawk.col("x")
    before_threads = blawk.get_threads()
    try:
        blawk.set_threads(threads)
        for s1v, s2v in pairs:
            m = column_node(blawk.compute(X * s1v, x=col))
            forms = [(X * s1v + s2v, m + s2v), (s2v + X * s1v, s2v + m),
                     (s1v * X + s2v, m + s2v)]
            if s2v == s2v:  # - NaN stays two ops
                forms.append((X * s1v - s2v, m - s2v))
            for e, ref in forms:
                # (x - 0.0 is simplified to x before it reaches the planner)
                assert "muladd_s" in blawk.explain(e) or e.op == "*", e
                got, want = blawk.compute(e, x=col), blawk.compute(ref)
                assert np.array_equal(got.is_valid(), valid)
                assert same_ieee(got.values[valid], want.values[valid]), (e, s1v, s2v)
        # scalar registers: x * std + mean; a null reduction nulls every row
        e = X * X.std() + X.mean()
        assert "muladd_s r0 * s0 + s1" in blawk.explain(e)
        sd, mu = blawk.compute(X.std(), x=col), blawk.compute(X.mean(), x=col)
        got = blawk.compute(e, x=col)
        with np.errstate(all="ignore"):
            assert same_ieee(got.values[valid], (x * sd + mu)[valid])
        allnull = blawk.Column(x[:10], valid=np.zeros(10, bool))
        assert blawk.compute(e, x=allnull).null_count == 10
        assert blawk.compute(X * 2.0 + X.mean(), x=allnull).null_count == 10
    finally:
        blawk.set_threads(before_threads)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_mean_and_std_of_one_register_share_a_pass(isa: str, threads: int) -> None:
    """A sum/mean and a var/std of the same register run as one paired
    partial (one pass fewer over each block): the same bits as each alone,
    with nulls, specials, blocks with no valid value and any thread count."""
    rng = np.random.default_rng(9)
    n = 5000
    x = 1e6 + rng.standard_normal(n)
    x[rng.integers(0, n, 30)] = rng.choice([0.0, -0.0, 1e300, -5.0], 30)
    valid = rng.random(n) > 0.2
    valid[1024:2048] = False  # a block with nothing valid
    col = blawk.Column(x, valid=valid)
    X = blawk.col("x")
    before = blawk.get_threads()
    try:
        blawk.set_threads(threads)
        for s_op, v_op in (("mean", "std"), ("sum", "var"), ("sum0", "std"), ("mean", "var")):
            s_e = getattr(blawk, s_op)(X)
            v_e = getattr(blawk, v_op)(X)
            both = blawk.compute([s_e, v_e], x=col)
            alone = [blawk.compute(s_e, x=col), blawk.compute(v_e, x=col)]
            assert same_ieee(np.array(both, float), np.array(alone, float)), (s_op, v_op)
            for data in (np.array([np.nan, 1.0, np.inf]), np.array([-0.0, -0.0, -0.0])):
                got = blawk.compute([s_e, v_e], x=data)
                want = [blawk.compute(s_e, x=data), blawk.compute(v_e, x=data)]
                assert same_ieee(np.array(got, float), np.array(want, float)), (s_op, data)
        # zscore uses the pair: its result is the unpaired formula's, bit for bit
        z = blawk.compute(X.zscore(), x=col)
        m, sd = blawk.compute(X.mean(), x=col), blawk.compute(X.std(), x=col)
        with np.errstate(all="ignore"):
            assert same_ieee(z.values[valid], ((x - m) / sd)[valid])
    finally:
        blawk.set_threads(before)


def test_lone_min_max_of_an_input_one_call(isa: str) -> None:
    """On one thread a lone min/max of an input runs as one kernel call over
    the whole column: the same value as the blocked path (two threads, or a
    computed operand), with nulls, NaN, signed zeros, all-null and empty."""
    rng = np.random.default_rng(4)
    X = blawk.col("x")
    before = blawk.get_threads()
    cases = []
    for n in (0, 1, 63, 64, 1000, 5000, 70_000):
        x = rng.standard_normal(n)
        if n > 10:
            x[rng.integers(0, n, 5)] = rng.choice([0.0, -0.0, np.inf, -np.inf], 5)
        cases.append(blawk.Column(x))
        cases.append(blawk.Column(x, valid=rng.random(n) > 0.3))
        cases.append(blawk.Column(x, valid=np.zeros(n, bool)))
        zeros = np.where(rng.random(n) > 0.5, 0.0, -0.0)
        cases.append(blawk.Column(zeros))
        if n > 10:
            y = x.copy()
            y[n // 2] = np.nan
            cases.append(blawk.Column(y, valid=rng.random(n) > 0.3))
    try:
        for col in cases:
            for op in ("min", "max"):
                blawk.set_threads(1)
                one = blawk.compute(getattr(X, op)(), x=col)
                # a computed operand (the same values) takes the blocked path
                blocked = blawk.compute(getattr(blawk.where(X, X, X), op)(), x=col)
                blawk.set_threads(2)
                two = blawk.compute(getattr(X, op)(), x=col)
                vals = col.values[col.is_valid()]
                if len(vals) == 0:
                    assert one is None and blocked is None and two is None
                    continue
                assert same_ieee(np.array([one, two]), np.array([blocked, blocked])), op
                if np.isnan(vals).any():
                    assert np.isnan(one)
                else:
                    want = getattr(np, op)(vals)
                    if want == 0:  # -0.0 below +0.0
                        neg = np.signbit(vals[vals == 0])
                        want = -0.0 if (neg.any() if op == "min" else neg.all()) else 0.0
                    assert same_ieee(np.array([one]), np.array([want])), op
    finally:
        blawk.set_threads(before)


def _cumext_ref(x: np.ndarray, valid: np.ndarray, ismax: bool) -> np.ndarray:
    """Row by row: the running extreme of the valid rows, -0.0 below +0.0, a NaN
    sticks; 0.0 under nulls and before the first valid row."""
    out = np.zeros(len(x))
    acc, have = 0.0, False
    for i, (v, ok) in enumerate(zip(x.tolist(), valid.tolist(), strict=True)):
        if not ok:
            continue
        if not have:
            acc, have = v, True
        elif acc == acc:
            key = (v, not np.signbit(v)) if ismax else (-v, bool(np.signbit(v)))
            best = (acc, not np.signbit(acc)) if ismax else (-acc, bool(np.signbit(acc)))
            if v != v or key > best:
                acc = v
        out[i] = acc
    return out


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_lone_cummax_cummin_one_call(op: str, isa: str) -> None:
    """A lone cummax/cummin of an input runs as one scan call over the whole
    column: the bits of the blocked path (a computed operand, the same values)
    and of the row-by-row reference, bitmap included, for lengths around the
    vector widths, bitmap words and blocks, with nulls, NaN (early, late, in
    a later block), infinities and signed-zero ties."""
    rng = np.random.default_rng(31)
    X = blawk.col("x")
    lengths = EDGE_LENGTHS + [4 * B + 17, 20_000]
    for n in lengths:
        for trial in range(4):
            x = rng.standard_normal(n) * 10
            if n:
                k = max(1, n // 20)
                x[rng.integers(0, n, k)] = rng.choice([0.0, -0.0, np.inf, -np.inf], k)
            if trial == 1:  # the extreme sits on the zeros: only the sign differs
                x = np.where(rng.random(n) > 0.5, 0.0, -0.0) - (rng.random(n) > 0.8) * 1.0
                if op == "cummin":
                    x = -x
            if trial >= 2 and n:
                late = n - 1 - rng.integers(0, min(n, 20))
                x[rng.integers(0, n) if trial == 2 else late] = np.nan
            for pattern in ("none", "mixed", "null"):
                valid = {"none": np.ones(n, bool), "mixed": rng.random(n) > 0.3,
                         "null": np.zeros(n, bool)}[pattern]
                col = blawk.Column(x) if pattern == "none" else blawk.Column(x, valid=valid)
                one = blawk.compute(getattr(X, op)(), x=col)
                blocked = blawk.compute(getattr(blawk.where(X, X, X), op)(), x=col)
                want = _cumext_ref(x, valid, op == "cummax")
                assert np.array_equal(one.is_valid(), valid), (n, trial, pattern)
                assert np.array_equal(blocked.is_valid(), valid), (n, trial, pattern)
                assert same_ieee(one.values, want), (n, trial, pattern)
                assert same_ieee(blocked.values, want), (n, trial, pattern)


def test_many_moments_pair_up_with_the_same_bits() -> None:
    """Several sums/means and vars/stds over several registers in one program:
    each pairs with a partner of its own register (or runs alone), and every
    result has the bits it has computed alone."""
    rng = np.random.default_rng(12)
    cols = {k: blawk.Column(rng.standard_normal(3000) * 1e3 + 7, valid=rng.random(3000) > 0.1)
            for k in "abc"}
    exprs = []
    for k in "abc":
        c = blawk.col(k)
        exprs += [c.mean(), c.std(), c.var(), c.sum(), c.std(ddof=0)]
    exprs += [(blawk.col("a") * 2.0).mean(), blawk.col("a").mean() + 1.0]
    got = blawk.compute(exprs, **cols)
    want = [blawk.compute(e, **cols) for e in exprs]
    assert same_ieee(np.array(got, float), np.array(want, float))


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_streamed_outputs_same_bits(isa: str, threads: int) -> None:
    """Outputs larger than the last-level cache are written with non-temporal
    stores (forced here at every size): the same bits, into an `out=` at any
    alignment, in place over the materialized column of zscore's second pass,
    and with a lag reading an output back (that output keeps ordinary stores)."""
    rng = np.random.default_rng(21)
    n = 70 * B + 37
    x = prices(rng, n)
    ok = random_validity(rng, n, "sparse")
    c = blawk.Column(x, valid=ok)
    X = blawk.col("x")
    # the last three are lone maps of inputs: each thread's range in one call
    exprs = [X.dlog(1) * 252 + 1, blawk.zscore(X.dlog(1) * 252), (X * 1.5 + 2) * X / (X + 4),
             X * 1.5, X.sqrt(), X - blawk.col("x")]
    before = _core.stream_min()
    try:
        blawk.set_threads(1)
        want = [blawk.compute(e, x=c) for e in exprs]
        y = blawk.compute(X * 2, x=c)
        want_lagged = blawk.compute([X * 2, (X * 2).shift(3) + X], x=c)
        blawk.set_threads(threads)
        _core.set_stream_min(0)
        for e, w in zip(exprs, want, strict=True):
            assert blawk.compute(e, x=c).equals(w)
            for off in range(1, 8):  # out= starting off doubles past a 64-byte boundary
                buf = np.empty(n + 8)
                k = ((8 * off - buf.ctypes.data) % 64) // 8
                got = blawk.compute(e, x=c, out=buf[k:k + n])
                assert got.values.ctypes.data % 64 == 8 * off
                assert got.equals(w)
        got_lagged = blawk.compute([X * 2, (X * 2).shift(3) + X], x=c)
        assert all(g.equals(w) for g, w in zip(got_lagged, want_lagged, strict=True))
        assert got_lagged[0].equals(y)
    finally:
        blawk.set_threads(None)
        _core.set_stream_min(before)


def test_stream_threshold_default() -> None:
    """By default only outputs of at least the last-level cache's size stream."""
    assert _core.stream_min() >= 1 << 20


def test_thread_budget_default() -> None:
    """By default a stage gets a second thread only for an estimated 30 us of
    work per thread: cheap maps on 2e5 elements stay on one thread, a rolling
    std over 3e4 or a log over 1e6 gets two, a sum stays on one (its per-block
    partials would cost more); results are the same bits."""
    c = blawk.col("x")
    x = np.random.default_rng(5).uniform(1, 2, 1_000_000)
    cases = [(c * 2.0, 200_000, 1), (c.sum(), 1_000_000, 1), (c.mstd(250), 30_000, 2),
             (c.log(), 1_000_000, 2), (c.mstd(250), 10_000, 1), (c.log(), 200_000, 2)]
    before = blawk.get_threads()
    old = _core.set_thread_min_ns(30e3)
    try:
        assert _core.thread_min_ns() == 30e3
        for e, n, want in cases:
            blawk.set_threads(2)
            got = blawk.compute(e, x=x[:n])
            assert _core.last_threads() == want, (e, n)
            blawk.set_threads(1)
            ref = blawk.compute(e, x=x[:n])
            assert _core.last_threads() == 1
            if isinstance(got, float):
                assert got == ref
            else:
                assert got.equals(ref)
    finally:
        _core.set_thread_min_ns(old)
        blawk.set_threads(before)
    # 0 = thread whenever the stage allows it and each thread has a block
    old = _core.set_thread_min_ns(0)
    try:
        blawk.set_threads(2)
        blawk.compute(c * 2.0, x=x[:2 * blawk.BLOCK_SIZE])
        assert _core.last_threads() == 2
        blawk.compute(c * 2.0, x=x[:blawk.BLOCK_SIZE])
        assert _core.last_threads() == 1
    finally:
        _core.set_thread_min_ns(old)
        blawk.set_threads(before)


def test_thread_pool_concurrent_callers_and_fork() -> None:
    """The VM's worker pool: Python threads computing at the same time (one
    gets the pool, the others start threads of their own), more VM threads
    than cores, and a forked child (which starts with an empty pool) all give
    the one-thread bits."""
    import os
    import threading

    c = blawk.col("x")
    e = c.mstd(20) * 2.0 + c.log()
    x = np.random.default_rng(8).uniform(1, 2, 40 * blawk.BLOCK_SIZE)
    before = blawk.get_threads()
    try:
        blawk.set_threads(1)
        want = blawk.compute(e, x=x)
        for t in (2, 3, 5):
            blawk.set_threads(t)
            assert blawk.compute(e, x=x).equals(want)
            assert _core.last_threads() == t
        blawk.set_threads(2)
        results: list[bool] = []

        def work() -> None:
            for _ in range(20):
                results.append(blawk.compute(e, x=x).equals(want))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert len(results) == 80 and all(results)
        pid = os.fork()
        if pid == 0:  # the child: exit 0 only if threaded results are right
            ok = all(blawk.compute(e, x=x).equals(want) for _ in range(5))
            os._exit(0 if ok and _core.last_threads() == 2 else 1)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        blawk.set_threads(before)
