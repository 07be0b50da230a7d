#!/usr/bin/env python3
"""Generate csrc/kernels/vmath_tables.{c,h} and csrc/kernels/vexpm1_consts.h:
tables and polynomial coefficients for blawk's vectorised log, exp and expm1
(see docs/vmath.md).

    python tools/gen_vmath_tables.py            # rewrite the three files
    python tools/gen_vmath_tables.py --check    # exit 1 if any would change

Everything is computed with mpmath at 256 bits and rounded to double once, so
the output is deterministic (byte-identical on every run).  Takes ~10 s.

log
---
x = 2^k * z with z in [0.75, 1.5) (what vgetmantpd gives).  The table index is
the top four mantissa bits of fl(z + 1/32), which splits [0.75, 1.5) into 16
intervals; interval 0 is [31/32, 33/32) so that 1 sits in its middle.  Each
interval j gets invc_j = M / 2^q with few significant bits, chosen so that
r = z * invc_j - 1 is exactly representable for every double z of the
interval (so fma(z, invc, -1) is exact) and max |r| is as small as possible.
logc_j = -log(invc_j) is split into hi (a multiple of 2^-42, so that
k * ln2_hi + logc_hi is exact for |k| <= 1074) and lo.  log1p(r) is
approximated by r + r^2 * P(r), P of degree 8 fitted by Remez (relative
error) on the exact range of r.  invc is also packed into the low 18 bits of
logc_lo (harmless there: < 2^-78) so that an AVX2 row is only 16 bytes; the
AVX2 rows are keyed by mantissa bits 51..47 of x, which determine the index.

exp
---
k = round(x * 16/ln2), r = x - k*ln2/16 (Cody-Waite, ln2/16 split hi/lo with
hi a multiple of 2^-42 so k*hi is exact), exp(x) = 2^floor(k/16) *
T[k mod 16] * exp(r) with T[j] = 2^(j/16) stored as hi + lo, and
exp(r) - 1 approximated by r + r^2 * Q(r), Q of degree 5 fitted by Remez
(relative error) on |r| <= ln2/32 (plus a hair).

expm1
-----
No table: k = round(x/ln2), r = x - k*ln2 (Cody-Waite, ln2 split hi/lo with
hi a multiple of 2^-42), |r| <= ln2/2 (plus a hair), and
expm1(r) = r + r^2/2 + r^3 * P(r), P of degree 9 fitted by Remez (relative
error of P) on that interval.  The coefficients go to vexpm1_consts.h, a
header of its own.

pow
---
log|x| in double-double from the log reduction and table:
log1p(r) = r - r^2/2 + r^3/3 + r^4 Q(r), Q of degree 8 fitted by Remez
(relative error of (log1p(r) - r + r^2/2 - r^3/3)/r^4) on the same range of
r; exp of the double-double y*log|x| uses exp's reduction, table and
polynomial.
"""
import struct
import sys
from fractions import Fraction as F
from pathlib import Path

import mpmath as mp

mp.mp.prec = 256
ROOT = Path(__file__).resolve().parent.parent
OUT_C = ROOT / "csrc" / "kernels" / "vmath_tables.c"
OUT_H = ROOT / "csrc" / "kernels" / "vmath_tables.h"
OUT_EXPM1 = ROOT / "csrc" / "kernels" / "vexpm1_consts.h"

LOG_PDEG = 8   # P(r): c2 + c3 r + ... + c10 r^8
POW_QDEG = 8   # pow's log: Q(r): c4 + c5 r + ... + c12 r^8
EXP_QDEG = 5   # Q(r): c2 + c3 r + ... + c7 r^5
EXPM1_PDEG = 9  # P(r): c3 + c4 r + ... + c12 r^9


# ---------------------------------------------------------------- helpers
def mpq(v):
    """Exact mpf of a Fraction (all ours have power-of-two denominators)."""
    return mp.mpf(v.numerator) / v.denominator if isinstance(v, F) else mp.mpf(v)


def to_double(v):
    """Round an mpf / Fraction to the nearest double (ties to even)."""
    return float(v) if isinstance(v, F) else float(mp.mpf(v))


def hexd(d):
    """C99 hex literal for a double."""
    if d == 0:
        return "0x0p+0" if str(d)[0] != "-" else "-0x0p+0"
    return d.hex()


def round_to_grid(v, e):
    """Nearest multiple of 2^-e to v (v mpf), as an exact Fraction."""
    s = mp.nint(v * mp.mpf(2) ** e)
    return F(int(s), 2 ** e)


