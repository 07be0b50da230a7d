/* Portable reference kernels: one lane, plain C. */
#include "vmath.h"

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

#define VPREV1(p, c) (p)

#define VFLOOR(a) floor(a)
#define VCEIL(a) ceil(a)

#include "arith_impl.h"
