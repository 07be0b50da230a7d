/*
 * select.h -- the VM's null-aware selections on one block (internal): where,
 * coalesce, fill, null tests, NaN -> null.  Plain C loops written so that the
 * compiler vectorises them (branch-free selects, bit words expanded lane by
 * lane), instantiated once per ISA from select_impl.h.  They only move values
 * and bits, so every ISA gives the same bits.
 *
 * A bitmap pointer may be NULL (all valid).  Output bitmaps get all
 * ceil(n/64) words written; bits past n are unspecified (the VM clears them).
 * A value is true when it is neither 0 nor NaN.  `d` may be any value operand
 * exactly (the same array, for out = x in place); bitmaps must not overlap.
 */
#ifndef BLAWK_SELECT_H
#define BLAWK_SELECT_H

#include <stddef.h>
#include <stdint.h>

typedef struct blawk_select_kernels {
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
} blawk_select_kernels;

extern const blawk_select_kernels blawk_select_scalar;
extern const blawk_select_kernels blawk_select_avx2;
extern const blawk_select_kernels blawk_select_avx512;

#endif
