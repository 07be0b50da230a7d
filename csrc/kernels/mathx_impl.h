/* mathx_impl.h -- the body of mathx.h's kernels; a mathx_<isa>.c defines
 * MATHX(f) (the kernel's name for that ISA) and includes it, compiled with
 * that ISA's flags and auto-vectorisation (see CMakeLists.txt). */
#include <math.h>

#include "mathx.h"

/* both operands read unconditionally, so the compiler can blend */
static inline double sign1(double x)
{
    const double pos = 1.0, neg = -1.0;
    return x > 0.0 ? pos : (x < 0.0 ? neg : x);
}
static inline double min1(double a, double b) { return a != a ? a : (b != b ? b : (a <= b ? a : b)); }
static inline double max1(double a, double b) { return a != a ? a : (b != b ? b : (a >= b ? a : b)); }

void MATHX(sign)(double *out, const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = sign1(a[i]);
}

void MATHX(min2)(double *out, const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double x = a[i], y = b[i];
        out[i] = min1(x, y);
    }
}

void MATHX(max2)(double *out, const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double x = a[i], y = b[i];
        out[i] = max1(x, y);
    }
}

void MATHX(min_s)(double *out, const double *a, double s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = min1(a[i], s);
}

void MATHX(max_s)(double *out, const double *a, double s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = max1(a[i], s);
}

void MATHX(round_s)(double *out, const double *a, double digits, size_t n)
{
    const int d = (int)digits;
    const double f = pow(10.0, d >= 0 ? d : -d);
    if (d >= 0)
        for (size_t i = 0; i < n; i++)
            out[i] = rint(a[i] * f) / f;
    else
        for (size_t i = 0; i < n; i++)
            out[i] = rint(a[i] / f) * f;
}
