/*
 * vexpm1_scalar.c -- portable reference expm1 (see docs/vmath.md, "expm1").
 *
 * This file defines the results: vexpm1_avx2.c and vexpm1_avx512.c perform
 * the same IEEE operations in the same order, so all three are bit-identical.
 * Every fused multiply-add of the vector code is an explicit fma() here; the
 * build uses -ffp-contract=off so nothing else gets fused.  Exact quantities
 * (k, 2^-k, the final scaling by 2^k) may be computed differently per ISA.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "vexpm1.h"
#include "vexpm1_consts.h"

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

#define QUIET_BIT 0x0008000000000000ull

static inline double pow2i(int e) /* 2^e for -1022 <= e <= 1023 */
{
    return as_f64((uint64_t)(e + 1023) << 52);
}

static inline double expm1_one(double x)
{
    if (x != x)
        return as_f64(as_u64(x) | QUIET_BIT);
    if (x == 0.0)
        return x;                                  /* keeps the sign of zero */
    /* Past the ends the result is -1 / inf anyway; the clamp keeps
     * k in [-58, 1024] (and maps -inf to -1, +inf to inf). */
    double xc = x < BLAWK_VEXPM1_XMAX ? x : BLAWK_VEXPM1_XMAX;
    xc = xc > BLAWK_VEXPM1_XMIN ? xc : BLAWK_VEXPM1_XMIN;
    double kd = fma(xc, BLAWK_VEXPM1_INVLN2, BLAWK_VEXPM1_SHIFT); /* round(x/ln2) */
    double k = kd - BLAWK_VEXPM1_SHIFT;
    /* r + rc = x - k*ln2 to ~2^-92 (ln2 = LN2_HI + LN2_LO to 2^-102, |k| <= 2^10):
     * rh exact, r rounded, rc its rounding error */
    double rh = fma(-k, BLAWK_VEXPM1_LN2_HI, xc);
    double r = fma(-k, BLAWK_VEXPM1_LN2_LO, rh);
    double rc = fma(-k, BLAWK_VEXPM1_LN2_LO, rh - r);
    /* expm1(r + rc) = s + (e + r2l/2 + rcc + r^3 P(r)): s = r + r^2/2
     * rounded, e its error (Fast2Sum), r^2 = r2 + r2l exactly */
    double r2 = r * r;
    double r2l = fma(r, r, -r2);
    double h = 0.5 * r2;
    double r3 = r2 * r;
    double a0 = fma(BLAWK_VEXPM1_C5, r, BLAWK_VEXPM1_C4);
    double a1 = fma(BLAWK_VEXPM1_C7, r, BLAWK_VEXPM1_C6);
    double a2 = fma(BLAWK_VEXPM1_C9, r, BLAWK_VEXPM1_C8);
    double a3 = fma(BLAWK_VEXPM1_C11, r, BLAWK_VEXPM1_C10);
    double p = fma(BLAWK_VEXPM1_C12, r2, a3);
    p = fma(p, r2, a2);
    p = fma(p, r2, a1);
    p = fma(p, r2, a0);
    p = fma(p, r, BLAWK_VEXPM1_C3);                /* P(r) */
    double s = r + h;
    double e = (r - s) + h;                        /* exact: |r| >= |h| */
    double rcc = fma(rc, s, rc);                   /* rc * e^r, to 2nd order */
    /* c = 1 - 2^-k = chi + clo exactly (TwoSum; clo != 0 only if |k| > 53);
     * 2^-k is subnormal for k = 1023, 1024 */
    int ki = (int)k;
    double t = ki <= 1022 ? pow2i(-ki) : pow2i(-1022) * pow2i(1022 - ki);
    double chi = 1.0 - t;
    double bb = chi - 1.0;
    double clo = (1.0 - (chi - bb)) - (t + bb);
    /* expm1(x) = 2^k * (c + expm1(r + rc)); v = c + s + rest rounded once:
     * chi + s = hi + err (Fast2Sum), the small terms summed first, then
     * the polynomial term with one rounding, then hi */
    double hi = chi + s;
    double err = (chi - hi) + s;                   /* exact: |chi| >= |s| or chi == 0 */
    double q = (fma(0.5, r2l, rcc) + e) + (err + clo);
    double vlo = fma(r3, p, q);
    double v = hi + vlo;
    /* v * 2^k: the first product is exact, the second one rounds only on
     * overflow (what vscalefpd does) */
    int k1 = ki / 2;
    return v * pow2i(k1) * pow2i(ki - k1);
}

void blawk_vexpm1_scalar(double *out, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = expm1_one(x[i]);
}
