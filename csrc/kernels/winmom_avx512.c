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
#define LSEL(m, y, n) _mm512_mask_blend_pd(m, n, y)
#define LAND(m, n) ((__mmask8)((m) & (n)))
#define LALL ((__mmask8)0xff)
#define LBITS(m) ((unsigned)(m))
#define LFROMBITS(b) ((__mmask8)(b))
#define LANES_NAME blawk_winmom_lanes_avx512
#include "winlane_impl.h"
