/*
 * scan.h -- cumulative (scan) kernels with state carried across blocks (internal).
 *
 * Default null rule (DESIGN.md): a null input gives a null output and leaves
 * the running state unchanged.  Rows before the first valid value are null.
 * NaN is a value: it propagates through sums/products as IEEE says.
 */
#ifndef BLAWK_SCAN_H
#define BLAWK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "blawk.h"

typedef enum blawk_scan_kind {
    BLAWK_SCAN_SUM = 0,     /* cumsum (q: sums) */
    BLAWK_SCAN_SUM1,        /* cs1: 1 + cumsum (the seed's equity curve) */
    BLAWK_SCAN_EXPSUM,      /* ecs1: exp(cumsum) */
    BLAWK_SCAN_PROD,        /* cumprod (q: prds) */
    BLAWK_SCAN_MAX,         /* cummax (q: maxs); NaN: see docs */
    BLAWK_SCAN_MIN,         /* cummin (q: mins) */
    BLAWK_SCAN_COUNT,       /* cumcount: valid values so far; never null */
    BLAWK_SCAN_EMA,         /* ema with `alpha` in (0, 1]: s = alpha*x + (1-alpha)*s */
    BLAWK_SCAN_FILL,        /* locf/fills: last valid value; `limit` > 0 caps the gap */
    BLAWK_SCAN_KIND_COUNT_
} blawk_scan_kind;

typedef struct blawk_scan_params {
    int32_t kind;
    double alpha;           /* EMA */
    int64_t limit;          /* FILL: 0 = unlimited */
} blawk_scan_params;

typedef struct blawk_scan_state blawk_scan_state;

blawk_status blawk_scan_new(const blawk_scan_params *p, blawk_scan_state **out);
void blawk_scan_free(blawk_scan_state *s);

/* Same contract as blawk_win_block (out_valid may be NULL: values only). */
void blawk_scan_block(blawk_scan_state *s, double *out, uint64_t *out_valid, const double *x,
                      const uint64_t *x_valid, size_t n);

#endif
