/*
 * winmom_impl.h -- body of the rolling moments' vector passes (winmom.h),
 * included by winmom_scalar.c, winmom_avx2.c and winmom_avx512.c with
 * WINMOM_NAME(f) naming the ISA's function.  Plain C loops without branches,
 * written so the compiler vectorises them for the file's ISA; the operations
 * and their order are those of window.c's sq_err, dd_join, centred_m2 and
 * mom_eval, so every ISA gives the bits of the row-by-row code.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/window.h"
#include "kernels/winmom.h"

int WINMOM_NAME(classify)(const double *x, size_t n, int range)
{
    if (!range) {
        int fin = 1;
        for (size_t j = 0; j < n; j++)
            fin &= fabs(x[j]) <= DBL_MAX;
        return fin ? BLAWK_WINMOM_FINITE : 0;
    }
    /* on the bits of |x| (ordered like the magnitudes; NaN and inf above
     * DBL_MAX's): the largest, and the smallest but 0's (unsigned 64-bit max
     * and min: AVX-512 has them; measured faster there than and-reduced
     * floating-point compares, and no slower on AVX2) */
    const uint64_t mag = UINT64_C(0x7fffffffffffffff);
    uint64_t mx = 0, mn = UINT64_MAX;
    for (size_t j = 0; j < n; j++) {
        uint64_t b;
        memcpy(&b, x + j, sizeof b);
        b &= mag;
        mx = b > mx ? b : mx;
        const uint64_t bz = b - 1; /* 0 -> UINT64_MAX */
        mn = bz < mn ? bz : mn;
    }
    if (mx > UINT64_C(0x7fefffffffffffff)) /* DBL_MAX */
        return 0;
    /* 2^500 and 2^-400: biased exponents 1523 and 623, mantissa 0 */
    const int sq = mx <= (UINT64_C(1523) << 52) && (mn == UINT64_MAX || mn + 1 >= (UINT64_C(623) << 52));
    return BLAWK_WINMOM_FINITE | (sq ? BLAWK_WINMOM_SQSAFE : 0);
}

void WINMOM_NAME(terms)(double *restrict d, double *restrict d2, double *restrict q,
                        const double *restrict x, size_t n, double a, int k2)
{
    if (!k2) {
        for (size_t j = 0; j < n; j++)
            d[j] = x[j] - a;
        return;
    }
    for (size_t j = 0; j < n; j++) {
        const double dj = x[j] - a;
        const double p = dj * dj;
        const double c = 134217729.0 * dj; /* 2^27 + 1 */
        const double dh = c - (c - dj);
        const double dl = dj - dh;
        d[j] = dj;
        d2[j] = p;
        q[j] = ((dh * dh - p) + 2.0 * dh * dl) + dl * dl;
    }
}

/* A double-double's parts from the suffix pair (sh, sl) and the prefix pair
 * (ph, pl) (window.c's dd_join; a non-finite hi gets lo = 0). */
#define JOIN(hi, lo, sh_, sl_, ph_, pl_)                                              \
    do {                                                                              \
        const double sh__ = (sh_), ph__ = (ph_);                                      \
        hi = sh__ + ph__;                                                             \
        const double bp__ = hi - sh__;                                                \
        const double e__ = (sh__ - (hi - bp__)) + (ph__ - bp__);                      \
        const double lo__ = e__ + ((sl_) + (pl_));                                    \
        lo = fabs(hi) <= DBL_MAX ? lo__ : 0.0;                                        \
    } while (0)

/* the canonical quiet NaN for any NaN */
#define CANON(v) ((v) == (v) ? (v) : (double)NAN)

static void eval_sum(const blawk_winmom_eval_args *a)
{
    const double *restrict ph0 = a->ph0, *restrict pl0 = a->pl0;
    const double *restrict sh = a->sh0, *restrict sl = a->sl0;
    double *restrict out = a->out;
    const size_t m = a->m; /* a local: out could alias *a without strict aliasing */
    for (size_t j = 0; j < m; j++) {
        double h, l;
        JOIN(h, l, sh[j], sl[j], ph0[j], pl0[j]);
        const double r = h + l;
        out[j] = CANON(r);
    }
}

