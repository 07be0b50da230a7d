/*
 * cumext.h -- cumulative max / min over a piece of a column (internal).
 *
 * The running extreme is the IEEE 754-2019 maximum (minimum): -0.0 counts
 * below +0.0.  Extremes are exact, so any order of comparison gives the same
 * value: the vector versions scan each vector in registers (log2 W steps of
 * "max with the lanes shifted up") and carry the last lane on, and give the
 * bits of the row-by-row reference (blawk_cumext_scalar).
 *
 *   out[i] = extreme of *acc and the valid x[0..i]   (0.0 where row i is null)
 *   *acc   = the extreme after the rows done (identity: -inf for max, +inf
 *            for min, when no valid value was seen)
 *
 * NaN is the caller's business (scan.c: a NaN sticks): a kernel stops at the
 * start of the first W-row vector holding a valid NaN and returns how many
 * rows it did (n when there was none); rows before that are written.
 * valid: bitmap of the n rows from bit 0, NULL = all valid.  out may equal x.
 */
#ifndef BLAWK_CUMEXT_H
#define BLAWK_CUMEXT_H

#include <stddef.h>
#include <stdint.h>

typedef size_t (*blawk_cumext_fn)(double *out, const double *x, const uint64_t *valid,
                                  size_t n, double *acc, int ismax);

size_t blawk_cumext_scalar(double *out, const double *x, const uint64_t *valid, size_t n,
                           double *acc, int ismax);
size_t blawk_cumext_avx2(double *out, const double *x, const uint64_t *valid, size_t n,
                         double *acc, int ismax);
size_t blawk_cumext_avx512(double *out, const double *x, const uint64_t *valid, size_t n,
                           double *acc, int ismax);

#endif
