/* math_extra.c -- see math_extra.h: the same scalar code on every ISA. */
#include <math.h>

#include "math_extra.h"

static inline double sign1(double x) { return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : x; }

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

static inline double min1(double a, double b) { return a != a ? a : b != b ? b : (a <= b ? a : b); }
static inline double max1(double a, double b) { return a != a ? a : b != b ? b : (a >= b ? a : b); }

#define UNARY(name, f)                                                          \
    void name(double *out, const double *a, size_t n)                           \
    {                                                                           \
        for (size_t i = 0; i < n; i++)                                          \
            out[i] = f(a[i]);                                                   \
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

UNARY(blawk_k_sign, sign1)
UNARY(blawk_k_expm1, expm1)
BINARY(blawk_k_mod, mod1)
BINARY(blawk_k_min2, min1)
BINARY(blawk_k_max2, max1)
WITH_S(blawk_k_mod_s, mod1(x, s))
WITH_S(blawk_k_rmod_s, mod1(s, x))
WITH_S(blawk_k_min_s, min1(x, s))
WITH_S(blawk_k_max_s, max1(x, s))

/* np.round(x, d): half to even at d decimal digits, as numpy computes it:
 * y = x * 10^d; rint(y) / 10^d (d < 0: x / 10^-d, rint, * 10^-d) */
void blawk_k_round_s(double *out, const double *a, double digits, size_t n)
{
    const int d = (int)digits;
    const double f = pow(10.0, d >= 0 ? d : -d);
    for (size_t i = 0; i < n; i++) {
        if (d >= 0)
            out[i] = rint(a[i] * f) / f;
        else
            out[i] = rint(a[i] / f) * f;
    }
}
