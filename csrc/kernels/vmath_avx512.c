/*
 * vmath_avx512.c -- AVX-512 log, exp, log2, log10, log1p and pow,
 * bit-identical to vmath_scalar.c (same operations, same order, same
 * tables; see docs/vmath.md).
 *
 * Compiled with -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma -mavx2.
 * The 16-entry tables live in pairs of zmm registers and are read with
 * vpermt2pd (no gathers); the tail is done with masked loads/stores by the
 * same code as the main loop.
 */
/* gcc's first scheduling pass (off by default on x86) with register-pressure
 * awareness interleaves the long, independent dependency chains better:
 * measured 5% (AVX2 log) and 3-5% elsewhere on Zen 5.  Must come before
 * the includes so the intrinsics get the same options (else no inlining). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("schedule-insns", "sched-pressure")
#endif
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#include "vmath.h"
#include "vmath_tables.h"

/* vfixupimmpd response tables: nibble j is the response for input class j
 * (0 QNaN, 1 SNaN, 2 +-0, 3 +1, 4 -inf, 5 +inf, 6 negative, 7 positive);
 * responses: 0 keep, 2 QNaN(input), 3 QNaN indefinite, 4 -inf, 5 +inf, 8 +0. */
#define LOG_FIXUP 0x03538422
#define EXP_FIXUP 0x00000022
/* log1p, on u = 1 + x: +-0 -> -inf, negative and -inf -> QNaN indefinite, NaN
 * -> QNaN(u), +inf -> +inf; then on x: +-0 -> x (response 1) */
#define LOG1P_FIXUP 0x03530422
#define LOG1P_ZERO_FIXUP 0x00000100

typedef struct {
    __m512d invc0, invc1, lhi0, lhi1, llo0, llo1;
} log_tab;

#define AI inline __attribute__((always_inline))

/* log x = hi + lo (see log_hl in vmath_scalar.c) for positive finite x; with_c:
 * log1p's correction for the rounding error c of x = fl(1 + a). */
static AI void log8_hl(__m512d x, const log_tab *T, __m512d c, int with_c,
                       __m512d *phi, __m512d *plo)
{
    const __m512d one = _mm512_set1_pd(1.0);
    /* x = z * 2^k, z in [0.75, 1.5); also right for subnormal x. */
    __m512d z = _mm512_getmant_pd(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
    __m512d k = _mm512_sub_pd(_mm512_getexp_pd(x), _mm512_getexp_pd(z));
    /* vpermt2pd only looks at the low 4 bits of each index. */
    __m512i idx = _mm512_srli_epi64(
        _mm512_castpd_si512(_mm512_add_pd(z, _mm512_set1_pd(BLAWK_VLOG_IDX_OFFSET))), 48);
    __m512d invc = _mm512_permutex2var_pd(T->invc0, idx, T->invc1);
    __m512d lhi = _mm512_permutex2var_pd(T->lhi0, idx, T->lhi1);
    __m512d llo = _mm512_permutex2var_pd(T->llo0, idx, T->llo1);
    __m512d r = _mm512_fmsub_pd(z, invc, one);
    __m512d rl = r;
    if (with_c) {
        __m512d ks = _mm512_min_pd(k, _mm512_set1_pd(1000.0));
        __m512d d = _mm512_scalef_pd(_mm512_mul_pd(c, invc),
                                     _mm512_sub_pd(_mm512_setzero_pd(), ks));
        __m512d r0 = r;
        r = _mm512_add_pd(r0, d);
        rl = _mm512_add_pd(_mm512_sub_pd(r0, r), d);
    }
    __m512d t = _mm512_fmadd_pd(k, _mm512_set1_pd(BLAWK_VLOG_LN2_HI), lhi);
    __m512d hi = _mm512_add_pd(t, r);
    __m512d e1 = _mm512_add_pd(_mm512_sub_pd(t, hi), r);
    __m512d l0 = _mm512_fmadd_pd(k, _mm512_set1_pd(BLAWK_VLOG_LN2_LO), llo);
    if (with_c)
        l0 = _mm512_add_pd(l0, rl);
    __m512d l1 = _mm512_add_pd(l0, e1);
    __m512d r2 = _mm512_mul_pd(r, r);
    __m512d a0 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VLOG_C3), r, _mm512_set1_pd(BLAWK_VLOG_C2));
    __m512d a1 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VLOG_C5), r, _mm512_set1_pd(BLAWK_VLOG_C4));
    __m512d a2 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VLOG_C7), r, _mm512_set1_pd(BLAWK_VLOG_C6));
    __m512d a3 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VLOG_C9), r, _mm512_set1_pd(BLAWK_VLOG_C8));
    __m512d p = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VLOG_C10), r2, a3);
    p = _mm512_fmadd_pd(p, r2, a2);
    p = _mm512_fmadd_pd(p, r2, a1);
    p = _mm512_fmadd_pd(p, r2, a0);
    *phi = hi;
    *plo = _mm512_fmadd_pd(r2, p, l1);
}

