/*
 * vexpm1_avx2.c -- AVX2+FMA expm1, bit-identical to vexpm1_scalar.c (same
 * operations in the same order; see docs/vmath.md, "expm1").
 *
 * Compiled with -mavx2 -mfma.  No table.  2^-k and the scaling by 2^k come
 * from integer bit tricks on kd's encoding (its low 32 bits hold k).  Blocks
 * of 8 whose lanes are all <= 708 (not NaN) scale by adding k to the exponent
 * field; other blocks and the tail (a padded copy) scale in two exact steps
 * and quiet NaNs.
 */
/* gcc's first scheduling pass with register-pressure awareness, as in
 * vmath_avx2.c.  Must come before the includes (else no inlining). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("schedule-insns", "sched-pressure")
#endif
#include <immintrin.h>

#include "vexpm1.h"
#include "vexpm1_consts.h"

#define QUIET_BIT 0x0008000000000000LL

static inline __m256d bc(double v) { return _mm256_set1_pd(v); }

/* v with expm1(x) = v * 2^k (see the scalar code); x must not be NaN for
 * the value to mean anything, but any input is harmless.  *kd_out = kd.
 * fast: every lane x <= 708, so k <= 1021. */
static inline __m256d expm1_4v(__m256d x, __m256d *kd_out, int fast)
{
    const __m256d one = bc(1.0);
    __m256d xc = _mm256_min_pd(x, bc(BLAWK_VEXPM1_XMAX)); /* NaN -> XMAX */
    xc = _mm256_max_pd(xc, bc(BLAWK_VEXPM1_XMIN));
    __m256d kd = _mm256_fmadd_pd(xc, bc(BLAWK_VEXPM1_INVLN2), bc(BLAWK_VEXPM1_SHIFT));
    __m256d k = _mm256_sub_pd(kd, bc(BLAWK_VEXPM1_SHIFT));
    __m256d rh = _mm256_fnmadd_pd(k, bc(BLAWK_VEXPM1_LN2_HI), xc);
    __m256d r = _mm256_fnmadd_pd(k, bc(BLAWK_VEXPM1_LN2_LO), rh);
    __m256d rc = _mm256_fnmadd_pd(k, bc(BLAWK_VEXPM1_LN2_LO), _mm256_sub_pd(rh, r));
    __m256d r2 = _mm256_mul_pd(r, r);
    __m256d r2l = _mm256_fmsub_pd(r, r, r2);
    __m256d h = _mm256_mul_pd(bc(0.5), r2);
    __m256d r3 = _mm256_mul_pd(r2, r);
    __m256d a0 = _mm256_fmadd_pd(bc(BLAWK_VEXPM1_C5), r, bc(BLAWK_VEXPM1_C4));
    __m256d a1 = _mm256_fmadd_pd(bc(BLAWK_VEXPM1_C7), r, bc(BLAWK_VEXPM1_C6));
    __m256d a2 = _mm256_fmadd_pd(bc(BLAWK_VEXPM1_C9), r, bc(BLAWK_VEXPM1_C8));
    __m256d a3 = _mm256_fmadd_pd(bc(BLAWK_VEXPM1_C11), r, bc(BLAWK_VEXPM1_C10));
    __m256d p = _mm256_fmadd_pd(bc(BLAWK_VEXPM1_C12), r2, a3);
    p = _mm256_fmadd_pd(p, r2, a2);
    p = _mm256_fmadd_pd(p, r2, a1);
    p = _mm256_fmadd_pd(p, r2, a0);
    p = _mm256_fmadd_pd(p, r, bc(BLAWK_VEXPM1_C3));
    __m256d s = _mm256_add_pd(r, h);
    __m256d e = _mm256_add_pd(_mm256_sub_pd(r, s), h);
    __m256d rcc = _mm256_fmadd_pd(rc, s, rc);
    /* t = 2^-k.  u = SHIFT + 1023 - min(k, 1022) is exact and its encoding's
     * low bits are 1023 - min(k, 1022), in [1, 1081]; in the slow path
     * 2^-k for k = 1023, 1024 (subnormal) is that times 2^-(k - 1022). */
    __m256d kt = fast ? k : _mm256_min_pd(k, bc(1022.0));
    __m256d u = _mm256_sub_pd(bc(BLAWK_VEXPM1_SHIFT + 1023.0), kt);
    __m256d t = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(u), 52));
    if (!fast) {
        __m256d u2 = _mm256_sub_pd(bc(BLAWK_VEXPM1_SHIFT + 1023.0), _mm256_sub_pd(k, kt));
        t = _mm256_mul_pd(t, _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(u2), 52)));
    }
    __m256d chi = _mm256_sub_pd(one, t);
    __m256d bb = _mm256_sub_pd(chi, one);
    __m256d clo = _mm256_sub_pd(_mm256_sub_pd(one, _mm256_sub_pd(chi, bb)), _mm256_add_pd(t, bb));
    __m256d hi = _mm256_add_pd(chi, s);
    __m256d err = _mm256_add_pd(_mm256_sub_pd(chi, hi), s);
    __m256d q = _mm256_add_pd(_mm256_add_pd(_mm256_fmadd_pd(bc(0.5), r2l, rcc), e), _mm256_add_pd(err, clo));
    __m256d vlo = _mm256_fmadd_pd(r3, p, q);
    *kd_out = kd;
    return _mm256_add_pd(hi, vlo);
}

