/* Rolling moments' vector passes, avx512 build (body and contract: winmom_impl.h,
 * winlane_impl.h, winmom.h). */
#include <immintrin.h>

#define WINMOM_NAME(f) blawk_winmom_##f##_avx512
#include "winmom_impl.h"

/* the chains in 8 lanes */
#define LN BLAWK_WINMOM_LANES_AVX512
#define LV __m512d
#define LM __mmask8
#define LADD _mm512_add_pd
#define LSUB _mm512_sub_pd
#define LMUL _mm512_mul_pd
#define LDIV _mm512_div_pd
#define LSQRT _mm512_sqrt_pd
#define LSET1 _mm512_set1_pd
#define LLOAD _mm512_loadu_pd
#define LSTORE _mm512_storeu_pd
#define LSHIFTIN(s, v)                                                                \
    _mm512_castsi512_pd(_mm512_alignr_epi64(_mm512_castpd_si512(v),                 \
                                            _mm512_castpd_si512(_mm512_set1_pd(s)), 7))
#define LEQ(a, b) _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ)
#define LLT(a, b) _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ)
#define LLE(a, b) _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ)
#define LUNORD(a, b) _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q)
#define LABS(v) _mm512_abs_pd(v)
/* not NaN (0x01, 0x80), +inf (0x08), -inf (0x10) */
#define LFINITE(v) ((__mmask8)~_mm512_fpclass_pd_mask(v, 0x99))
#define LMASKZ_ADD(m, a, b) _mm512_maskz_add_pd(m, a, b)
#define LOR(m, n) ((__mmask8)((m) | (n)))
#define LFMSUB _mm512_fmsub_pd
#define LSEL(m, y, n) _mm512_mask_blend_pd(m, n, y)
#define LAND(m, n) ((__mmask8)((m) & (n)))
#define LALL ((__mmask8)0xff)
#define LBITS(m) ((unsigned)(m))
#define LFROMBITS(b) ((__mmask8)(b))
#define LMASKLOAD(p, k) _mm512_maskz_loadu_pd((__mmask8)((1u << (k)) - 1), p)
#define LMASKSTORE(p, v, k) _mm512_mask_storeu_pd(p, (__mmask8)((1u << (k)) - 1), v)
/* r[0..8) as the rows of an 8x8 matrix, transposed in place */
static inline void ltranspose(__m512d r[8])
{
    const __m512i a = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
    const __m512i b = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
    const __m512i lo = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0);
    const __m512i hi = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
    __m512d t[8], u[8];
    for (int k = 0; k < 8; k += 2) {
        t[k] = _mm512_unpacklo_pd(r[k], r[k + 1]);
        t[k + 1] = _mm512_unpackhi_pd(r[k], r[k + 1]);
    }
    for (int k = 0; k < 8; k += 4) {
        u[k] = _mm512_permutex2var_pd(t[k], a, t[k + 2]);     /* columns 0, 4 */
        u[k + 1] = _mm512_permutex2var_pd(t[k], b, t[k + 2]); /* 2, 6 */
        u[k + 2] = _mm512_permutex2var_pd(t[k + 1], a, t[k + 3]); /* 1, 5 */
        u[k + 3] = _mm512_permutex2var_pd(t[k + 1], b, t[k + 3]); /* 3, 7 */
    }
    r[0] = _mm512_permutex2var_pd(u[0], lo, u[4]);
    r[4] = _mm512_permutex2var_pd(u[0], hi, u[4]);
    r[2] = _mm512_permutex2var_pd(u[1], lo, u[5]);
    r[6] = _mm512_permutex2var_pd(u[1], hi, u[5]);
    r[1] = _mm512_permutex2var_pd(u[2], lo, u[6]);
    r[5] = _mm512_permutex2var_pd(u[2], hi, u[6]);
    r[3] = _mm512_permutex2var_pd(u[3], lo, u[7]);
    r[7] = _mm512_permutex2var_pd(u[3], hi, u[7]);
}
#define LTRANSPOSE ltranspose
#define LANES_NAME blawk_winmom_lanes_avx512
#include "winlane_impl.h"