static AI __m512d log8(__m512d x, const log_tab *T)
{
    __m512d hi, lo;
    log8_hl(x, T, x, 0, &hi, &lo);
    __m512d res = _mm512_add_pd(hi, lo);
    /* zero, negative, inf, NaN */
    return _mm512_fixupimm_pd(res, x, _mm512_set1_epi64(LOG_FIXUP), 0);
}

/* (hi + lo) * (ch + cl) as dd_scale in vmath_scalar.c */
static AI __m512d dd_scale8(__m512d hi, __m512d lo, double ch, double cl)
{
    __m512d vch = _mm512_set1_pd(ch);
    __m512d ph = _mm512_mul_pd(hi, vch);
    __m512d pl = _mm512_fmsub_pd(hi, vch, ph);
    pl = _mm512_fmadd_pd(lo, vch, pl);
    pl = _mm512_fmadd_pd(hi, _mm512_set1_pd(cl), pl);
    return _mm512_add_pd(ph, pl);
}

static AI __m512d log2_8(__m512d x, const log_tab *T)
{
    __m512d hi, lo;
    log8_hl(x, T, x, 0, &hi, &lo);
    __m512d res = dd_scale8(hi, lo, BLAWK_VLOG_INVLN2_HI, BLAWK_VLOG_INVLN2_LO);
    return _mm512_fixupimm_pd(res, x, _mm512_set1_epi64(LOG_FIXUP), 0);
}

static AI __m512d log10_8(__m512d x, const log_tab *T)
{
    __m512d hi, lo;
    log8_hl(x, T, x, 0, &hi, &lo);
    __m512d res = dd_scale8(hi, lo, BLAWK_VLOG_INVLN10_HI, BLAWK_VLOG_INVLN10_LO);
    return _mm512_fixupimm_pd(res, x, _mm512_set1_epi64(LOG_FIXUP), 0);
}

static AI __m512d log1p_8(__m512d x, const log_tab *T)
{
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d u = _mm512_add_pd(one, x);
    __m512d bp = _mm512_sub_pd(u, x);
    __m512d c = _mm512_add_pd(_mm512_sub_pd(one, bp), _mm512_sub_pd(x, _mm512_sub_pd(u, bp)));
    __m512d hi, lo;
    log8_hl(u, T, c, 1, &hi, &lo);
    __m512d res = _mm512_add_pd(hi, lo);
    /* by the class of u: x = -1, x < -1, +-inf, NaN (1 + NaN is the NaN quieted) */
    res = _mm512_fixupimm_pd(res, u, _mm512_set1_epi64(LOG1P_FIXUP), 0);
    /* log1p(+-0) = +-0 */
    return _mm512_fixupimm_pd(res, x, _mm512_set1_epi64(LOG1P_ZERO_FIXUP), 0);
}

