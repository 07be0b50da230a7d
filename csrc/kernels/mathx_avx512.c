/* sign, min/max, round: avx512 build (body: mathx_impl.h, contract: mathx.h). */
#define MATHX(f) blawk_k_##f##_avx512
#include "mathx_impl.h"
