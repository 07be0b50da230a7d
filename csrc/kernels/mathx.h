/*
 * mathx.h -- elementwise ops written as plain branch-free C that the compiler
 * vectorises, instantiated once per ISA from mathx_impl.h (internal): sign,
 * NaN-propagating min/max (as np.minimum / np.maximum: a NaN operand is the
 * result, the first one if both are; equal values, -0.0 and +0.0 included,
 * give the first operand), and round to d decimal digits (half to even, as
 * np.round: y = x * 10^d, rint(y) / 10^d; d < 0: x / 10^-d, rint, * 10^-d).
 * Comparisons, rint, * and / are exact or correctly rounded in every lane,
 * so every ISA gives the same bits.  out may equal an input exactly.
 */
#ifndef BLAWK_MATHX_H
#define BLAWK_MATHX_H

#include <stddef.h>

#define MATHX_DECLARE(isa)                                                                 \
    void blawk_k_sign_##isa(double *out, const double *a, size_t n);                       \
    void blawk_k_min2_##isa(double *out, const double *a, const double *b, size_t n);      \
    void blawk_k_max2_##isa(double *out, const double *a, const double *b, size_t n);      \
    void blawk_k_min_s_##isa(double *out, const double *a, double s, size_t n);            \
    void blawk_k_max_s_##isa(double *out, const double *a, double s, size_t n);            \
    void blawk_k_round_s_##isa(double *out, const double *a, double digits, size_t n);

MATHX_DECLARE(scalar)
MATHX_DECLARE(avx2)
MATHX_DECLARE(avx512)

#endif
