/* Portable reference kernels: one lane, plain C. */
#include "vmath.h"

#include "isa_scalar.h"

#define VPREV1(p, c) (p)

#define VFLOOR(a) floor(a)
#define VCEIL(a) ceil(a)

#include "arith_impl.h"
