/*
 * vmath_avx2.c -- AVX2+FMA log, exp, log2, log10, log1p and pow,
 * bit-identical to vmath_scalar.c (same operations, same order, same
 * tables; see docs/vmath.md).
 *
 * Compiled with -mavx2 -mfma.  No getmant/getexp/scalef/fixupimm here: the
 * exact quantities (z, k, the scaling by 2^e) come from integer bit tricks,
 * which give the same values.  Vectors whose lanes are all "ordinary" take a
 * short path; any other vector takes a longer path in the same vector code.
 */
/* gcc's first scheduling pass (off by default on x86) with register-pressure
 * awareness interleaves the long, independent dependency chains better:
 * measured 5% (AVX2 log) and 3-5% elsewhere on Zen 5.  Must come before
 * the includes so the intrinsics get the same options (else no inlining). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("schedule-insns", "sched-pressure")
#endif
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "vmath.h"
#include "vmath_tables.h"

#define QUIET_BIT   0x0008000000000000LL
#define DEFAULT_NAN ((long long)0xfff8000000000000ull)

static inline __m256d bcast(double v) { return _mm256_set1_pd(v); }
static inline __m256i bcasti(long long v) { return _mm256_set1_epi64x(v); }

/* ------------------------------------------------------------------ log */

/* The table index of a positive normal x depends only on its mantissa bits
 * 51..47, so blawk_vlog_rows has one 16-byte row (logc_hi, logc_lo with invc
 * packed in its low bits) per value of those 5 bits.  The row offset is
 * computed in general registers straight from the input: moving indices from
 * vector registers to general ones (vmovq/vpextrq, or store + reload) costs
 * more than the whole lookup, and gathers are slow on AMD. */
#define LOG_ROW_OFFSET(bits) (((bits) >> 43) & 0x1f0u)

static inline uint64_t bits_at(const double *p)
{
    uint64_t u;
    memcpy(&u, p, sizeof u);
    return u;
}

static inline __m256d log_rows(const char *r0, const char *r1, const char *r2, const char *r3,
                               __m256d *llo)
{
    __m256d a = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd((const double *)r0)),
                                     _mm_loadu_pd((const double *)r2), 1);
    __m256d b = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd((const double *)r1)),
                                     _mm_loadu_pd((const double *)r3), 1);
    *llo = _mm256_unpackhi_pd(a, b);
    return _mm256_unpacklo_pd(a, b);
}

#define AI inline __attribute__((always_inline))

enum { F_LOG, F_LOG2, F_LOG10 };

/* log = hi + lo (see log_hl in vmath_scalar.c) for 4 lanes that are all
 * positive, normal and finite (x may be a subnormal input pre-scaled by 2^52,
 * then kadj = -52 in those lanes); with_c: log1p's correction for the rounding
 * error c of x = fl(1 + a). */
