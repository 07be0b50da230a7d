/*
 * math_extra.h -- elementwise ops that run the same scalar code on every ISA
 * (internal).  They are rarer than + - * / log exp expm1 (blawk's own
 * vectorised versions of those: vmath.h, vexpm1.h) and lean on C99 libm
 * (log1p, log10, log2, pow are correctly rounded in glibc for nearly all
 * inputs, < 1 ULP); one implementation for every ISA keeps the results
 * bit-identical across paths.  Their semantics match numpy's ufuncs: mod
 * (floored, the sign of the divisor, as np.mod / Python's %).  sign, min/max
 * and round are per-ISA vector loops (mathx.h); floor/ceil per-ISA SIMD.
 */
#ifndef BLAWK_MATH_EXTRA_H
#define BLAWK_MATH_EXTRA_H

#include <stddef.h>

void blawk_k_log1p(double *out, const double *a, size_t n);
void blawk_k_log10(double *out, const double *a, size_t n);
void blawk_k_log2(double *out, const double *a, size_t n);
void blawk_k_pow(double *out, const double *a, const double *b, size_t n);
void blawk_k_mod(double *out, const double *a, const double *b, size_t n);
void blawk_k_pow_s(double *out, const double *a, double s, size_t n);
void blawk_k_rpow_s(double *out, const double *a, double s, size_t n);
void blawk_k_mod_s(double *out, const double *a, double s, size_t n);
void blawk_k_rmod_s(double *out, const double *a, double s, size_t n);

#endif
