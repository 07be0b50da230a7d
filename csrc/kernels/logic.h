/*
 * logic.h -- comparisons, logic and the VM's null-aware selections on one
 * block (internal): compare, not, where, coalesce, fill, null tests,
 * NaN -> null.
 *
 * Results of comparisons are 1.0 (true) or 0.0 (false), kept as float64
 * inside the VM so they fuse with arithmetic (q's booleans add and multiply
 * too).  A value is true when it is neither 0 nor NaN.  IEEE: every
 * comparison with NaN is false except !=.  (and/or of masks: min2/max2.)
 *
 * Plain C loops written so that the compiler vectorises them (branch-free
 * selects, bit words expanded lane by lane), instantiated once per ISA from
 * logic_impl.h.  Comparisons are exact and the rest only move values and
 * bits, so every ISA gives the same bits.
 *
 * A bitmap pointer may be NULL (all valid).  Output bitmaps get all
 * ceil(n/64) words written; bits past n are unspecified (the VM clears them).
 * `d` may be any value operand exactly (the same array, for out = x in
 * place); bitmaps must not overlap.
 */
#ifndef BLAWK_LOGIC_H
#define BLAWK_LOGIC_H

#include <stddef.h>
#include <stdint.h>

typedef struct blawk_logic_kernels {
    /* d = a (cmp) b, cmp: 0 <, 1 <=, 2 >, 3 >=, 4 ==, 5 != */
    void (*compare)(int cmp, double *d, const double *a, const double *b, size_t n);
    /* d = a (cmp) s */
    void (*compare_s)(int cmp, double *d, const double *a, double s, size_t n);
    /* d = 1.0 where a is false, else 0.0 */
    void (*not_)(double *d, const double *a, size_t n);
    /* d = truth(c) ? a : b; dm = cm & (truth ? am : bm) */
    void (*where)(double *d, uint64_t *dm, const double *c, const uint64_t *cm, const double *a,
                  const uint64_t *am, const double *b, const uint64_t *bm, size_t n);
    /* d = a where valid, else b; dm = am | bm */
    void (*coalesce)(double *d, uint64_t *dm, const double *a, const uint64_t *am,
                     const double *b, const uint64_t *bm, size_t n);
    /* d = a where valid, else v (never null) */
    void (*fill)(double *d, const double *a, const uint64_t *am, double v, size_t n);
    /* d = 1.0 where valid (where null when `null` is 1), else 0.0 */
    void (*test)(double *d, const uint64_t *am, int null, size_t n);
    /* d = a; dm = am without the NaN lanes */
    void (*nan2null)(double *d, uint64_t *dm, const double *a, const uint64_t *am, size_t n);
} blawk_logic_kernels;

extern const blawk_logic_kernels blawk_logic_scalar;
extern const blawk_logic_kernels blawk_logic_avx2;
extern const blawk_logic_kernels blawk_logic_avx512;

#endif