static inline log_tab load_log_tab(void)
{
    log_tab T;
    T.invc0 = _mm512_loadu_pd(blawk_vlog_invc);
    T.invc1 = _mm512_loadu_pd(blawk_vlog_invc + 8);
    T.lhi0 = _mm512_loadu_pd(blawk_vlog_logc_hi);
    T.lhi1 = _mm512_loadu_pd(blawk_vlog_logc_hi + 8);
    T.llo0 = _mm512_loadu_pd(blawk_vlog_logc_lo);
    T.llo1 = _mm512_loadu_pd(blawk_vlog_logc_lo + 8);
    return T;
}

#define LOG_FAMILY(name, f8)                                                    \
    void name(double *out, const double *x, size_t n)                           \
    {                                                                           \
        const log_tab T = load_log_tab();                                       \
        size_t i = 0;                                                           \
        for (; i + 16 <= n; i += 16) {                                          \
            __m512d a = _mm512_loadu_pd(x + i);                                 \
            __m512d b = _mm512_loadu_pd(x + i + 8);                             \
            _mm512_storeu_pd(out + i, f8(a, &T));                               \
            _mm512_storeu_pd(out + i + 8, f8(b, &T));                           \
        }                                                                       \
        for (; i < n; i += 8) {                                                 \
            size_t m = n - i;                                                   \
            __mmask8 k = m >= 8 ? (__mmask8)0xff : (__mmask8)((1u << m) - 1u);  \
            __m512d a = _mm512_maskz_loadu_pd(k, x + i);                        \
            _mm512_mask_storeu_pd(out + i, k, f8(a, &T));                       \
        }                                                                       \
    }

LOG_FAMILY(blawk_vlog_avx512, log8)
LOG_FAMILY(blawk_vlog2_avx512, log2_8)
LOG_FAMILY(blawk_vlog10_avx512, log10_8)
LOG_FAMILY(blawk_vlog1p_avx512, log1p_8)

/* [p7, c0, ..., c6]: c moved up one lane, lane 0 from the previous vector */
static inline __m512d prev1(__m512d p, __m512d c)
{
    return _mm512_castsi512_pd(
        _mm512_alignr_epi64(_mm512_castpd_si512(c), _mm512_castpd_si512(p), 7));
}

/* Fused dlog with lag 1: each log is computed once and differenced against
 * its neighbour in registers, so there is no intermediate array at all. */
void blawk_vdlog1_avx512(double *out, const double *x, double *carry, double scale, size_t n)
{
    const log_tab T = load_log_tab();
    if (n == 0)
        return;
    const __m512d vs = _mm512_set1_pd(scale);
    __m512d prev = _mm512_set1_pd(*carry);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d la = log8(_mm512_loadu_pd(x + i), &T);
        __m512d lb = log8(_mm512_loadu_pd(x + i + 8), &T);
        _mm512_storeu_pd(out + i, _mm512_mul_pd(_mm512_sub_pd(la, prev1(prev, la)), vs));
        _mm512_storeu_pd(out + i + 8, _mm512_mul_pd(_mm512_sub_pd(lb, prev1(la, lb)), vs));
        prev = lb;
    }
    size_t last = 7; /* lane of prev holding log(x[i-1]) */
    for (; i < n; i += 8) {
        size_t m = n - i;
        __mmask8 k = m >= 8 ? (__mmask8)0xff : (__mmask8)((1u << m) - 1u);
        __m512d l = log8(_mm512_maskz_loadu_pd(k, x + i), &T);
        _mm512_mask_storeu_pd(out + i, k, _mm512_mul_pd(_mm512_sub_pd(l, prev1(prev, l)), vs));
        prev = l;
        last = m >= 8 ? 7 : m - 1;
    }
    double lanes[8];
    _mm512_storeu_pd(lanes, prev);
    *carry = lanes[last];
}

typedef struct {
    __m512d thi0, thi1, tlo0, tlo1;
} exp_tab;

/* what the subnormal-result step needs */
typedef struct {
    __m512d xc, y, thi, t, e;
} exp_state;

