/* select_impl.h -- the body of select.h's kernels; a select_<isa>.c defines
 * SEL_NAME(f) (a static name per kernel) and SEL_TABLE (the table's name) and
 * includes it, compiled with that ISA's flags and auto-vectorisation (see
 * CMakeLists.txt). */
#include <string.h>

#include "select.h"

#define ALL ~UINT64_C(0)

/* bit j of the result: truth(c[j]), for j < len <= 64 */
static inline uint64_t truth_word(const double *c, size_t len)
{
    uint64_t t = 0;
    for (size_t j = 0; j < len; j++)
        t |= (uint64_t)((c[j] != 0.0) & (c[j] == c[j])) << j;
    return t;
}

static inline size_t lanes(size_t n, size_t w) { return n - w * 64 < 64 ? n - w * 64 : 64; }

static void SEL_NAME(where)(double *d, uint64_t *dm, const double *c, const uint64_t *cm,
                            const double *a, const uint64_t *am, const double *b,
                            const uint64_t *bm, size_t n)
{
    /* the bitmap first: d may be c (out = x in place) */
    const size_t nw = (n + 63) >> 6;
    for (size_t w = 0; w < nw; w++) {
        const uint64_t ok = cm ? cm[w] : ALL;
        if (!am && !bm) {
            dm[w] = ok;
        } else {
            const uint64_t t = truth_word(c + w * 64, lanes(n, w));
            dm[w] = ok & ((t & (am ? am[w] : ALL)) | (~t & (bm ? bm[w] : ALL)));
        }
    }
    for (size_t i = 0; i < n; i++) {
        const double x = a[i], y = b[i], t = c[i];
        d[i] = ((t != 0.0) & (t == t)) ? x : y;
    }
}

static void SEL_NAME(coalesce)(double *d, uint64_t *dm, const double *a, const uint64_t *am,
                               const double *b, const uint64_t *bm, size_t n)
{
    const size_t nw = (n + 63) >> 6;
    if (!am) {
        if (d != a)
            memcpy(d, a, n * sizeof *d);
        for (size_t w = 0; w < nw; w++)
            dm[w] = ALL;
        return;
    }
    for (size_t w = 0; w < nw; w++) {
        const uint64_t m = am[w];
        const size_t len = lanes(n, w);
        double *dd = d + w * 64;
        const double *aa = a + w * 64, *bb = b + w * 64;
        for (size_t j = 0; j < len; j++) {
            const double x = aa[j], y = bb[j];
            dd[j] = ((m >> j) & 1) ? x : y;
        }
        dm[w] = m | (bm ? bm[w] : ALL);
    }
}

static void SEL_NAME(fill)(double *d, const double *a, const uint64_t *am, double v, size_t n)
{
    if (!am) {
        if (d != a)
            memcpy(d, a, n * sizeof *d);
        return;
    }
    const size_t nw = (n + 63) >> 6;
    for (size_t w = 0; w < nw; w++) {
        const uint64_t m = am[w];
        const size_t len = lanes(n, w);
        double *dd = d + w * 64;
        const double *aa = a + w * 64;
        for (size_t j = 0; j < len; j++) {
            const double x = aa[j];
            dd[j] = ((m >> j) & 1) ? x : v;
        }
    }
}

static void SEL_NAME(test)(double *d, const uint64_t *am, int null, size_t n)
{
    const size_t nw = (n + 63) >> 6;
    for (size_t w = 0; w < nw; w++) {
        const uint64_t m = (am ? am[w] : ALL) ^ (null ? ALL : 0);
        const size_t len = lanes(n, w);
        double *dd = d + w * 64;
        for (size_t j = 0; j < len; j++)
            dd[j] = (double)((m >> j) & 1);
    }
}

static void SEL_NAME(nan2null)(double *d, uint64_t *dm, const double *a, const uint64_t *am,
                               size_t n)
{
    const size_t nw = (n + 63) >> 6;
    for (size_t w = 0; w < nw; w++) {
        const size_t len = lanes(n, w);
        const double *aa = a + w * 64;
        uint64_t nan = 0;
        for (size_t j = 0; j < len; j++)
            nan |= (uint64_t)(aa[j] != aa[j]) << j;
        dm[w] = (am ? am[w] : ALL) & ~nan;
    }
    if (d != a)
        memcpy(d, a, n * sizeof *d);
}

const blawk_select_kernels SEL_TABLE = {
    .where = SEL_NAME(where), .coalesce = SEL_NAME(coalesce), .fill = SEL_NAME(fill),
    .test = SEL_NAME(test), .nan2null = SEL_NAME(nan2null),
};
