/* AVX2 reduction kernels: 8 accumulators of 4 lanes (compiled with -mavx2 -mfma). */
#include <immintrin.h>

#include "isa_avx2.h"

/* lanes by halves: (0+2, 1+3), then 0+1 */
static inline double hadd_avx2(__m256d v)
{
    const __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
}

static inline double hmul_avx2(__m256d v)
{
    const __m128d s2 = _mm_mul_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_mul_sd(s2, _mm_unpackhi_pd(s2, s2)));
}
#define VHADD(v) hadd_avx2(v)
#define VHMUL(v) hmul_avx2(v)

/* 4 validity bits -> a lane mask (all ones where the bit is set) */
static inline __m256i mask_avx2(unsigned bits)
{
    const __m256i sel = _mm256_setr_epi64x(1, 2, 4, 8);
    return _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x((long long)bits), sel), sel);
}
#define M __m256i
#define MASK(bits) mask_avx2(bits)
/* vmaskmov does not touch memory in masked-off lanes (no fault past the end) */
#define MLOAD(p, m, f) \
    _mm256_blendv_pd((f), _mm256_maskload_pd((p), (m)), _mm256_castsi256_pd(m))
#define VADD_M(m, a, t) \
    _mm256_blendv_pd((a), _mm256_add_pd((a), (t)), _mm256_castsi256_pd(m))

/* vminpd(x, a) = x < a ? x : a: a when x is NaN, and a on a tie between
 * zeros (zero_rescan settles the sign of a zero result) */
#define VMIN(a, x) _mm256_min_pd((x), (a))
#define VMAX(a, x) _mm256_max_pd((x), (a))
#define MINMAX_EXACT_ZEROS 0

#define N __m256d
#define N_INIT _mm256_setzero_pd()
#define N_ACC(f, x) _mm256_or_pd((f), _mm256_cmp_pd((x), (x), _CMP_UNORD_Q))
#define N_ACC2(f, x, y) _mm256_or_pd((f), _mm256_cmp_pd((x), (y), _CMP_UNORD_Q))
#define N_ANY(f) (_mm256_movemask_pd(f) != 0)

/* a prefetch hint for min/max (reduce_impl.h) */
#define RED_PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)

#include "reduce_impl.h"