def remez(f, a, b, deg, iters=40, grid=2000):
    """Minimax polynomial for f on [a, b] in the relative sense.
    Returns (coefficients low->high as mpf, max relative error)."""
    n = deg
    pts = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * i / (n + 1))
           for i in range(n + 2)]
    xs = [a + (b - a) * mp.mpf(i) / grid for i in range(grid + 1)]
    fx = [f(x) for x in xs]
    best = None
    for _ in range(iters):
        A = mp.matrix(n + 2, n + 2)
        y = mp.matrix(n + 2, 1)
        for i, x in enumerate(pts):
            fv = f(x)
            for j in range(n + 1):
                A[i, j] = x ** j
            A[i, n + 1] = (-1) ** i * abs(fv)
            y[i] = fv
        sol = mp.lu_solve(A, y)
        c = [sol[j] for j in range(n + 1)]
        ev = [(mp.polyval(c[::-1], x) - v) / v for x, v in zip(xs, fx, strict=True)]
        m = max(abs(e) for e in ev)
        if best is None or m < best[1]:
            best = (c, m)
        ext = [i for i in range(len(xs))
               if i == 0 or i == len(xs) - 1
               or (abs(ev[i]) >= abs(ev[i - 1]) and abs(ev[i]) >= abs(ev[i + 1]))]
        alt = []
        for i in ext:
            if alt and mp.sign(ev[alt[-1]]) == mp.sign(ev[i]):
                if abs(ev[i]) > abs(ev[alt[-1]]):
                    alt[-1] = i
            else:
                alt.append(i)
        while len(alt) > n + 2:
            if abs(ev[alt[0]]) < abs(ev[alt[-1]]):
                alt.pop(0)
            else:
                alt.pop()
        if len(alt) < n + 2:
            break
        new = [xs[i] for i in alt]
        if all(abs(p - q) < (b - a) * mp.mpf(2) ** -40 for p, q in zip(new, pts, strict=True)):
            break
        pts = new
    return best


def max_err(fun, a, b, npts=20001):
    return max(abs(fun(a + (b - a) * mp.mpf(i) / npts)) for i in range(npts + 1))


# ---------------------------------------------------------------- log
def pack_invc(lo, invc):
    """logc_lo with its low 18 bits replaced by invc's code, so that
    invc = bits(logc_lo) << 46 + bits(1.0) (mod 2^64): one table row holds
    all three values.  The perturbation of logc_lo (~2^-44) is below 2^-78,
    and the row with invc == 1 keeps logc_lo == 0 exactly (code 0)."""
    ib = struct.unpack("<Q", struct.pack("<d", invc))[0]
    diff = (ib - 0x3FF0000000000000) % 2**64
    assert diff % 2**46 == 0
    code = diff >> 46
    assert (code << 46) % 2**64 == diff and code < 2**18
    lb = struct.unpack("<Q", struct.pack("<d", lo))[0]
    lb = (lb & ~(2**18 - 1)) | code
    out = struct.unpack("<d", struct.pack("<Q", lb))[0]
    assert lo == 0 and out == 0 or abs(out - lo) < 2.0 ** -78
    return out


def g_log(r):
    """(log1p(r) - r) / r^2, with the series near 0 (cancellation)."""
    if abs(r) < mp.mpf(2) ** -40:
        return sum((-1) ** (k + 1) * r ** k / (k + 2) for k in range(10))
    return (mp.log1p(r) - r) / r ** 2


def log_intervals():
    """[lo, hi) of z for each index j = top 4 mantissa bits of z + 1/32.
    For z < 1 the sum is exact; above 1 it can round, but never across a
    1/16 boundary (z < 1 keeps the sum below 33/32), so these are exact."""
    iv = []
    for j in range(16):
        if j <= 8:
            lo = 1 + F(j, 16) - F(1, 32)
            hi = lo + F(1, 16)
        else:
            lo = F(1, 2) * (1 + F(j, 16)) - F(1, 32)
            hi = lo + F(1, 32)
        iv.append((max(lo, F(3, 4)), min(hi, F(3, 2))))
    return iv


