/*
 * math_extra.h -- elementwise ops that run the same scalar code on every ISA
 * (internal): mod, the one elementwise op left on C99 libm (fmod: exact).
 * One implementation for every ISA keeps the results bit-identical across
 * paths.  Its semantics match numpy's: floored, the sign of the divisor, as
 * np.mod / Python's %.  Everything else has per-ISA kernels: log, exp, log2,
 * log10, log1p, pow (vmath.h), expm1 (vexpm1.h), sign, min/max, round
 * (mathx.h), floor/ceil (arith_impl.h).
 */
#ifndef BLAWK_MATH_EXTRA_H
#define BLAWK_MATH_EXTRA_H

#include <stddef.h>

void blawk_k_mod(double *out, const double *a, const double *b, size_t n);
void blawk_k_mod_s(double *out, const double *a, double s, size_t n);
void blawk_k_rmod_s(double *out, const double *a, double s, size_t n);

#endif
