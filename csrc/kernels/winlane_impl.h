/*
 * winlane_impl.h -- body of the rolling moments' chains in lanes
 * (blawk_winmom_lanes_*, contract in winmom.h), included by winmom_avx2.c and
 * winmom_avx512.c after they define, for their vectors of LN doubles:
 *
 *   LV               the vector type
 *   LM               a lane mask (per-lane booleans)
 *   LADD/LSUB/LMUL   lane-wise IEEE +, -, * (correctly rounded in every lane)
 *   LSET1(s), LLOAD(p), LSTORE(p, v)
 *   LSHIFTIN(s, v)   [s, v[0], .., v[LN-2]]
 *   LEQ(a, b)        a == b per lane (ordered: false with a NaN)
 *   LAND(m, n), LALL, LBITS(m)  mask and, all-true, the lanes as bits
 *   LSTOREBITS(p, b) p[l] = bit l of b, as uint64_t 0 or 1
 *
 * Each lane does exactly the scalar operations of window.c's mom_fast_span
 * (terms: winmom_impl.h's terms; the TwoSum step: FAST_STEP) in the same
 * order, so every lane gives the bits of the scalar chain.
 */
#include <stddef.h>
#include <stdint.h>

#include "blawk.h"
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

void LANES_NAME(const blawk_winmom_lanes_args *A)
{
    const size_t w = A->w, nl = A->nl;
    const int k2 = A->k2;
    const double *x = A->x, *prev = A->prev;
    double *ph0 = A->ph0, *pl0 = A->pl0, *ph1 = A->ph1, *pl1 = A->pl1;
    double *sh0 = A->sh0, *sl0 = A->sl0, *sh1 = A->sh1, *sl1 = A->sl1;
    double *xt = A->xt;
    const LV c27 = LSET1(134217729.0), two = LSET1(2.0), zero = LSET1(0.0);
    uint8_t ep[BLAWK_BLOCK], es[BLAWK_BLOCK + 1]; /* w <= BLAWK_BLOCK / 2 */

    /* the rows of slot i of each lane's segment: one tile row (a copy: 8-lane
     * gathers measured no faster on Zen 5, docs/windows.md) */
    for (size_t l = 0; l < LN; l++) {
        if (l < nl) {
            for (size_t i = 0; i < w; i++)
                xt[i * LN + l] = x[l * w + i];
        } else {
            for (size_t i = 0; i < w; i++)
                xt[i * LN + l] = 0.0;
        }
    }

    const LV a = A->anchored ? LLOAD(xt) : zero;
    double *anchor = A->anchor;
    for (size_t i = 0; i < w; i++)
        LSTORE(anchor + i * LN, a);

    /* The two chains side by side: prefix slot i forward, suffix slot
     * j = w-1-i backward (slots w-1 .. 1).  The suffix of slot j is what the
     * window ending at slot j-1 needs; slot w-1's window needs none (0). */
    LV h0 = zero, l0 = zero, h1 = zero, l1 = zero;
    LV g0 = zero, m0 = zero, g1 = zero, m1 = zero;
    LSTORE(sh0 + (w - 1) * LN, zero);
    LSTORE(sl0 + (w - 1) * LN, zero);
    LSTORE(sh1 + (w - 1) * LN, zero);
    LSTORE(sl1 + (w - 1) * LN, zero);
    /* equal runs: ep[i] = the lanes whose rows 0..i are equal, es[j] = the
     * lanes whose previous segment's slots j..w-1 and own slot 0 are equal */
    LM pe = LALL, se = LALL;
    LV xprev_p = LLOAD(xt);            /* prefix: the row before */
    LV xnext_s = xprev_p;              /* suffix: the row after (slot 0 of the lane) */
    es[w] = (uint8_t)LBITS(LALL);
    for (size_t i = 0; i < w; i++) {
        const size_t j = w - 1 - i;
        const LV xp = LLOAD(xt + i * LN);
        LV d, p, q;
        LTERMS(d, p, q, xp, a);
        LSTEP(h0, l0, d);
        if (k2) {
            LSTEP(h1, l1, p);
            l1 = LADD(l1, q);
        }
        LSTORE(ph0 + i * LN, h0);
        LSTORE(pl0 + i * LN, l0);
        LSTORE(ph1 + i * LN, h1);
        LSTORE(pl1 + i * LN, l1);
        pe = LAND(pe, LEQ(xp, xprev_p));
        xprev_p = xp;
        ep[i] = (uint8_t)LBITS(pe);
        if (j >= 1) {
            const LV xs = LSHIFTIN(prev[j], LLOAD(xt + j * LN));
            LTERMS(d, p, q, xs, a);
            LSTEP(g0, m0, d);
            if (k2) {
                LSTEP(g1, m1, p);
                m1 = LADD(m1, q);
            }
            LSTORE(sh0 + (j - 1) * LN, g0);
            LSTORE(sl0 + (j - 1) * LN, m0);
            LSTORE(sh1 + (j - 1) * LN, g1);
            LSTORE(sl1 + (j - 1) * LN, m1);
            se = LAND(se, LEQ(xs, xnext_s));
            xnext_s = xs;
            es[j] = (uint8_t)LBITS(se);
        }
    }
    /* the window ending at slot i: slots i+1 .. w-1 of the previous segment
     * and 0 .. i of its own, all equal */
    uint64_t *cst = A->cst;
    for (size_t i = 0; i < w; i++)
        LSTOREBITS(cst + i * LN, (unsigned)(ep[i] & es[i + 1]));
}
