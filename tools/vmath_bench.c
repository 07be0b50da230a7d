/*
 * vmath_bench.c -- development driver for blawk's log/exp/expm1/log2/log10/log1p kernels.
 *
 * Build (from the repository root; the flags are the CMake build's):
 *   gcc -std=c11 -O3 -Wall -Wextra -ffp-contract=off -fno-math-errno -fno-strict-aliasing -Icsrc/kernels -c csrc/kernels/vmath_scalar.c -o /tmp/vs.o
 *   gcc -std=c11 -O3 -Wall -Wextra -ffp-contract=off -fno-math-errno -fno-strict-aliasing -Icsrc/kernels -c csrc/kernels/vmath_tables.c -o /tmp/vt.o
 *   gcc -std=c11 -O3 -Wall -Wextra -ffp-contract=off -fno-math-errno -fno-strict-aliasing -mavx2 -mfma -Icsrc/kernels -c csrc/kernels/vmath_avx2.c -o /tmp/v2.o
 *   gcc -std=c11 -O3 -Wall -Wextra -ffp-contract=off -fno-math-errno -fno-strict-aliasing -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma -mavx2 \
 *       -Icsrc/kernels -c csrc/kernels/vmath_avx512.c -o /tmp/v5.o
 *   gcc -std=c11 -O3 -Wall -Wextra -ffp-contract=off -fno-math-errno -fno-strict-aliasing -Icsrc/kernels -c csrc/kernels/vexpm1_scalar.c -o /tmp/ms.o
 *   gcc -std=c11 -O3 -Wall -Wextra -ffp-contract=off -fno-math-errno -fno-strict-aliasing -mavx2 -mfma -Icsrc/kernels -c csrc/kernels/vexpm1_avx2.c -o /tmp/m2.o
 *   gcc -std=c11 -O3 -Wall -Wextra -ffp-contract=off -fno-math-errno -fno-strict-aliasing -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma -mavx2 \
 *       -Icsrc/kernels -c csrc/kernels/vexpm1_avx512.c -o /tmp/m5.o
 *   gcc -std=c11 -O2 -Wall -Wextra -Icsrc/kernels tools/vmath_bench.c /tmp/vs.o /tmp/vt.o /tmp/v2.o /tmp/v5.o \
 *       /tmp/ms.o /tmp/m2.o /tmp/m5.o -lm -o /tmp/vmath_bench
 *
 * Run:
 *   /tmp/vmath_bench [reps]   timing: 1e6 doubles uniform in [1,200] (for log, exp
 *                             and expm1, as the project's benchmark), out of place
 *                             into a second 1e6 array, minimum over reps (300)
 *   /tmp/vmath_bench check    bit-identity of avx2/avx512 against scalar on ~3e7
 *                             random inputs (all bit patterns, near 1, exp range,
 *                             table interval ends)
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vexpm1.h"
#include "vmath.h"

typedef void (*fn)(double *, const double *, size_t);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unif(double a, double b) { return a + (b - a) * ((rnd() >> 11) * 0x1p-53); }

static double bench(fn f, double *out, const double *x, size_t n, int reps)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        f(out, x, n);
        double t = now() - t0;
        if (t < best) best = t;
    }
    return best;
}

static void libm_log(double *o, const double *x, size_t n) { for (size_t i = 0; i < n; i++) o[i] = log(x[i]); }
static void libm_exp(double *o, const double *x, size_t n) { for (size_t i = 0; i < n; i++) o[i] = exp(x[i]); }
static void libm_expm1(double *o, const double *x, size_t n) { for (size_t i = 0; i < n; i++) o[i] = expm1(x[i]); }
static void libm_log2(double *o, const double *x, size_t n) { for (size_t i = 0; i < n; i++) o[i] = log2(x[i]); }
static void libm_log10(double *o, const double *x, size_t n) { for (size_t i = 0; i < n; i++) o[i] = log10(x[i]); }
static void libm_log1p(double *o, const double *x, size_t n) { for (size_t i = 0; i < n; i++) o[i] = log1p(x[i]); }
static void copy(double *o, const double *x, size_t n) { memcpy(o, x, n * sizeof *x); }

static long compare(const char *name, fn ref, fn f, const double *x, size_t n, double *a, double *b)
{
    ref(a, x, n);
    f(b, x, n);
    long bad = 0;
    for (size_t i = 0; i < n; i++)
        if (memcmp(a + i, b + i, 8) != 0) {
            if (bad < 5)
                printf("  %s mismatch x=%a: %a vs %a\n", name, x[i], a[i], b[i]);
            bad++;
        }
    return bad;
}

static int check(void)
{
    int has512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    size_t n = 1 << 20;
    double *x = malloc(n * 8), *a = malloc(n * 8), *b = malloc(n * 8);
    long bad = 0;
    for (int round = 0; round < 42; round++) {
        for (size_t i = 0; i < n; i++) {
            uint64_t u = rnd();
            switch (round % 7) {
            case 0: break;                                                /* any bits */
            case 1: u &= 0x7fffffffffffffffull; break;                    /* positive */
            case 2: u = (u & 0x800fffffffffffffull) | (rnd() % 0x10 ? 0x3ff0000000000000ull - ((rnd() % 3) << 52) : 0); break;
            case 3: { double d = unif(-760, 720); memcpy(&u, &d, 8); } break; /* exp range */
            case 4: { double d = 1 + unif(-0x1p-4, 0x1p-4) * (rnd() % 2 ? 1 : 0x1p-30); memcpy(&u, &d, 8); } break;
            case 5: { /* a few ULPs from the log table's interval ends and from
                       * exp's k rounding ties */
                double d = rnd() % 2 ? ldexp(1 + (double)(rnd() % 65) / 64, (int)(rnd() % 2090) - 1070)
                                     : ((double)(int)(rnd() % 33000) - 17000 + 0.5) * 0.04332169878499658;
                memcpy(&u, &d, 8);
                u += rnd() % 7 - 3;
            } break;
            case 6: { /* log1p: near 0 at every scale, near -1, near the table ends - 1 */
                double d = rnd() % 3 == 0 ? ldexp(unif(-1, 1), -(int)(rnd() % 70))
                         : rnd() % 2 ? -1 + ldexp(unif(0, 1), -(int)(rnd() % 54))
                                     : (double)(rnd() % 65) / 64 - 0.25;
                memcpy(&u, &d, 8);
                u += rnd() % 7 - 3;
            } break;
            }
            memcpy(x + i, &u, 8);
        }
        size_t m = n - (size_t)(rnd() % 64); /* odd lengths for the tails */
        bad += compare("log avx2", blawk_vlog_scalar, blawk_vlog_avx2, x, m, a, b);
        bad += compare("exp avx2", blawk_vexp_scalar, blawk_vexp_avx2, x, m, a, b);
        bad += compare("expm1 avx2", blawk_vexpm1_scalar, blawk_vexpm1_avx2, x, m, a, b);
        bad += compare("log2 avx2", blawk_vlog2_scalar, blawk_vlog2_avx2, x, m, a, b);
        bad += compare("log10 avx2", blawk_vlog10_scalar, blawk_vlog10_avx2, x, m, a, b);
        bad += compare("log1p avx2", blawk_vlog1p_scalar, blawk_vlog1p_avx2, x, m, a, b);
        if (has512) {
            bad += compare("log2 avx512", blawk_vlog2_scalar, blawk_vlog2_avx512, x, m, a, b);
            bad += compare("log10 avx512", blawk_vlog10_scalar, blawk_vlog10_avx512, x, m, a, b);
            bad += compare("log1p avx512", blawk_vlog1p_scalar, blawk_vlog1p_avx512, x, m, a, b);
            bad += compare("log avx512", blawk_vlog_scalar, blawk_vlog_avx512, x, m, a, b);
            bad += compare("exp avx512", blawk_vexp_scalar, blawk_vexp_avx512, x, m, a, b);
            bad += compare("expm1 avx512", blawk_vexpm1_scalar, blawk_vexpm1_avx512, x, m, a, b);
        }
    }
    printf("check: %ld mismatches%s\n", bad, has512 ? "" : " (no AVX-512 here)");
    free(x); free(a); free(b);
    return bad != 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return check();
    int reps = argc > 1 ? atoi(argv[1]) : 300;
    size_t n = 1000000;
    double *x = malloc(n * 8), *y = malloc(n * 8);
    for (size_t i = 0; i < n; i++) x[i] = unif(1, 200);
    int has512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    struct { const char *name; fn f; int need512; } t[] = {
        {"memcpy", copy, 0},
        {"log libm", libm_log, 0}, {"log scalar", blawk_vlog_scalar, 0},
        {"log avx2", blawk_vlog_avx2, 0}, {"log avx512", blawk_vlog_avx512, 1},
        {"exp libm", libm_exp, 0}, {"exp scalar", blawk_vexp_scalar, 0},
        {"exp avx2", blawk_vexp_avx2, 0}, {"exp avx512", blawk_vexp_avx512, 1},
        {"expm1 libm", libm_expm1, 0}, {"expm1 scalar", blawk_vexpm1_scalar, 0},
        {"expm1 avx2", blawk_vexpm1_avx2, 0}, {"expm1 avx512", blawk_vexpm1_avx512, 1},
        {"log2 libm", libm_log2, 0}, {"log2 avx2", blawk_vlog2_avx2, 0},
        {"log2 avx512", blawk_vlog2_avx512, 1},
        {"log10 libm", libm_log10, 0}, {"log10 avx2", blawk_vlog10_avx2, 0},
        {"log10 avx512", blawk_vlog10_avx512, 1},
        {"log1p libm", libm_log1p, 0}, {"log1p avx2", blawk_vlog1p_avx2, 0},
        {"log1p avx512", blawk_vlog1p_avx512, 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (t[i].need512 && !has512) continue;
        int r = strstr(t[i].name, "scalar") || strstr(t[i].name, "libm") ? reps / 10 + 1 : reps;
        printf("%-13s %.3f ms\n", t[i].name, 1e3 * bench(t[i].f, y, x, n, r));
    }
    free(x); free(y);
    return 0;
}
