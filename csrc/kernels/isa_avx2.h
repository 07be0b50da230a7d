/* isa_avx2.h -- the vector vocabulary of the avx2 kernels (shared by the
 * arith_avx2.c and reduce_avx2.c instantiations; internal). */
#ifndef BLAWK_ISA_AVX2_H
#define BLAWK_ISA_AVX2_H

#include <immintrin.h>

#define ISA avx2
#define W 4
#define V __m256d
#define VLOAD(p) _mm256_loadu_pd(p)
/* non-temporal store: p aligned to the vector size */
#define VSTREAM(p, v) _mm256_stream_pd((p), (v))
#define VSTORE(p, v) _mm256_storeu_pd((p), (v))
#define VSET1(s) _mm256_set1_pd(s)
#define VADD(a, b) _mm256_add_pd((a), (b))
#define VSUB(a, b) _mm256_sub_pd((a), (b))
#define VMUL(a, b) _mm256_mul_pd((a), (b))
#define VDIV(a, b) _mm256_div_pd((a), (b))
#define VSQRT(a) _mm256_sqrt_pd(a)
#define VNEG(a) _mm256_xor_pd((a), _mm256_set1_pd(-0.0))
#define VABS(a) _mm256_andnot_pd(_mm256_set1_pd(-0.0), (a))

#endif