/* exp(x + xl) (exp_core in vmath_scalar.c) up to the scaling, no branches */
static AI __m512d exp8_main(__m512d x, __m512d xl, int with_lo, const exp_tab *T, exp_state *S)
{
    __m512d xc = _mm512_min_pd(x, _mm512_set1_pd(BLAWK_VEXP_XMAX)); /* NaN -> XMAX */
    xc = _mm512_max_pd(xc, _mm512_set1_pd(BLAWK_VEXP_XMIN));
    __m512d kd = _mm512_fmadd_pd(xc, _mm512_set1_pd(BLAWK_VEXP_INVLN2N),
                                 _mm512_set1_pd(BLAWK_VEXP_SHIFT));
    __m512d k = _mm512_sub_pd(kd, _mm512_set1_pd(BLAWK_VEXP_SHIFT));
    __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(BLAWK_VEXP_L_HI), xc);
    r = _mm512_fnmadd_pd(k, _mm512_set1_pd(BLAWK_VEXP_L_LO), r);
    if (with_lo)
        r = _mm512_add_pd(r, xl);
    /* the low 4 bits of kd's encoding are k mod 16 */
    __m512i j = _mm512_castpd_si512(kd);
    __m512d thi = _mm512_permutex2var_pd(T->thi0, j, T->thi1);
    __m512d tlo = _mm512_permutex2var_pd(T->tlo0, j, T->tlo1);
    __m512d r2 = _mm512_mul_pd(r, r);
    __m512d a0 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VEXP_C3), r, _mm512_set1_pd(BLAWK_VEXP_C2));
    __m512d a1 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VEXP_C5), r, _mm512_set1_pd(BLAWK_VEXP_C4));
    __m512d a2 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VEXP_C7), r, _mm512_set1_pd(BLAWK_VEXP_C6));
    __m512d q = _mm512_fmadd_pd(a2, r2, a1);
    q = _mm512_fmadd_pd(q, r2, a0);
    __m512d p = _mm512_fmadd_pd(r2, q, r);
    __m512d t = _mm512_fmadd_pd(thi, p, tlo);
    __m512d y = _mm512_add_pd(thi, t);
    /* y * 2^floor(k/16), one rounding (also to inf) */
    __m512d e = _mm512_mul_pd(k, _mm512_set1_pd(0x1p-4));
    S->xc = xc;
    S->y = y;
    S->thi = thi;
    S->t = t;
    S->e = e;
    return _mm512_scalef_pd(y, e);
}

static AI __m512d exp8_subnormal(__m512d res, const exp_state *S)
{
    __m512d xc = S->xc, y = S->y, thi = S->thi, t = S->t, e = S->e;
    if (_mm512_cmp_pd_mask(xc, _mm512_set1_pd(-708.0), _CMP_LT_OQ)) {
        /* Possibly subnormal results (A < 1): round once at the subnormal
         * ULP instead of twice, as in the scalar code. */
        const __m512d one = _mm512_set1_pd(1.0);
        __m512d e2 = _mm512_add_pd(e, _mm512_set1_pd(1022.0));
        __m512d a = _mm512_scalef_pd(y, e2);
        __m512d ylo = _mm512_add_pd(_mm512_sub_pd(thi, y), t);
        __m512d b = _mm512_scalef_pd(ylo, e2);
        __m512d h = _mm512_add_pd(one, a);
        __m512d l = _mm512_add_pd(_mm512_add_pd(_mm512_sub_pd(one, h), a), b);
        __m512d v = _mm512_mul_pd(_mm512_sub_pd(_mm512_add_pd(h, l), one), _mm512_set1_pd(0x1p-1022));
        res = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(a, one, _CMP_LT_OQ), res, v);
    }
    return res;
}

/* exp(x + xl) without the NaN fixup */
static AI __m512d exp8_core(__m512d x, __m512d xl, int with_lo, const exp_tab *T)
{
    exp_state S;
    __m512d res = exp8_main(x, xl, with_lo, T, &S);
    return exp8_subnormal(res, &S);
}

