/*
 * math_extra.h -- elementwise ops that run the same scalar code on every ISA
 * (internal).  They are rarer than + - * / and lean on C99 libm where they
 * need it (expm1 is glibc's, < 1 ULP); one implementation for every ISA keeps
 * the results bit-identical across paths.  (log2, log10, log1p and pow are
 * blawk's own vectorised ones, vmath.h.)  Their semantics match numpy's ufuncs:
 * floor/ceil/round (half to even, to n digits), sign (keeps +-0 and NaN),
 * mod (floored, the sign of the divisor, as np.mod / Python's %),
 * min2/max2 (NaN-propagating, as np.minimum / np.maximum; -0.0 < +0.0 is not
 * decided: equal values return the first operand).
 */
#ifndef BLAWK_MATH_EXTRA_H
#define BLAWK_MATH_EXTRA_H

#include <stddef.h>

void blawk_k_sign(double *out, const double *a, size_t n);
void blawk_k_expm1(double *out, const double *a, size_t n);
void blawk_k_mod(double *out, const double *a, const double *b, size_t n);
void blawk_k_min2(double *out, const double *a, const double *b, size_t n);
void blawk_k_max2(double *out, const double *a, const double *b, size_t n);
void blawk_k_mod_s(double *out, const double *a, double s, size_t n);
void blawk_k_rmod_s(double *out, const double *a, double s, size_t n);
void blawk_k_min_s(double *out, const double *a, double s, size_t n);
void blawk_k_max_s(double *out, const double *a, double s, size_t n);
void blawk_k_round_s(double *out, const double *a, double digits, size_t n);

#endif
