/* The AVX512 elementwise kernels again, writing with non-temporal stores: the
 * blawk_kernels_avx512_nt table (kernels.h). */
#define BLAWK_ARITH_NT
#include "arith_avx512.c"
