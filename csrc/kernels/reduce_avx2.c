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

/* lanes kept by a 4-bit mask, moved to the front: dword indices for
 * _mm256_permutevar8x32_epi32 (lane j is dwords 2j, 2j+1) */
static const int32_t pick_perm[16][8] = {
    {0, 1, 0, 1, 0, 1, 0, 1},
    {0, 1, 0, 1, 0, 1, 0, 1},
    {2, 3, 0, 1, 0, 1, 0, 1},
    {0, 1, 2, 3, 0, 1, 0, 1},
    {4, 5, 0, 1, 0, 1, 0, 1},
    {0, 1, 4, 5, 0, 1, 0, 1},
    {2, 3, 4, 5, 0, 1, 0, 1},
    {0, 1, 2, 3, 4, 5, 0, 1},
    {6, 7, 0, 1, 0, 1, 0, 1},
    {0, 1, 6, 7, 0, 1, 0, 1},
    {2, 3, 6, 7, 0, 1, 0, 1},
    {0, 1, 2, 3, 6, 7, 0, 1},
    {4, 5, 6, 7, 0, 1, 0, 1},
    {0, 1, 4, 5, 6, 7, 0, 1},
    {2, 3, 4, 5, 6, 7, 0, 1},
    {0, 1, 2, 3, 4, 5, 6, 7},
};

static size_t red_pick_avx2(double *dst, size_t cap, const double *x, size_t n, double lo,
                            double hi, size_t *less)
{
    const __m256d L = _mm256_set1_pd(lo), H = _mm256_set1_pd(hi);
    size_t m = 0, l = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d v = _mm256_loadu_pd(x + i);
        const int below = _mm256_movemask_pd(_mm256_cmp_pd(v, L, _CMP_LT_OQ));
        const int in = _mm256_movemask_pd(_mm256_cmp_pd(v, H, _CMP_LE_OQ)) & ~below;
        const __m256i perm = _mm256_loadu_si256((const __m256i *)pick_perm[in]);
        _mm256_storeu_pd(dst + m, _mm256_castsi256_pd(
                                      _mm256_permutevar8x32_epi32(_mm256_castpd_si256(v), perm)));
        m += (size_t)__builtin_popcount((unsigned)in);
        l += (size_t)__builtin_popcount((unsigned)below);
        if (m > cap)
            return SIZE_MAX;
    }
    *less = l;
    return pick_rows(dst, m, cap, x, i, n, lo, hi, less);
}
