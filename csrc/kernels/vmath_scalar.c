/*
 * vmath_scalar.c -- portable reference log, exp, log2, log10, log1p and pow
 * (see docs/vmath.md).
 *
 * This file defines the results: the AVX2 and AVX-512 versions perform the
 * same IEEE operations in the same order on the same tables, so all three are
 * bit-identical.  Every fused multiply-add of the vector code is an explicit
 * fma() here; the build uses -ffp-contract=off so nothing else gets fused.
 * Quantities that are exact (z, k, the table index, the final power-of-two
 * scaling) may be computed differently on each ISA: only their values matter.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "vmath.h"
#include "vmath_tables.h"

static inline uint64_t as_u64(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static inline double as_f64(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

#define QUIET_BIT   0x0008000000000000ull
#define DEFAULT_NAN 0xfff8000000000000ull /* x86 "QNaN indefinite" */
#define ABS_MASK    0x7fffffffffffffffull
#define INF_BITS    0x7ff0000000000000ull

/* ------------------------------------------------------------------ log */

/* log(x) = hi + lo (unevaluated) for finite x > 0, given x = z * 2^k, z in
 * [0.75, 1.5).  log1p passes x = u = fl(1 + a) and the rounding error c of
 * that sum (with_c = 1): (u + c) * 2^-k * invc - 1 = r + d with
 * d = c * invc * 2^-k; the polynomial takes r = fl(r + d), the low part the
 * error rl of that sum (Fast2Sum, exact when |r| >= |d|, and when k = 0 in
 * interval 0, where r + d = a exactly; elsewhere |result| > 0.03 and the
 * d-terms only matter at the 2^-60 level). */
static inline void log_hl(double z, double k, double c, int with_c, double *phi, double *plo)
{
    unsigned idx = (unsigned)(as_u64(z + BLAWK_VLOG_IDX_OFFSET) >> 48) & 15u;
    double invc = blawk_vlog_invc[idx];
    double r = fma(z, invc, -1.0);                         /* exact */
    double rl = 0.0;
    if (with_c) {
        /* d = c * invc * 2^-min(k, 1000), the scaling exact (for k > 1000,
         * |c| <= 1 and d is below 2^-999 either way); r + rl = r + d */
        double ks = k < 1000.0 ? k : 1000.0;
        double d = (c * invc) * as_f64((uint64_t)(1023 - (int)ks) << 52);
        double r0 = r;
        r = r0 + d;
        rl = (r0 - r) + d;
    }
    double t = fma(k, BLAWK_VLOG_LN2_HI, blawk_vlog_logc_hi[idx]); /* exact */
    double hi = t + r;
    double e1 = (t - hi) + r;                  /* Fast2Sum: |t| >= |r| or t == 0 */
    double l0 = fma(k, BLAWK_VLOG_LN2_LO, blawk_vlog_logc_lo[idx]);
    if (with_c)
        l0 = l0 + rl;
    double l1 = l0 + e1;
    double r2 = r * r;
    double a0 = fma(BLAWK_VLOG_C3, r, BLAWK_VLOG_C2);
    double a1 = fma(BLAWK_VLOG_C5, r, BLAWK_VLOG_C4);
    double a2 = fma(BLAWK_VLOG_C7, r, BLAWK_VLOG_C6);
    double a3 = fma(BLAWK_VLOG_C9, r, BLAWK_VLOG_C8);
    double p = fma(BLAWK_VLOG_C10, r2, a3);
    p = fma(p, r2, a2);
    p = fma(p, r2, a1);
    p = fma(p, r2, a0);
    *phi = hi;
    *plo = fma(r2, p, l1);
}

/* (hi + lo) * (ch + cl), rounded once at the end: hi*ch exactly as ph + pl,
 * then lo*ch and hi*cl into pl (|lo| <= |hi|/60, so their roundings are far
 * below the result's ULP). */
static inline double dd_scale(double hi, double lo, double ch, double cl)
{
    double ph = hi * ch;
    double pl = fma(hi, ch, -ph);
    pl = fma(lo, ch, pl);
    pl = fma(hi, cl, pl);
    return ph + pl;
}

/* Positive normal x (bits ix; a subnormal pre-scaled by 2^52 with kadj = -52):
 * x = z * 2^k with z in [0.75, 1.5). */
static inline void log_split(uint64_t ix, int kadj, double *z, double *k)
{
    /* x = m * 2^e, m in [1,2); z = m or m/2 so that z is in [0.75, 1.5). */
    int e = (int)(ix >> 52) - 1023 + kadj;
    uint64_t mant = ix & 0x000fffffffffffffull;
    uint64_t zb = mant | 0x3ff0000000000000ull;
    if (mant >= 0x0008000000000000ull) {            /* m >= 1.5 */
        zb = mant | 0x3fe0000000000000ull;
        e += 1;
    }
    *z = as_f64(zb);
    *k = (double)e;
}

