/*
 * reduce_impl.h -- the block kernels of the reductions, written once and
 * instantiated per ISA (see reduce.h for the contract).  The including file
 * defines:
 *
 *   ISA            suffix of the table name (scalar, avx2, avx512)
 *   W              lanes per vector (1 for the portable version)
 *   V              vector type                   VLOAD(p)  unaligned load
 *   VSET1(s)       broadcast                     VADD VSUB VMUL (a, b)
 *   VSTORE(p, v)   unaligned store
 *   M              a mask of W lanes             MASK(bits): lane j set if bit j is
 *   MLOAD(p, m, f) lanes in m loaded from p (the others are not read), f elsewhere
 *   VADD_M(m, a, t)  a + t in the lanes of m, a elsewhere
 *   VHADD(v)       the lanes summed by halves: lane j += lane j + W/2, ... , + 1
 *   VHMUL(v)       the same with *
 *   VMIN(a, x)     per lane: x < a ? x : a; a if x is NaN; either zero on a tie
 *   VMAX(a, x)     per lane: x > a ? x : a; a if x is NaN; either zero on a tie
 *   MINMAX_EXACT_ZEROS  1 if VMIN/VMAX already order -0.0 < +0.0
 *   N              a NaN-flag accumulator        N_INIT, N_ACC(f, x), N_ANY(f),
 *                  N_ACC2(f, x, y): flags a NaN in x or y
 *
 * The lane rule.  A block is cut into groups of BLAWK_RED_LANES (32) elements;
 * lane j accumulates the elements with index % 32 == j, in order.  Accumulator
 * vector a holds lanes a*W .. a*W + W-1, so every ISA applies the same IEEE
 * operations in the same order to the same values and gets the same bits.  At
 * the end of the block the lanes are folded by halves (j += j+16, +8, +4, +2,
 * +1): first across accumulator vectors, then inside the vector.  A null
 * element leaves its lane untouched: either a masked add (VADD_M) or an
 * identity that changes no bit (-0.0 for +, 1.0 for *, +-inf for min/max).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "reduce.h"

#define BLAWK_CAT_(a, b) a##_##b
#define BLAWK_CAT(a, b) BLAWK_CAT_(a, b)
#define K(name) BLAWK_CAT(name, ISA)

#define NACC (BLAWK_RED_LANES / W)
#define LANEMASK ((1u << W) - 1u)

#if BLAWK_RED_LANES % W != 0 || 64 % BLAWK_RED_LANES != 0
#error "the lane count must divide a bitmap word and be a multiple of the vector width"
#endif

/*
 * Walk n elements one 64-element bitmap word at a time.  For each vector of W
 * elements at index i going to accumulator a: FULL when the whole word is
 * valid (no mask work at all), else PART with the lane mask m (vectors with no
 * valid lane are skipped).  Bits past n are cleared, so a partial vector at
 * the end is read only where its mask says (MLOAD does not touch the rest).
 * One lane (W == 1) visits every element below n instead, so that the
 * portable MLOAD and VADD_M can be selects rather than unpredictable branches.
 */
#define WALK(v, n, FULL, PART)                                                         \
    for (size_t base_ = 0; base_ < (n); base_ += 64) {                                 \
        uint64_t w_ = (v) ? (v)[base_ >> 6] : ~UINT64_C(0);                            \
        const size_t len_ = (n) - base_;                                               \
        if (len_ < 64)                                                                 \
            w_ &= (UINT64_C(1) << len_) - 1;                                           \
        if (w_ == ~UINT64_C(0)) {                                                      \
            for (size_t o_ = 0; o_ < 64; o_ += BLAWK_RED_LANES) {                      \
                _Pragma("GCC unroll 32") for (int a = 0; a < NACC; a++)                \
                {                                                                      \
                    const size_t i = base_ + o_ + (size_t)a * W;                       \
                    FULL                                                               \
                }                                                                      \
            }                                                                          \
        } else if (w_) {                                                               \
            for (size_t o_ = 0; o_ < 64; o_ += BLAWK_RED_LANES) {                      \
                _Pragma("GCC unroll 32") for (int a = 0; a < NACC; a++)                \
                {                                                                      \
                    const unsigned bits_ = (unsigned)(w_ >> (o_ + (size_t)a * W)) & LANEMASK; \
                    const size_t i = base_ + o_ + (size_t)a * W;                       \
                    if (W == 1 ? i < (n) : bits_ != 0) {                               \
                        const M m = MASK(bits_);                                       \
                        PART                                                           \
                    }                                                                  \
                }                                                                      \
            }                                                                          \
        }                                                                              \
    }

