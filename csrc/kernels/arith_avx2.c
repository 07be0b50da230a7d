/* AVX2 kernels: 4 lanes (compiled with -mavx2 -mfma). */
#include <immintrin.h>

#include "vmath.h"

#include "isa_avx2.h"

/* [p3, c0, c1, c2]: lanes (p2 p3 c0 c1) then interleave with c */
#define VPREV1(p, c) _mm256_shuffle_pd(_mm256_permute2f128_pd((p), (c), 0x21), (c), 0x5)

#define VFLOOR(a) _mm256_floor_pd(a)
#define VCEIL(a) _mm256_ceil_pd(a)

#include "arith_impl.h"
