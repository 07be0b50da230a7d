/*
 * reduce.h -- reductions to a scalar (internal).
 *
 * Results must not depend on how the column was split into pieces or on the
 * thread count: the VM reduces every BLAWK_BLOCK-element block of the column
 * into its own partial (blawk_red_partial), and combines the partials in
 * block order (blawk_red_merge), whoever computed them.  Partials are small
 * plain structs (fixed size, no pointers) except for the order statistics
 * (median, quantile), whose state owns a growing buffer.
 *
 * Nulls are skipped; a reduction over no valid value is null (count: 0).
 * NaN/inf are values and propagate as IEEE says (sum of [1, NaN] is NaN).
 * SIMD versions must give the same bits as the scalar reference on every
 * ISA: fix the association order (e.g. 8 interleaved accumulators: lane j
 * takes elements i with i % 8 == j, combined pairwise at the end of the block),
 * which AVX2 (2 x 4 lanes), AVX-512 (8 lanes) and scalar (8 accumulators)
 * all follow.
 */
#ifndef BLAWK_REDUCE_H
#define BLAWK_REDUCE_H

#include <stddef.h>
#include <stdint.h>

#include "blawk.h"

typedef enum blawk_red_kind {
    BLAWK_RED_SUM = 0,      /* null if no valid value */
    BLAWK_RED_SUM0,         /* sum, 0 if no valid value */
    BLAWK_RED_MEAN,
    BLAWK_RED_VAR,          /* ddof param */
    BLAWK_RED_STD,
    BLAWK_RED_MIN,
    BLAWK_RED_MAX,
    BLAWK_RED_COUNT,
    BLAWK_RED_FIRST,        /* first valid value */
    BLAWK_RED_LAST,
    BLAWK_RED_PROD,
    BLAWK_RED_SKEW,
    BLAWK_RED_KURT,
    BLAWK_RED_MEDIAN,
    BLAWK_RED_QUANTILE,     /* q param in [0, 1], linear interpolation (numpy's default) */
    BLAWK_RED_COV,          /* two inputs; pairs where both are valid; ddof */
    BLAWK_RED_COR,
    BLAWK_RED_WSUM,         /* two inputs: sum(w * x) over pairs both valid */
    BLAWK_RED_WAVG,         /* sum(w * x) / sum(w) */
    BLAWK_RED_KIND_COUNT_
} blawk_red_kind;

typedef struct blawk_red_params {
    int32_t kind;
    int32_t ddof;
    double q;
} blawk_red_params;

typedef struct blawk_red_state blawk_red_state;

blawk_status blawk_red_new(const blawk_red_params *p, blawk_red_state **out);
void blawk_red_free(blawk_red_state *s);

/* Reduce one block (n <= BLAWK_BLOCK elements, y/y_valid for two-input kinds,
 * else NULL) into `part`.  On a fresh state this gives the block's partial;
 * merge partials in block order into the total with blawk_red_merge(total,
 * part).  On a state that already holds earlier blocks the block is merged in,
 * with the same bits as reducing it into a fresh state and merging that. */
blawk_status blawk_red_partial(blawk_red_state *part, const double *x, const uint64_t *x_valid,
                               const double *y, const uint64_t *y_valid, size_t n);
blawk_status blawk_red_merge(blawk_red_state *total, const blawk_red_state *part);
/* A SUM/SUM0/MEAN state and a VAR/STD state reducing the same one input x:
 * both partials in one call (one pass fewer over the block), with exactly the
 * bits of two blawk_red_partial calls.  BLAWK_ERR_ARG for other kinds. */
blawk_status blawk_red_partial_pair(blawk_red_state *sum_part, blawk_red_state *var_part,
                                    const double *x, const uint64_t *x_valid, size_t n);
/* MIN / MAX over a whole column in one kernel call (any n; x_valid: n bits
 * from bit 0, NULL = all valid): their result does not depend on how the
 * column is cut, so no per-block fold is needed.  Merges into `part` like
 * blawk_red_partial.  BLAWK_ERR_ARG for other kinds. */
blawk_status blawk_red_extreme_span(blawk_red_state *part, const double *x,
                                    const uint64_t *x_valid, size_t n);
/* May blawk_red_partial_pair take these kinds (sum-like, variance-like)? */
int blawk_red_pairable(int32_t sum_kind, int32_t var_kind);
void blawk_red_reset(blawk_red_state *s);