#define ACC_INIT(acc, s)                                                               \
    _Pragma("GCC unroll 32") for (int a_ = 0; a_ < NACC; a_++) (acc)[a_] = VSET1(s)

/* Fold the accumulator vectors by halves (lane j += lane j + 16, + 8, ...,
 * down to + W), then the lanes of the last vector.  Written as fixed stages
 * with constant trip counts so the accumulators stay in registers. */
#define FOLD_STAGE(acc, c, OP)                                                         \
    if (NACC > (c)) {                                                                  \
        _Pragma("GCC unroll 16") for (int a_ = 0; a_ < (c); a_++)                      \
            (acc)[a_] = OP((acc)[a_], (acc)[a_ + (c)]);                                \
    }
#define FOLD(acc, OP)                                                                  \
    FOLD_STAGE(acc, 16, OP)                                                            \
    FOLD_STAGE(acc, 8, OP)                                                             \
    FOLD_STAGE(acc, 4, OP)                                                             \
    FOLD_STAGE(acc, 2, OP)                                                             \
    FOLD_STAGE(acc, 1, OP)

static inline double K(fold_add)(V *acc)
{
    FOLD(acc, VADD)
    return VHADD(acc[0]);
}

static inline double K(fold_mul)(V *acc)
{
    FOLD(acc, VMUL)
    return VHMUL(acc[0]);
}

/* -------------------------------------------------------------- sums */

static double K(red_sum)(const double *x, const uint64_t *v, size_t n)
{
    V acc[NACC];
    ACC_INIT(acc, -0.0);
    WALK(v, n,
         { acc[a] = VADD(acc[a], VLOAD(x + i)); },
         { acc[a] = VADD(acc[a], MLOAD(x + i, m, VSET1(-0.0))); })
    return K(fold_add)(acc);
}

static double K(red_sum_shift)(const double *x, const uint64_t *v, size_t n, double k)
{
    const V vk = VSET1(k);
    V acc[NACC];
    ACC_INIT(acc, -0.0);
    WALK(v, n,
         { acc[a] = VADD(acc[a], VSUB(VLOAD(x + i), vk)); },
         { acc[a] = VADD_M(m, acc[a], VSUB(MLOAD(x + i, m, vk), vk)); })
    return K(fold_add)(acc);
}

/* out = {red_sum, red_sum_shift(k)} in one pass, with their bits: a null lane
 * is left alone by a masked add, which is what adding red_sum's -0.0 does */
static void K(red_sum_and_shift)(const double *x, const uint64_t *v, size_t n, double k,
                                 double *out)
{
    const V vk = VSET1(k);
    V s[NACC], d[NACC];
    ACC_INIT(s, -0.0);
    ACC_INIT(d, -0.0);
    WALK(v, n,
         {
             const V xv = VLOAD(x + i);
             s[a] = VADD(s[a], xv);
             d[a] = VADD(d[a], VSUB(xv, vk));
         },
         {
             const V xv = MLOAD(x + i, m, vk);
             s[a] = VADD_M(m, s[a], xv);
             d[a] = VADD_M(m, d[a], VSUB(xv, vk));
         })
    out[0] = K(fold_add)(s);
    out[1] = K(fold_add)(d);
}

