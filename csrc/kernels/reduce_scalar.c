/* Portable reference reduction kernels: 32 accumulators of one lane, plain C. */
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
#define VHADD(v) (v)
#define VHMUL(v) (v)

/* one lane: the mask is the validity bit itself */
#define M unsigned
#define MASK(bits) (bits)
#define MLOAD(p, m, f) ((m) ? *(p) : (f))
#define VADD_M(m, a, t) ((m) ? (a) + (t) : (a))

/* minsd/maxsd-like: a tie between zeros keeps a (zero_rescan settles it) */
#define VMIN(a, x) ((x) < (a) ? (x) : (a))
#define VMAX(a, x) ((x) > (a) ? (x) : (a))
#define MINMAX_EXACT_ZEROS 0

#define N int
#define N_INIT 0
#define N_ACC(f, x) ((f) | ((x) != (x)))
#define N_ANY(f) (f)

#include "reduce_impl.h"
