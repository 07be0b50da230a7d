/*
 * vmath.h -- blawk's own vectorised log and exp (internal).
 *
 * One implementation per ISA.  The scalar one is the reference and uses the
 * same algorithm and the same tables, with fma() where the vector code uses a
 * fused multiply-add, so all three give bit-identical results.
 * out may equal x exactly; no other overlap; no alignment assumed.
 */
#ifndef BLAWK_VMATH_H
#define BLAWK_VMATH_H

#include <stddef.h>

void blawk_vlog_scalar(double *out, const double *x, size_t n);
void blawk_vexp_scalar(double *out, const double *x, size_t n);
void blawk_vlog_avx2(double *out, const double *x, size_t n);
void blawk_vexp_avx2(double *out, const double *x, size_t n);
void blawk_vlog_avx512(double *out, const double *x, size_t n);
void blawk_vexp_avx512(double *out, const double *x, size_t n);

#endif