/* The result: *valid = 0 when null (no valid value, or too few for ddof). */
void blawk_red_result(const blawk_red_state *s, double *value, int *valid);

/* ------------------------------------------------------------------------ */
/* The contract in detail (docs/reductions.md has the reasoning)             */
/* ------------------------------------------------------------------------ */
/*
 * Operands.  One-input kinds read x (y, y_valid must be NULL or are ignored).
 * Two-input kinds read x and y and use only the pairs where both are valid:
 *   COV, COR   cov(x, y), cor(x, y) (symmetric)
 *   WSUM       sum(x * y) (symmetric)
 *   WAVG       sum(x * y) / sum(x): the FIRST input x is the weights and the
 *              second input y the values, as in q's `w wavg v` (wavg[w; v]).
 *              sum(x) = 0 gives what IEEE division gives (inf or NaN).
 *
 * Parameters.  ddof (VAR, STD, COV) must be >= 0 (BLAWK_ERR_ARG otherwise);
 * the C layer has no default of its own: a zeroed params struct means ddof 0
 * (population, q's var/dev); the Python layer passes 1 (sample, pandas'
 * var/std/cov and q's svar/sdev) where its API says so.  ddof is ignored by
 * the other kinds (COR, SKEW and KURT have fixed, pandas-like definitions).
 * q (QUANTILE) must lie in [0, 1] (NaN refused); ignored by the other kinds.
 *
 * Null results (*valid = 0):
 *   no valid value (pair)             every kind except SUM0 (-> +0.0) and
 *                                     COUNT (-> 0.0)
 *   n <= ddof                         VAR, STD, COV
 *   n < 2, n < 3, n < 4               COR, SKEW, KURT
 *
 * Values (n = number of valid values or pairs):
 *   SUM/SUM0   block partial: 32 interleaved lanes (lane j takes the block's
 *              elements i with i % 32 == j, in order, each lane starting at
 *              -0.0), folded by halves: lane j += lane j+16, then +8, +4,
 *              +2, +1.  Partials are merged in block order with Neumaier
 *              compensation (one compensated add per block).  Every ISA
 *              gives the same bits.  -0.0 sums stay -0.0.
 *   MEAN       SUM / n.
 *   VAR/STD    per block: shift K = the block's first valid value, mean of
 *              x - K (lanes as SUM), then the sum of squared deviations (a
 *              second pass over the block, same lanes); blocks merged with
 *              Chan et al.'s formula, the running mean kept relative to the
 *              first shift.  A constant column has variance exactly 0 and
 *              1e9 + {1, 2, 3} has std 1 exactly.  STD = sqrt(VAR).
 *   SKEW/KURT  as VAR with third and fourth moments (Pebay's merge); the
 *              bias-corrected estimators of pandas' Series.skew()/.kurt()
 *              (excess kurtosis); 0 when the second moment is exactly 0.
 *   COV/COR    co-moments the same way; COR = C / (sqrt(Mxx) sqrt(Myy)),
 *              clamped to [-1, 1]; a constant input gives NaN.
 *   MIN/MAX    IEEE 754-2019 minimum/maximum over the valid values: NaN if
 *              any valid value is NaN, and -0.0 < +0.0.  Order-independent.
 *   PROD       32 lanes starting at 1.0, folded like SUM; partials multiplied
 *              in block order.
 *   FIRST/LAST the first/last valid value, whatever it is (NaN included).
 *   COUNT      the number of valid values (as a double, never null).
 *   MEDIAN     the middle value (mean of the two middle ones for even n,
 *              computed without overflow); NaN if any valid value is NaN.
 *   QUANTILE   linear interpolation between order statistics at (n-1) q
 *              (numpy's default method); NaN if any valid value is NaN.
 *
 * Block sizes.  blawk_red_partial takes n <= BLAWK_BLOCK (else
 * BLAWK_ERR_ARG); bitmaps start at bit 0 of the piece.  Calling partial on a
 * state that already holds data merges the new block into it (as if by
 * blawk_red_partial on a fresh state, then blawk_red_merge).
 *
 * Merging.  blawk_red_merge(total, part) needs states of the same kind
 * (BLAWK_ERR_ARG otherwise); an empty part changes nothing.  Order
 * statistics copy the part's values into the total's buffer
 * (BLAWK_ERR_NOMEM if it cannot grow; the total is then unchanged).
 *
 * blawk_red_result leaves the state usable (more blocks may be merged
 * after it), but for MEDIAN/QUANTILE it reorders the state's buffer in
 * place (an O(n) selection), so it must not run concurrently with anything
 * else on the same state.
 */