static void eval_mean(const blawk_winmom_eval_args *a)
{
    const double *restrict ph0 = a->ph0, *restrict pl0 = a->pl0;
    const double *restrict sh = a->sh0, *restrict sl = a->sl0;
    const double *restrict lastv = a->lastv;
    const uint64_t *restrict cst = a->cst;
    const double n = a->n;
    double *restrict out = a->out;
    const size_t m = a->m; /* a local: out could alias *a without strict aliasing */
    for (size_t j = 0; j < m; j++) {
        double h, l;
        JOIN(h, l, sh[j], sl[j], ph0[j], pl0[j]);
        const double r = cst[j] ? lastv[j] : (h + l) / n;
        out[j] = CANON(r);
    }
}

/* var, std, zscore: centred_m2 and mom_eval of window.c, without branches
 * (one function per kind, so that each loop is vectorised on its own) */
#define EVAL_M2(NAME, KIND)                                                           \
static void NAME(const blawk_winmom_eval_args *a)                                    \
{                                                                                     \
    eval_m2_body(a, KIND);                                                            \
}

static inline __attribute__((always_inline)) void eval_m2_body(const blawk_winmom_eval_args *a,
                                                               const int kind)
{
    const double *restrict ph0 = a->ph0, *restrict pl0 = a->pl0;
    const double *restrict ph1 = a->ph1, *restrict pl1 = a->pl1;
    const double *restrict sh0 = a->sh0, *restrict sl0 = a->sl0;
    const double *restrict sh1 = a->sh1, *restrict sl1 = a->sl1;
    const double *restrict lastv = a->lastv, *restrict x = a->x;
    const uint64_t *restrict cst = a->cst;
    const double *restrict anchor = a->anchor;
    const double n = a->n, inv_n = a->inv_n, nd = a->nd;
    double *restrict out = a->out;
    const size_t m = a->m; /* a local: out could alias *a without strict aliasing */
    for (size_t j = 0; j < m; j++) {
        double S1, S1l, S2, S2l;
        JOIN(S1, S1l, sh0[j], sl0[j], ph0[j], pl0[j]);
        JOIN(S2, S2l, sh1[j], sl1[j], ph1[j], pl1[j]);
        /* centred_m2 */
        const double q = S1 * inv_n;
        const double c = 4398046511105.0 * q; /* 2^42 + 1 */
        const double mm = c - (c - q);
        const double r = S1 - n * mm;
        const double cr = 134217729.0 * r;
        const double r1 = cr - (cr - r);
        const double r2 = r - r1;
        const double rr = r + S1l;
        const double m2 = 2.0 * mm;
        const double t = ((S2 - n * (mm * mm)) - m2 * r1) - m2 * r2;
        const double exact = t + ((S2l - m2 * S1l) - rr * rr * inv_n);
        const int big = !(fabs(S2) <= DBL_MAX);
        const double mu = big ? q : mm + rr * inv_n;
        double M2 = big ? S2 - S1 * q : exact;
        M2 = cst[j] ? 0.0 : M2;
        M2 = M2 < 0.0 ? 0.0 : M2;
        double res;
        if (kind == BLAWK_WIN_VAR) {
            res = M2 / nd;
        } else if (kind == BLAWK_WIN_STD) {
            res = sqrt(M2 / nd);
        } else {
            const double sd = sqrt(M2 / nd);
            const double dev = cst[j] ? x[j] - lastv[j] : (x[j] - anchor[j]) - mu;
            res = dev / sd;
        }
        out[j] = CANON(res);
    }
}

EVAL_M2(eval_var, BLAWK_WIN_VAR)
EVAL_M2(eval_std, BLAWK_WIN_STD)
EVAL_M2(eval_zscore, BLAWK_WIN_ZSCORE)

void WINMOM_NAME(eval)(const blawk_winmom_eval_args *a)
{
    switch (a->kind) {
    case BLAWK_WIN_SUM: eval_sum(a); break;
    case BLAWK_WIN_MEAN: eval_mean(a); break;
    case BLAWK_WIN_VAR: eval_var(a); break;
    case BLAWK_WIN_STD: eval_std(a); break;
    default: eval_zscore(a); break;
    }
}