static AI void log4_hl(__m256d x, const char *w0, const char *w1, const char *w2,
                       const char *w3, int scaled, __m256d kadj, __m256d c, int with_c,
                       __m256d *phi, __m256d *plo)
{
    __m256i ix = _mm256_castpd_si256(x);
    /* With tmp = ix - bits(0.75): k = tmp >> 52 (arithmetic), z = x / 2^k.
     * AVX2 has no 64-bit arithmetic shift, so use u = tmp + 2^63 instead:
     * u >> 52 = k + 2048, and ix - (u & 0xfff0..) is the encoding of -z. */
    __m256i u = _mm256_add_epi64(ix, bcasti(0x4018000000000000LL));
    __m256d zneg = _mm256_castsi256_pd(
        _mm256_sub_epi64(ix, _mm256_and_si256(u, bcasti((long long)0xfff0000000000000ull))));
    __m256i kb = _mm256_or_si256(_mm256_srli_epi64(u, 52), bcasti(0x4330000000000000LL));
    __m256d k = _mm256_sub_pd(_mm256_castsi256_pd(kb), bcast(0x1p52 + 2048.0));
    if (scaled)
        k = _mm256_add_pd(k, kadj);
    __m256d llo;
    __m256d lhi = log_rows(w0, w1, w2, w3, &llo);
    __m256d invc = _mm256_castsi256_pd(_mm256_add_epi64(
        _mm256_slli_epi64(_mm256_castpd_si256(llo), 46), bcasti((long long)BLAWK_VLOG_INVC_BIAS)));
    __m256d r = _mm256_fnmsub_pd(zneg, invc, bcast(1.0));   /* z*invc - 1 */
    __m256d rl = r;
    if (with_c) {
        /* d = c * invc * 2^-min(k, 1000); 2^-ks from the bits of (1023 - ks) + 2^52 */
        __m256d ks = _mm256_min_pd(k, bcast(1000.0));
        __m256d eb = _mm256_add_pd(_mm256_sub_pd(bcast(1023.0), ks), bcast(0x1p52));
        __m256d s2 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(eb), 52));
        __m256d d = _mm256_mul_pd(_mm256_mul_pd(c, invc), s2);
        __m256d r0 = r;
        r = _mm256_add_pd(r0, d);
        rl = _mm256_add_pd(_mm256_sub_pd(r0, r), d);
    }
    __m256d t = _mm256_fmadd_pd(k, bcast(BLAWK_VLOG_LN2_HI), lhi);
    __m256d hi = _mm256_add_pd(t, r);
    __m256d e1 = _mm256_add_pd(_mm256_sub_pd(t, hi), r);
    __m256d l0 = _mm256_fmadd_pd(k, bcast(BLAWK_VLOG_LN2_LO), llo);
    if (with_c)
        l0 = _mm256_add_pd(l0, rl);
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
    *phi = hi;
    *plo = _mm256_fmadd_pd(r2, p, l1);
}

/* (hi + lo) * (ch + cl) as dd_scale in vmath_scalar.c */
static AI __m256d dd_scale4(__m256d hi, __m256d lo, double ch, double cl)
{
    __m256d ph = _mm256_mul_pd(hi, bcast(ch));
    __m256d pl = _mm256_fmsub_pd(hi, bcast(ch), ph);
    pl = _mm256_fmadd_pd(lo, bcast(ch), pl);
    pl = _mm256_fmadd_pd(hi, bcast(cl), pl);
    return _mm256_add_pd(ph, pl);
}

static AI __m256d log_finish(__m256d hi, __m256d lo, int f)
{
    if (f == F_LOG2)
        return dd_scale4(hi, lo, BLAWK_VLOG_INVLN2_HI, BLAWK_VLOG_INVLN2_LO);
    if (f == F_LOG10)
        return dd_scale4(hi, lo, BLAWK_VLOG_INVLN10_HI, BLAWK_VLOG_INVLN10_LO);
    return _mm256_add_pd(hi, lo);
}

static AI __m256d log4_core(__m256d x, const char *w0, const char *w1, const char *w2,
                            const char *w3, int scaled, __m256d kadj, int f)
{
    __m256d hi, lo;
    log4_hl(x, w0, w1, w2, w3, scaled, kadj, x, 0, &hi, &lo);
    return log_finish(hi, lo, f);
}

/* all-ones in lanes that are not positive normal finite */
static inline __m256i log_unusual(__m256d x)
{
    /* ix - 2^52 - 2^63 (wrapping) maps [2^52, 0x7ff0...) onto the bottom of
     * the signed range, so one signed compare finds everything else. */
    __m256i v = _mm256_add_epi64(_mm256_castpd_si256(x), bcasti((long long)0x7ff0000000000000ull));
    return _mm256_cmpgt_epi64(v, bcasti((long long)0xffdfffffffffffffull));
}