/* Every lane x <= 708 (so k <= 1021, v * 2^k finite and, for k != 0,
 * normal): add k to v's exponent field (k = 0 adds nothing, so a tiny or
 * subnormal v is kept as it is). */
static inline __m256d expm1_4_fast(__m256d x)
{
    __m256d kd;
    __m256d v = expm1_4v(x, &kd, 1);
    __m256i e = _mm256_slli_epi64(_mm256_castpd_si256(kd), 52);
    __m256d res = _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(v), e));
    return _mm256_blendv_pd(res, x, _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_EQ_OQ));
}

static inline __m256d expm1_4_slow(__m256d x)
{
    __m256d kd;
    __m256d v = expm1_4v(x, &kd, 0);
    /* v * 2^k1 * 2^k2, k1 = trunc(k/2), k2 = k - k1, as in the scalar code:
     * the first product is exact, the second rounds only to inf. */
    __m256i k = _mm256_castpd_si256(kd);                  /* low 32 bits: k */
    __m256i k1 = _mm256_srai_epi32(_mm256_add_epi32(k, _mm256_srli_epi32(k, 31)), 1);
    __m256i k2 = _mm256_sub_epi32(k, k1);
    __m256d s1 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi32(k1, _mm256_set1_epi32(1023)), 52));
    __m256d s2 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi32(k2, _mm256_set1_epi32(1023)), 52));
    __m256d res = _mm256_mul_pd(_mm256_mul_pd(v, s1), s2);
    res = _mm256_blendv_pd(res, x, _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_EQ_OQ));
    __m256d nanq = _mm256_or_pd(x, _mm256_castsi256_pd(_mm256_set1_epi64x(QUIET_BIT)));
    return _mm256_blendv_pd(res, nanq, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

static inline int all_ordinary(__m256d a, __m256d b)
{
    __m256d ca = _mm256_cmp_pd(a, bc(708.0), _CMP_LE_OQ);
    __m256d cb = _mm256_cmp_pd(b, bc(708.0), _CMP_LE_OQ);
    return _mm256_movemask_pd(_mm256_and_pd(ca, cb)) == 15;
}

void blawk_vexpm1_avx2(double *out, const double *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d a = _mm256_loadu_pd(x + i);
        __m256d b = _mm256_loadu_pd(x + i + 4);
        if (all_ordinary(a, b)) {
            _mm256_storeu_pd(out + i, expm1_4_fast(a));
            _mm256_storeu_pd(out + i + 4, expm1_4_fast(b));
        } else {
            _mm256_storeu_pd(out + i, expm1_4_slow(a));
            _mm256_storeu_pd(out + i + 4, expm1_4_slow(b));
        }
    }
    if (i < n) {
        double buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t m = n - i;
        for (size_t j = 0; j < m; j++) buf[j] = x[i + j];
        _mm256_storeu_pd(buf, expm1_4_slow(_mm256_loadu_pd(buf)));
        _mm256_storeu_pd(buf + 4, expm1_4_slow(_mm256_loadu_pd(buf + 4)));
        for (size_t j = 0; j < m; j++) out[i + j] = buf[j];
    }
}
