/*
 * vmath_avx2.c -- AVX2+FMA log and exp, bit-identical to vmath_scalar.c
 * (same operations, same order, same tables; see docs/vmath.md).
 *
 * Compiled with -mavx2 -mfma.  No getmant/getexp/scalef/fixupimm here: the
 * exact quantities (z, k, the scaling by 2^e) come from integer bit tricks,
 * which give the same values.  Vectors whose lanes are all "ordinary" take a
 * short path; any other vector takes a longer path in the same vector code.
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#include "vmath.h"
#include "vmath_tables.h"

#define QUIET_BIT   0x0008000000000000LL
#define DEFAULT_NAN ((long long)0xfff8000000000000ull)

static inline __m256d bcast(double v) { return _mm256_set1_pd(v); }
static inline __m256i bcasti(long long v) { return _mm256_set1_epi64x(v); }

/* ------------------------------------------------------------------ log */

/* log for 4 lanes that are all positive, normal and finite; kadj is added
 * to k (nonzero only for subnormal inputs pre-scaled by 2^52). */
static inline __m256d log4_core(__m256d x, __m256d kadj)
{
    __m256i ix = _mm256_castpd_si256(x);
    /* tmp = ix - bits(0.75): k = tmp >> 52 (arithmetic), z = x / 2^k */
    __m256i tmp = _mm256_sub_epi64(ix, bcasti(0x3fe8000000000000LL));
    __m256i zb = _mm256_sub_epi64(ix, _mm256_and_si256(tmp, bcasti((long long)0xfff0000000000000ull)));
    __m256d z = _mm256_castsi256_pd(zb);
    /* k + 2048 + 2^52 as a double, from the top 12 bits of tmp ^ sign */
    __m256i kb = _mm256_or_si256(
        _mm256_srli_epi64(_mm256_xor_si256(tmp, bcasti((long long)0x8000000000000000ull)), 52),
        bcasti(0x4330000000000000LL));
    __m256d k = _mm256_sub_pd(_mm256_castsi256_pd(kb), bcast(0x1p52 + 2048.0));
    k = _mm256_add_pd(k, kadj);
    __m256i idx = _mm256_and_si256(
        _mm256_srli_epi64(_mm256_castpd_si256(_mm256_add_pd(z, bcast(BLAWK_VLOG_IDX_OFFSET))), 48),
        bcasti(15));
    __m256d invc = _mm256_i64gather_pd(blawk_vlog_invc, idx, 8);
    __m256d lhi = _mm256_i64gather_pd(blawk_vlog_logc_hi, idx, 8);
    __m256d llo = _mm256_i64gather_pd(blawk_vlog_logc_lo, idx, 8);
    __m256d r = _mm256_fmsub_pd(z, invc, bcast(1.0));
    __m256d t = _mm256_fmadd_pd(k, bcast(BLAWK_VLOG_LN2_HI), lhi);
    __m256d hi = _mm256_add_pd(t, r);
    __m256d e1 = _mm256_add_pd(_mm256_sub_pd(t, hi), r);
    __m256d l0 = _mm256_fmadd_pd(k, bcast(BLAWK_VLOG_LN2_LO), llo);
    __m256d l1 = _mm256_add_pd(l0, e1);
    __m256d r2 = _mm256_mul_pd(r, r);
    __m256d a0 = _mm256_fmadd_pd(bcast(BLAWK_VLOG_C3), r, bcast(BLAWK_VLOG_C2));
    __m256d a1 = _mm256_fmadd_pd(bcast(BLAWK_VLOG_C5), r, bcast(BLAWK_VLOG_C4));
    __m256d a2 = _mm256_fmadd_pd(bcast(BLAWK_VLOG_C7), r, bcast(BLAWK_VLOG_C6));
    __m256d a3 = _mm256_fmadd_pd(bcast(BLAWK_VLOG_C9), r, bcast(BLAWK_VLOG_C8));
    __m256d p = _mm256_fmadd_pd(bcast(BLAWK_VLOG_C10), r2, a3);
    p = _mm256_fmadd_pd(p, r2, a2);
    p = _mm256_fmadd_pd(p, r2, a1);
    p = _mm256_fmadd_pd(p, r2, a0);
    __m256d lo = _mm256_fmadd_pd(r2, p, l1);
    return _mm256_add_pd(hi, lo);
}

/* all-ones in lanes that are not positive normal finite */
static inline __m256i log_unusual(__m256d x)
{
    /* ix - 2^52 - 2^63 (wrapping) maps [2^52, 0x7ff0...) onto the bottom of
     * the signed range, so one signed compare finds everything else. */
    __m256i v = _mm256_add_epi64(_mm256_castpd_si256(x), bcasti((long long)0x7ff0000000000000ull));
    return _mm256_cmpgt_epi64(v, bcasti((long long)0xffdfffffffffffffull));
}