static double K(red_prod)(const double *x, const uint64_t *v, size_t n)
{
    V acc[NACC];
    ACC_INIT(acc, 1.0);
    WALK(v, n,
         { acc[a] = VMUL(acc[a], VLOAD(x + i)); },
         { acc[a] = VMUL(acc[a], MLOAD(x + i, m, VSET1(1.0))); })
    return K(fold_mul)(acc);
}

/* ----------------------------------------------------------- moments */

static double K(red_m2)(const double *x, const uint64_t *v, size_t n, double k, double mu)
{
    const V vk = VSET1(k), vmu = VSET1(mu);
    V acc[NACC];
    ACC_INIT(acc, -0.0);
    WALK(v, n,
         {
             const V d = VSUB(VSUB(VLOAD(x + i), vk), vmu);
             acc[a] = VADD(acc[a], VMUL(d, d));
         },
         {
             const V d = VSUB(VSUB(MLOAD(x + i, m, vk), vk), vmu);
             acc[a] = VADD_M(m, acc[a], VMUL(d, d));
         })
    return K(fold_add)(acc);
}

static void K(red_m234)(const double *x, const uint64_t *v, size_t n, double k, double mu,
                        double *out)
{
    const V vk = VSET1(k), vmu = VSET1(mu);
    V a2[NACC], a3[NACC], a4[NACC];
    ACC_INIT(a2, -0.0);
    ACC_INIT(a3, -0.0);
    ACC_INIT(a4, -0.0);
    WALK(v, n,
         {
             const V d = VSUB(VSUB(VLOAD(x + i), vk), vmu);
             const V d2 = VMUL(d, d);
             a2[a] = VADD(a2[a], d2);
             a3[a] = VADD(a3[a], VMUL(d2, d));
             a4[a] = VADD(a4[a], VMUL(d2, d2));
         },
         {
             const V d = VSUB(VSUB(MLOAD(x + i, m, vk), vk), vmu);
             const V d2 = VMUL(d, d);
             a2[a] = VADD_M(m, a2[a], d2);
             a3[a] = VADD_M(m, a3[a], VMUL(d2, d));
             a4[a] = VADD_M(m, a4[a], VMUL(d2, d2));
         })
    out[0] = K(fold_add)(a2);
    out[1] = K(fold_add)(a3);
    out[2] = K(fold_add)(a4);
}

/* ------------------------------------------------------------ min/max */

/* IEEE 754-2019 minimum/maximum of two non-NaN values: -0.0 < +0.0.  (Equal
 * values have equal bits except for zeros, so | and & pick the right zero.) */
static inline double K(s_bits_or)(double a, double b)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    ua |= ub;
    memcpy(&a, &ua, 8);
    return a;
}

static inline double K(s_bits_and)(double a, double b)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    ua &= ub;
    memcpy(&a, &ua, 8);
    return a;
}

static inline double K(s_min19)(double a, double x)
{
    if (x < a)
        return x;
    if (x == a)
        return K(s_bits_or)(a, x);
    return a; /* x > a or x is NaN */
}

static inline double K(s_max19)(double a, double x)
{
    if (x > a)
        return x;
    if (x == a)
        return K(s_bits_and)(a, x);
    return a;
}

/* The sign of a zero min (max) when the ISA's VMIN (VMAX) may keep
 * either zero: -0.0 (+0.0) if a valid element is exactly that, else the
 * other zero.  Runs only when a block's extreme is a zero. */
static double K(zero_rescan)(const double *x, const uint64_t *v, size_t n, double want)
{
    uint64_t wb;
    memcpy(&wb, &want, 8);
    for (size_t i = 0; i < n; i++) {
        if (v && !((v[i >> 6] >> (i & 63)) & 1))
            continue;
        uint64_t b;
        memcpy(&b, &x[i], 8);
        if (b == wb)
            return want;
    }
    return -want;
}

/* min/max do so little per element that the hardware prefetcher alone does
 * not keep the loads fed: with RED_PREFETCH(p) defined (a hint, no fault, no
 * effect on any value) the full-word path asks for the 32 elements
 * RED_PF_AHEAD ahead, one line at a time (x may be only 8-byte aligned, so a
 * group can straddle five lines: the fifth is the next group's first). */