/* Any 4 lanes: zero, subnormal, negative, inf and NaN too. */
static AI __m256d log4_any(__m256d x, int f)
{
    __m256d sub = _mm256_cmp_pd(x, bcast(0x1p-1022), _CMP_LT_OQ);
    __m256d xs = _mm256_blendv_pd(x, _mm256_mul_pd(x, bcast(0x1p52)), sub);
    uint64_t xb[4];
    memcpy(xb, &xs, sizeof xb);
    const char *t = (const char *)blawk_vlog_rows;
    __m256d res = log4_core(xs, t + LOG_ROW_OFFSET(xb[0]), t + LOG_ROW_OFFSET(xb[1]),
                            t + LOG_ROW_OFFSET(xb[2]), t + LOG_ROW_OFFSET(xb[3]),
                            1, _mm256_and_pd(sub, bcast(-52.0)), f);
    __m256d nanq = _mm256_or_pd(x, _mm256_castsi256_pd(bcasti(QUIET_BIT)));
    res = _mm256_blendv_pd(res, _mm256_castsi256_pd(bcasti(DEFAULT_NAN)),
                           _mm256_cmp_pd(x, bcast(0.0), _CMP_LT_OQ));
    res = _mm256_blendv_pd(res, bcast(-HUGE_VAL), _mm256_cmp_pd(x, bcast(0.0), _CMP_EQ_OQ));
    res = _mm256_blendv_pd(res, x, _mm256_cmp_pd(x, bcast(HUGE_VAL), _CMP_EQ_OQ));
    return _mm256_blendv_pd(res, nanq, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

/* Tail of fewer than 8 elements: the general path on a padded copy
 * (pad value 1); writes 8 logs into buf. */
static AI void log_tail(double buf[8], const double *x, size_t m, int f)
{
    for (int j = 0; j < 8; j++)
        buf[j] = 1.0;
    memcpy(buf, x, m * sizeof *x);
    _mm256_storeu_pd(buf, log4_any(_mm256_loadu_pd(buf), f));
    _mm256_storeu_pd(buf + 4, log4_any(_mm256_loadu_pd(buf + 4), f));
}

/* log of the 8 doubles at p, as two vectors: the fast path when no lane is
 * zero, negative, subnormal, inf or NaN, else the general one. */
static AI void log8_at(const double *p, __m256d *ya, __m256d *yb, int f)
{
    const char *t = (const char *)blawk_vlog_rows;
    uint64_t b[8];
    for (int j = 0; j < 8; j++)
        b[j] = bits_at(p + j);
    __m256d xa = _mm256_loadu_pd(p);
    __m256d xb = _mm256_loadu_pd(p + 4);
    __m256i u = _mm256_or_si256(log_unusual(xa), log_unusual(xb));
    if (_mm256_testz_si256(u, u)) {
        *ya = log4_core(xa, t + LOG_ROW_OFFSET(b[0]), t + LOG_ROW_OFFSET(b[1]),
                        t + LOG_ROW_OFFSET(b[2]), t + LOG_ROW_OFFSET(b[3]), 0,
                        _mm256_setzero_pd(), f);
        *yb = log4_core(xb, t + LOG_ROW_OFFSET(b[4]), t + LOG_ROW_OFFSET(b[5]),
                        t + LOG_ROW_OFFSET(b[6]), t + LOG_ROW_OFFSET(b[7]), 0,
                        _mm256_setzero_pd(), f);
    } else {
        *ya = log4_any(xa, f);
        *yb = log4_any(xb, f);
    }
}

#define LOG_FAMILY(name, f)                                                     \
    void name(double *out, const double *x, size_t n)                           \
    {                                                                           \
        size_t i = 0;                                                           \
        for (; i + 8 <= n; i += 8) {                                            \
            __m256d ya, yb;                                                     \
            log8_at(x + i, &ya, &yb, f);                                        \
            _mm256_storeu_pd(out + i, ya);                                      \
            _mm256_storeu_pd(out + i + 4, yb);                                  \
        }                                                                       \
        if (i < n) {                                                            \
            double buf[8];                                                      \
            log_tail(buf, x + i, n - i, f);                                     \
            memcpy(out + i, buf, (n - i) * sizeof *x);                          \
        }                                                                       \
    }

LOG_FAMILY(blawk_vlog_avx2, F_LOG)
LOG_FAMILY(blawk_vlog2_avx2, F_LOG2)
LOG_FAMILY(blawk_vlog10_avx2, F_LOG10)

/* log1p: u = fl(1 + x) and its rounding error c (TwoSum) in the vector, the
 * rows from u's bits (stored and reloaded: u is not in memory), then the log
 * core with the correction; lanes outside (-1, inf), zeros and NaNs are
 * computed on u = 1 and blended afterwards. */
static AI __m256d log1p4(__m256d x)
{
    const __m256d one = bcast(1.0);
    __m256d u = _mm256_add_pd(one, x);
    __m256d bp = _mm256_sub_pd(u, x);
    __m256d c = _mm256_add_pd(_mm256_sub_pd(one, bp), _mm256_sub_pd(x, _mm256_sub_pd(u, bp)));
    __m256d ok = _mm256_and_pd(_mm256_cmp_pd(x, bcast(-1.0), _CMP_GT_OQ),
                               _mm256_cmp_pd(x, bcast(HUGE_VAL), _CMP_LT_OQ));
    __m256d zero = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_EQ_OQ);
    u = _mm256_blendv_pd(one, u, ok);
    uint64_t ub[4];
    memcpy(ub, &u, sizeof ub);
    const char *t = (const char *)blawk_vlog_rows;
    __m256d hi, lo;
    log4_hl(u, t + LOG_ROW_OFFSET(ub[0]), t + LOG_ROW_OFFSET(ub[1]), t + LOG_ROW_OFFSET(ub[2]),
            t + LOG_ROW_OFFSET(ub[3]), 0, _mm256_setzero_pd(), c, 1, &hi, &lo);
    __m256d res = _mm256_add_pd(hi, lo);
    if (_mm256_movemask_pd(_mm256_andnot_pd(zero, ok)) != 15) {
        __m256d nanq = _mm256_or_pd(x, _mm256_castsi256_pd(bcasti(QUIET_BIT)));
        res = _mm256_blendv_pd(res, _mm256_castsi256_pd(bcasti(DEFAULT_NAN)),
                               _mm256_cmp_pd(x, bcast(-1.0), _CMP_LT_OQ));
        res = _mm256_blendv_pd(res, bcast(-HUGE_VAL), _mm256_cmp_pd(x, bcast(-1.0), _CMP_EQ_OQ));
        res = _mm256_blendv_pd(res, x, _mm256_or_pd(zero, _mm256_cmp_pd(x, bcast(HUGE_VAL), _CMP_EQ_OQ)));
        res = _mm256_blendv_pd(res, nanq, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
    }
    return res;
}

void blawk_vlog1p_avx2(double *out, const double *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d ya = log1p4(_mm256_loadu_pd(x + i));
        __m256d yb = log1p4(_mm256_loadu_pd(x + i + 4));
        _mm256_storeu_pd(out + i, ya);
        _mm256_storeu_pd(out + i + 4, yb);
    }
    if (i < n) {
        double buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        memcpy(buf, x + i, (n - i) * sizeof *x);
        _mm256_storeu_pd(buf, log1p4(_mm256_loadu_pd(buf)));
        _mm256_storeu_pd(buf + 4, log1p4(_mm256_loadu_pd(buf + 4)));
        memcpy(out + i, buf, (n - i) * sizeof *x);
    }
}

/* rot(v) = [v3, v0, v1, v2]; [p3, c0, c1, c2] = blend(rot(c), rot(p), lane 0).
 * Each vector is rotated once (one lane-crossing shuffle) and reused as the
 * next vector's `rp`. */
static inline __m256d rot1(__m256d v) { return _mm256_permute4x64_pd(v, 0x93); }
static inline __m256d prev1(__m256d rp, __m256d rc) { return _mm256_blend_pd(rc, rp, 0x1); }

/* Fused dlog with lag 1 (see vmath.h): the same log as blawk_vlog_avx2, each
 * value differenced against its neighbour in registers. */
void blawk_vdlog1_avx2(double *out, const double *x, double *carry, double scale, size_t n)
{
    if (n == 0)
        return;
    const __m256d vs = _mm256_set1_pd(scale);
    __m256d prev = _mm256_set1_pd(*carry), rprev = prev;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d ya, yb;
        log8_at(x + i, &ya, &yb, F_LOG);
        const __m256d ra = rot1(ya), rb = rot1(yb);
        _mm256_storeu_pd(out + i, _mm256_mul_pd(_mm256_sub_pd(ya, prev1(rprev, ra)), vs));
        _mm256_storeu_pd(out + i + 4, _mm256_mul_pd(_mm256_sub_pd(yb, prev1(ra, rb)), vs));
        prev = yb;
        rprev = rb;
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, prev);
    double last = lanes[3];
    if (i < n) {
        /* tail: logs of a padded copy, then the scalar difference */
        double buf[8];
        size_t m = n - i;
        log_tail(buf, x + i, m, F_LOG);
        for (size_t j = 0; j < m; j++) {
            out[i + j] = (buf[j] - last) * scale;
            last = buf[j];
        }
    }
    *carry = last;
}

