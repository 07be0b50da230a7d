/*
 * kernels.h -- the per-ISA kernel table (internal to libblawk).
 *
 * Each ISA (scalar, AVX2+FMA, AVX-512) provides one blawk_kernels table.  The
 * scalar table is the reference: every other table must give bit-identical
 * results (the tests check this on every path).  Kernels compute values on
 * every lane, whatever the validity bitmap says; nulls are the VM's business.
 *
 * Aliasing: `out` may be exactly equal to any input pointer; no other overlap.
 * Alignment: pointers are naturally aligned (8 bytes for double); nothing more
 * is assumed (SIMD code uses unaligned loads and stores).
 */
#ifndef BLAWK_KERNELS_H
#define BLAWK_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "logic.h"

typedef void (*blawk_unary_fn)(double *out, const double *a, size_t n);
typedef void (*blawk_binary_fn)(double *out, const double *a, const double *b, size_t n);
typedef void (*blawk_scalar_fn)(double *out, const double *a, double s, size_t n);
/* two scalar operands: (a[i] - s1) / s2, a[i] * s1 + s2 */
typedef void (*blawk_scalar2_fn)(double *out, const double *a, double s1, double s2, size_t n);
/* lag-1 kernels: out[i] = f(a[i], a[i-1]) with a[-1] taken to be `prev` */
typedef void (*blawk_lag1_fn)(double *out, const double *a, double prev, size_t n);
/* fused lag-1 op with carried state, times `scale` (see vmath.h, blawk_vdlog1_*) */
typedef void (*blawk_carry_fn)(double *out, const double *a, double *carry, double scale,
                               size_t n);

typedef struct blawk_kernels {
    const char *name;
    /* unary */
    blawk_unary_fn neg, abs, sqrt, log, exp;
    /* binary, column (op) column */
    blawk_binary_fn add, sub, mul, div;
    /* column (op) scalar / scalar (op) column */
    blawk_scalar_fn add_s, sub_s, rsub_s, mul_s, div_s, rdiv_s;
    /* (a - s1) / s2 in one pass: the bits of sub_s then div_s; a * s1 + s2
     * in one pass: the bits of mul_s then add_s (two roundings, no FMA) */
    blawk_scalar2_fn subdiv_s, muladd_s;
    /* lag 1 without re-reading memory at an offset: the previous element of a
     * vector comes from the previous vector in a register */
    blawk_lag1_fn diff1, ratio1;
    /* dlog with lag 1 in one pass: log and difference without an intermediate */
    blawk_carry_fn dlog1;
    /* more elementwise math (math_extra.h: mod; mathx.h: sign, min/max, round;
     * floor/ceil per-ISA SIMD; expm1 is vexpm1.h's; log1p, log10, log2, pow,
     * pow_s, rpow_s are vmath.h's) */
    blawk_unary_fn floor, ceil, sign, log1p, expm1, log10, log2;
    blawk_binary_fn pow, mod, min2, max2;
    blawk_scalar_fn pow_s, rpow_s, mod_s, rmod_s, min_s, max_s, round_s;
    /* orders the non-temporal stores of an _nt table's kernels before any
     * later access (a no-op in tables that make none) */
    void (*stream_fence)(void);
    /* comparisons, not, where, coalesce, fill, null tests, NaN -> null (logic.h) */
    const blawk_logic_kernels *logic;
} blawk_kernels;

/* Defined in arith_<isa>.c + vmath_<isa>.c + vexpm1_<isa>.c, assembled in dispatch.c. */
extern const blawk_kernels blawk_kernels_scalar;
extern const blawk_kernels blawk_kernels_avx2;
extern const blawk_kernels blawk_kernels_avx512;

/*
 * The same tables, except that the elementwise kernels of arith_impl.h write
 * `out` with non-temporal stores (past the caches: for outputs larger than the
 * last-level cache, whose lines would otherwise be read in only to be
 * overwritten).  `out` must be aligned to the vector width (64 bytes always
 * does); the bits are those of the plain table; stream_fence must run before
 * anything reads what they wrote.  The scalar ISA has no such table and gets
 * its plain one.
 */
extern const blawk_kernels blawk_kernels_avx2_nt;
extern const blawk_kernels blawk_kernels_avx512_nt;
const blawk_kernels *blawk_kernels_nt_for(int isa);

/* The table the VM and the public kernels use now. */
const blawk_kernels *blawk_active(void);

/* Per-ISA table (NULL if the ISA is out of range; availability not checked). */
const blawk_kernels *blawk_kernels_for(int isa);

/* join_avx2.c: 1 if x[i] < x[i - 1] for some i in [b, e) (b >= 1), else 0. */
int blawk_any_descent_avx2(const int64_t *x, size_t b, size_t e);

#endif