#define RED_PF_AHEAD 256
#ifdef RED_PREFETCH
#define RED_PF_LANES(p)                                                                \
    do {                                                                               \
        RED_PREFETCH(p);                                                               \
        RED_PREFETCH((p) + 8);                                                         \
        RED_PREFETCH((p) + 16);                                                        \
        RED_PREFETCH((p) + 24);                                                        \
    } while (0)
#else
#define RED_PF_LANES(p) ((void)(p))
#endif

/* VOP(a, x): the lane-wise min (max) of a and x, a when x is NaN.  When
 * MINMAX_EXACT_ZEROS is 0 the ISA's op may keep either zero of a tie and the
 * block's result is fixed by zero_rescan.  NaNs never reach the
 * accumulators (they are flagged apart), and min/max of the rest is the same
 * value in any order, so the accumulators fold with VOP and the last W lanes
 * with the exact scalar op. */
#define MINMAX_KERNEL(name, VOP, SOP, ID)                                              \
    static double K(name)(const double *x, const uint64_t *v, size_t n, int *nan)      \
    {                                                                                  \
        V acc[NACC];                                                                   \
        N f = N_INIT;                                                                  \
        ACC_INIT(acc, ID);                                                             \
        WALK(v, n,                                                                     \
             {                                                                         \
                 /* two vectors a step: one unordered compare flags a NaN  \
                    in either (NACC is even on every ISA) */                          \
                 if (a == 0 && i + RED_PF_AHEAD + BLAWK_RED_LANES <= (n))              \
                     RED_PF_LANES(x + i + RED_PF_AHEAD);                               \
                 if ((a & 1) == 0) {                                                   \
                     const V x0 = VLOAD(x + i);                                        \
                     const V x1 = VLOAD(x + i + W);                                    \
                     acc[a] = VOP(acc[a], x0);                                         \
                     acc[a + 1] = VOP(acc[a + 1], x1);                                 \
                     f = N_ACC2(f, x0, x1);                                            \
                 }                                                                     \
             },                                                                        \
             {                                                                         \
                 const V xv = MLOAD(x + i, m, VSET1(ID));                              \
                 acc[a] = VOP(acc[a], xv);                                             \
                 f = N_ACC(f, xv);                                                     \
             })                                                                        \
        /* min/max are exact in any order (zeros aside, fixed below), so the  \
           accumulators fold with the vector op, then the W lanes */           \
        FOLD(acc, VOP)                                                                 \
        double lanes[W];                                                               \
        VSTORE(lanes, acc[0]);                                                         \
        double r = lanes[0];                                                           \
        for (int j = 1; j < W; j++)                                                    \
            r = SOP(r, lanes[j]);                                                      \
        if (!MINMAX_EXACT_ZEROS && r == 0.0)                                           \
            r = K(zero_rescan)(x, v, n, (ID) > 0 ? -0.0 : 0.0);                        \
        if (N_ANY(f))                                                                  \
            *nan = 1;                                                                  \
        return r;                                                                      \
    }

MINMAX_KERNEL(red_min, VMIN, K(s_min19), INFINITY)
MINMAX_KERNEL(red_max, VMAX, K(s_max19), -INFINITY)

/* --------------------------------------------------------- two inputs */

static void K(red_wsum)(const double *x, const double *y, const uint64_t *v, size_t n,
                        double *out)
{
    const V zero = VSET1(0.0);
    V sxy[NACC], sx[NACC];
    ACC_INIT(sxy, -0.0);
    ACC_INIT(sx, -0.0);
    WALK(v, n,
         {
             const V xv = VLOAD(x + i);
             sxy[a] = VADD(sxy[a], VMUL(xv, VLOAD(y + i)));
             sx[a] = VADD(sx[a], xv);
         },
         {
             const V xv = MLOAD(x + i, m, zero);
             sxy[a] = VADD_M(m, sxy[a], VMUL(xv, MLOAD(y + i, m, zero)));
             sx[a] = VADD_M(m, sx[a], xv);
         })
    out[0] = K(fold_add)(sxy);
    out[1] = K(fold_add)(sx);
}

