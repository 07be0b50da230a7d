/*
 * vexpm1_avx512.c -- AVX-512 expm1, bit-identical to vexpm1_scalar.c (same
 * operations in the same order; see docs/vmath.md, "expm1").
 *
 * Compiled with -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma -mavx2.
 * No table; 2^-k and the final scaling by 2^k are vscalefpd, the special
 * values one vfixupimmpd; the tail runs the same code with masked loads and
 * stores.
 */
/* gcc's first scheduling pass with register-pressure awareness, as in
 * vmath_avx512.c.  Must come before the includes (else no inlining). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("schedule-insns", "sched-pressure")
#endif
#include <immintrin.h>

#include "vexpm1.h"
#include "vexpm1_consts.h"

/* vfixupimmpd responses per input class (nibble j for class j: 0 QNaN,
 * 1 SNaN, 2 +-0, ...): NaN -> the input quieted (2), +-0 -> the input (1);
 * everything else keeps the computed value (-inf gives -1 and +inf gives
 * inf through the clamp). */
#define EXPM1_FIXUP 0x00000122

static inline __m512d bc(double v) { return _mm512_set1_pd(v); }

static inline __m512d expm1_8(__m512d x)
{
    const __m512d one = bc(1.0);
    __m512d xc = _mm512_min_pd(x, bc(BLAWK_VEXPM1_XMAX)); /* NaN -> XMAX */
    xc = _mm512_max_pd(xc, bc(BLAWK_VEXPM1_XMIN));
    __m512d kd = _mm512_fmadd_pd(xc, bc(BLAWK_VEXPM1_INVLN2), bc(BLAWK_VEXPM1_SHIFT));
    __m512d k = _mm512_sub_pd(kd, bc(BLAWK_VEXPM1_SHIFT));
    __m512d rh = _mm512_fnmadd_pd(k, bc(BLAWK_VEXPM1_LN2_HI), xc);
    __m512d r = _mm512_fnmadd_pd(k, bc(BLAWK_VEXPM1_LN2_LO), rh);
    __m512d rc = _mm512_fnmadd_pd(k, bc(BLAWK_VEXPM1_LN2_LO), _mm512_sub_pd(rh, r));
    __m512d r2 = _mm512_mul_pd(r, r);
    __m512d r2l = _mm512_fmsub_pd(r, r, r2);
    __m512d h = _mm512_mul_pd(bc(0.5), r2);
    __m512d r3 = _mm512_mul_pd(r2, r);
    __m512d a0 = _mm512_fmadd_pd(bc(BLAWK_VEXPM1_C5), r, bc(BLAWK_VEXPM1_C4));
    __m512d a1 = _mm512_fmadd_pd(bc(BLAWK_VEXPM1_C7), r, bc(BLAWK_VEXPM1_C6));
    __m512d a2 = _mm512_fmadd_pd(bc(BLAWK_VEXPM1_C9), r, bc(BLAWK_VEXPM1_C8));
    __m512d a3 = _mm512_fmadd_pd(bc(BLAWK_VEXPM1_C11), r, bc(BLAWK_VEXPM1_C10));
    __m512d p = _mm512_fmadd_pd(bc(BLAWK_VEXPM1_C12), r2, a3);
    p = _mm512_fmadd_pd(p, r2, a2);
    p = _mm512_fmadd_pd(p, r2, a1);
    p = _mm512_fmadd_pd(p, r2, a0);
    p = _mm512_fmadd_pd(p, r, bc(BLAWK_VEXPM1_C3));
    __m512d s = _mm512_add_pd(r, h);
    __m512d e = _mm512_add_pd(_mm512_sub_pd(r, s), h);
    __m512d rcc = _mm512_fmadd_pd(rc, s, rc);
    /* c = 1 - 2^-k = chi + clo (TwoSum); 2^-k by vscalefpd (exact, also
     * when subnormal: k = 1023, 1024) */
    __m512d t = _mm512_scalef_pd(one, _mm512_sub_pd(bc(BLAWK_VEXPM1_SHIFT), kd));
    __m512d chi = _mm512_sub_pd(one, t);
    __m512d bb = _mm512_sub_pd(chi, one);
    __m512d clo = _mm512_sub_pd(_mm512_sub_pd(one, _mm512_sub_pd(chi, bb)), _mm512_add_pd(t, bb));
    __m512d hi = _mm512_add_pd(chi, s);
    __m512d err = _mm512_add_pd(_mm512_sub_pd(chi, hi), s);
    __m512d q = _mm512_add_pd(_mm512_add_pd(_mm512_fmadd_pd(bc(0.5), r2l, rcc), e), _mm512_add_pd(err, clo));
    __m512d vlo = _mm512_fmadd_pd(r3, p, q);
    __m512d v = _mm512_add_pd(hi, vlo);
    __m512d res = _mm512_scalef_pd(v, k);                  /* exact, or inf */
    return _mm512_fixupimm_pd(res, x, _mm512_set1_epi64(EXPM1_FIXUP), 0);
}

void blawk_vexpm1_avx512(double *out, const double *x, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d a = _mm512_loadu_pd(x + i);
        __m512d b = _mm512_loadu_pd(x + i + 8);
        _mm512_storeu_pd(out + i, expm1_8(a));
        _mm512_storeu_pd(out + i + 8, expm1_8(b));
    }
    for (; i < n; i += 8) {
        size_t m = n - i;
        __mmask8 k = m >= 8 ? (__mmask8)0xff : (__mmask8)((1u << m) - 1u);
        __m512d a = _mm512_maskz_loadu_pd(k, x + i);
        _mm512_mask_storeu_pd(out + i, k, expm1_8(a));
    }
}
