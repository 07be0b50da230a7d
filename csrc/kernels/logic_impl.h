/* logic_impl.h -- the body of logic.h's kernels; a logic_<isa>.c defines
 * LOGIC_NAME(f) (a static name per kernel) and LOGIC_TABLE (the table's name) and
 * includes it, compiled with that ISA's flags and auto-vectorisation (see
 * CMakeLists.txt). */
#include <string.h>

#include "logic.h"

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

#define CMP_LOOP(expr)                                                          \
    for (size_t i = 0; i < n; i++) {                                            \
        const double x = a[i], y = B;                                           \
        d[i] = (expr) ? 1.0 : 0.0;                                              \
    }

#define ALL_CMPS                                                                \
    switch (cmp) {                                                              \
    case 0: CMP_LOOP(x < y) break;                                              \
    case 1: CMP_LOOP(x <= y) break;                                             \
    case 2: CMP_LOOP(x > y) break;                                              \
    case 3: CMP_LOOP(x >= y) break;                                             \
    case 4: CMP_LOOP(x == y) break;                                             \
    default: CMP_LOOP(x != y) break;                                            \
    }

static void LOGIC_NAME(compare)(int cmp, double *d, const double *a, const double *b, size_t n)
{
#define B b[i]
    ALL_CMPS
#undef B
}

static void LOGIC_NAME(compare_s)(int cmp, double *d, const double *a, double s, size_t n)
{
#define B s
    ALL_CMPS
#undef B
}

static void LOGIC_NAME(not_)(double *d, const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double x = a[i];
        d[i] = ((x != 0.0) & (x == x)) ? 0.0 : 1.0;
    }
}

static void LOGIC_NAME(where)(double *d, uint64_t *dm, const double *c, const uint64_t *cm,
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

static void LOGIC_NAME(coalesce)(double *d, uint64_t *dm, const double *a, const uint64_t *am,
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

static void LOGIC_NAME(fill)(double *d, const double *a, const uint64_t *am, double v, size_t n)
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

static void LOGIC_NAME(test)(double *d, const uint64_t *am, int null, size_t n)
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

static void LOGIC_NAME(nan2null)(double *d, uint64_t *dm, const double *a, const uint64_t *am,
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

const blawk_logic_kernels LOGIC_TABLE = {
    .compare = LOGIC_NAME(compare), .compare_s = LOGIC_NAME(compare_s), .not_ = LOGIC_NAME(not_),
    .where = LOGIC_NAME(where), .coalesce = LOGIC_NAME(coalesce), .fill = LOGIC_NAME(fill),
    .test = LOGIC_NAME(test), .nan2null = LOGIC_NAME(nan2null),
};
