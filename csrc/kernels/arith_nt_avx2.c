/* The AVX2 elementwise kernels again, writing with non-temporal stores: the
 * blawk_kernels_avx2_nt table (kernels.h). */
#define BLAWK_ARITH_NT
#include "arith_avx2.c"