static AI __m512d exp8(__m512d x, const exp_tab *T)
{
    return _mm512_fixupimm_pd(exp8_core(x, x, 0, T), x, _mm512_set1_epi64(EXP_FIXUP), 0);
}

static inline exp_tab load_exp_tab(void)
{
    exp_tab T;
    T.thi0 = _mm512_loadu_pd(blawk_vexp_thi);
    T.thi1 = _mm512_loadu_pd(blawk_vexp_thi + 8);
    T.tlo0 = _mm512_loadu_pd(blawk_vexp_tlo);
    T.tlo1 = _mm512_loadu_pd(blawk_vexp_tlo + 8);
    return T;
}

void blawk_vexp_avx512(double *out, const double *x, size_t n)
{
    const exp_tab T = load_exp_tab();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d a = _mm512_loadu_pd(x + i);
        __m512d b = _mm512_loadu_pd(x + i + 8);
        _mm512_storeu_pd(out + i, exp8(a, &T));
        _mm512_storeu_pd(out + i + 8, exp8(b, &T));
    }
    for (; i < n; i += 8) {
        size_t m = n - i;
        __mmask8 k = m >= 8 ? (__mmask8)0xff : (__mmask8)((1u << m) - 1u);
        __m512d a = _mm512_maskz_loadu_pd(k, x + i);
        _mm512_mask_storeu_pd(out + i, k, exp8(a, &T));
    }
}

/* ------------------------------------------------------------------ pow */

/* log ax = lh + ll for positive finite ax (log_dd in vmath_scalar.c) */
static AI void log_dd8(__m512d ax, const log_tab *T, __m512d *plh, __m512d *pll)
{
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d z = _mm512_getmant_pd(ax, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
    __m512d k = _mm512_sub_pd(_mm512_getexp_pd(ax), _mm512_getexp_pd(z));
    __m512i idx = _mm512_srli_epi64(
        _mm512_castpd_si512(_mm512_add_pd(z, _mm512_set1_pd(BLAWK_VLOG_IDX_OFFSET))), 48);
    __m512d invc = _mm512_permutex2var_pd(T->invc0, idx, T->invc1);
    __m512d lhi = _mm512_permutex2var_pd(T->lhi0, idx, T->lhi1);
    __m512d llo = _mm512_permutex2var_pd(T->llo0, idx, T->llo1);
    __m512d r = _mm512_fmsub_pd(z, invc, one);
    __m512d t = _mm512_fmadd_pd(k, _mm512_set1_pd(BLAWK_VLOG_LN2_HI), lhi);
    __m512d hi = _mm512_add_pd(t, r);
    __m512d e1 = _mm512_add_pd(_mm512_sub_pd(t, hi), r);
    __m512d r2h = _mm512_mul_pd(r, r);
    __m512d r2l = _mm512_fmsub_pd(r, r, r2h);
    __m512d m = _mm512_mul_pd(_mm512_set1_pd(-0.5), r2h);
    __m512d h2 = _mm512_add_pd(hi, m);
    __m512d e2 = _mm512_add_pd(_mm512_sub_pd(hi, h2), m);
    __m512d r3h = _mm512_mul_pd(r2h, r);
    __m512d r3l = _mm512_fmsub_pd(r2h, r, r3h);
    r3l = _mm512_fmadd_pd(r2l, r, r3l);
    __m512d t3h = _mm512_mul_pd(r3h, _mm512_set1_pd(BLAWK_VPOW_THIRD_HI));
    __m512d t3l = _mm512_fmsub_pd(r3h, _mm512_set1_pd(BLAWK_VPOW_THIRD_HI), t3h);
    t3l = _mm512_fmadd_pd(r3h, _mm512_set1_pd(BLAWK_VPOW_THIRD_LO), t3l);
    t3l = _mm512_fmadd_pd(r3l, _mm512_set1_pd(BLAWK_VPOW_THIRD_HI), t3l);
    __m512d h3 = _mm512_add_pd(h2, t3h);
    __m512d e3 = _mm512_add_pd(_mm512_sub_pd(h2, h3), t3h);
    __m512d a0 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VPOW_C5), r, _mm512_set1_pd(BLAWK_VPOW_C4));
    __m512d a1 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VPOW_C7), r, _mm512_set1_pd(BLAWK_VPOW_C6));
    __m512d a2 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VPOW_C9), r, _mm512_set1_pd(BLAWK_VPOW_C8));
    __m512d a3 = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VPOW_C11), r, _mm512_set1_pd(BLAWK_VPOW_C10));
    __m512d q = _mm512_fmadd_pd(_mm512_set1_pd(BLAWK_VPOW_C12), r2h, a3);
    q = _mm512_fmadd_pd(q, r2h, a2);
    q = _mm512_fmadd_pd(q, r2h, a1);
    q = _mm512_fmadd_pd(q, r2h, a0);
    __m512d r4 = _mm512_mul_pd(r2h, r2h);
    __m512d l0 = _mm512_fmadd_pd(k, _mm512_set1_pd(BLAWK_VLOG_LN2_LO), llo);
    __m512d s1 = _mm512_add_pd(l0, e1);
    __m512d s2 = _mm512_add_pd(e2, e3);
    __m512d s3 = _mm512_fmadd_pd(_mm512_set1_pd(-0.5), r2l, t3l);
    __m512d s4 = _mm512_fmadd_pd(r4, q, s3);
    __m512d l6 = _mm512_add_pd(_mm512_add_pd(s1, s2), s4);
    __m512d lh = _mm512_add_pd(h3, l6);
    *plh = lh;
    *pll = _mm512_add_pd(_mm512_sub_pd(h3, lh), l6);
}

