/*
 * vmath.h -- blawk's own vectorised log, exp, log2, log10, log1p and pow
 * (internal; see docs/vmath.md).
 *
 * One implementation per ISA.  The scalar one is the reference and uses the
 * same algorithm and the same tables, with fma() where the vector code uses a
 * fused multiply-add, so all three give bit-identical results.
 * out may equal x exactly; no other overlap; no alignment assumed.
 */
#ifndef BLAWK_VMATH_H
#define BLAWK_VMATH_H

#include <stddef.h>

/*
 * Fused lag-1 log difference: out[i] = (log(x[i]) - log(x[i-1])) * scale,
 * where log(x[-1]) is taken from *carry; on return *carry = log(x[n-1])
 * (unchanged if n == 0).  Bit-identical to vlog, the difference and then a
 * multiplication by scale (scale = 1.0 changes no bit: x * 1 is x exactly).
 */
void blawk_vdlog1_scalar(double *out, const double *x, double *carry, double scale, size_t n);
void blawk_vdlog1_avx2(double *out, const double *x, double *carry, double scale, size_t n);
void blawk_vdlog1_avx512(double *out, const double *x, double *carry, double scale, size_t n);

void blawk_vlog_scalar(double *out, const double *x, size_t n);
void blawk_vexp_scalar(double *out, const double *x, size_t n);
void blawk_vlog_avx2(double *out, const double *x, size_t n);
void blawk_vexp_avx2(double *out, const double *x, size_t n);
void blawk_vlog_avx512(double *out, const double *x, size_t n);
void blawk_vexp_avx512(double *out, const double *x, size_t n);

/* log2, log10, log1p: the log reduction and table, the result as hi + lo
 * scaled in double-double (log2, log10) or with the rounding error of 1 + x
 * folded in (log1p). */
void blawk_vlog2_scalar(double *out, const double *x, size_t n);
void blawk_vlog2_avx2(double *out, const double *x, size_t n);
void blawk_vlog2_avx512(double *out, const double *x, size_t n);
void blawk_vlog10_scalar(double *out, const double *x, size_t n);
void blawk_vlog10_avx2(double *out, const double *x, size_t n);
void blawk_vlog10_avx512(double *out, const double *x, size_t n);
void blawk_vlog1p_scalar(double *out, const double *x, size_t n);
void blawk_vlog1p_avx2(double *out, const double *x, size_t n);
void blawk_vlog1p_avx512(double *out, const double *x, size_t n);

/* pow(x[i], y[i]), pow(x[i], s), pow(s, y[i]) (C99 Annex F; y == 2 is x*x,
 * y == 0.5 sqrt(x) except for x = -0, -inf) */
void blawk_vpow_scalar(double *out, const double *x, const double *y, size_t n);
void blawk_vpow_avx2(double *out, const double *x, const double *y, size_t n);
void blawk_vpow_avx512(double *out, const double *x, const double *y, size_t n);
void blawk_vpow_s_scalar(double *out, const double *x, double s, size_t n);
void blawk_vpow_s_avx2(double *out, const double *x, double s, size_t n);
void blawk_vpow_s_avx512(double *out, const double *x, double s, size_t n);
void blawk_vrpow_s_scalar(double *out, const double *y, double s, size_t n);
void blawk_vrpow_s_avx2(double *out, const double *y, double s, size_t n);
void blawk_vrpow_s_avx512(double *out, const double *y, double s, size_t n);
/* pow for x or y zero, infinite or NaN (vmath_scalar.c; the vector code
 * calls it for such lanes) */
double blawk_vpow_special(double x, double y);

#endif
