/* Cumulative max / min, 8 lanes (contract in cumext.h).  vrangepd gives the
 * IEEE 754-2019 extreme (-0.0 below +0.0) in one instruction. */
#include <immintrin.h>
#include <math.h>

#include "cumext.h"

#define RMAX 0x5 /* vrangepd: max, sign from the comparison */
#define RMIN 0x4

/* v scanned in registers: lane p = extreme of lanes 0..p */
#define SCAN8(v, R)                                                                 \
    do {                                                                            \
        v = _mm512_range_pd(v, _mm512_permutexvar_pd(up1, v), R);                  \
        v = _mm512_range_pd(v, _mm512_permutexvar_pd(up2, v), R);                  \
        v = _mm512_range_pd(v, _mm512_permutexvar_pd(up4, v), R);                  \
    } while (0)

/* Two vectors a step: both are scanned apart, then the carry passes through
 * the first one's last lane, so the chain from one step to the next is two
 * vrangepd rather than a range and a permute per vector. */
#define LOOP(R)                                                                     \
    for (; i + 16 <= n; i += 16) {                                                  \
        const uint64_t bits = valid ? valid[i >> 6] >> (i & 63) : ~UINT64_C(0);     \
        const __mmask8 m0 = (__mmask8)bits, m1 = (__mmask8)(bits >> 8);             \
        __m512d v0 = _mm512_mask_loadu_pd(vid, m0, x + i);                          \
        __m512d v1 = _mm512_mask_loadu_pd(vid, m1, x + i + 8);                      \
        if (_mm512_cmp_pd_mask(v0, v1, _CMP_UNORD_Q))                               \
            break;                                                                  \
        SCAN8(v0, R);                                                               \
        SCAN8(v1, R);                                                               \
        const __m512d c0 = _mm512_range_pd(_mm512_permutexvar_pd(last, v0), carry, R); \
        _mm512_storeu_pd(out + i, _mm512_maskz_mov_pd(m0, _mm512_range_pd(v0, carry, R))); \
        _mm512_storeu_pd(out + i + 8, _mm512_maskz_mov_pd(m1, _mm512_range_pd(v1, c0, R))); \
        carry = _mm512_range_pd(_mm512_permutexvar_pd(last, v1), c0, R);            \
    }                                                                               \
    for (; i + 8 <= n; i += 8) {                                                    \
        const __mmask8 m = valid ? (__mmask8)(valid[i >> 6] >> (i & 63)) : (__mmask8)0xff; \
        __m512d v = _mm512_mask_loadu_pd(vid, m, x + i);                            \
        if (_mm512_cmp_pd_mask(v, v, _CMP_UNORD_Q))                                 \
            break;                                                                  \
        SCAN8(v, R);                                                                \
        v = _mm512_range_pd(v, carry, R);                                           \
        carry = _mm512_permutexvar_pd(last, v);                                     \
        _mm512_storeu_pd(out + i, _mm512_maskz_mov_pd(m, v));                      \
    }

size_t blawk_cumext_avx512(double *out, const double *x, const uint64_t *valid, size_t n,
                           double *acc, int ismax)
{
    const double ident = ismax ? -INFINITY : INFINITY;
    const __m512d vid = _mm512_set1_pd(ident);
    /* lane p takes lane p-1 (p-2, p-4); the low lanes take themselves, which
     * changes nothing (max(a, a) = a) */
    const __m512i up1 = _mm512_set_epi64(6, 5, 4, 3, 2, 1, 0, 0);
    const __m512i up2 = _mm512_set_epi64(5, 4, 3, 2, 1, 0, 1, 0);
    const __m512i up4 = _mm512_set_epi64(3, 2, 1, 0, 3, 2, 1, 0);
    const __m512i last = _mm512_set1_epi64(7);
    __m512d carry = _mm512_set1_pd(*acc);
    size_t i = 0;
    if (ismax) {
        LOOP(RMAX)
    } else {
        LOOP(RMIN)
    }
    *acc = _mm512_cvtsd_f64(carry);
    if (i + 8 <= n)
        return i; /* a NaN in the vector at i */
    if (i == n)
        return n;
    /* the last n - i < 8 rows: their bits are in one bitmap word */
    const uint64_t w = valid ? valid[i >> 6] >> (i & 63) : ~UINT64_C(0);
    return i + blawk_cumext_scalar(out + i, x + i, &w, n - i, acc, ismax);
}
