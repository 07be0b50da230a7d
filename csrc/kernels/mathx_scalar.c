/* sign, min/max, round: scalar build (body: mathx_impl.h, contract: mathx.h). */
#define MATHX(f) blawk_k_##f##_scalar
#include "mathx_impl.h"