static inline __m256d log4_slow(__m256d x)
{
    __m256d sub = _mm256_cmp_pd(x, bcast(0x1p-1022), _CMP_LT_OQ);
    __m256d xs = _mm256_blendv_pd(x, _mm256_mul_pd(x, bcast(0x1p52)), sub);
    __m256d res = log4_core(xs, _mm256_and_pd(sub, bcast(-52.0)));
    __m256d nanq = _mm256_or_pd(x, _mm256_castsi256_pd(bcasti(QUIET_BIT)));
    res = _mm256_blendv_pd(res, _mm256_castsi256_pd(bcasti(DEFAULT_NAN)),
                           _mm256_cmp_pd(x, bcast(0.0), _CMP_LT_OQ));
    res = _mm256_blendv_pd(res, bcast(-HUGE_VAL), _mm256_cmp_pd(x, bcast(0.0), _CMP_EQ_OQ));
    res = _mm256_blendv_pd(res, x, _mm256_cmp_pd(x, bcast(HUGE_VAL), _CMP_EQ_OQ));
    return _mm256_blendv_pd(res, nanq, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

static inline __m256d log4(__m256d x)
{
    if (_mm256_testz_si256(log_unusual(x), log_unusual(x)))
        return log4_core(x, _mm256_setzero_pd());
    return log4_slow(x);
}

void blawk_vlog_avx2(double *out, const double *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d a = _mm256_loadu_pd(x + i);
        __m256d b = _mm256_loadu_pd(x + i + 4);
        __m256i u = _mm256_or_si256(log_unusual(a), log_unusual(b));
        if (_mm256_testz_si256(u, u)) {
            _mm256_storeu_pd(out + i, log4_core(a, _mm256_setzero_pd()));
            _mm256_storeu_pd(out + i + 4, log4_core(b, _mm256_setzero_pd()));
        } else {
            _mm256_storeu_pd(out + i, log4_slow(a));
            _mm256_storeu_pd(out + i + 4, log4_slow(b));
        }
    }
    if (i < n) {
        /* tail: same vector code on a padded copy (pad 1.0 is harmless) */
        double buf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
        size_t m = n - i;
        for (size_t j = 0; j < m; j++) buf[j] = x[i + j];
        _mm256_storeu_pd(buf, log4(_mm256_loadu_pd(buf)));
        _mm256_storeu_pd(buf + 4, log4(_mm256_loadu_pd(buf + 4)));
        for (size_t j = 0; j < m; j++) out[i + j] = buf[j];
    }
}

/* ------------------------------------------------------------------ exp */

/* Everything up to y = T[j] * exp(r) (y in about [0.97, 2)), plus kd,
 * thi and t (y = thi + t rounded). */
static inline __m256d exp4_y(__m256d xc, __m256d *kd_out, __m256d *thi_out, __m256d *t_out)
{
    __m256d kd = _mm256_fmadd_pd(xc, bcast(BLAWK_VEXP_INVLN2N), bcast(BLAWK_VEXP_SHIFT));
    __m256d k = _mm256_sub_pd(kd, bcast(BLAWK_VEXP_SHIFT));
    __m256d r = _mm256_fnmadd_pd(k, bcast(BLAWK_VEXP_L_HI), xc);
    r = _mm256_fnmadd_pd(k, bcast(BLAWK_VEXP_L_LO), r);
    __m256i j = _mm256_and_si256(_mm256_castpd_si256(kd), bcasti(15));
    __m256d thi = _mm256_i64gather_pd(blawk_vexp_thi, j, 8);
    __m256d tlo = _mm256_i64gather_pd(blawk_vexp_tlo, j, 8);
    __m256d r2 = _mm256_mul_pd(r, r);
    __m256d a0 = _mm256_fmadd_pd(bcast(BLAWK_VEXP_C3), r, bcast(BLAWK_VEXP_C2));
    __m256d a1 = _mm256_fmadd_pd(bcast(BLAWK_VEXP_C5), r, bcast(BLAWK_VEXP_C4));
    __m256d a2 = _mm256_fmadd_pd(bcast(BLAWK_VEXP_C7), r, bcast(BLAWK_VEXP_C6));
    __m256d q = _mm256_fmadd_pd(a2, r2, a1);
    q = _mm256_fmadd_pd(q, r2, a0);
    __m256d p = _mm256_fmadd_pd(r2, q, r);
    __m256d t = _mm256_fmadd_pd(thi, p, tlo);
    *kd_out = kd;
    *thi_out = thi;
    *t_out = t;
    return _mm256_add_pd(thi, t);
}

/* |x| <= 708 in every lane: the result is normal, scale by adding to the
 * exponent field.  kd's low 32 bits hold k (two's complement). */
static inline __m256d exp4_fast(__m256d x)
{
    __m256d kd, thi, t;
    __m256d y = exp4_y(x, &kd, &thi, &t);
    __m256i e = _mm256_slli_epi64(_mm256_srai_epi32(_mm256_castpd_si256(kd), 4), 52);
    return _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(y), e));
}