static void K(red_sum_shift2)(const double *x, const double *y, const uint64_t *v, size_t n,
                              double kx, double ky, double *out)
{
    const V vkx = VSET1(kx), vky = VSET1(ky);
    V ax[NACC], ay[NACC];
    ACC_INIT(ax, -0.0);
    ACC_INIT(ay, -0.0);
    WALK(v, n,
         {
             ax[a] = VADD(ax[a], VSUB(VLOAD(x + i), vkx));
             ay[a] = VADD(ay[a], VSUB(VLOAD(y + i), vky));
         },
         {
             ax[a] = VADD_M(m, ax[a], VSUB(MLOAD(x + i, m, vkx), vkx));
             ay[a] = VADD_M(m, ay[a], VSUB(MLOAD(y + i, m, vky), vky));
         })
    out[0] = K(fold_add)(ax);
    out[1] = K(fold_add)(ay);
}

static void K(red_comoments)(const double *x, const double *y, const uint64_t *v, size_t n,
                             double kx, double ky, double mx, double my, double *out)
{
    const V vkx = VSET1(kx), vky = VSET1(ky), vmx = VSET1(mx), vmy = VSET1(my);
    V cxy[NACC], cxx[NACC], cyy[NACC];
    ACC_INIT(cxy, -0.0);
    ACC_INIT(cxx, -0.0);
    ACC_INIT(cyy, -0.0);
    WALK(v, n,
         {
             const V dx = VSUB(VSUB(VLOAD(x + i), vkx), vmx);
             const V dy = VSUB(VSUB(VLOAD(y + i), vky), vmy);
             cxy[a] = VADD(cxy[a], VMUL(dx, dy));
             cxx[a] = VADD(cxx[a], VMUL(dx, dx));
             cyy[a] = VADD(cyy[a], VMUL(dy, dy));
         },
         {
             const V dx = VSUB(VSUB(MLOAD(x + i, m, vkx), vkx), vmx);
             const V dy = VSUB(VSUB(MLOAD(y + i, m, vky), vky), vmy);
             cxy[a] = VADD_M(m, cxy[a], VMUL(dx, dy));
             cxx[a] = VADD_M(m, cxx[a], VMUL(dx, dx));
             cyy[a] = VADD_M(m, cyy[a], VMUL(dy, dy));
         })
    out[0] = K(fold_add)(cxy);
    out[1] = K(fold_add)(cxx);
    out[2] = K(fold_add)(cyy);
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* the narrowing pass (reduce.h: pick) over rows [i0, n) with m values kept so
 * far: the scalar reference, and the vector versions' tail */
static inline size_t pick_rows(double *dst, size_t m, size_t cap, const double *x, size_t i0,
                               size_t n, double lo, double hi, size_t *less)
{
    size_t l = 0;
    for (size_t i = i0; i < n; i++) {
        const double v = x[i];
        dst[m] = v; /* written always, kept when in range: no branch */
        m += (v >= lo) & (v <= hi);
        l += v < lo;
        if (m > cap)
            return SIZE_MAX;
    }
    *less += l;
    return m;
}

/* defined by each ISA's file, after this one */
static size_t K(red_pick)(double *dst, size_t cap, const double *x, size_t n, double lo,
                          double hi, size_t *less);

const blawk_reduce_kernels K(blawk_reduce_kernels) = {
    .name = STR(ISA),
    .sum = K(red_sum),
    .sum_shift = K(red_sum_shift),
    .sum_and_shift = K(red_sum_and_shift),
    .m2 = K(red_m2),
    .m234 = K(red_m234),
    .prod = K(red_prod),
    .min = K(red_min),
    .max = K(red_max),
    .wsum = K(red_wsum),
    .sum_shift2 = K(red_sum_shift2),
    .comoments = K(red_comoments),
    .pick = K(red_pick),
};