/* ------------------------------------------------------------------ exp */

/* Everything up to y = T[j] * exp(r) (y in about [0.97, 2)), plus kd,
 * thi and t (y = thi + t rounded). */
static AI __m256d exp4_y(__m256d xc, __m256d xl, int with_lo, __m256d *kd_out,
                         __m256d *thi_out, __m256d *t_out)
{
    __m256d kd = _mm256_fmadd_pd(xc, bcast(BLAWK_VEXP_INVLN2N), bcast(BLAWK_VEXP_SHIFT));
    __m256d k = _mm256_sub_pd(kd, bcast(BLAWK_VEXP_SHIFT));
    __m256d r = _mm256_fnmadd_pd(k, bcast(BLAWK_VEXP_L_HI), xc);
    r = _mm256_fnmadd_pd(k, bcast(BLAWK_VEXP_L_LO), r);
    if (with_lo)
        r = _mm256_add_pd(r, xl);   /* pow: exp of the double-double x + xl */
    /* k mod 16 is in the low bits of kd's encoding.  Bring the four low
     * bytes over to a general register in one move (vmovq/vpextrq or a
     * store + reloads cost more, gathers much more), then load the rows. */
    __m256i lo32 = _mm256_permutevar8x32_epi32(_mm256_castpd_si256(kd),
                                               _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
    __m128i by = _mm_shuffle_epi8(_mm256_castsi256_si128(lo32),
                                  _mm_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    uint32_t w = (uint32_t)_mm_cvtsi128_si32(by);
    const char *tb = (const char *)blawk_vexp_rows;
    const double *p0 = (const double *)(tb + ((w << 4) & 0xf0u));
    const double *p1 = (const double *)(tb + ((w >> 4) & 0xf0u));
    const double *p2 = (const double *)(tb + ((w >> 12) & 0xf0u));
    const double *p3 = (const double *)(tb + ((w >> 20) & 0xf0u));
    __m256d ra = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(p0)), _mm_loadu_pd(p2), 1);
    __m256d rb = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(p1)), _mm_loadu_pd(p3), 1);
    __m256d thi = _mm256_unpacklo_pd(ra, rb);
    __m256d tlo = _mm256_unpackhi_pd(ra, rb);
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
static AI __m256d exp4_fast_lo(__m256d x, __m256d xl, int with_lo)
{
    __m256d kd, thi, t;
    __m256d y = exp4_y(x, xl, with_lo, &kd, &thi, &t);
    __m256i e = _mm256_slli_epi64(_mm256_srai_epi32(_mm256_castpd_si256(kd), 4), 52);
    return _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(y), e));
}

