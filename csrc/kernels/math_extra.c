/* math_extra.c -- see math_extra.h: the same scalar code on every ISA. */
#include <math.h>

#include "math_extra.h"

/* np.mod: fmod, then moved to the divisor's sign; a zero takes the divisor's sign */
static inline double mod1(double a, double b)
{
    double m = fmod(a, b);
    if (m != 0.0) {
        if ((b < 0.0) != (m < 0.0))
            m += b;
    } else {
        m = copysign(0.0, b);
    }
    return m;
}

#define BINARY(name, f)                                                         \
    void name(double *out, const double *a, const double *b, size_t n)          \
    {                                                                           \
        for (size_t i = 0; i < n; i++)                                          \
            out[i] = f(a[i], b[i]);                                             \
    }
#define WITH_S(name, expr)                                                      \
    void name(double *out, const double *a, double s, size_t n)                 \
    {                                                                           \
        for (size_t i = 0; i < n; i++) {                                        \
            const double x = a[i];                                              \
            out[i] = (expr);                                                    \
        }                                                                       \
    }

BINARY(blawk_k_mod, mod1)
WITH_S(blawk_k_mod_s, mod1(x, s))
WITH_S(blawk_k_rmod_s, mod1(s, x))
