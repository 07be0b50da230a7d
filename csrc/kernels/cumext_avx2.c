/* Cumulative max / min, 4 lanes (contract in cumext.h). */
#include <immintrin.h>
#include <math.h>

#include "cumext.h"

/* IEEE 754-2019 maximum / minimum of non-NaN lanes: where the lanes are
 * equal (only the zeros differ in bits) AND gives +0.0, OR gives -0.0. */
static inline __m256d xmax(__m256d a, __m256d b)
{
    const __m256d eq = _mm256_cmp_pd(a, b, _CMP_EQ_OQ);
    return _mm256_blendv_pd(_mm256_max_pd(a, b), _mm256_and_pd(a, b), eq);
}

static inline __m256d xmin(__m256d a, __m256d b)
{
    const __m256d eq = _mm256_cmp_pd(a, b, _CMP_EQ_OQ);
    return _mm256_blendv_pd(_mm256_min_pd(a, b), _mm256_or_pd(a, b), eq);
}

/* lane p takes lane p-1 (p-2); the low lanes take themselves (max(a, a) = a) */
#define UP1(v) _mm256_permute4x64_pd((v), 0x90) /* [0, 0, 1, 2] */
#define UP2(v) _mm256_permute4x64_pd((v), 0x44) /* [0, 1, 0, 1] */
#define LAST(v) _mm256_permute4x64_pd((v), 0xff)

/* 4 rows from x + i with the validity bits `bits`: null lanes hold the
 * identity; *keep gets the lane mask (all ones where valid). */
static inline __m256d load4(const double *p, unsigned bits, __m256d vid, __m256d *keep)
{
    if (bits == 15u) {
        *keep = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
        return _mm256_loadu_pd(p);
    }
    const __m256i sel = _mm256_setr_epi64x(1, 2, 4, 8);
    const __m256i mi =
        _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x((long long)bits), sel), sel);
    *keep = _mm256_castsi256_pd(mi);
    return _mm256_blendv_pd(vid, _mm256_maskload_pd(p, mi), *keep);
}

/* As in the AVX-512 kernel: two vectors a step, the carry passing through the
 * first one's last lane (two xmax on the chain from one step to the next). */
#define LOOP(X)                                                                     \
    for (; i + 8 <= n; i += 8) {                                                    \
        const unsigned bits = valid ? (unsigned)(valid[i >> 6] >> (i & 63)) : 255u;  \
        __m256d k0, k1;                                                             \
        __m256d v0 = load4(x + i, bits & 15u, vid, &k0);                            \
        __m256d v1 = load4(x + i + 4, (bits >> 4) & 15u, vid, &k1);                 \
        if (_mm256_movemask_pd(_mm256_cmp_pd(v0, v1, _CMP_UNORD_Q)))                \
            break;                                                                  \
        v0 = X(v0, UP1(v0));                                                        \
        v1 = X(v1, UP1(v1));                                                        \
        v0 = X(v0, UP2(v0));                                                        \
        v1 = X(v1, UP2(v1));                                                        \
        const __m256d c0 = X(LAST(v0), carry);                                      \
        _mm256_storeu_pd(out + i, _mm256_and_pd(X(v0, carry), k0));                 \
        _mm256_storeu_pd(out + i + 4, _mm256_and_pd(X(v1, c0), k1));                \
        carry = X(LAST(v1), c0);                                                    \
    }                                                                               \
    for (; i + 4 <= n; i += 4) {                                                    \
        const unsigned bits = valid ? (unsigned)(valid[i >> 6] >> (i & 63)) & 15u : 15u; \
        __m256d k;                                                                  \
        __m256d v = load4(x + i, bits, vid, &k);                                    \
        if (_mm256_movemask_pd(_mm256_cmp_pd(v, v, _CMP_UNORD_Q)))                  \
            break;                                                                  \
        v = X(v, UP1(v));                                                           \
        v = X(v, UP2(v));                                                           \
        v = X(v, carry);                                                            \
        carry = LAST(v);                                                            \
        _mm256_storeu_pd(out + i, _mm256_and_pd(v, k));                             \
    }

size_t blawk_cumext_avx2(double *out, const double *x, const uint64_t *valid, size_t n,
                         double *acc, int ismax)
{
    const __m256d vid = _mm256_set1_pd(ismax ? -INFINITY : INFINITY);
    __m256d carry = _mm256_set1_pd(*acc);
    size_t i = 0;
    if (ismax) {
        LOOP(xmax)
    } else {
        LOOP(xmin)
    }
    *acc = _mm256_cvtsd_f64(carry);
    if (i + 4 <= n)
        return i; /* a NaN in the vector at i */
    if (i == n)
        return n;
    const uint64_t w = valid ? valid[i >> 6] >> (i & 63) : ~UINT64_C(0);
    return i + blawk_cumext_scalar(out + i, x + i, &w, n - i, acc, ismax);
}