static AI __m256d exp4_fast(__m256d x) { return exp4_fast_lo(x, x, 0); }

/* any x (NaN -> garbage, blended by the caller) */
static AI __m256d exp4_gen(__m256d x, __m256d xl, int with_lo)
{
    __m256d xc = _mm256_min_pd(x, bcast(BLAWK_VEXP_XMAX)); /* NaN -> XMAX */
    xc = _mm256_max_pd(xc, bcast(BLAWK_VEXP_XMIN));
    __m256d kd, thi, t;
    __m256d y = exp4_y(xc, xl, with_lo, &kd, &thi, &t);
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
    return res;
}

static AI __m256d exp4_slow(__m256d x)
{
    __m256d res = exp4_gen(x, x, 0);
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

/* ------------------------------------------------------------------ pow */

/* log ax = lh + ll (log_dd in vmath_scalar.c) for 4 positive finite lanes.
 * The row offsets come from the bits of xp[0..3] (|xp[j]| = ax, the sign is
 * not in the offset's bits) straight from memory; only when a lane is
 * subnormal (pre-scaled) are the vector's bits stored and reloaded (that
 * store-to-load round trip was the critical path: 3.8 -> 2.x ms for pow). */
static AI void log_dd4(__m256d ax, const double *xp, __m256d *plh, __m256d *pll)
{
    __m256d sub = _mm256_cmp_pd(ax, bcast(0x1p-1022), _CMP_LT_OQ);
    __m256d x = ax;
    uint64_t xb[4];
    if (_mm256_movemask_pd(sub)) {
        x = _mm256_blendv_pd(ax, _mm256_mul_pd(ax, bcast(0x1p52)), sub);
        memcpy(xb, &x, sizeof xb);
    } else {
        for (int j = 0; j < 4; j++)
            xb[j] = bits_at(xp + j);
    }
    const char *tb = (const char *)blawk_vlog_rows;
    __m256i ix = _mm256_castpd_si256(x);
    __m256i u = _mm256_add_epi64(ix, bcasti(0x4018000000000000LL));
    __m256d zneg = _mm256_castsi256_pd(
        _mm256_sub_epi64(ix, _mm256_and_si256(u, bcasti((long long)0xfff0000000000000ull))));
    __m256i kb = _mm256_or_si256(_mm256_srli_epi64(u, 52), bcasti(0x4330000000000000LL));
    __m256d k = _mm256_sub_pd(_mm256_castsi256_pd(kb), bcast(0x1p52 + 2048.0));
    k = _mm256_add_pd(k, _mm256_and_pd(sub, bcast(-52.0)));
    __m256d llo;
    __m256d lhi = log_rows(tb + LOG_ROW_OFFSET(xb[0]), tb + LOG_ROW_OFFSET(xb[1]),
                           tb + LOG_ROW_OFFSET(xb[2]), tb + LOG_ROW_OFFSET(xb[3]), &llo);
    __m256d invc = _mm256_castsi256_pd(_mm256_add_epi64(
        _mm256_slli_epi64(_mm256_castpd_si256(llo), 46), bcasti((long long)BLAWK_VLOG_INVC_BIAS)));
    __m256d r = _mm256_fnmsub_pd(zneg, invc, bcast(1.0));   /* z*invc - 1 */
    __m256d t = _mm256_fmadd_pd(k, bcast(BLAWK_VLOG_LN2_HI), lhi);
    __m256d hi = _mm256_add_pd(t, r);
    __m256d e1 = _mm256_add_pd(_mm256_sub_pd(t, hi), r);
    __m256d r2h = _mm256_mul_pd(r, r);
    __m256d r2l = _mm256_fmsub_pd(r, r, r2h);
    __m256d m = _mm256_mul_pd(bcast(-0.5), r2h);
    __m256d h2 = _mm256_add_pd(hi, m);
    __m256d e2 = _mm256_add_pd(_mm256_sub_pd(hi, h2), m);
    __m256d r3h = _mm256_mul_pd(r2h, r);
    __m256d r3l = _mm256_fmsub_pd(r2h, r, r3h);
    r3l = _mm256_fmadd_pd(r2l, r, r3l);
    __m256d t3h = _mm256_mul_pd(r3h, bcast(BLAWK_VPOW_THIRD_HI));
    __m256d t3l = _mm256_fmsub_pd(r3h, bcast(BLAWK_VPOW_THIRD_HI), t3h);
    t3l = _mm256_fmadd_pd(r3h, bcast(BLAWK_VPOW_THIRD_LO), t3l);
    t3l = _mm256_fmadd_pd(r3l, bcast(BLAWK_VPOW_THIRD_HI), t3l);
    __m256d h3 = _mm256_add_pd(h2, t3h);
    __m256d e3 = _mm256_add_pd(_mm256_sub_pd(h2, h3), t3h);
    __m256d a0 = _mm256_fmadd_pd(bcast(BLAWK_VPOW_C5), r, bcast(BLAWK_VPOW_C4));
    __m256d a1 = _mm256_fmadd_pd(bcast(BLAWK_VPOW_C7), r, bcast(BLAWK_VPOW_C6));
    __m256d a2 = _mm256_fmadd_pd(bcast(BLAWK_VPOW_C9), r, bcast(BLAWK_VPOW_C8));
    __m256d a3 = _mm256_fmadd_pd(bcast(BLAWK_VPOW_C11), r, bcast(BLAWK_VPOW_C10));
    __m256d q = _mm256_fmadd_pd(bcast(BLAWK_VPOW_C12), r2h, a3);
    q = _mm256_fmadd_pd(q, r2h, a2);
    q = _mm256_fmadd_pd(q, r2h, a1);
    q = _mm256_fmadd_pd(q, r2h, a0);
    __m256d r4 = _mm256_mul_pd(r2h, r2h);
    __m256d l0 = _mm256_fmadd_pd(k, bcast(BLAWK_VLOG_LN2_LO), llo);
    __m256d s1 = _mm256_add_pd(l0, e1);
    __m256d s2 = _mm256_add_pd(e2, e3);
    __m256d s3 = _mm256_fmadd_pd(bcast(-0.5), r2l, t3l);
    __m256d s4 = _mm256_fmadd_pd(r4, q, s3);
    __m256d l6 = _mm256_add_pd(_mm256_add_pd(s1, s2), s4);
    __m256d lh = _mm256_add_pd(h3, l6);
    *plh = lh;
    *pll = _mm256_add_pd(_mm256_sub_pd(h3, lh), l6);
}

/* pow of 4 lanes (pow_one in vmath_scalar.c); have_log: lh, ll already
 * hold log|x| (rpow_s). */
static AI __m256d pow4(__m256d x, const double *xp, __m256d y, __m256d lh, __m256d ll,
                        int have_log)
{
    const __m256d zero = _mm256_setzero_pd(), inf = bcast(HUGE_VAL);
    const __m256d absm = _mm256_castsi256_pd(bcasti(0x7fffffffffffffffLL));
    __m256d ax = _mm256_and_pd(x, absm), ay = _mm256_and_pd(y, absm);
    __m256d main = _mm256_and_pd(
        _mm256_and_pd(_mm256_cmp_pd(ax, inf, _CMP_LT_OQ), _mm256_cmp_pd(ax, zero, _CMP_NEQ_OQ)),
        _mm256_and_pd(_mm256_cmp_pd(ay, inf, _CMP_LT_OQ), _mm256_cmp_pd(ay, zero, _CMP_NEQ_OQ)));
    /* the special lanes are not sanitised (garbage, replaced below; the
     * row offsets are masked, so any bits are safe) */
    if (!have_log)
        log_dd4(ax, xp, &lh, &ll);
    __m256d zh = _mm256_mul_pd(y, lh);
    __m256d zl = _mm256_fmsub_pd(y, lh, zh);
    zl = _mm256_fmadd_pd(y, ll, zl);
    __m256d azh = _mm256_and_pd(zh, absm);
    zl = _mm256_and_pd(zl, _mm256_cmp_pd(azh, bcast(2048.0), _CMP_LT_OQ));
    __m256d res;
    if (_mm256_movemask_pd(_mm256_cmp_pd(azh, bcast(708.0), _CMP_LE_OQ)) == 15)
        res = exp4_fast_lo(zh, zl, 1);
    else
        res = exp4_gen(zh, zl, 1);
    /* negative x: an odd integer y flips the sign, a non-integer gives NaN */
    __m256d neg = _mm256_and_pd(_mm256_cmp_pd(x, zero, _CMP_LT_OQ), main);
    if (_mm256_movemask_pd(neg)) {
        const int rn = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
        __m256d hy = _mm256_mul_pd(y, bcast(0.5));
        __m256d isint = _mm256_cmp_pd(_mm256_round_pd(y, rn), y, _CMP_EQ_OQ);
        __m256d odd = _mm256_and_pd(isint, _mm256_cmp_pd(_mm256_round_pd(hy, rn), hy, _CMP_NEQ_OQ));
        res = _mm256_xor_pd(res, _mm256_and_pd(_mm256_and_pd(neg, odd), bcast(-0.0)));
        res = _mm256_blendv_pd(res, _mm256_castsi256_pd(bcasti(DEFAULT_NAN)),
                               _mm256_andnot_pd(isint, neg));
    }
    if (_mm256_movemask_pd(main) != 15) {
        double xr[4], yr[4], rr[4];
        int mm = _mm256_movemask_pd(main);
        _mm256_storeu_pd(xr, x);
        _mm256_storeu_pd(yr, y);
        _mm256_storeu_pd(rr, res);
        for (int j = 0; j < 4; j++)
            if (!((mm >> j) & 1))
                rr[j] = blawk_vpow_special(xr[j], yr[j]);
        res = _mm256_loadu_pd(rr);
    }
    /* y == 2: x*x; y == 0.5: sqrt(x) unless x is -0 or -inf */
    __m256d two = _mm256_cmp_pd(y, bcast(2.0), _CMP_EQ_OQ);
    __m256d half = _mm256_cmp_pd(y, bcast(0.5), _CMP_EQ_OQ);
    if (_mm256_movemask_pd(_mm256_or_pd(two, half))) {
        half = _mm256_and_pd(half, _mm256_and_pd(_mm256_cmp_pd(x, zero, _CMP_NEQ_UQ),
                                                 _mm256_cmp_pd(x, bcast(-HUGE_VAL), _CMP_NEQ_UQ)));
        res = _mm256_blendv_pd(res, _mm256_mul_pd(x, x), two);
        res = _mm256_blendv_pd(res, _mm256_sqrt_pd(x), half);
    }
    return res;
}

void blawk_vpow_avx2(double *out, const double *x, const double *y, size_t n)
{
    const __m256d z = _mm256_setzero_pd();
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(out + i, pow4(_mm256_loadu_pd(x + i), x + i, _mm256_loadu_pd(y + i), z, z,
                                       0));
    if (i < n) {
        double a[4] = {1, 1, 1, 1}, b[4] = {1, 1, 1, 1}, r[4];
        memcpy(a, x + i, (n - i) * sizeof *x);
        memcpy(b, y + i, (n - i) * sizeof *y);
        _mm256_storeu_pd(r, pow4(_mm256_loadu_pd(a), a, _mm256_loadu_pd(b), z, z, 0));
        memcpy(out + i, r, (n - i) * sizeof *x);
    }
}

void blawk_vpow_s_avx2(double *out, const double *x, double s, size_t n)
{
    const __m256d z = _mm256_setzero_pd(), vs = _mm256_set1_pd(s);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(out + i, pow4(_mm256_loadu_pd(x + i), x + i, vs, z, z, 0));
    if (i < n) {
        double a[4] = {1, 1, 1, 1}, r[4];
        memcpy(a, x + i, (n - i) * sizeof *x);
        _mm256_storeu_pd(r, pow4(_mm256_loadu_pd(a), a, vs, z, z, 0));
        memcpy(out + i, r, (n - i) * sizeof *x);
    }
}

void blawk_vrpow_s_avx2(double *out, const double *y, double s, size_t n)
{
    const __m256d vs = _mm256_set1_pd(s);
    int ok = fabs(s) < HUGE_VAL && s != 0.0;
    __m256d lh, ll;
    const double sv[4] = {s, s, s, s}, onev[4] = {1, 1, 1, 1};
    log_dd4(ok ? _mm256_set1_pd(fabs(s)) : bcast(1.0), ok ? sv : onev, &lh, &ll);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(out + i, pow4(vs, NULL, _mm256_loadu_pd(y + i), lh, ll, 1));
    if (i < n) {
        double b[4] = {1, 1, 1, 1}, r[4];
        memcpy(b, y + i, (n - i) * sizeof *y);
        _mm256_storeu_pd(r, pow4(vs, NULL, _mm256_loadu_pd(b), lh, ll, 1));
        memcpy(out + i, r, (n - i) * sizeof *y);
    }
}