/* Reduce a whole column of n elements exactly as the VM does: partials over
 * BLAWK_BLOCK-element blocks merged in order.  For tests, examples and
 * callers outside the VM. */
blawk_status blawk_red_column(const blawk_red_params *p, const double *x, const uint64_t *x_valid,
                              const double *y, const uint64_t *y_valid, size_t n,
                              double *value, int *valid);

/* 1 if `kind` reads two inputs (COV, COR, WSUM, WAVG). */
int blawk_red_two_inputs(int32_t kind);

/* ------------------------------------------------------------------------ */
/* Per-ISA block kernels (internal to reduce.c)                             */
/* ------------------------------------------------------------------------ */
/*
 * Each kernel reduces n elements (any n) of one block with one validity
 * bitmap v (NULL = all valid; two-input kinds pass the AND of both bitmaps;
 * bits at or past n are ignored).  Order-dependent results (sums, products,
 * moments) follow the lane rule above (BLAWK_RED_LANES interleaved lanes,
 * folded by halves), which the scalar table implements literally and the
 * AVX2 (8 x 4 lanes) and AVX-512 (4 x 8 lanes) tables reproduce bit for bit.
 * Products of two inputs are rounded (no fma), as are x - k etc.
 */
#define BLAWK_RED_LANES 32

typedef struct blawk_reduce_kernels {
    const char *name;
    /* sum of valid x */
    double (*sum)(const double *x, const uint64_t *v, size_t n);
    /* sum of valid (x - k) */
    double (*sum_shift)(const double *x, const uint64_t *v, size_t n, double k);
    /* out = {sum(x), sum_shift(x, k)} in one pass, bit-identical to the two */
    void (*sum_and_shift)(const double *x, const uint64_t *v, size_t n, double k, double *out);
    /* sum of d*d, d = (x - k) - mu, over valid x */
    double (*m2)(const double *x, const uint64_t *v, size_t n, double k, double mu);
    /* out = {sum d*d, sum (d*d)*d, sum (d*d)*(d*d)} */
    void (*m234)(const double *x, const uint64_t *v, size_t n, double k, double mu, double *out);
    /* product of valid x */
    double (*prod)(const double *x, const uint64_t *v, size_t n);
    /* IEEE 754-2019 min/max of the valid non-NaN x (+inf/-inf if none);
     * *nan set to 1 if a valid x is NaN (left alone otherwise) */
    double (*min)(const double *x, const uint64_t *v, size_t n, int *nan);
    double (*max)(const double *x, const uint64_t *v, size_t n, int *nan);
    /* out = {sum x*y, sum x} over valid pairs */
    void (*wsum)(const double *x, const double *y, const uint64_t *v, size_t n, double *out);
    /* out = {sum (x - kx), sum (y - ky)} */
    void (*sum_shift2)(const double *x, const double *y, const uint64_t *v, size_t n, double kx,
                       double ky, double *out);
    /* dx = (x - kx) - mx, dy = (y - ky) - my: out = {sum dx*dy, sum dx*dx, sum dy*dy} */
    void (*comoments)(const double *x, const double *y, const uint64_t *v, size_t n, double kx,
                      double ky, double mx, double my, double *out);
    /* Selection's narrowing pass (reduce.c): copy the x[i] in [lo, hi] to dst
     * in order and count the x[i] < lo into *less; returns how many were
     * copied, or SIZE_MAX (dst then unspecified) as soon as that would exceed
     * cap.  dst must have room for cap + 8 (whole vectors are stored); a NaN
     * is neither copied nor counted; dst must not overlap x. */
    size_t (*pick)(double *dst, size_t cap, const double *x, size_t n, double lo, double hi,
                   size_t *less);
} blawk_reduce_kernels;

extern const blawk_reduce_kernels blawk_reduce_kernels_scalar;
extern const blawk_reduce_kernels blawk_reduce_kernels_avx2;
extern const blawk_reduce_kernels blawk_reduce_kernels_avx512;

/* Per-ISA table (NULL if out of range; availability not checked). */
const blawk_reduce_kernels *blawk_reduce_kernels_for(int isa);

#endif
