/*
 * arith_impl.h -- the elementwise arithmetic kernels, written once and
 * instantiated per ISA.  The including file defines:
 *
 *   ISA          suffix of the table name (scalar, avx2, avx512)
 *   W            lanes per vector (1 for the portable version)
 *   V            vector type
 *   VLOAD(p)     unaligned load of W doubles       VSTORE(p, v) unaligned store
 *   VSET1(s)     broadcast                          VADD VSUB VMUL VDIV (a, b)
 *   VSQRT(a)     correctly rounded sqrt             VNEG(a) VABS(a): sign-bit ops
 *   VPREV1(p, c) the vector [p[W-1], c[0], ..., c[W-2]]: c moved up one lane,
 *                the lane shifted in taken from the previous vector p
 *
 * The vector loop is unrolled twice; the tail (< W elements) runs the scalar
 * expression, which gives the same bits (IEEE +-*÷ and sqrt are exact-rounded).
 */
#include <math.h>
#include <stdint.h>

#include "kernels.h"
#include "math_extra.h"
#include "mathx.h"
#include "vexpm1.h"

#define BLAWK_CAT_(a, b) a##_##b
#define BLAWK_CAT(a, b) BLAWK_CAT_(a, b)
/* VOUT stores a result vector; the non-temporal instantiation (arith_nt_<isa>.c)
 * first runs the scalar expression up to a vector-aligned `out` (ALIGN_HEAD),
 * which gives the same bits */
#ifdef BLAWK_ARITH_NT
#define VOUT(p, v) VSTREAM(p, v)
#define ALIGN_HEAD(out, i, n) for (; i < n && (uintptr_t)(out + i) % (W * sizeof(double)) != 0; i++)
#define K(name) BLAWK_CAT(BLAWK_CAT(name, ISA), nt)
#else
#define VOUT(p, v) VSTORE(p, v)
#define ALIGN_HEAD(out, i, n) if (0)
#define K(name) BLAWK_CAT(name, ISA)
#endif
/* kernels of the plain table that the non-temporal one shares */
#define KP(name) BLAWK_CAT(name, ISA)

/* Negation and absolute value act on the sign bit only (NaN payloads kept). */
static inline double s_neg(double a) { return -a; }
static inline double s_abs(double a) { return fabs(a); }

#define UNARY_KERNEL(name, vexpr, sexpr)                                        \
    static void K(name)(double *out, const double *a, size_t n)                 \
    {                                                                           \
        size_t i = 0;                                                           \
        ALIGN_HEAD(out, i, n) out[i] = sexpr(a[i]);                             \
        for (; i + 2 * W <= n; i += 2 * W) {                                    \
            V x0 = VLOAD(a + i), x1 = VLOAD(a + i + W);                         \
            VOUT(out + i, vexpr(x0));                                           \
            VOUT(out + i + W, vexpr(x1));                                       \
        }                                                                       \
        for (; i < n; i++)                                                      \
            out[i] = sexpr(a[i]);                                               \
    }

#define BINARY_KERNEL(name, vop, sop)                                           \
    static void K(name)(double *out, const double *a, const double *b, size_t n) \
    {                                                                           \
        size_t i = 0;                                                           \
        ALIGN_HEAD(out, i, n) out[i] = a[i] sop b[i];                           \
        for (; i + 2 * W <= n; i += 2 * W) {                                    \
            V x0 = VLOAD(a + i), x1 = VLOAD(a + i + W);                         \
            V y0 = VLOAD(b + i), y1 = VLOAD(b + i + W);                         \
            VOUT(out + i, vop(x0, y0));                                         \
            VOUT(out + i + W, vop(x1, y1));                                     \
        }                                                                       \
        for (; i < n; i++)                                                      \
            out[i] = a[i] sop b[i];                                             \
    }

/* SWAP = 0: a (op) s;  SWAP = 1: s (op) a */
#define SCALAR_KERNEL(name, vop, sop, SWAP)                                     \
    static void K(name)(double *out, const double *a, double s, size_t n)       \
    {                                                                           \
        const V vs = VSET1(s);                                                  \
        size_t i = 0;                                                           \
        ALIGN_HEAD(out, i, n) out[i] = SWAP ? (s sop a[i]) : (a[i] sop s);      \
        for (; i + 2 * W <= n; i += 2 * W) {                                    \
            V x0 = VLOAD(a + i), x1 = VLOAD(a + i + W);                         \
            VOUT(out + i, SWAP ? vop(vs, x0) : vop(x0, vs));                    \
            VOUT(out + i + W, SWAP ? vop(vs, x1) : vop(x1, vs));                \
        }                                                                       \
        for (; i < n; i++)                                                      \
            out[i] = SWAP ? (s sop a[i]) : (a[i] sop s);                        \
    }

/* (a[i] - s1) / s2: a subtraction and a division, each rounded, in registers */
static void K(k_subdiv_s)(double *out, const double *a, double s1, double s2, size_t n)
{
    const V v1 = VSET1(s1), v2 = VSET1(s2);
    size_t i = 0;
    ALIGN_HEAD(out, i, n) out[i] = (a[i] - s1) / s2;
    for (; i + 2 * W <= n; i += 2 * W) {
        V x0 = VLOAD(a + i), x1 = VLOAD(a + i + W);
        VOUT(out + i, VDIV(VSUB(x0, v1), v2));
        VOUT(out + i + W, VDIV(VSUB(x1, v1), v2));
    }
    for (; i < n; i++)
        out[i] = (a[i] - s1) / s2;
}