def log_index_of_key(key):
    """Table index for a positive normal x whose mantissa bits 51..47 are
    `key`: the index is a function of those bits alone (the AVX2 code uses
    this).  Mantissa m in [1,2): z = m (m < 1.5) or m/2, idx = top 4
    mantissa bits of z + 1/32, i.e. of m + 1/32 or of (m + 1/16)/2."""
    mant = key << 47
    add = 2 ** 48 if key & 16 else 2 ** 47
    j = ((mant + add) >> 48) & 15
    # cross-check against the interval definition at both ends of the key
    for m in (1 + F(key, 32), 1 + F(key + 1, 32) - F(1, 2 ** 52)):
        z = m if m < F(3, 2) else m / 2
        lo, hi = log_intervals()[j]
        assert lo <= z < hi
    return j


def log_invc(lo, hi):
    """Shortest-error invc = M/2^q with z*invc - 1 exact on [lo, hi)."""
    if lo < 1 < hi:
        return F(1), 0   # r = z - 1, exact (Sterbenz); log c = 0 exactly
    best = None
    for q in range(1, 12):
        for M in range(2 ** q // 2, 2 ** (q + 1)):
            invc = F(M, 2 ** q)
            R = max(abs(lo * invc - 1), abs(hi * invc - 1))
            # z = Z * 2^-52 (z >= 1) or Z * 2^-53 (z < 1):  r = N * 2^-(52+q)
            # or N * 2^-(53+q) and it is exact as long as |N| < 2^53.
            bound = F(2, 2 ** q) if lo >= 1 else F(1, 2 ** q)
            if R < bound and (best is None or R < best[0]):
                best = (R, invc)
    return best[1], best[0]


def gen_log():
    ln2 = mp.log(2)
    ln2_hi = round_to_grid(ln2, 42)
    ln2_lo = to_double(ln2 - mpq(ln2_hi))
    invc, lhi, llo = [], [], []
    rmin, rmax = F(0), F(0)
    for j, (lo, hi) in enumerate(log_intervals()):
        ic, R = log_invc(lo, hi)
        assert F(to_double(ic)) == ic
        logc = -mp.log(mpq(ic))
        h = round_to_grid(logc, 42)
        invc.append(float(ic))
        lhi.append(float(h))
        assert F(lhi[-1]) == h
        llo.append(pack_invc(to_double(logc - mpq(h)), float(ic)))
        rmin = min(rmin, lo * ic - 1)
        rmax = max(rmax, hi * ic - 1)
        # Fast2Sum(t, r) with t = logc_hi (k == 0) needs |t| >= |r|.
        assert j == 0 or abs(h) >= R
    # a hair of slack on the fitting interval
    a = mpq(rmin) * (1 + mp.mpf(2) ** -20)
    b = mpq(rmax) * (1 + mp.mpf(2) ** -20)
    c, _ = remez(g_log, a, b, LOG_PDEG)
    cd = [to_double(v) for v in c]
    # error of the rounded polynomial for log1p: |r + r^2 P(r) - log1p(r)| / |log1p(r)|
    def e(r):
        if r == 0:
            return mp.mpf(0)
        return (r + r * r * mp.polyval([mp.mpf(v) for v in cd[::-1]], r)
                - mp.log1p(r)) / mp.log1p(r)
    err = max_err(e, a, b)
    # log2 / log10 = log * C with C = 1/ln2, 1/ln10 as hi + lo
    consts = {}
    for name, v in (("INVLN2", 1 / ln2), ("INVLN10", 1 / mp.log(10))):
        h = to_double(v)
        consts[name] = (h, to_double(v - mp.mpf(h)))
    return dict(ln2_hi=float(ln2_hi), ln2_lo=ln2_lo, invc=invc, logc_hi=lhi,
                logc_lo=llo, poly=cd, rmin=float(rmin), rmax=float(rmax),
                err=err, consts=consts)


# ---------------------------------------------------------------- pow
def g_pow(r):
    """(log1p(r) - r + r^2/2 - r^3/3) / r^4, with the series near 0."""
    if abs(r) < mp.mpf(2) ** -30:
        return sum((-1) ** (k + 1) * r ** k / (k + 4) for k in range(12))
    return (mp.log1p(r) - r + r * r / 2 - r ** 3 / 3) / r ** 4


def gen_pow(lg):
    """pow's log: the same reduction and table as log, log1p(r) = r - r^2/2
    + r^3/3 + r^4 Q(r) with r^2/2 and r^3/3 kept in double-double and Q
    fitted for the relative error of g_pow; reported: the relative error of
    the whole approximation of log1p(r) (exact arithmetic)."""
    a = mp.mpf(lg["rmin"]) * (1 + mp.mpf(2) ** -20)
    b = mp.mpf(lg["rmax"]) * (1 + mp.mpf(2) ** -20)
    c, _ = remez(g_pow, a, b, POW_QDEG)
    cd = [to_double(v) for v in c]
    def e(r):
        if r == 0:
            return mp.mpf(0)
        q = mp.polyval([mp.mpf(v) for v in cd[::-1]], r)
        return (r - r * r / 2 + r ** 3 / 3 + r ** 4 * q - mp.log1p(r)) / mp.log1p(r)
    third = mp.mpf(1) / 3
    th = to_double(third)
    return dict(poly=cd, err=max_err(e, a, b), third=(th, to_double(third - mp.mpf(th))))


# ---------------------------------------------------------------- exp
def g_exp(r):
    if abs(r) < mp.mpf(2) ** -40:
        return sum(r ** k / mp.factorial(k + 2) for k in range(10))
    return (mp.expm1(r) - r) / r ** 2


def gen_exp():
    ln2 = mp.log(2)
    inv = to_double(16 / ln2)
    L = ln2 / 16
    l_hi = round_to_grid(L, 42)
    l_lo = to_double(L - mpq(l_hi))
    thi, tlo = [], []
    for j in range(16):
        t = mp.mpf(2) ** (mp.mpf(j) / 16)
        h = to_double(t)
        thi.append(h)
        tlo.append(to_double(t - mpq(h)))
    R = ln2 / 32 * (1 + mp.mpf(2) ** -30)
    c, _ = remez(g_exp, -R, R, EXP_QDEG)
    cd = [to_double(v) for v in c]
    def e(r):   # error of 1 + r + r^2 Q(r) relative to exp(r)
        return (1 + r + r * r * mp.polyval([mp.mpf(v) for v in cd[::-1]], r)
                - mp.exp(r)) / mp.exp(r)
    err = max_err(e, -R, R)
    return dict(inv=inv, l_hi=float(l_hi), l_lo=l_lo, thi=thi, tlo=tlo,
                poly=cd, R=float(R), err=err)


# ---------------------------------------------------------------- expm1
def g_expm1(r):
    """(expm1(r) - r - r^2/2) / r^3, with the series near 0 (cancellation)."""
    if abs(r) < mp.mpf(2) ** -30:
        return sum(r ** k / mp.factorial(k + 3) for k in range(12))
    return (mp.expm1(r) - r - r * r / 2) / r ** 3


def gen_expm1():
    ln2 = mp.log(2)
    ln2_hi = round_to_grid(ln2, 42)
    ln2_lo = to_double(ln2 - mpq(ln2_hi))
    R = ln2 / 2 * (1 + mp.mpf(2) ** -30)
    c, _ = remez(g_expm1, -R, R, EXPM1_PDEG)
    cd = [to_double(v) for v in c]
    def e(r):   # relative error of the rounded P
        return (mp.polyval([mp.mpf(v) for v in cd[::-1]], r) - g_expm1(r)) / g_expm1(r)
    err = max_err(e, -R, R, 4001)
    return dict(inv=to_double(1 / ln2), ln2_hi=float(ln2_hi), ln2_lo=ln2_lo,
                poly=cd, R=float(R), err=err)


def render_expm1(em):
    d = EXPM1_PDEG
    what = "Constants of blawk's expm1 (csrc/kernels/vexpm1_*.c); see docs/vmath.md."
    h = [HEAD + f" *\n * {what}\n */",
         "#ifndef BLAWK_VEXPM1_CONSTS_H", "#define BLAWK_VEXPM1_CONSTS_H", "",
         "/* k = round(x/ln2) (via fma with SHIFT), r = x - k*LN2_HI - k*LN2_LO,",
         f" * |r| <= {em['R'].hex()}; expm1(r) ~ r + r^2/2"
         f" + r^3*(C3 + C4 r + ... + C{d + 3} r^{d});",
         f" * max relative error of the rounded P 2^{log2s(em['err'])}"
         " (mostly the rounding of C3 = 1/6). */",
         f"#define BLAWK_VEXPM1_INVLN2 {hexd(em['inv'])}  /* 1/ln2 */",
         "#define BLAWK_VEXPM1_SHIFT 0x1.8p+52",
         f"#define BLAWK_VEXPM1_LN2_HI {hexd(em['ln2_hi'])}  /* multiple of 2^-42 */",
         f"#define BLAWK_VEXPM1_LN2_LO {hexd(em['ln2_lo'])}",
         "#define BLAWK_VEXPM1_XMAX 0x1.63p+9  /* 710: expm1 overflows above ~709.78 */",
         "#define BLAWK_VEXPM1_XMIN -0x1.4p+5  /* -40: expm1 is -1 below ~-37.43 */"]
    for i, v in enumerate(em["poly"]):
        h.append(f"#define BLAWK_VEXPM1_C{i + 3} {hexd(v)}")
    h += ["", "#endif", ""]
    return "\n".join(h)


# ---------------------------------------------------------------- output
def arr(name, vals):
    lines = [f"BLAWK_VMATH_ALIGN const double {name}[16] = {{"]
    for i in range(0, 16, 4):
        lines.append("    " + ", ".join(f"{hexd(v):>24}" for v in vals[i:i + 4]) + ",")
    lines.append("};")
    return "\n".join(lines)


def log2s(v):
    return f"{float(mp.log(abs(v), 2)):.1f}" if v != 0 else "-inf"


HEAD = """/*
 * GENERATED by tools/gen_vmath_tables.py -- do not edit by hand.
 * (python tools/gen_vmath_tables.py rewrites this file; mpmath at 256
 * bits, every value rounded once to the nearest double.)
"""

EXTERNS = """\
extern const double blawk_vlog_invc[16];     /* short: at most 7 significant bits */
extern const double blawk_vlog_logc_hi[16];  /* -log(invc), multiple of 2^-42 */
/* -log(invc) - logc_hi; its low 18 bits hold invc (see INVC_BIAS) */
extern const double blawk_vlog_logc_lo[16];
extern const double blawk_vexp_thi[16];      /* 2^(j/16) rounded */
extern const double blawk_vexp_tlo[16];      /* 2^(j/16) - thi */
/* AVX2: row = mantissa bits 51..47 of x: logc_hi, logc_lo of its index */
extern const double blawk_vlog_rows[64];
extern const double blawk_vexp_rows[32];     /* row j: thi, tlo */
"""


def render(lg, ex, pw):
    rmin, rmax = lg["rmin"], lg["rmax"]
    ld, ed = LOG_PDEG, EXP_QDEG
    h = [HEAD + " *\n * Constants and tables of blawk's log and exp; see docs/vmath.md.\n */",
         "#ifndef BLAWK_VMATH_TABLES_H", "#define BLAWK_VMATH_TABLES_H", "",
         "#if defined(__GNUC__)",
         "#define BLAWK_VMATH_ALIGN __attribute__((aligned(64)))",
         "#else", "#define BLAWK_VMATH_ALIGN", "#endif", "",
         "/* ---- log ---- */",
         "/* z in [0.75,1.5), idx = top 4 mantissa bits of z + 1/32; r = z*invc - 1 (exact)",
         f" * lies in [{rmin.hex()}, {rmax.hex()}] = [{rmin:.6f}, {rmax:.6f}].",
         f" * log1p(r) ~ r + r^2*(C2 + C3 r + ... + C{ld + 2} r^{ld}); max relative error",
         f" * of the rounded coefficients (exact arithmetic) 2^{log2s(lg['err'])}. */",
         "#define BLAWK_VLOG_IDX_OFFSET 0x1p-5",
         "/* invc is also packed in the low 18 bits of logc_lo:",
         " * bits(invc) = (bits(logc_lo) << 46) + INVC_BIAS (mod 2^64). */",
         "#define BLAWK_VLOG_INVC_BIAS 0x3ff0000000000000ULL",
         f"#define BLAWK_VLOG_LN2_HI {hexd(lg['ln2_hi'])}  /* multiple of 2^-42 */",
         f"#define BLAWK_VLOG_LN2_LO {hexd(lg['ln2_lo'])}"]
    for i, v in enumerate(lg["poly"]):
        h.append(f"#define BLAWK_VLOG_C{i + 2} {hexd(v)}")
    h += ["/* log2 x = log x * (INVLN2_HI + INVLN2_LO), log10 x = log x * (INVLN10_HI + ...),",
          " * each pair = RN(C) + RN(C - RN(C)) */"]
    for name, (chi, clo) in lg["consts"].items():
        h.append(f"#define BLAWK_VLOG_{name}_HI {hexd(chi)}")
        h.append(f"#define BLAWK_VLOG_{name}_LO {hexd(clo)}")
    h += ["",
          "/* ---- exp ---- */",
          "/* k = round(x * 16/ln2) (via fma with SHIFT), r = x - k*L_HI - k*L_LO,",
          f" * |r| <= {ex['R'].hex()}; exp(r) ~ 1 + r + r^2*(C2 + C3 r + ... + C{ed + 2} r^{ed});",
          f" * max relative error of the rounded coefficients 2^{log2s(ex['err'])}. */",
          f"#define BLAWK_VEXP_INVLN2N {hexd(ex['inv'])}  /* 16/ln2 */",
          "#define BLAWK_VEXP_SHIFT 0x1.8p+52",
          f"#define BLAWK_VEXP_L_HI {hexd(ex['l_hi'])}  /* ln2/16, multiple of 2^-42 */",
          f"#define BLAWK_VEXP_L_LO {hexd(ex['l_lo'])}",
          "#define BLAWK_VEXP_XMAX 0x1.63p+9    /* 710: exp overflows above ~709.78 */",
          "#define BLAWK_VEXP_XMIN -0x1.750p+9  /* -746: exp is +0 below ~-745.13 */"]
    for i, v in enumerate(ex["poly"]):
        h.append(f"#define BLAWK_VEXP_C{i + 2} {hexd(v)}")
    h += ["",
          "/* ---- pow ---- */",
          "/* log|x| for pow: the log reduction and table; log1p(r) ~ r - r^2/2 + r^3/3",
          f" * + r^4*(C4 + C5 r + ... + C{POW_QDEG + 4} r^{POW_QDEG}) with r^2/2 and r^3/3 in",
          " * double-double (1/3 = THIRD_HI + THIRD_LO); max relative error of the rounded",
          f" * coefficients (exact arithmetic) 2^{log2s(pw['err'])}. */",
          f"#define BLAWK_VPOW_THIRD_HI {hexd(pw['third'][0])}",
          f"#define BLAWK_VPOW_THIRD_LO {hexd(pw['third'][1])}"]
    for i, v in enumerate(pw["poly"]):
        h.append(f"#define BLAWK_VPOW_C{i + 4} {hexd(v)}")
    h += ["", EXTERNS + "#endif", ""]
    rows = ["BLAWK_VMATH_ALIGN const double blawk_vlog_rows[64] = {"]
    for key in range(32):
        j = log_index_of_key(key)
        hi, lo = hexd(lg["logc_hi"][j]), hexd(lg["logc_lo"][j])
        rows.append(f"    {hi}, {lo},  /* {key:2d}: idx {j} */")
    rows.append("};")
    erows = ["BLAWK_VMATH_ALIGN const double blawk_vexp_rows[32] = {"]
    for j in range(16):
        erows.append(f"    {hexd(ex['thi'][j])}, {hexd(ex['tlo'][j])},")
    erows.append("};")
    c = [HEAD + " */", '#include "vmath_tables.h"', "",
         arr("blawk_vlog_invc", lg["invc"]), "",
         arr("blawk_vlog_logc_hi", lg["logc_hi"]), "",
         arr("blawk_vlog_logc_lo", lg["logc_lo"]), "",
         arr("blawk_vexp_thi", ex["thi"]), "",
         arr("blawk_vexp_tlo", ex["tlo"]), "",
         "/* The same tables as rows, for AVX2 (loaded by index from general registers). */",
         "\n".join(rows), "", "\n".join(erows), ""]
    return "\n".join(c), "\n".join(h)


def main():
    lg = gen_log()
    ex = gen_exp()
    em = gen_expm1()
    pw = gen_pow(lg)
    c, h = render(lg, ex, pw)
    m1 = render_expm1(em)
    if "--check" in sys.argv:
        ok = all(p.exists() and p.read_text() == t
                 for p, t in ((OUT_C, c), (OUT_H, h), (OUT_EXPM1, m1)))
        print("up to date" if ok else "OUT OF DATE")
        sys.exit(0 if ok else 1)
    OUT_C.write_text(c)
    OUT_H.write_text(h)
    OUT_EXPM1.write_text(m1)
    print(f"log: r in [{lg['rmin']}, {lg['rmax']}], poly rel err 2^{log2s(lg['err'])}")
    print(f"exp: |r| <= {ex['R']}, poly rel err 2^{log2s(ex['err'])}")
    print(f"expm1: |r| <= {em['R']}, P rel err 2^{log2s(em['err'])}")
    print(f"pow's log: poly rel err 2^{log2s(pw['err'])}")


if __name__ == "__main__":
    main()
