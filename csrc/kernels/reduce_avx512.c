/* AVX-512 reduction kernels: 4 accumulators of 8 lanes (compiled with -mavx512f
 * -mavx512dq ...).  Validity bits are the lane masks themselves. */
#include <immintrin.h>

#include "isa_avx512.h"

/* lanes by halves: j + j+4, then j + j+2, then 0+1 */
static inline double hadd_avx512(__m512d v)
{
    const __m256d s4 = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    const __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
}

static inline double hmul_avx512(__m512d v)
{
    const __m256d s4 = _mm256_mul_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    const __m128d s2 = _mm_mul_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    return _mm_cvtsd_f64(_mm_mul_sd(s2, _mm_unpackhi_pd(s2, s2)));
}
#define VHADD(v) hadd_avx512(v)
#define VHMUL(v) hmul_avx512(v)

#define M __mmask8
#define MASK(bits) ((__mmask8)(bits))
/* masked-off lanes are not read (no fault past the end) */
#define MLOAD(p, m, f) _mm512_mask_loadu_pd((f), (m), (p))
#define VADD_M(m, a, t) _mm512_mask_add_pd((a), (m), (a), (t))

/* vrangepd min/max with the sign from the comparison: -0.0 < +0.0, and a
 * quiet NaN operand gives the other operand (NaNs are flagged apart).  The
 * element goes first: only the second source can be a memory operand, and
 * with x there the compiler folded each load into the vrangepd and loaded the
 * same vector again for the NaN compare (twice the loads; both operand
 * orders give the same value). */
#define VMIN(a, x) _mm512_range_pd((x), (a), 0x4)
#define VMAX(a, x) _mm512_range_pd((x), (a), 0x5)
#define MINMAX_EXACT_ZEROS 1

#define N __mmask8
#define N_INIT ((__mmask8)0)
/* _kor keeps the flags in mask registers (a plain | moves each one out) */
#define N_ACC(f, x) _kor_mask8((f), _mm512_cmp_pd_mask((x), (x), _CMP_UNORD_Q))
#define N_ACC2(f, x, y) _kor_mask8((f), _mm512_cmp_pd_mask((x), (y), _CMP_UNORD_Q))
#define N_ANY(f) ((f) != 0)

/* a prefetch hint for min/max (reduce_impl.h) */
#define RED_PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)

#include "reduce_impl.h"

/* compress in a register, store the whole vector, advance by the count (a
 * compressing store to memory is slow on some cores) */
static size_t red_pick_avx512(double *dst, size_t cap, const double *x, size_t n, double lo,
                              double hi, size_t *less)
{
    const __m512d L = _mm512_set1_pd(lo), H = _mm512_set1_pd(hi);
    size_t m = 0, l = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m512d v = _mm512_loadu_pd(x + i);
        const __mmask8 below = _mm512_cmp_pd_mask(v, L, _CMP_LT_OQ);
        const __mmask8 in = _mm512_cmp_pd_mask(v, H, _CMP_LE_OQ) & (__mmask8)~below;
        _mm512_storeu_pd(dst + m, _mm512_maskz_compress_pd(in, v));
        m += (size_t)__builtin_popcount(in);
        l += (size_t)__builtin_popcount(below);
        if (m > cap)
            return SIZE_MAX;
    }
    *less = l;
    return pick_rows(dst, m, cap, x, i, n, lo, hi, less);
}
