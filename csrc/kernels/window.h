/*
 * window.h -- rolling-window kernels with state carried across blocks (internal).
 *
 * A window op sees the stream of a column block by block.  Its state object
 * holds everything it needs from the past (the last `window` values and
 * their validity, running moments, deques, ...), so the VM just calls
 * blawk_win_block for consecutive pieces of the column, in order.
 *
 * Semantics (DESIGN.md "Null rules"):
 *   - the window of row i is rows [i-window+1, i] (past_only: [i-window, i-1]);
 *   - nulls are skipped: only valid values count; out[i] is null when fewer
 *     than min_periods valid values are in the window (min_periods >= 1);
 *   - a NaN or +-inf inside a window affects only the windows that contain it
 *     (NaN/inf counts are kept beside the running sums; never let one NaN
 *     poison later windows);
 *   - a window of identical values has exactly zero variance;
 *   - results must stay accurate where naive running sums fail (windows over
 *     1e9+{1,2,3} give std 1.0).
 * The value written under a null output slot is unspecified (write 0.0).
 *
 * Observation mode (params.obs): the state sees the valid rows only.  A null
 * row does not enter the window and its output is null; the window of a valid
 * row is its last `window` valid observations (past_only: the `window` valid
 * observations before it), however far back they lie.  The results at the
 * valid rows are bit-identical to running the ordinary op over the column
 * compressed to its valid rows (so min_periods, the segments and first_row
 * count observations, not rows).
 */
#ifndef BLAWK_WINDOW_H
#define BLAWK_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "blawk.h"

typedef enum blawk_win_kind {
    BLAWK_WIN_SUM = 0,
    BLAWK_WIN_MEAN,
    BLAWK_WIN_VAR,      /* ddof from params (default 1, sample variance) */
    BLAWK_WIN_STD,
    BLAWK_WIN_MIN,
    BLAWK_WIN_MAX,
    BLAWK_WIN_COUNT,    /* number of valid values; never null (min_periods ignored) */
    BLAWK_WIN_MEDIAN,
    BLAWK_WIN_SKEW,     /* adjusted Fisher-Pearson (pandas' rolling skew) */
    BLAWK_WIN_KURT,     /* excess kurtosis, bias-corrected (pandas' rolling kurt) */
    BLAWK_WIN_ZSCORE,   /* (x[i] - mean) / std of the window (std with ddof) */
    BLAWK_WIN_KIND_COUNT_
} blawk_win_kind;

typedef struct blawk_win_params {
    int32_t kind;          /* blawk_win_kind */
    int64_t window;        /* >= 1 */
    int64_t min_periods;   /* 1 <= min_periods (values > window mean "never") */
    int32_t ddof;          /* VAR/STD/ZSCORE: 0 or 1 */
    int32_t past_only;     /* 1: the window excludes the current row */
    int64_t first_row;     /* >= 0: the column row number of the first row this
                              state will see (0 for a state that sees the column
                              from its start).  A thread that starts at row r
                              creates its state with first_row = r - window
                              (or 0), feeds rows [first_row, r) and gets the
                              same bits as a single pass over the column.
                              In observation mode: the observation number (the
                              count of valid rows before it) of the first valid
                              row this state will see. */
    int32_t obs;           /* 1: observation mode, the window counts valid rows
                              only (see above) */
} blawk_win_params;

typedef struct blawk_win_state blawk_win_state;

/* Allocate a state; BLAWK_ERR_ARG for bad params, BLAWK_ERR_NOMEM. */
blawk_status blawk_win_new(const blawk_win_params *p, blawk_win_state **out);
void blawk_win_free(blawk_win_state *s);

/*
 * Process the next n elements of the stream.  x: n values; x_valid: bitmap of
 * those n elements starting at bit 0 (NULL = all valid).  out: n values;
 * out_valid: ceil(n/64) words, fully written (tail bits zero).  n may be any
 * size; calling it on consecutive pieces gives the same bits as one call.
 * (out_valid may be NULL when the caller wants the values only.)
 */
void blawk_win_block(blawk_win_state *s, double *out, uint64_t *out_valid, const double *x,
                     const uint64_t *x_valid, size_t n);

/* Feed n elements without producing output (to warm a state up on the rows
 * just before a thread's range).  Same state effect as blawk_win_block.
 * A warm-up needs the `window` rows before the first output row and a state
 * made with first_row set to the first fed row: results depend on the row
 * numbers (the moments work in segments aligned on row 0), not only on the
 * values. */
void blawk_win_feed(blawk_win_state *s, const double *x, const uint64_t *x_valid, size_t n);

/* Largest accepted window (BLAWK_ERR_ARG above it).  A state holds O(window)
 * memory, reserved up front (pages are touched only as rows arrive). */
#define BLAWK_WIN_MAX_WINDOW ((int64_t)1 << 31)

/* ------------------------------------------------------------------------ */
/* Internal to the window kernels: the order-statistic structure behind      */
/* BLAWK_WIN_MEDIAN (window_median.c).  Two binary heaps of ring slots, with  */
/* every slot's heap position recorded, so any element can be erased in      */
/* O(log w) without lazy deletion and the memory never grows past w.         */
/* ------------------------------------------------------------------------ */

typedef struct blawk_win_medheap {
    int64_t *lo;     /* max-heap of ring slots: the lower half */
    int64_t *hi;     /* min-heap of ring slots: the upper half */
    int64_t *pos;    /* pos[slot]: i+1 if lo[i] == slot, -(i+1) if hi[i] == slot, 0 absent */
    int64_t nlo, nhi;
} blawk_win_medheap;

/* Room for `capacity` slots (0 .. capacity-1).  BLAWK_ERR_NOMEM. */
blawk_status blawk_win_medheap_init(blawk_win_medheap *h, int64_t capacity);
void blawk_win_medheap_free(blawk_win_medheap *h);
/* Add / remove ring slot `slot`, whose value is vals[slot] (never NaN). */
void blawk_win_medheap_insert(blawk_win_medheap *h, const double *vals, int64_t slot);
void blawk_win_medheap_erase(blawk_win_medheap *h, const double *vals, int64_t slot);
/* The value of a held slot changed from `old` to vals[slot] (never NaN). */
void blawk_win_medheap_replace(blawk_win_medheap *h, const double *vals, int64_t slot,
                               double old);
/* Median of the slots held (at least one): the middle value, or the mean of
 * the two middle values. */
double blawk_win_medheap_median(const blawk_win_medheap *h, const double *vals);

#endif
