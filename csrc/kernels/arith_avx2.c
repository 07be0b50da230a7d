/* AVX2 kernels: 4 lanes (compiled with -mavx2 -mfma). */
#include <immintrin.h>

#include "vmath.h"

#define ISA avx2
#define W 4
#define V __m256d
#define VLOAD(p) _mm256_loadu_pd(p)
#define VSTORE(p, v) _mm256_storeu_pd((p), (v))
#define VSET1(s) _mm256_set1_pd(s)
#define VADD(a, b) _mm256_add_pd((a), (b))
#define VSUB(a, b) _mm256_sub_pd((a), (b))
#define VMUL(a, b) _mm256_mul_pd((a), (b))
#define VDIV(a, b) _mm256_div_pd((a), (b))
#define VSQRT(a) _mm256_sqrt_pd(a)
#define VNEG(a) _mm256_xor_pd((a), _mm256_set1_pd(-0.0))
#define VABS(a) _mm256_andnot_pd(_mm256_set1_pd(-0.0), (a))

/* [p3, c0, c1, c2]: lanes (p2 p3 c0 c1) then interleave with c */
#define VPREV1(p, c) _mm256_shuffle_pd(_mm256_permute2f128_pd((p), (c), 0x21), (c), 0x5)

#define VFLOOR(a) _mm256_floor_pd(a)
#define VCEIL(a) _mm256_ceil_pd(a)

#include "arith_impl.h"
