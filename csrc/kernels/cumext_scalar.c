/* Cumulative max / min, row by row: the reference (contract in cumext.h). */
#include <math.h>
#include <string.h>

#include "cumext.h"

/* IEEE 754-2019 maximum / minimum of two non-NaN values: equal values have
 * equal bits except the two zeros, whose AND is +0.0 and OR is -0.0. */
static double ext(double a, double b, int ismax)
{
    if (a != b)
        return ismax ? (a > b ? a : b) : (a < b ? a : b);
    uint64_t ua, ub;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    ua = ismax ? ua & ub : ua | ub;
    memcpy(&a, &ua, 8);
    return a;
}

size_t blawk_cumext_scalar(double *out, const double *x, const uint64_t *valid, size_t n,
                           double *acc, int ismax)
{
    double a = *acc;
    for (size_t i = 0; i < n; i++) {
        if (valid && !((valid[i >> 6] >> (i & 63)) & 1)) {
            out[i] = 0.0;
            continue;
        }
        const double v = x[i];
        if (isnan(v)) {
            *acc = a;
            return i;
        }
        a = ext(a, v, ismax);
        out[i] = a;
    }
    *acc = a;
    return n;
}
