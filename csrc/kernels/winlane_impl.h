/*
 * winlane_impl.h -- body of the rolling moments' chains in lanes
 * (blawk_winmom_lanes_*, contract in winmom.h), included by winmom_avx2.c and
 * winmom_avx512.c after they define, for their vectors of LN doubles:
 *
 *   LV               the vector type
 *   LM               a lane mask (per-lane booleans)
 *   LADD/LSUB/LMUL/LDIV, LSQRT  lane-wise IEEE +, -, *, /, sqrt (correctly
 *                    rounded in every lane)
 *   LSET1(s), LLOAD(p), LSTORE(p, v)
 *   LSHIFTIN(s, v)   [s, v[0], .., v[LN-2]]
 *   LEQ(a, b), LLT(a, b), LLE(a, b)  a == b, a < b, a <= b per lane (ordered:
 *                    false with a NaN); LUNORD(a, b): a or b is a NaN
 *   LABS(v)          |v| (the sign bit cleared)
 *   LFINITE(v)       the lanes where v is finite (|v| <= DBL_MAX)
 *   LMASKZ_ADD(m, a, b)  a + b where m, else +0.0
 *   LOR(m, n)        mask or
 *   LFMSUB(a, b, c)  a*b - c in one rounding (fused)
 *   LSEL(m, y, n)    y where m, else n
 *   LAND(m, n), LALL, LBITS(m), LFROMBITS(b)  mask and, all-true, the lanes as
 *                    bits and back
 *
 * Each lane does exactly the scalar operations of window.c's mom_fast_span
 * (terms: winmom_impl.h's terms; the TwoSum step: FAST_STEP) in the same
 * order, so every lane gives the bits of the scalar chain; the windows are
 * then evaluated in the lanes with the operations of winmom_impl.h's eval
 * loops (JOIN, centred_m2, the division, the square root, CANON).
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "blawk.h"
#include "kernels/window.h"
#include "kernels/winmom.h"

/* d = v - a and, for k2, p = d*d and its rounding error q (winmom_impl.h's terms) */
#define LTERMS(d, p, q, v, a)                                                         \
    do {                                                                              \
        d = LSUB(v, a);                                                               \
        p = LMUL(d, d);                                                               \
        const LV c_ = LMUL(c27, d);                                                   \
        const LV dh_ = LSUB(c_, LSUB(c_, d));                                         \
        const LV dl_ = LSUB(d, dh_);                                                  \
        q = LADD(LADD(LSUB(LMUL(dh_, dh_), p), LMUL(LMUL(two, dh_), dl_)), LMUL(dl_, dl_)); \
    } while (0)

/* the same for values where Dekker's error is exact (BLAWK_WINMOM_SQSAFE,
 * winmom.h): q = d*d - p in one rounding, the same bits */
#define LTERMS_FMA(d, p, q, v, a)                                                     \
    do {                                                                              \
        d = LSUB(v, a);                                                               \
        p = LMUL(d, d);                                                               \
        q = LFMSUB(d, d, p);                                                          \
    } while (0)

/* (h, l) += t, Knuth's TwoSum (window.c's FAST_STEP) */
#define LSTEP(h, l, t)                                                                \
    do {                                                                              \
        const LV t__ = (t);                                                           \
        const LV s__ = LADD(h, t__);                                                  \
        const LV b__ = LSUB(s__, h);                                                  \
        const LV e__ = LADD(LSUB(h, LSUB(s__, b__)), LSUB(t__, b__));                 \
        h = s__;                                                                      \
        l = LADD(l, e__);                                                             \
    } while (0)

/* winmom_impl.h's JOIN: the double-double (hi, lo) from the suffix pair (sh, sl)
 * and the prefix pair (ph, pl); a non-finite hi gets lo = 0 (+0.0); fin_: the
 * lanes where hi is finite */
#define LJOIN(hi, lo, fin_, sh_, sl_, ph_, pl_)                                       \
    do {                                                                              \
        const LV sh__ = (sh_), ph__ = (ph_);                                          \
        hi = LADD(sh__, ph__);                                                        \
        const LV bp__ = LSUB(hi, sh__);                                               \
        const LV e__ = LADD(LSUB(sh__, LSUB(hi, bp__)), LSUB(ph__, bp__));            \
        fin_ = LFINITE(hi);                                                           \
        lo = LMASKZ_ADD(fin_, e__, LADD((sl_), (pl_)));                               \
    } while (0)

