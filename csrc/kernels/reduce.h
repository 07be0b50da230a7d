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
 * else NULL) into `part`, a fresh state of the same params.  Then merge parts in
 * block order into the total with blawk_red_merge(total, part). */
blawk_status blawk_red_partial(blawk_red_state *part, const double *x, const uint64_t *x_valid,
                               const double *y, const uint64_t *y_valid, size_t n);
blawk_status blawk_red_merge(blawk_red_state *total, const blawk_red_state *part);
void blawk_red_reset(blawk_red_state *s);

/* The result: *valid = 0 when null (no valid value, or too few for ddof). */
void blawk_red_result(const blawk_red_state *s, double *value, int *valid);

#endif