/* a[i] * s1 + s2: a multiplication and an addition, each rounded (never a
 * fused multiply-add: the bits are those of mul_s then add_s) */
static void K(k_muladd_s)(double *out, const double *a, double s1, double s2, size_t n)
{
    const V v1 = VSET1(s1), v2 = VSET1(s2);
    size_t i = 0;
    ALIGN_HEAD(out, i, n) out[i] = a[i] * s1 + s2;
    for (; i + 2 * W <= n; i += 2 * W) {
        V x0 = VLOAD(a + i), x1 = VLOAD(a + i + W);
        VOUT(out + i, VADD(VMUL(x0, v1), v2));
        VOUT(out + i + W, VADD(VMUL(x1, v1), v2));
    }
    for (; i < n; i++)
        out[i] = a[i] * s1 + s2;
}

/* out[i] = a[i] (op) a[i-1], a[-1] = prev.  Each element is loaded once; the
 * lagged vector is built in registers (no load at an 8-byte offset, which would
 * split cache lines on every vector). */
#define LAG1_KERNEL(name, vop, sop)                                             \
    static void K(name)(double *out, const double *a, double prev, size_t n)    \
    {                                                                           \
        size_t i = 0;                                                           \
        if (n >= W) {                                                           \
            V p = VSET1(prev);                                                  \
            for (; i + W <= n; i += W) {                                        \
                V c = VLOAD(a + i);                                             \
                VSTORE(out + i, vop(c, VPREV1(p, c)));                          \
                p = c;                                                          \
            }                                                                   \
            prev = a[i - 1];                                                    \
        }                                                                       \
        for (; i < n; i++) {                                                    \
            const double c = a[i];                                              \
            out[i] = c sop prev;                                                \
            prev = c;                                                           \
        }                                                                       \
    }

LAG1_KERNEL(k_diff1, VSUB, -)
LAG1_KERNEL(k_ratio1, VDIV, /)

UNARY_KERNEL(k_neg, VNEG, s_neg)
UNARY_KERNEL(k_abs, VABS, s_abs)
UNARY_KERNEL(k_sqrt, VSQRT, sqrt)
UNARY_KERNEL(k_floor, VFLOOR, floor)
UNARY_KERNEL(k_ceil, VCEIL, ceil)

BINARY_KERNEL(k_add, VADD, +)
BINARY_KERNEL(k_sub, VSUB, -)
BINARY_KERNEL(k_mul, VMUL, *)
BINARY_KERNEL(k_div, VDIV, /)

SCALAR_KERNEL(k_add_s, VADD, +, 0)
SCALAR_KERNEL(k_sub_s, VSUB, -, 0)
SCALAR_KERNEL(k_rsub_s, VSUB, -, 1)
SCALAR_KERNEL(k_mul_s, VMUL, *, 0)
SCALAR_KERNEL(k_div_s, VDIV, /, 0)
SCALAR_KERNEL(k_rdiv_s, VDIV, /, 1)

/* orders this table's non-temporal stores (kernels.h) */
static void K(k_stream_fence)(void)
{
#ifdef BLAWK_ARITH_NT
    _mm_sfence();
#endif
}

#define STR_(x) #x
#define STR(x) STR_(x)

const blawk_kernels K(blawk_kernels) = {
    .name = STR(ISA),
    .neg = K(k_neg), .abs = K(k_abs), .sqrt = K(k_sqrt),
    .log = KP(blawk_vlog), .exp = KP(blawk_vexp),
    .add = K(k_add), .sub = K(k_sub), .mul = K(k_mul), .div = K(k_div),
    .add_s = K(k_add_s), .sub_s = K(k_sub_s), .rsub_s = K(k_rsub_s),
    .mul_s = K(k_mul_s), .div_s = K(k_div_s), .rdiv_s = K(k_rdiv_s),
    .subdiv_s = K(k_subdiv_s), .muladd_s = K(k_muladd_s),
    .diff1 = K(k_diff1), .ratio1 = K(k_ratio1),
    .dlog1 = KP(blawk_vdlog1),
    .floor = K(k_floor), .ceil = K(k_ceil), .sign = KP(blawk_k_sign), .log1p = KP(blawk_vlog1p),
    .expm1 = KP(blawk_vexpm1), .log10 = KP(blawk_vlog10), .log2 = KP(blawk_vlog2),
    .pow = KP(blawk_vpow), .mod = blawk_k_mod, .min2 = KP(blawk_k_min2), .max2 = KP(blawk_k_max2),
    .pow_s = KP(blawk_vpow_s), .rpow_s = KP(blawk_vrpow_s), .mod_s = blawk_k_mod_s,
    .rmod_s = blawk_k_rmod_s, .min_s = KP(blawk_k_min_s), .max_s = KP(blawk_k_max_s),
    .round_s = KP(blawk_k_round_s),
    .stream_fence = K(k_stream_fence),
    .logic = &KP(blawk_logic),
};