/* pow of 8 lanes (pow_one in vmath_scalar.c) in two steps, so that two
 * vectors' branch-free parts can be interleaved: pow8_a up to exp's
 * scaling; pow8_b the subnormal results and the fixups.  have_log: lh, ll
 * hold log|x| already (rpow_s), else they are computed here. */
static AI __m512d pow8_a(__m512d x, __m512d y, __m512d lh, __m512d ll, int have_log,
                         const log_tab *LT, const exp_tab *ET, exp_state *S)
{
    /* no sanitising of the special lanes (that would put the mask on the
     * critical path): their results are garbage, replaced in pow8_b */
    if (!have_log)
        log_dd8(_mm512_abs_pd(x), LT, &lh, &ll);
    __m512d zh = _mm512_mul_pd(y, lh);
    __m512d zl = _mm512_fmsub_pd(y, lh, zh);
    zl = _mm512_fmadd_pd(y, ll, zl);
    zl = _mm512_maskz_mov_pd(
        _mm512_cmp_pd_mask(_mm512_abs_pd(zh), _mm512_set1_pd(2048.0), _CMP_LT_OQ), zl);
    return exp8_main(zh, zl, 1, ET, S);
}

static AI __m512d pow8_b(__m512d res, __m512d x, __m512d y, const exp_state *S)
{
    res = exp8_subnormal(res, S);
    /* vfpclasspd 0x9f: QNaN, +-0, +-inf, SNaN */
    __mmask8 main = (__mmask8)~(_mm512_fpclass_pd_mask(x, 0x9f) | _mm512_fpclass_pd_mask(y, 0x9f));
    /* negative x: an odd integer y flips the sign, a non-integer gives NaN */
    __mmask8 neg = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_LT_OQ) & main;
    if (neg) {
        const int rn = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
        __m512d hy = _mm512_mul_pd(y, _mm512_set1_pd(0.5));
        __mmask8 isint = _mm512_cmp_pd_mask(_mm512_roundscale_pd(y, rn), y, _CMP_EQ_OQ);
        __mmask8 odd = isint & _mm512_cmp_pd_mask(_mm512_roundscale_pd(hy, rn), hy, _CMP_NEQ_OQ);
        res = _mm512_mask_xor_pd(res, neg & odd, res, _mm512_set1_pd(-0.0));
        res = _mm512_mask_blend_pd(neg & (__mmask8)~isint, res,
                                   _mm512_castsi512_pd(_mm512_set1_epi64((long long)0xfff8000000000000ull)));
    }
    if (main != 0xff) {
        double xr[8], yr[8], rr[8];
        _mm512_storeu_pd(xr, x);
        _mm512_storeu_pd(yr, y);
        _mm512_storeu_pd(rr, res);
        for (int j = 0; j < 8; j++)
            if (!((main >> j) & 1))
                rr[j] = blawk_vpow_special(xr[j], yr[j]);
        res = _mm512_loadu_pd(rr);
    }
    /* y == 2: x*x; y == 0.5: sqrt(x) unless x is -0 or -inf */
    __mmask8 two = _mm512_cmp_pd_mask(y, _mm512_set1_pd(2.0), _CMP_EQ_OQ);
    __mmask8 half = _mm512_cmp_pd_mask(y, _mm512_set1_pd(0.5), _CMP_EQ_OQ);
    if (two | half) {
        half &= _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_NEQ_UQ) &
                _mm512_cmp_pd_mask(x, _mm512_set1_pd(-HUGE_VAL), _CMP_NEQ_UQ);
        res = _mm512_mask_mul_pd(res, two, x, x);
        res = _mm512_mask_sqrt_pd(res, half, x);
    }
    return res;
}

