/* isa_scalar.h -- the vector vocabulary of the scalar kernels (shared by the
 * arith_scalar.c and reduce_scalar.c instantiations; internal). */
#ifndef BLAWK_ISA_SCALAR_H
#define BLAWK_ISA_SCALAR_H

#include <math.h>

#define ISA scalar
#define W 1
#define V double
#define VLOAD(p) (*(p))
#define VSTORE(p, v) (*(p) = (v))
#define VSET1(s) (s)
#define VADD(a, b) ((a) + (b))
#define VSUB(a, b) ((a) - (b))
#define VMUL(a, b) ((a) * (b))
#define VDIV(a, b) ((a) / (b))
#define VSQRT(a) sqrt(a)
#define VNEG(a) (-(a))
#define VABS(a) fabs(a)

#endif
