/* sign, min/max, round: avx2 build (body: mathx_impl.h, contract: mathx.h). */
#define MATHX(f) blawk_k_##f##_avx2
#include "mathx_impl.h"