static AI __m512d pow8(__m512d x, __m512d y, __m512d lh, __m512d ll, int have_log,
                       const log_tab *LT, const exp_tab *ET)
{
    exp_state S;
    __m512d res = pow8_a(x, y, lh, ll, have_log, LT, ET, &S);
    return pow8_b(res, x, y, &S);
}

/* two vectors: the branch-free parts first, so they interleave */
#define POW16(xa, ya, xb, yb, lh, ll, have_log, oa, ob)                         \
    do {                                                                        \
        exp_state Sa_, Sb_;                                                     \
        __m512d ra_ = pow8_a(xa, ya, lh, ll, have_log, &LT, &ET, &Sa_);         \
        __m512d rb_ = pow8_a(xb, yb, lh, ll, have_log, &LT, &ET, &Sb_);         \
        _mm512_storeu_pd(oa, pow8_b(ra_, xa, ya, &Sa_));                        \
        _mm512_storeu_pd(ob, pow8_b(rb_, xb, yb, &Sb_));                        \
    } while (0)

/* four vectors (measured: pow 1.39 -> 1.26 ms for 1e6 against two) */
#define POW32(x0, y0, x1, y1, x2, y2, x3, y3, lh, ll, have_log, o)                \
    do {                                                                        \
        exp_state S0_, S1_, S2_, S3_;                                           \
        const __m512d x0_ = (x0), y0_ = (y0), x1_ = (x1), y1_ = (y1);           \
        const __m512d x2_ = (x2), y2_ = (y2), x3_ = (x3), y3_ = (y3);           \
        __m512d r0_ = pow8_a(x0_, y0_, lh, ll, have_log, &LT, &ET, &S0_);       \
        __m512d r1_ = pow8_a(x1_, y1_, lh, ll, have_log, &LT, &ET, &S1_);       \
        __m512d r2_ = pow8_a(x2_, y2_, lh, ll, have_log, &LT, &ET, &S2_);       \
        __m512d r3_ = pow8_a(x3_, y3_, lh, ll, have_log, &LT, &ET, &S3_);       \
        _mm512_storeu_pd((o), pow8_b(r0_, x0_, y0_, &S0_));                     \
        _mm512_storeu_pd((o) + 8, pow8_b(r1_, x1_, y1_, &S1_));                 \
        _mm512_storeu_pd((o) + 16, pow8_b(r2_, x2_, y2_, &S2_));                \
        _mm512_storeu_pd((o) + 24, pow8_b(r3_, x3_, y3_, &S3_));                \
    } while (0)

static inline __mmask8 tail_mask(size_t m)
{
    return m >= 8 ? (__mmask8)0xff : (__mmask8)((1u << m) - 1u);
}

