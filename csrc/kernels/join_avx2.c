/* join_avx2.c -- the sortedness scan of blawk_i64_unsorted_at with AVX2's
 * 64-bit compare (compiled with -mavx2; called only when the active ISA has
 * AVX2).  Baseline x86-64 has no 64-bit integer compare, see join.c. */
#include <immintrin.h>

#include "kernels.h"

int blawk_any_descent_avx2(const int64_t *x, size_t b, size_t e)
{
    __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
    size_t i = b;
    for (; i + 8 <= e; i += 8) {
        const __m256i c0 = _mm256_loadu_si256((const __m256i *)(x + i));
        const __m256i p0 = _mm256_loadu_si256((const __m256i *)(x + i - 1));
        const __m256i c1 = _mm256_loadu_si256((const __m256i *)(x + i + 4));
        const __m256i p1 = _mm256_loadu_si256((const __m256i *)(x + i + 3));
        acc0 = _mm256_or_si256(acc0, _mm256_cmpgt_epi64(p0, c0));
        acc1 = _mm256_or_si256(acc1, _mm256_cmpgt_epi64(p1, c1));
    }
    const __m256i acc = _mm256_or_si256(acc0, acc1);
    int bad = !_mm256_testz_si256(acc, acc);
    for (; i < e; i++)
        bad |= x[i] < x[i - 1];
    return bad;
}
