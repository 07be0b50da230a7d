/*
 * vexpm1.h -- blawk's own vectorised expm1 (internal; see docs/vmath.md).
 *
 * One implementation per ISA, bit-identical (the scalar one is the reference,
 * with fma() wherever the vector code fuses).  out may equal x exactly; no
 * other overlap; no alignment assumed.
 */
#ifndef BLAWK_VEXPM1_H
#define BLAWK_VEXPM1_H

#include <stddef.h>

void blawk_vexpm1_scalar(double *out, const double *x, size_t n);
void blawk_vexpm1_avx2(double *out, const double *x, size_t n);
void blawk_vexpm1_avx512(double *out, const double *x, size_t n);

#endif
