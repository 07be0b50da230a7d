/* AVX-512 kernels: 8 lanes (compiled with -mavx512f -mavx512dq ...). */
#include <immintrin.h>

#include "vmath.h"

#include "isa_avx512.h"

/* [p7, c0, ..., c6] */
#define VPREV1(p, c) \
    _mm512_castsi512_pd(_mm512_alignr_epi64(_mm512_castpd_si512(c), _mm512_castpd_si512(p), 7))

#define VFLOOR(a) _mm512_roundscale_pd((a), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
#define VCEIL(a) _mm512_roundscale_pd((a), _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC)

#include "arith_impl.h"