static inline __m256d exp4_slow(__m256d x)
{
    __m256d xc = _mm256_min_pd(x, bcast(BLAWK_VEXP_XMAX)); /* NaN -> XMAX */
    xc = _mm256_max_pd(xc, bcast(BLAWK_VEXP_XMIN));
    __m256d kd, thi, t;
    __m256d y = exp4_y(xc, &kd, &thi, &t);
    /* y * 2^e1 * 2^e2 with e1 + e2 = e = floor(k/16): exact, then one
     * rounding (subnormal or inf results), as in the scalar code. */
    __m256i e = _mm256_srai_epi32(_mm256_castpd_si256(kd), 4);
    __m256i e1 = _mm256_srai_epi32(e, 1);
    __m256i e2 = _mm256_sub_epi32(e, e1);
    __m256d s1 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi32(e1, _mm256_set1_epi32(1023)), 52));
    __m256d s2 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi32(e2, _mm256_set1_epi32(1023)), 52));
    __m256d res = _mm256_mul_pd(_mm256_mul_pd(y, s1), s2);
    /* Possibly subnormal results: round once at the subnormal ULP, as in
     * the scalar code.  For x < -708, e is in [-1077, -1022]. */
    __m256d low = _mm256_cmp_pd(xc, bcast(-708.0), _CMP_LT_OQ);
    if (_mm256_movemask_pd(low)) {
        const __m256d one = bcast(1.0);
        __m256d s = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi32(e, _mm256_set1_epi32(2045)), 52));
        __m256d a = _mm256_mul_pd(y, s);
        __m256d ylo = _mm256_add_pd(_mm256_sub_pd(thi, y), t);
        __m256d b = _mm256_mul_pd(ylo, s);
        __m256d h = _mm256_add_pd(one, a);
        __m256d l = _mm256_add_pd(_mm256_add_pd(_mm256_sub_pd(one, h), a), b);
        __m256d v = _mm256_mul_pd(_mm256_sub_pd(_mm256_add_pd(h, l), one), bcast(0x1p-1022));
        res = _mm256_blendv_pd(res, v, _mm256_and_pd(low, _mm256_cmp_pd(a, one, _CMP_LT_OQ)));
    }
    __m256d nanq = _mm256_or_pd(x, _mm256_castsi256_pd(bcasti(QUIET_BIT)));
    return _mm256_blendv_pd(res, nanq, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

static inline int exp_all_ordinary(__m256d a, __m256d b)
{
    const __m256d absm = _mm256_castsi256_pd(bcasti(0x7fffffffffffffffLL));
    __m256d ca = _mm256_cmp_pd(_mm256_and_pd(a, absm), bcast(708.0), _CMP_LE_OQ);
    __m256d cb = _mm256_cmp_pd(_mm256_and_pd(b, absm), bcast(708.0), _CMP_LE_OQ);
    return _mm256_movemask_pd(_mm256_and_pd(ca, cb)) == 15;
}

void blawk_vexp_avx2(double *out, const double *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d a = _mm256_loadu_pd(x + i);
        __m256d b = _mm256_loadu_pd(x + i + 4);
        if (exp_all_ordinary(a, b)) {
            _mm256_storeu_pd(out + i, exp4_fast(a));
            _mm256_storeu_pd(out + i + 4, exp4_fast(b));
        } else {
            _mm256_storeu_pd(out + i, exp4_slow(a));
            _mm256_storeu_pd(out + i + 4, exp4_slow(b));
        }
    }
    if (i < n) {
        double buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t m = n - i;
        for (size_t j = 0; j < m; j++) buf[j] = x[i + j];
        _mm256_storeu_pd(buf, exp4_slow(_mm256_loadu_pd(buf)));
        _mm256_storeu_pd(buf + 4, exp4_slow(_mm256_loadu_pd(buf + 4)));
        for (size_t j = 0; j < m; j++) out[i + j] = buf[j];
    }
}