enum { F_LOG, F_LOG2, F_LOG10 };

static inline double log_one(double x, int f)
{
    uint64_t ix = as_u64(x);
    int kadj = 0;
    if (ix - 0x0010000000000000ull >= INF_BITS - 0x0010000000000000ull) {
        /* zero, subnormal, negative, inf or NaN */
        if ((ix & ABS_MASK) > INF_BITS)
            return as_f64(ix | QUIET_BIT);          /* NaN: quiet it */
        if ((ix & ABS_MASK) == 0)
            return -HUGE_VAL;                       /* log(+-0) = -inf */
        if (ix >> 63)
            return as_f64(DEFAULT_NAN);             /* x < 0, -inf */
        if (ix == INF_BITS)
            return x;                               /* +inf */
        ix = as_u64(x * 0x1p52);                    /* subnormal: exact */
        kadj = -52;
    }
    double z, k, hi, lo;
    log_split(ix, kadj, &z, &k);
    log_hl(z, k, 0.0, 0, &hi, &lo);
    if (f == F_LOG2)
        return dd_scale(hi, lo, BLAWK_VLOG_INVLN2_HI, BLAWK_VLOG_INVLN2_LO);
    if (f == F_LOG10)
        return dd_scale(hi, lo, BLAWK_VLOG_INVLN10_HI, BLAWK_VLOG_INVLN10_LO);
    return hi + lo;
}

/* log1p(a): u = fl(1 + a) and its rounding error c (TwoSum), then log(u + c). */
static inline double log1p_one(double a)
{
    if (!(a > -1.0 && a < HUGE_VAL) || a == 0.0) {
        if (a != a)
            return as_f64(as_u64(a) | QUIET_BIT);   /* NaN: quiet it */
        if (a == 0.0 || a == HUGE_VAL)
            return a;                               /* +-0, +inf */
        if (a == -1.0)
            return -HUGE_VAL;
        return as_f64(DEFAULT_NAN);                 /* a < -1, -inf */
    }
    double u = 1.0 + a;                             /* normal: u >= 2^-53 */
    double bp = u - a;
    double c = (1.0 - bp) + (a - (u - bp));         /* u + c = 1 + a exactly */
    double z, k, hi, lo;
    log_split(as_u64(u), 0, &z, &k);
    log_hl(z, k, c, 1, &hi, &lo);
    return hi + lo;
}

void blawk_vlog_scalar(double *out, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = log_one(x[i], F_LOG);
}

void blawk_vlog2_scalar(double *out, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = log_one(x[i], F_LOG2);
}

void blawk_vlog10_scalar(double *out, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = log_one(x[i], F_LOG10);
}

void blawk_vlog1p_scalar(double *out, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = log1p_one(x[i]);
}

void blawk_vdlog1_scalar(double *out, const double *x, double *carry, double scale, size_t n)
{
    double prev = *carry;
    for (size_t i = 0; i < n; i++) {
        const double l = log_one(x[i], F_LOG);
        out[i] = (l - prev) * scale;
        prev = l;
    }
    *carry = prev;
}

/* ------------------------------------------------------------------ exp */

static inline double pow2i(int e) /* 2^e for -1022 <= e <= 1023 */
{
    return as_f64((uint64_t)(e + 1023) << 52);
}

/* exp(x + xl) for x not NaN; with_lo = 0: exp(x) (xl unused).  pow passes
 * the double-double y*log|x| (|xl| <= ulp(x), xl = 0 if |x| >= 2048). */