/* the canonical quiet NaN for any NaN (winmom_impl.h's CANON) */
#define LCANON(v) LSEL(LUNORD(v, v), qnan, v)

static inline __attribute__((always_inline)) void lanes_body(const blawk_winmom_lanes_args *A,
                                                             const int kind, const int sqsafe)
{
    const size_t w = A->w, nl = A->nl, rows = A->rows;
    const size_t ilast = rows - (nl - 1) * w - 1; /* the last lane's last slot */
    const int k2 = kind != BLAWK_WIN_SUM && kind != BLAWK_WIN_MEAN;
    const double *x = A->x, *x0 = A->x0, *prev = A->prev;
    const size_t s0 = A->s0;
    double *sh0 = A->sh0, *sl0 = A->sl0, *sh1 = A->sh1, *sl1 = A->sl1;
    double *xt = A->xt, *out = A->out;
    const double *xz = A->xz ? A->xz : A->xt;
    const LV c27 = LSET1(134217729.0), two = LSET1(2.0), zero = LSET1(0.0);
    const LV qnan = LSET1((double)NAN);
    const LV n = LSET1(A->n), inv_n = LSET1(A->inv_n), nd = LSET1(A->nd);
    const LV c42 = LSET1(4398046511105.0); /* 2^42 + 1 */
    uint8_t es[BLAWK_BLOCK + 1]; /* w <= BLAWK_BLOCK / 2 */

    /* the rows of slot i of each lane's segment: one tile row, LN slots at a
     * time by a register transpose (8-lane gathers measured no faster on
     * Zen 5, docs/windows.md) */
    for (size_t i0 = 0; i0 < w; i0 += LN) {
        const size_t k = w - i0 < LN ? w - i0 : LN;
        LV r[LN];
        for (size_t l = 0; l < LN; l++) {
            /* the rows of lane l's slots i0 .. i0+k-1 that the group has */
            const size_t r0 = l * w + i0;
            const size_t kl = r0 >= rows ? 0 : rows - r0 < k ? rows - r0 : k;
            const double *src = l ? x + (r0 - s0) : x0 + i0;
            r[l] = kl == LN ? LLOAD(src) : kl ? LMASKLOAD(src, kl) : zero;
        }
        LTRANSPOSE(r);
        for (size_t j = 0; j < LN; j++) /* (a loop to k would become a memcpy through the stack) */
            if (j < k)
                LSTORE(xt + (i0 + j) * LN, r[j]);
    }

    /* lane 0's anchor is the state's (its segment may have begun before) */
    const LM lane0 = LFROMBITS(1u);
    const LV a = LSEL(lane0, LSET1(A->a0), A->anchored ? LLOAD(xt) : zero);

    /* The suffix chain first, backward (slots w-1 .. 1 of the previous
     * segment): the suffix of slot j is what the window ending at slot j-1
     * needs; slot w-1's window needs none (0).  es[j] = the lanes whose
     * previous segment's slots j..w-1 and own slot 0 are equal. */
    LV g0 = zero, m0 = zero, g1 = zero, m1 = zero;
    LSTORE(sh0 + (w - 1) * LN, zero);
    LSTORE(sl0 + (w - 1) * LN, zero);
    if (k2) {
        LSTORE(sh1 + (w - 1) * LN, zero);
        LSTORE(sl1 + (w - 1) * LN, zero);
    }
    LM se = LALL;
    LV xnext_s = LLOAD(xt); /* the row after (slot 0 of the lane) */
    es[w] = (uint8_t)LBITS(LALL);
    const uintptr_t pf = A->pf;
    const size_t npf = A->npf;
    for (size_t j = w - 1; j >= 1; j--) {
        if (w - 1 - j < npf) /* (a hint: never faults) */
            __builtin_prefetch((const void *)(pf + 64 * (w - 1 - j)), 0, 3);
        const LV xs = LSHIFTIN(prev[j], LLOAD(xt + j * LN));
        LV d, p, q;
        if (k2) {
            if (sqsafe)
                LTERMS_FMA(d, p, q, xs, a);
            else
                LTERMS(d, p, q, xs, a);
            LSTEP(g0, m0, d);
            LSTEP(g1, m1, p);
            m1 = LADD(m1, q);
            LSTORE(sh1 + (j - 1) * LN, g1);
            LSTORE(sl1 + (j - 1) * LN, m1);
        } else {
            d = LSUB(xs, a);
            LSTEP(g0, m0, d);
        }
        LSTORE(sh0 + (j - 1) * LN, g0);
        LSTORE(sl0 + (j - 1) * LN, m0);
        se = LAND(se, LEQ(xs, xnext_s));
        xnext_s = xs;
        es[j] = (uint8_t)LBITS(se);
    }
    if (s0) { /* lane 0 mid-segment: the suffix sums the state holds (the ring's
                 slots below s0 no longer hold the segment before; those above do,
                 so es stays right) */
        const size_t K = (size_t)A->K;
        const double *const suf = A->suf, *const sufl = A->sufl;
        for (size_t i = s0; i + 1 < w; i++) {
            sh0[i * LN] = suf[(i + 1) * K];
            sl0[i * LN] = sufl[(i + 1) * K];
        }
        if (k2)
            for (size_t i = s0; i + 1 < w; i++) {
                sh1[i * LN] = suf[(i + 1) * K + 1];
                sl1[i * LN] = sufl[(i + 1) * K + 1];
            }
    }

    /* Then the prefix chain forward, each window evaluated as soon as its
     * prefix is known.  The window ending at slot i is constant when slots
     * 0..i of its segment are equal (pe) and the previous segment's slots
     * i+1..w-1 and its own slot 0 are (es[i+1]). */
    LV h0 = zero, l0 = zero, h1 = zero, l1 = zero;
    LM pe = LALL;
    LV xprev_p = LLOAD(xt); /* the row before */
    size_t i = 0;
    for (int part = 0; part < 2; part++) {
      /* part 0 to the last lane's last slot, then the state's prefix sums;
       * part 1 the slots of the other lanes after it */
      for (const size_t iend = part ? w : ilast + 1; i < iend; i++) {
        if (i == s0 && s0) { /* lane 0 goes on from the state's prefix sums */
            h0 = LSEL(lane0, LSET1(A->seed[0]), h0);
            l0 = LSEL(lane0, LSET1(A->seed[1]), l0);
            h1 = LSEL(lane0, LSET1(A->seed[2]), h1);
            l1 = LSEL(lane0, LSET1(A->seed[3]), l1);
        }
        const LV xp = LLOAD(xt + i * LN);
        LV d, p, q;
        if (k2) {
            if (sqsafe)
                LTERMS_FMA(d, p, q, xp, a);
            else
                LTERMS(d, p, q, xp, a);
            LSTEP(h0, l0, d);
            LSTEP(h1, l1, p);
            l1 = LADD(l1, q);
        } else {
            d = LSUB(xp, a);
            LSTEP(h0, l0, d);
        }
        pe = LAND(pe, LEQ(xp, xprev_p));
        xprev_p = xp;
        const LM cst = LAND(pe, LFROMBITS(es[i + 1]));
        LV S1, S1l;
        LM fin1;
        LJOIN(S1, S1l, fin1, LLOAD(sh0 + i * LN), LLOAD(sl0 + i * LN), h0, l0);
        (void)fin1;
        LV res;
        if (kind == BLAWK_WIN_SUM) {
            res = LADD(S1, S1l);
        } else if (kind == BLAWK_WIN_MEAN) {
            res = LSEL(cst, xp, LDIV(LADD(S1, S1l), n));
        } else {
            LV S2, S2l;
            LM fin; /* S2 is finite (not centred_m2's big) */
            LJOIN(S2, S2l, fin, LLOAD(sh1 + i * LN), LLOAD(sl1 + i * LN), h1, l1);
            /* centred_m2 */
            const LV qq = LMUL(S1, inv_n);
            const LV c = LMUL(c42, qq);
            const LV mm = LSUB(c, LSUB(c, qq));
            const LV r = LSUB(S1, LMUL(n, mm));
            const LV cr = LMUL(c27, r);
            const LV r1 = LSUB(cr, LSUB(cr, r));
            const LV r2 = LSUB(r, r1);
            const LV rr = LADD(r, S1l);
            const LV m2 = LMUL(two, mm);
            const LV t = LSUB(LSUB(LSUB(S2, LMUL(n, LMUL(mm, mm))), LMUL(m2, r1)), LMUL(m2, r2));
            const LV exact =
                LADD(t, LSUB(LSUB(S2l, LMUL(m2, S1l)), LMUL(LMUL(rr, rr), inv_n)));
            LV M2 = LSEL(fin, exact, LSUB(S2, LMUL(S1, qq)));
            /* 0 for a constant window, and for a negative M2 (one select: a
             * constant window's M2 is 0 either way) */
            M2 = LSEL(LOR(cst, LLT(M2, zero)), zero, M2);
            if (kind == BLAWK_WIN_VAR) {
                res = LDIV(M2, nd);
            } else if (kind == BLAWK_WIN_STD) {
                res = LSQRT(LDIV(M2, nd));
            } else {
                const LV mu = LSEL(fin, LADD(mm, LMUL(rr, inv_n)), qq);
                const LV sd = LSQRT(LDIV(M2, nd));
                const LV xr = LLOAD(xz + i * LN);
                const LV dev = LSEL(cst, LSUB(xr, xp), LSUB(LSUB(xr, a), mu));
                res = LDIV(dev, sd);
            }
        }
        LSTORE(out + i * LN, LCANON(res));
      }
      if (!part) { /* the state: the prefix sums through the group's last row */
          LSTORE(A->last, h0);
          LSTORE(A->last + LN, l0);
          LSTORE(A->last + 2 * LN, h1);
          LSTORE(A->last + 3 * LN, l1);
      }
    }

    /* the results to their rows (transposed back), those before row ndst;
     * a mid-segment lane 0's from its slot s0 on, one by one */
    const size_t ndst = A->ndst;
    double *const dst = A->dst;
    if (s0)
        for (size_t i = s0; i < w && i - s0 < ndst; i++)
            dst[i - s0] = out[i * LN];
    const size_t lfirst = s0 ? 1 : 0;
    for (size_t i0 = 0; i0 < w && ndst; i0 += LN) {
        const size_t k = w - i0 < LN ? w - i0 : LN;
        LV r[LN];
        for (size_t j = 0; j < LN; j++)
            r[j] = j < k ? LLOAD(out + (i0 + j) * LN) : zero;
        LTRANSPOSE(r);
        /* unrolled, so that r stays in registers */
#pragma GCC unroll 8
        for (size_t l = 0; l < LN; l++) {
            if (l < lfirst || l >= nl)
                continue;
            const size_t row = l * w + i0 - s0;
            if (row >= ndst)
                continue;
            const size_t kk = ndst - row < k ? ndst - row : k;
            if (kk == LN)
                LSTORE(dst + row, r[l]);
            else
                LMASKSTORE(dst + row, r[l], kk);
        }
    }

}

void LANES_NAME(const blawk_winmom_lanes_args *A)
{
    /* sum and mean square nothing */
    const int sq = A->sqsafe != 0;
    switch (A->kind) {
    case BLAWK_WIN_SUM: lanes_body(A, BLAWK_WIN_SUM, 0); break;
    case BLAWK_WIN_MEAN: lanes_body(A, BLAWK_WIN_MEAN, 0); break;
    case BLAWK_WIN_VAR:
        if (sq)
            lanes_body(A, BLAWK_WIN_VAR, 1);
        else
            lanes_body(A, BLAWK_WIN_VAR, 0);
        break;
    case BLAWK_WIN_STD:
        if (sq)
            lanes_body(A, BLAWK_WIN_STD, 1);
        else
            lanes_body(A, BLAWK_WIN_STD, 0);
        break;
    default:
        if (sq)
            lanes_body(A, BLAWK_WIN_ZSCORE, 1);
        else
            lanes_body(A, BLAWK_WIN_ZSCORE, 0);
        break;
    }
}
