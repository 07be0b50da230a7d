/* AVX-512 kernels: 8 lanes (compiled with -mavx512f -mavx512dq ...). */
#include <immintrin.h>

#include "vmath.h"

#define ISA avx512
#define W 8
#define V __m512d
#define VLOAD(p) _mm512_loadu_pd(p)
#define VSTORE(p, v) _mm512_storeu_pd((p), (v))
#define VSET1(s) _mm512_set1_pd(s)
#define VADD(a, b) _mm512_add_pd((a), (b))
#define VSUB(a, b) _mm512_sub_pd((a), (b))
#define VMUL(a, b) _mm512_mul_pd((a), (b))
#define VDIV(a, b) _mm512_div_pd((a), (b))
#define VSQRT(a) _mm512_sqrt_pd(a)
#define VNEG(a) _mm512_xor_pd((a), _mm512_set1_pd(-0.0))
#define VABS(a) _mm512_abs_pd(a)

/* [p7, c0, ..., c6] */
#define VPREV1(p, c) \
    _mm512_castsi512_pd(_mm512_alignr_epi64(_mm512_castpd_si512(c), _mm512_castpd_si512(p), 7))

#define VFLOOR(a) _mm512_roundscale_pd((a), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
#define VCEIL(a) _mm512_roundscale_pd((a), _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC)

#include "arith_impl.h"