static inline double exp_core(double x, double xl, int with_lo)
{
    /* Clamping keeps k small; past the ends the result is inf / +0 anyway. */
    double xc = x < BLAWK_VEXP_XMAX ? x : BLAWK_VEXP_XMAX;
    xc = xc > BLAWK_VEXP_XMIN ? xc : BLAWK_VEXP_XMIN;
    double kd = fma(xc, BLAWK_VEXP_INVLN2N, BLAWK_VEXP_SHIFT); /* round(x*16/ln2) */
    double k = kd - BLAWK_VEXP_SHIFT;
    double r = fma(-k, BLAWK_VEXP_L_HI, xc);                   /* exact */
    r = fma(-k, BLAWK_VEXP_L_LO, r);
    if (with_lo)
        r = r + xl;
    unsigned j = (unsigned)as_u64(kd) & 15u;
    double r2 = r * r;
    double a0 = fma(BLAWK_VEXP_C3, r, BLAWK_VEXP_C2);
    double a1 = fma(BLAWK_VEXP_C5, r, BLAWK_VEXP_C4);
    double a2 = fma(BLAWK_VEXP_C7, r, BLAWK_VEXP_C6);
    double q = fma(a2, r2, a1);
    q = fma(q, r2, a0);
    double p = fma(r2, q, r);                       /* expm1(r) */
    double thi = blawk_vexp_thi[j];
    double t = fma(thi, p, blawk_vexp_tlo[j]);
    double y = thi + t;
    int ki = (int)k;
    int ex = ki >= 0 ? ki / 16 : -((15 - ki) / 16);      /* floor(k/16) */
    if (ex <= -1022) {
        /* Maybe a subnormal result: y * 2^ex would round twice (y, then
         * to the subnormal grid).  With A + B = (y + ylo) * 2^(ex+1022)
         * (exact products), 1 + A + B has its ULP at the subnormal ULP
         * (scaled), so it is rounded once there, then scaled back exactly. */
        double s = pow2i(ex + 1022);                   /* 2^-55 .. 1 */
        double a = y * s;
        if (a < 1.0) {
            double ylo = (thi - y) + t;                /* y + ylo = thi + t */
            double b = ylo * s;
            double h = 1.0 + a;
            double l = ((1.0 - h) + a) + b;
            return ((h + l) - 1.0) * 0x1p-1022;
        }
    }
    /* y * 2^ex, rounded once (what vscalefpd does): the first product is
     * exact (normal), the second one rounds, also to inf. */
    int e1 = ex / 2;
    int e2 = ex - e1;
    return y * pow2i(e1) * pow2i(e2);
}

static inline double exp_one(double x)
{
    if (x != x)
        return as_f64(as_u64(x) | QUIET_BIT);
    return exp_core(x, 0.0, 0);
}

void blawk_vexp_scalar(double *out, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = exp_one(x[i]);
}

/* ------------------------------------------------------------------ pow */

/* log ax = lh + ll (|ll| <= ulp(lh)/2) for positive finite ax, about 2^-68
 * relative: the log reduction and table, log1p(r) = r - r^2/2 + r^3/3 +
 * r^4 Q(r) with r^2 exact (r2h + r2l), r^3/3 in double-double, the three
 * leading terms summed by Fast2Sum and the rest (r^4/4 < 2^-21) in double. */
static inline void log_dd(double ax, double *plh, double *pll)
{
    uint64_t ix = as_u64(ax);
    int kadj = 0;
    if (ix < 0x0010000000000000ull) {               /* subnormal: exact */
        ix = as_u64(ax * 0x1p52);
        kadj = -52;
    }
    double z, k;
    log_split(ix, kadj, &z, &k);
    unsigned idx = (unsigned)(as_u64(z + BLAWK_VLOG_IDX_OFFSET) >> 48) & 15u;
    double r = fma(z, blawk_vlog_invc[idx], -1.0);          /* exact */
    double t = fma(k, BLAWK_VLOG_LN2_HI, blawk_vlog_logc_hi[idx]); /* exact */
    double hi = t + r;
    double e1 = (t - hi) + r;                                /* Fast2Sum */
    double r2h = r * r;
    double r2l = fma(r, r, -r2h);                            /* r^2 = r2h + r2l */
    double m = -0.5 * r2h;
    double h2 = hi + m;
    double e2 = (hi - h2) + m;                               /* Fast2Sum */
    double r3h = r2h * r;
    double r3l = fma(r2h, r, -r3h);
    r3l = fma(r2l, r, r3l);                                  /* r^3 ~ r3h + r3l */
    double t3h = r3h * BLAWK_VPOW_THIRD_HI;                  /* r^3/3 ~ t3h + t3l */
    double t3l = fma(r3h, BLAWK_VPOW_THIRD_HI, -t3h);
    t3l = fma(r3h, BLAWK_VPOW_THIRD_LO, t3l);
    t3l = fma(r3l, BLAWK_VPOW_THIRD_HI, t3l);
    double h3 = h2 + t3h;
    double e3 = (h2 - h3) + t3h;                             /* Fast2Sum */
    double a0 = fma(BLAWK_VPOW_C5, r, BLAWK_VPOW_C4);
    double a1 = fma(BLAWK_VPOW_C7, r, BLAWK_VPOW_C6);
    double a2 = fma(BLAWK_VPOW_C9, r, BLAWK_VPOW_C8);
    double a3 = fma(BLAWK_VPOW_C11, r, BLAWK_VPOW_C10);
    double q = fma(BLAWK_VPOW_C12, r2h, a3);
    q = fma(q, r2h, a2);
    q = fma(q, r2h, a1);
    q = fma(q, r2h, a0);
    double r4 = r2h * r2h;
    double l0 = fma(k, BLAWK_VLOG_LN2_LO, blawk_vlog_logc_lo[idx]);
    /* the low part as a tree (shorter dependency chains) */
    double s1 = l0 + e1;
    double s2 = e2 + e3;
    double s3 = fma(-0.5, r2l, t3l);
    double s4 = fma(r4, q, s3);
    double l6 = (s1 + s2) + s4;
    double lh = h3 + l6;
    *plh = lh;
    *pll = (h3 - lh) + l6;                                   /* Fast2Sum */
}