void blawk_vpow_avx512(double *out, const double *x, const double *y, size_t n)
{
    const log_tab LT = load_log_tab();
    const exp_tab ET = load_exp_tab();
    const __m512d one = _mm512_set1_pd(1.0), z = _mm512_setzero_pd();
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        POW32(_mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), _mm512_loadu_pd(x + i + 8),
              _mm512_loadu_pd(y + i + 8), _mm512_loadu_pd(x + i + 16), _mm512_loadu_pd(y + i + 16),
              _mm512_loadu_pd(x + i + 24), _mm512_loadu_pd(y + i + 24), z, z, 0, out + i);
    for (; i + 16 <= n; i += 16)
        POW16(_mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), _mm512_loadu_pd(x + i + 8),
              _mm512_loadu_pd(y + i + 8), z, z, 0, out + i, out + i + 8);
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_pd(out + i, pow8(_mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), z, z, 0,
                                       &LT, &ET));
    if (i < n) {
        __mmask8 k = tail_mask(n - i);
        __m512d a = _mm512_mask_loadu_pd(one, k, x + i), b = _mm512_mask_loadu_pd(one, k, y + i);
        _mm512_mask_storeu_pd(out + i, k, pow8(a, b, z, z, 0, &LT, &ET));
    }
}

void blawk_vpow_s_avx512(double *out, const double *x, double s, size_t n)
{
    const log_tab LT = load_log_tab();
    const exp_tab ET = load_exp_tab();
    const __m512d one = _mm512_set1_pd(1.0), z = _mm512_setzero_pd(), vs = _mm512_set1_pd(s);
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        POW32(_mm512_loadu_pd(x + i), vs, _mm512_loadu_pd(x + i + 8), vs,
              _mm512_loadu_pd(x + i + 16), vs, _mm512_loadu_pd(x + i + 24), vs, z, z, 0, out + i);
    for (; i + 16 <= n; i += 16)
        POW16(_mm512_loadu_pd(x + i), vs, _mm512_loadu_pd(x + i + 8), vs, z, z, 0, out + i,
              out + i + 8);
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_pd(out + i, pow8(_mm512_loadu_pd(x + i), vs, z, z, 0, &LT, &ET));
    if (i < n) {
        __mmask8 k = tail_mask(n - i);
        __m512d a = _mm512_mask_loadu_pd(one, k, x + i);
        _mm512_mask_storeu_pd(out + i, k, pow8(a, vs, z, z, 0, &LT, &ET));
    }
}

void blawk_vrpow_s_avx512(double *out, const double *y, double s, size_t n)
{
    const log_tab LT = load_log_tab();
    const exp_tab ET = load_exp_tab();
    const __m512d one = _mm512_set1_pd(1.0), vs = _mm512_set1_pd(s);
    /* log|s| once (lanes all equal); a special s gives special lanes anyway */
    __m512d as = _mm512_abs_pd(vs);
    int ok = fabs(s) < HUGE_VAL && s != 0.0;
    __m512d lh, ll;
    log_dd8(ok ? as : one, &LT, &lh, &ll);
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        POW32(vs, _mm512_loadu_pd(y + i), vs, _mm512_loadu_pd(y + i + 8), vs,
              _mm512_loadu_pd(y + i + 16), vs, _mm512_loadu_pd(y + i + 24), lh, ll, 1, out + i);
    for (; i + 16 <= n; i += 16)
        POW16(vs, _mm512_loadu_pd(y + i), vs, _mm512_loadu_pd(y + i + 8), lh, ll, 1, out + i,
              out + i + 8);
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_pd(out + i, pow8(vs, _mm512_loadu_pd(y + i), lh, ll, 1, &LT, &ET));
    if (i < n) {
        __mmask8 k = tail_mask(n - i);
        __m512d b = _mm512_mask_loadu_pd(one, k, y + i);
        _mm512_mask_storeu_pd(out + i, k, pow8(vs, b, lh, ll, 1, &LT, &ET));
    }
}
