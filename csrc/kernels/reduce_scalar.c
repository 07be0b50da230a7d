/* Portable reference reduction kernels: 32 accumulators of one lane, plain C. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "isa_scalar.h"
#define VHADD(v) (v)
#define VHMUL(v) (v)

/* one lane: the mask is the validity bit itself.  WALK only passes elements
 * below n, so the load is unconditional and the choice is made on the bits:
 * a branch on the validity bit would be as unpredictable as the data's nulls
 * (and the compiler turns a plain ?: back into one). */
static inline double select_scalar(unsigned m, double a, double b)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    const uint64_t k = (uint64_t)0 - (uint64_t)(m & 1u);
    ua = (ua & k) | (ub & ~k);
    memcpy(&a, &ua, 8);
    return a;
}
#define M unsigned
#define MASK(bits) (bits)
#define MLOAD(p, m, f) select_scalar((m), *(p), (f))
#define VADD_M(m, a, t) select_scalar((m), (a) + (t), (a))

/* minsd/maxsd-like: a tie between zeros keeps a (zero_rescan settles it) */
#define VMIN(a, x) ((x) < (a) ? (x) : (a))
#define VMAX(a, x) ((x) > (a) ? (x) : (a))
#define MINMAX_EXACT_ZEROS 0

#define N int
#define N_INIT 0
#define N_ACC(f, x) ((f) | ((x) != (x)))
#define N_ACC2(f, x, y) ((f) | ((x) != (x)) | ((y) != (y)))
#define N_ANY(f) (f)

#include "reduce_impl.h"

static size_t red_pick_scalar(double *dst, size_t cap, const double *x, size_t n, double lo,
                              double hi, size_t *less)
{
    *less = 0;
    return pick_rows(dst, 0, cap, x, 0, n, lo, hi, less);
}