/* exp(y * (lh + ll)) for finite y: the product in double-double, its low
 * part dropped when the high part is past exp's range (it may be inf). */
static inline double pow_exp(double y, double lh, double ll)
{
    double zh = y * lh;
    double zl = fma(y, lh, -zh);
    zl = fma(y, ll, zl);
    if (!(fabs(zh) < 2048.0))
        zl = 0.0;
    return exp_core(zh, zl, 1);
}

/* 1 if y (finite) is an integer, 2 if an odd one, 0 if not an integer */
static inline int int_kind(double y)
{
    uint64_t iy = as_u64(y) & ABS_MASK;
    int e = (int)(iy >> 52) - 1023;
    if (e < 0)
        return iy == 0;
    if (e >= 52)
        return e == 52 && (iy & 1) ? 2 : 1;
    uint64_t frac = iy << (12 + e);                 /* bits below the units */
    if (frac)
        return 0;
    return (iy >> (52 - e)) & 1 ? 2 : 1;
}

/*
 * pow for the inputs the main path does not take: x or y zero, infinite or
 * NaN (C99 Annex F; NaN: the quieted input NaN, x's if both).  Also what the
 * vector code calls for such lanes, so their bits are these by construction.
 */
double blawk_vpow_special(double x, double y)
{
    if (y == 0.0 || x == 1.0)
        return 1.0;                                 /* even for NaN y / x */
    if (x != x)
        return as_f64(as_u64(x) | QUIET_BIT);
    if (y != y)
        return as_f64(as_u64(y) | QUIET_BIT);
    double ax = fabs(x);
    if (fabs(y) == HUGE_VAL) {
        if (ax == 1.0)
            return 1.0;                             /* pow(-1, +-inf) */
        return (ax < 1.0) == (y < 0.0) ? HUGE_VAL : 0.0;
    }
    /* y finite nonzero, x zero or infinite */
    int odd = int_kind(y) == 2;
    int neg = (as_u64(x) >> 63) != 0;
    double mag = (ax == 0.0) == (y < 0.0) ? HUGE_VAL : 0.0;
    return odd && neg ? -mag : mag;
}

static inline int pow_is_main(double x, double y)
{
    double ax = fabs(x), ay = fabs(y);
    return ax < HUGE_VAL && ax != 0.0 && ay < HUGE_VAL && ay != 0.0;
}

/* x, y finite and nonzero, log|x| = lh + ll given */
static inline double pow_main(double x, double y, double lh, double ll)
{
    int odd = 0;
    if (x < 0.0) {
        int kind = int_kind(y);
        if (kind == 0)
            return as_f64(DEFAULT_NAN);             /* negative ** non-integer */
        odd = kind == 2;
    }
    double res = pow_exp(y, lh, ll);
    return odd ? -res : res;
}

/* y == 2 is x*x and y == 0.5 sqrt(x) (both correctly rounded; not for
 * x = -0 and -inf, where pow(x, 0.5) is +0 and +inf), else Annex F. */
static inline double pow_one(double x, double y)
{
    if (y == 2.0)
        return x * x;
    if (y == 0.5 && x != 0.0 && x != -HUGE_VAL)
        return sqrt(x);
    if (!pow_is_main(x, y))
        return blawk_vpow_special(x, y);
    double lh, ll;
    log_dd(fabs(x), &lh, &ll);
    return pow_main(x, y, lh, ll);
}

void blawk_vpow_scalar(double *out, const double *x, const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = pow_one(x[i], y[i]);
}

void blawk_vpow_s_scalar(double *out, const double *x, double s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = pow_one(x[i], s);
}

/* s ** y[i]: the same bits as pow_one(s, y[i]), log|s| computed once */
void blawk_vrpow_s_scalar(double *out, const double *y, double s, size_t n)
{
    double lh = 0.0, ll = 0.0;
    if (fabs(s) < HUGE_VAL && s != 0.0)
        log_dd(fabs(s), &lh, &ll);
    for (size_t i = 0; i < n; i++) {
        double yi = y[i];
        if (yi == 2.0)
            out[i] = s * s;
        else if (yi == 0.5 && s != 0.0 && s != -HUGE_VAL)
            out[i] = sqrt(s);
        else if (!pow_is_main(s, yi))
            out[i] = blawk_vpow_special(s, yi);
        else
            out[i] = pow_main(s, yi, lh, ll);
    }
}
