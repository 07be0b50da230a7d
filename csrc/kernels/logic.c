/* logic.c -- see logic.h. */
#include "logic.h"

static inline int truth(double x) { return x != 0.0 && x == x; }

#define LOOP(expr)                                                              \
    for (size_t i = 0; i < n; i++) {                                            \
        const double x = a[i], y = B;                                           \
        out[i] = (expr) ? 1.0 : 0.0;                                            \
    }

#define ALL_CMPS                                                                \
    switch (cmp) {                                                              \
    case 0: LOOP(x < y) break;                                                  \
    case 1: LOOP(x <= y) break;                                                 \
    case 2: LOOP(x > y) break;                                                  \
    case 3: LOOP(x >= y) break;                                                 \
    case 4: LOOP(x == y) break;                                                 \
    default: LOOP(x != y) break;                                                \
    }

void blawk_k_compare(int cmp, double *out, const double *a, const double *b, size_t n)
{
#define B b[i]
    ALL_CMPS
#undef B
}

void blawk_k_compare_s(int cmp, double *out, const double *a, double s, size_t n)
{
#define B s
    ALL_CMPS
#undef B
}

void blawk_k_not(double *out, const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = truth(a[i]) ? 0.0 : 1.0;
}
