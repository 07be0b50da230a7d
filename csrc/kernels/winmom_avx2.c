/* Rolling moments' vector passes, avx2 build (body and contract: winmom_impl.h,
 * winlane_impl.h, winmom.h). */
#include <immintrin.h>

#define WINMOM_NAME(f) blawk_winmom_##f##_avx2
#include "winmom_impl.h"

/* the chains in 4 lanes */
#define LN BLAWK_WINMOM_LANES_AVX2
#define LV __m256d
#define LM __m256d
#define LADD _mm256_add_pd
#define LSUB _mm256_sub_pd
#define LMUL _mm256_mul_pd
#define LDIV _mm256_div_pd
#define LSQRT _mm256_sqrt_pd
#define LSET1 _mm256_set1_pd
#define LLOAD _mm256_loadu_pd
#define LSTORE _mm256_storeu_pd
#define LSHIFTIN(s, v)                                                                \
    _mm256_blend_pd(_mm256_permute4x64_pd(v, 0x90), _mm256_set1_pd(s), 1)
#define LEQ(a, b) _mm256_cmp_pd(a, b, _CMP_EQ_OQ)
#define LLT(a, b) _mm256_cmp_pd(a, b, _CMP_LT_OQ)
#define LLE(a, b) _mm256_cmp_pd(a, b, _CMP_LE_OQ)
#define LUNORD(a, b) _mm256_cmp_pd(a, b, _CMP_UNORD_Q)
#define LABS(v) _mm256_andnot_pd(_mm256_set1_pd(-0.0), v)
#define LFINITE(v) _mm256_cmp_pd(LABS(v), _mm256_set1_pd(DBL_MAX), _CMP_LE_OQ)
#define LMASKZ_ADD(m, a, b) _mm256_and_pd(m, _mm256_add_pd(a, b))
#define LOR(m, n) _mm256_or_pd(m, n)
#define LFMSUB _mm256_fmsub_pd
#define LSEL(m, y, n) _mm256_blendv_pd(n, y, m)
#define LAND(m, n) _mm256_and_pd(m, n)
#define LALL _mm256_castsi256_pd(_mm256_set1_epi64x(-1))
#define LBITS(m) ((unsigned)_mm256_movemask_pd(m))
#define LFROMBITS(b)                                                                  \
    _mm256_castsi256_pd(_mm256_cmpeq_epi64(                                           \
        _mm256_and_si256(_mm256_set1_epi64x((long long)(b)), _mm256_set_epi64x(8, 4, 2, 1)), \
        _mm256_set_epi64x(8, 4, 2, 1)))
/* the first k (0 .. 4) lanes */
#define LKMASK(k)                                                                     \
    _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(k)), _mm256_set_epi64x(3, 2, 1, 0))
#define LMASKLOAD(p, k) _mm256_maskload_pd(p, LKMASK(k))
#define LMASKSTORE(p, v, k) _mm256_maskstore_pd(p, LKMASK(k), v)
/* r[0..4) as the rows of a 4x4 matrix, transposed in place */
static inline void ltranspose(__m256d r[4])
{
    const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}
#define LTRANSPOSE ltranspose
#define LANES_NAME blawk_winmom_lanes_avx2
#include "winlane_impl.h"
