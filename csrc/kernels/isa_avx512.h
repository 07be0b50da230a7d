/* isa_avx512.h -- the vector vocabulary of the avx512 kernels (shared by the
 * arith_avx512.c and reduce_avx512.c instantiations; internal). */
#ifndef BLAWK_ISA_AVX512_H
#define BLAWK_ISA_AVX512_H

#include <immintrin.h>

#define ISA avx512
#define W 8
#define V __m512d
#define VLOAD(p) _mm512_loadu_pd(p)
/* non-temporal store: p aligned to the vector size */
#define VSTREAM(p, v) _mm512_stream_pd((p), (v))
#define VSTORE(p, v) _mm512_storeu_pd((p), (v))
#define VSET1(s) _mm512_set1_pd(s)
#define VADD(a, b) _mm512_add_pd((a), (b))
#define VSUB(a, b) _mm512_sub_pd((a), (b))
#define VMUL(a, b) _mm512_mul_pd((a), (b))
#define VDIV(a, b) _mm512_div_pd((a), (b))
#define VSQRT(a) _mm512_sqrt_pd(a)
#define VNEG(a) _mm512_xor_pd((a), _mm512_set1_pd(-0.0))
#define VABS(a) _mm512_abs_pd(a)

#endif
