/*
 * window.c -- rolling-window kernels with state carried across blocks.
 *
 * The contract is kernels/window.h; docs/windows.md has the algorithms, the
 * error analysis and the measured speed.  In short:
 *
 *   sum, mean, var, std, zscore, skew, kurt
 *       Segmented prefix/suffix sums (no running subtraction at all).  Rows
 *       are cut into segments of `window` rows, aligned on row 0.  The window
 *       ending at row i (in segment k) is a suffix of segment k-1 plus a
 *       prefix of segment k.  Prefix sums of segment k are accumulated as its
 *       rows arrive; when segment k starts, one backward pass over the ring
 *       (which then holds exactly segment k-1) writes the suffix sums.  Every
 *       window's sums are therefore sums of exactly its own values, built
 *       fresh: rounding error never accumulates across windows, a NaN or inf
 *       reaches exactly the windows that contain it, and nothing is ever
 *       subtracted out.  O(1) amortised per row (the backward pass costs one
 *       row's work per row), whatever the window length.
 *       Accuracy: the moments are of d = x - a, where the anchor a is the
 *       first row of the current segment (a value inside every window that
 *       uses it), which removes the offset before anything is squared
 *       (1e9 + {1, 2, 3} gives d in {-2..2}, exactly).  Prefix and suffix sums
 *       are compensated (TwoSum), so a window's sums are within about one
 *       rounding of the exact sums of its terms.
 *       A window whose valid values are all equal (tracked exactly, O(1) per
 *       row) has mean equal to that value and variance exactly 0.
 *   min, max
 *       The same segments, with suffix/prefix extremes (van Herk / Gil-Werman):
 *       O(1) per row in the worst case, no data-dependent branches.  NaNs are
 *       counted beside them (a window with a NaN gives NaN).
 *   median
 *       Two indexed heaps (window_median.c): O(log w) per row.
 *   count
 *       The number of valid values in the window.
 *
 * Observation mode (obs): the valid rows of each piece are compacted into a
 * scratch buffer, run through the kernels above as an all-valid stream, and
 * the results are scattered back (null rows get null), so the state only
 * ever sees observations.
 *
 * All of them are ISA-independent: each row's result depends on the state
 * the previous rows left, so the sequential chains (prefix and suffix sums,
 * extremes, heaps) are one portable implementation, and every ISA gives the
 * same bits (as does every way of splitting the column into pieces: the
 * segment boundaries are fixed by the row number).  The per-row work around
 * the moment chains (the terms d, d^2 and its rounding error, and the
 * evaluation of each window) is vectorised per ISA in kernels/winmom_*.c
 * (mom_fast), with the same IEEE operations in the same order; so are the
 * chains of groups of segments, each segment in a lane of one vector, with
 * their windows evaluated in the lanes (mom_fast_lanes, kernels/winlane_impl.h).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blawk.h"
#include "kernels/window.h"
#include "kernels/winmom.h"

#if defined(__GNUC__)
#define WIN_INLINE static inline __attribute__((always_inline))
#else
#define WIN_INLINE static inline
#endif

/* Constants that depend only on the window's count n, recomputed only when
 * n changes (it rarely does): the same bits as computing them afresh, without
 * divisions and square roots on every row. */
typedef struct ncache {
    double n;     /* the count they are for (0: none yet) */
    double inv_n; /* 1 / n */
    double skew;  /* n sqrt(n-1) / (n-2) */
    double k1;    /* (n-1) / ((n-2)(n-3)) */
    double k2;    /* n (n+1) */
    double k3;    /* 3 (n-1) */
} ncache;

/* The moments' fast path works on at most MOM_FAST_ROWS rows at a time and
 * computes the chains' terms MOM_FAST_TERMS positions at a time. */
#define MOM_FAST_ROWS BLAWK_BLOCK
/* A lane group's tiles: lanes x w positions (8 lanes of windows up to 256) */
#define MOM_LANE_TILE (2 * MOM_FAST_ROWS)
/* each tile padded by 1 KB: tiles 16 KB apart made windows of 20 ~10 % slower
 * (measured; the same positions of every tile in the same L1 sets) */
#define MOM_LANE_PAD (MOM_LANE_TILE + 128)
#define MOM_FAST_TERMS 256

struct mom_fast_scratch {
    /* per row of the piece, for the window ending there: */
    double ph0[MOM_FAST_ROWS], pl0[MOM_FAST_ROWS]; /* prefix sums of d */
    double ph1[MOM_FAST_ROWS], pl1[MOM_FAST_ROWS]; /* of d^2 */
    double sh0[MOM_FAST_ROWS], sl0[MOM_FAST_ROWS]; /* the suffix sums its window needs */
    double sh1[MOM_FAST_ROWS], sl1[MOM_FAST_ROWS]; /* (of d, of d^2) */
    double anchor[MOM_FAST_ROWS];                  /* its window's anchor */
    uint64_t cst[MOM_FAST_ROWS];                   /* its window is constant (0, 1) */
    double pd[MOM_FAST_TERMS], pd2[MOM_FAST_TERMS], pq[MOM_FAST_TERMS]; /* prefix terms */
    double sd[MOM_FAST_TERMS], sd2[MOM_FAST_TERMS], sq[MOM_FAST_TERMS]; /* suffix terms */
    /* a group of segments in lanes (mom_fast_lanes): the same per window, as
     * tiles (position i*lanes + l: slot i of the group's segment l) */
    struct {
        double sh0[MOM_LANE_PAD], sl0[MOM_LANE_PAD], sh1[MOM_LANE_PAD], sl1[MOM_LANE_PAD];
        double x[MOM_LANE_PAD];   /* the row's value */
        double xz[MOM_LANE_PAD];  /* zscore with past_only: the next row's */
        double out[MOM_LANE_PAD]; /* the window's result */
        double x0[MOM_FAST_ROWS / 2]; /* a mid-segment lane 0's segment (w <= 512) */
    } t;
};

struct blawk_win_state {
    int kind;
    int past_only;
    int ddof;
    int nmom;          /* moment sums kept: 1 (sum, mean), 2, 3 (skew), 4 (kurt) */
    int64_t w;
    int64_t need;      /* valid values a window needs for a non-null result */
    int64_t t;         /* the next row's number in the column (first_row + rows seen) */
    int64_t slot;      /* t mod w: the ring slot of the next row */
    double *buf;       /* ring of the last w values: row j at slot j mod w */
    uint8_t *vb;       /* their validity */
    int64_t cnt;       /* valid values in the window ending at row t-1 */
    int64_t nan_cnt;   /* NaNs among them (min, max, median) */

    /* moments */
    double anchor;     /* a: the moments are of d = x - a */
    int seg_anchored;  /* the anchor is a value of the current segment */
    double ph[4], pl[4]; /* prefix sums of d^k over the current segment (hi, lo) */
    double *suf, *sufl; /* (w+1) x nmom: the sum of d^(k+1) over the previous
                          segment's slots j..w-1 is suf[j*nmom+k] + sufl[j*nmom+k]
                          (hi, lo; kept apart so the compiler does not pack them
                          into one vector, which would lengthen the add chain);
                          row w stays 0 (the empty suffix) */
    int64_t last_row;  /* row of the last valid value (INT64_MIN: none yet) */
    ncache nc;         /* constants for the last count seen */
    int64_t brk;       /* row of the valid value before the run of equal values
                          that ends at last_row (INT64_MIN: none) */
    double lastv;      /* the last valid value */
    int64_t seen;      /* rows pushed into this state */
    int64_t suf_lo;    /* suffix sums exist for slots suf_lo .. w (slots below
                          held rows this state never saw: they count as null) */
    double seg_fin;    /* the current segment's last finite valid value */
    int have_seg_fin;
    double prev_fin;   /* the previous segment's (anchor fallback) */
    int have_prev_fin;

    /* min / max use suf (the suffix extremes, w + 1) and ph[0] (the prefix
       extreme), suf_lo and seen like the moments */

    /* moments' fast path (sum .. zscore): scratch, see mom_fast */
    struct mom_fast_scratch *fs;

    /* median */
    blawk_win_medheap med;
    int have_med;

    /* observation mode: scratch for one BLAWK_BLOCK of compacted rows */
    int obs;
    double *obs_x;     /* the piece's valid values, in order */
    double *obs_out;   /* their results */
    uint64_t *obs_ok;  /* and validity */
};

/* ------------------------------------------------------------- lifecycle */

static int kind_moments(int kind)
{
    switch (kind) {
    case BLAWK_WIN_SUM:
    case BLAWK_WIN_MEAN: return 1;
    case BLAWK_WIN_VAR:
    case BLAWK_WIN_STD:
    case BLAWK_WIN_ZSCORE: return 2;
    case BLAWK_WIN_SKEW: return 3;
    case BLAWK_WIN_KURT: return 4;
    default: return 0;
    }
}

static void *zalloc(int64_t count, size_t size)
{
    if (count < 1)
        count = 1;
    if ((uint64_t)count > SIZE_MAX / size)
        return NULL;
    /* calloc, not blawk_alloc: a window longer than the column must not cost
     * its full length in touched memory; pages are touched as rows arrive */
    return calloc((size_t)count, size);
}

blawk_status blawk_win_new(const blawk_win_params *p, blawk_win_state **out)
{
    if (out)
        *out = NULL;
    if (!p || !out)
        return BLAWK_ERR_ARG;
    if (p->kind < 0 || p->kind >= BLAWK_WIN_KIND_COUNT_ || p->window < 1 ||
        p->window > BLAWK_WIN_MAX_WINDOW || p->min_periods < 1 || p->ddof < 0 ||
        p->first_row < 0)
        return BLAWK_ERR_ARG;

    blawk_win_state *s = calloc(1, sizeof *s);
    if (!s)
        return BLAWK_ERR_NOMEM;
    s->kind = p->kind;
    s->past_only = p->past_only != 0;
    s->ddof = p->ddof;
    s->w = p->window;
    s->nmom = kind_moments(p->kind);
    /* sum and mean need no anchor (see mom_block) */
    s->seg_anchored = p->kind == BLAWK_WIN_SUM || p->kind == BLAWK_WIN_MEAN;
    s->t = p->first_row;
    s->slot = p->first_row % p->window;
    s->suf_lo = p->window;
    s->last_row = INT64_MIN;
    s->brk = INT64_MIN;
    s->lastv = NAN;

    int64_t need = p->min_periods;
    int64_t floor = 1;
    if (s->kind == BLAWK_WIN_VAR || s->kind == BLAWK_WIN_STD || s->kind == BLAWK_WIN_ZSCORE)
        floor = (int64_t)s->ddof + 1;
    else if (s->kind == BLAWK_WIN_SKEW)
        floor = 3;
    else if (s->kind == BLAWK_WIN_KURT)
        floor = 4;
    s->need = need > floor ? need : floor;

    int ok = 1;
    s->buf = zalloc(s->w, sizeof(double));
    s->vb = zalloc(s->w, 1);
    ok = s->buf && s->vb;
    if (ok && s->nmom)
        ok = (s->suf = zalloc((s->w + 1) * s->nmom, sizeof(double))) != NULL &&
             (s->sufl = zalloc((s->w + 1) * s->nmom, sizeof(double))) != NULL;
    if (ok && (s->nmom == 1 || s->nmom == 2))
        ok = (s->fs = zalloc(1, sizeof *s->fs)) != NULL;
    if (ok && (s->kind == BLAWK_WIN_MIN || s->kind == BLAWK_WIN_MAX)) {
        /* suffix extremes; row w is the empty suffix */
        ok = (s->suf = zalloc(s->w + 1, sizeof(double))) != NULL;
        if (ok)
            s->suf[s->w] = s->ph[0] = s->kind == BLAWK_WIN_MAX ? -INFINITY : INFINITY;
    }
    if (ok && s->kind == BLAWK_WIN_MEDIAN) {
        ok = blawk_win_medheap_init(&s->med, s->w) == BLAWK_OK;
        s->have_med = ok;
    }
    s->obs = p->obs != 0;
    if (ok && s->obs)
        ok = (s->obs_x = zalloc(BLAWK_BLOCK, sizeof(double))) != NULL &&
             (s->obs_out = zalloc(BLAWK_BLOCK, sizeof(double))) != NULL &&
             (s->obs_ok = zalloc(BLAWK_BLOCK_WORDS, sizeof(uint64_t))) != NULL;
    if (!ok) {
        blawk_win_free(s);
        return BLAWK_ERR_NOMEM;
    }
    *out = s;
    return BLAWK_OK;
}

void blawk_win_free(blawk_win_state *s)
{
    if (!s)
        return;
    free(s->buf);
    free(s->vb);
    free(s->suf);
    free(s->sufl);
    free(s->fs);
    if (s->have_med)
        blawk_win_medheap_free(&s->med);
    free(s->obs_x);
    free(s->obs_out);
    free(s->obs_ok);
    free(s);
}

/* --------------------------------------------------------------- helpers */

WIN_INLINE int bit_at(const uint64_t *bm, size_t i)
{
    return bm ? (int)((bm[i >> 6] >> (i & 63)) & 1) : 1;
}

/* Output one result: value (0.0 under a null) and its validity bit.  A NaN
 * result is written as the canonical quiet NaN: IEEE leaves the payload of a
 * NaN computed from NaNs to the operand order, which the compiler may choose
 * differently in the feed and block paths, and the bits must not depend on
 * how the column was split. */
#define EMIT(i, val, okbit)                                                          \
    do {                                                                             \
        int ok_ = (okbit);                                                           \
        double v_ = (val);                                                           \
        out[i] = ok_ ? (v_ == v_ ? v_ : (double)NAN) : 0.0;                          \
        word |= (uint64_t)ok_ << ((i) & 63);                                         \
        if (((i) & 63) == 63) {                                                      \
            out_valid[(i) >> 6] = word;                                              \
            word = 0;                                                                \
        }                                                                            \
    } while (0)

#define FLUSH(n)                                                                     \
    do {                                                                             \
        if ((n) & 63)                                                                \
            out_valid[(n) >> 6] = word;                                              \
    } while (0)

/* hi + lo -> (hi, lo): error-free accumulation of t (Knuth's TwoSum). */
WIN_INLINE void two_acc(double *hi, double *lo, double t)
{
    double s = *hi + t;
    double bp = s - *hi;
    double e = (*hi - (s - bp)) + (t - bp);
    *hi = s;
    *lo += e;
}

/* The rounding error of p = d*d, exactly (Dekker's product on Veltkamp's
 * split: plain IEEE operations, so no FMA is needed and every machine gives
 * the same bits).  Garbage only where d*d overflows, and then the sum is
 * non-finite and its low part is ignored. */
WIN_INLINE double sq_err(double d, double p)
{
    double c = 134217729.0 * d; /* 2^27 + 1 */
    double dh = c - (c - d);
    double dl = d - dh;
    return ((dh * dh - p) + 2.0 * dh * dl) + dl * dl;
}

/* Accumulate d and d^2 (compensated; d^2's own rounding error goes into the
 * low part too), d^3 and d^4 (plain). */
WIN_INLINE void add_terms(double *h, double *l, double d, int K)
{
    two_acc(&h[0], &l[0], d);
    if (K >= 2) {
        double d2 = d * d;
        two_acc(&h[1], &l[1], d2);
        l[1] += sq_err(d, d2);
        /* skew and kurt cancel in plain double arithmetic (M3, M4 from the
         * raw sums), so their third and fourth power sums need no
         * compensation */
        if (K >= 3)
            h[2] += d2 * d;
        if (K >= 4)
            h[3] += d2 * d2;
    }
}

/* ------------------------------------------------------------ moments */

/* Write the suffix sums of the previous segment (which the ring holds in
 * slots lo_slot .. w-1) about anchor a. */
WIN_INLINE void suffix_pass(blawk_win_state *s, double a, int64_t lo_slot, int K)
{
    double h[4] = {0, 0, 0, 0}, l[4] = {0, 0, 0, 0};
    double *suf = s->suf, *sufl = s->sufl;
    const double *buf = s->buf;
    const uint8_t *vb = s->vb;
    for (int64_t j = s->w - 1; j >= lo_slot; j--) {
        if (vb[j])
            add_terms(h, l, buf[j] - a, K);
        for (int k = 0; k < K; k++) {
            suf[j * K + k] = h[k];
            sufl[j * K + k] = l[k];
        }
    }
}

/* Row t starts a segment (t mod w == 0).  The anchor is the segment's first
 * finite valid value, which lies in every window that ends in the segment at
 * or after it.  If row t is not one, the last finite value seen stands in
 * until one arrives (mom_push); it lies in every earlier window of the
 * segment that has a finite value at all. */
WIN_INLINE void seg_start(blawk_win_state *s, double v, int ok, int K, int anchored)
{
    s->prev_fin = s->seg_fin;
    s->have_prev_fin = s->have_seg_fin;
    s->have_seg_fin = 0;
    double a = 0.0;
    int own = !anchored;
    if (anchored) {
        if (ok && isfinite(v)) {
            a = v;
            own = 1;
        } else if (s->have_prev_fin) {
            a = s->prev_fin;
        }
    }
    int64_t prev_seen = s->seen < s->w ? s->seen : s->w;
    s->suf_lo = s->w - prev_seen;
    if (prev_seen > 0)
        suffix_pass(s, a, s->suf_lo, K);
    s->anchor = a;
    s->seg_anchored = own;
    for (int k = 0; k < 4; k++)
        s->ph[k] = s->pl[k] = 0.0;
}

WIN_INLINE void mom_push(blawk_win_state *s, double v, int ok, int K, int anchored, int runs)
{
    int64_t sl = s->slot;
    if (sl == 0)
        seg_start(s, v, ok, K, anchored);
    if (anchored && ok && !s->seg_anchored && isfinite(v)) {
        /* The segment's first finite value: re-anchor on it.  The prefix so
         * far holds only non-finite terms, which no anchor changes; the
         * suffix sums still needed (slots after this one) are redone.  At
         * most once per segment, so still O(1) amortised. */
        if (s->suf_lo < s->w)
            suffix_pass(s, v, sl + 1 > s->suf_lo ? sl + 1 : s->suf_lo, K);
        s->anchor = v;
        s->seg_anchored = 1;
    }
    s->cnt -= s->vb[sl];
    s->buf[sl] = v;
    s->vb[sl] = (uint8_t)ok;
    if (ok) {
        s->cnt++;
        add_terms(s->ph, s->pl, v - s->anchor, K);
        if (runs) {
            if (!(v == s->lastv))
                s->brk = s->last_row;
            s->last_row = s->t;
            s->lastv = v;
            if (isfinite(v)) {
                s->seg_fin = v;
                s->have_seg_fin = 1;
            }
        }
    }
    s->t++;
    s->seen++;
    s->slot = sl + 1 == s->w ? 0 : sl + 1;
}

/* One window's sum of d^(k+1): the suffix pair (sh, sl) plus the prefix pair
 * (ph, pl), as an unnormalised double-double hi + *lo. */
WIN_INLINE double dd_join(double sh, double sl, double ph, double pl, double *lo)
{
    double hi = sh + ph;
    if (!isfinite(hi)) {
        *lo = 0.0; /* a non-finite term (or overflow): hi alone is the answer */
        return hi;
    }
    double bp = hi - sh;
    double e = (sh - (hi - bp)) + (ph - bp);
    *lo = e + (sl + pl);
    return hi;
}

/* The centred second moment of the window (cnt = n values) from the shifted
 * sums S1 = sum d, S2 = sum d^2 (double-doubles S1 + S1l, S2 + S2l):
 *     M2 = S2 - S1^2 / n.
 * The cancellation is done exactly.  m is S1/n rounded to 11 bits, so n*m
 * (<= 31 + 11 bits) and n*m*m (<= 31 + 22 bits) are exact, and so is
 * r = S1 - n*m (Sterbenz).  With S1 = n m + r + S1l,
 *     M2 = (S2 - n m^2) - 2 m r - 2 m S1l - (r + S1l)^2 / n + S2l,
 * where 2 m r is split into two exact products (r cut into 26 + 27 bits),
 * each difference on the left is exact when it cancels heavily (Sterbenz),
 * and the remaining terms are small enough that their roundings do not show.
 * The anchor lies in the window, so (S1/n)^2 <= M2 and S1^2/n <= n M2: the
 * result is within a few roundings of M2 of the exact sums.
 * *mean_d gets S1/n (m + r/n). */
WIN_INLINE double centred_m2(double S1, double S1l, double S2, double S2l, double n,
                             double inv_n, double *mean_d)
{
    double q = S1 * inv_n;
    if (!(fabs(S2) <= DBL_MAX)) {
        /* some d^2 overflowed or was not finite (then so is the answer);
         * the splits below could overflow too */
        *mean_d = q;
        return S2 - S1 * q;
    }
    double c = 4398046511105.0 * q; /* 2^42 + 1: Veltkamp split, keep 11 bits */
    double m = c - (c - q);
    double r = S1 - n * m;
    double cr = 134217729.0 * r;    /* 2^27 + 1 */
    double r1 = cr - (cr - r);
    double r2 = r - r1;
    double rr = r + S1l;
    *mean_d = m + rr * inv_n;
    double m2 = 2.0 * m;
    double t = ((S2 - n * (m * m)) - m2 * r1) - m2 * r2;
    return t + ((S2l - m2 * S1l) - rr * rr * inv_n);
}

/* What one window's result needs. */
typedef struct mom_win {
    double h[4], l[4]; /* sums of d^(k+1) over the window: h[k] + l[k] */
    double n;          /* valid values (>= need) */
    int cst;           /* they are all equal to lastv (finite) */
    double lastv;
} mom_win;

WIN_INLINE const ncache *consts_for(ncache *c, double n, int kind)
{
    if (n != c->n) {
        c->n = n;
        c->inv_n = 1.0 / n;
        if (kind == BLAWK_WIN_SKEW)
            c->skew = n * sqrt(n - 1.0) / (n - 2.0);
        if (kind == BLAWK_WIN_KURT) {
            c->k1 = (n - 1.0) / ((n - 2.0) * (n - 3.0));
            c->k2 = n * (n + 1.0);
            c->k3 = 3.0 * (n - 1.0);
        }
    }
    return c;
}

/* The result of one window.  x: the current row's value (zscore). */
WIN_INLINE double mom_eval(const mom_win *q, int kind, int ddof, double anchor, double x,
                           ncache *cache)
{
    double n = q->n;
    if (kind == BLAWK_WIN_SUM)
        return q->h[0] + q->l[0];
    if (kind == BLAWK_WIN_MEAN)
        return q->cst ? q->lastv : (q->h[0] + q->l[0]) / n;
    const ncache *c = consts_for(cache, n, kind);
    double mu; /* mean of d */
    double M2 = centred_m2(q->h[0], q->l[0], q->h[1], q->l[1], n, c->inv_n, &mu);
    if (q->cst)
        M2 = 0.0;
    if (M2 < 0.0)
        M2 = 0.0;
    switch (kind) {
    case BLAWK_WIN_VAR: return M2 / (n - ddof);
    case BLAWK_WIN_STD: return sqrt(M2 / (n - ddof));
    case BLAWK_WIN_ZSCORE: {
        double sd = sqrt(M2 / (n - ddof));
        /* constant window: (x - c) / 0, as IEEE says (NaN for x == c) */
        double dev = q->cst ? x - q->lastv : (x - anchor) - mu;
        return dev / sd;
    }
    case BLAWK_WIN_SKEW: {
        double S3 = q->h[2] + q->l[2];
        double S2 = q->h[1] + q->l[1], S1 = q->h[0] + q->l[0];
        double M3 = q->cst ? 0.0 : S3 - mu * (3.0 * S2 - 2.0 * mu * S1);
        /* pandas' adjusted Fisher-Pearson: n sqrt(n-1) / (n-2) * M3 / M2^1.5;
         * zero spread gives 0/0 = NaN */
        return (M3 / (M2 * sqrt(M2))) * c->skew;
    }
    default: { /* KURT: (n-1)/((n-2)(n-3)) * (n(n+1) M4/M2^2 - 3(n-1)), pandas' form */
        double S4 = q->h[3] + q->l[3], S3 = q->h[2] + q->l[2];
        double S2 = q->h[1] + q->l[1], S1 = q->h[0] + q->l[0];
        double M4 = q->cst ? 0.0 : S4 - mu * (4.0 * S3 - mu * (6.0 * S2 - 3.0 * mu * S1));
        if (M4 < 0.0)
            M4 = 0.0;
        double ratio = M4 / (M2 * M2);
        return c->k1 * (c->k2 * ratio - c->k3);
    }
    }
}

/* The result for the window ending at row t-1 (cnt >= need), from the state. */
WIN_INLINE double mom_result(blawk_win_state *s, int kind, int K, double x)
{
    mom_win q;
    int64_t j = s->slot == 0 ? s->w : s->slot;
    if (j < s->suf_lo)
        j = s->suf_lo;
    for (int k = 0; k < K; k++)
        q.h[k] = dd_join(s->suf[K * j + k], s->sufl[K * j + k], s->ph[k], s->pl[k], &q.l[k]);
    q.n = (double)s->cnt;
    q.cst = s->brk < s->t - s->w && isfinite(s->lastv);
    q.lastv = s->lastv;
    return mom_eval(&q, kind, s->ddof, s->anchor, x, &s->nc);
}

/* Write row i's result and validity bit (word collects the bits of i's word). */
WIN_INLINE void put(double *out, uint64_t *out_valid, uint64_t *word, size_t i, double v, int ok)
{
    /* A NaN result is written as the canonical quiet NaN: IEEE leaves the
     * payload of a NaN computed from NaNs to the operand order, which the
     * compiler may pick differently in the two paths below, and the bits
     * must not depend on how the column was split. */
    out[i] = ok ? (v == v ? v : (double)NAN) : 0.0;
    *word |= (uint64_t)ok << (i & 63);
    if ((i & 63) == 63) {
        out_valid[i >> 6] = *word;
        *word = 0;
    }
}

#define MOM_CHUNK 256

/*
 * Rows i0 .. i0+m-1, all inside the current segment after its first row
 * (slot > 0, the anchor fixed), in two passes: a sequential one that pushes
 * the rows and records each row's prefix sums, count and constant flag, then
 * one that evaluates the windows, whose iterations are independent (so the
 * divisions and square roots of neighbouring rows overlap).  Outputs rows
 * i0 .. i0+m-1, or i0+1 .. i0+m-1 for past_only (each row gets the window
 * ending at the row before; the caller did row i0).
 */
WIN_INLINE void mom_chunk(blawk_win_state *s, double *out, uint64_t *out_valid, uint64_t *word,
                          const double *x, const uint64_t *xv, size_t i0, size_t m, int kind,
                          int K, int runs)
{
    double P[4][MOM_CHUNK], PL[4][MOM_CHUNK], C[MOM_CHUNK], LV[MOM_CHUNK];
    uint8_t CST[MOM_CHUNK];
    const int64_t slot0 = s->slot, t0 = s->t, w = s->w;
    const double a = s->anchor;
    double *buf = s->buf;
    uint8_t *vb = s->vb;

    for (size_t j = 0; j < m; j++) {
        size_t i = i0 + j;
        int64_t sl = slot0 + (int64_t)j;
        double v = x[i];
        int ok = bit_at(xv, i);
        s->cnt -= vb[sl];
        buf[sl] = v;
        vb[sl] = (uint8_t)ok;
        if (ok) {
            s->cnt++;
            add_terms(s->ph, s->pl, v - a, K);
            if (runs) {
                if (!(v == s->lastv))
                    s->brk = s->last_row;
                s->last_row = t0 + (int64_t)j;
                s->lastv = v;
                if (isfinite(v)) {
                    s->seg_fin = v;
                    s->have_seg_fin = 1;
                }
            }
        }
        for (int k = 0; k < K; k++) {
            P[k][j] = s->ph[k];
            PL[k][j] = s->pl[k];
        }
        C[j] = (double)s->cnt;
        if (runs) {
            CST[j] = s->brk < t0 + (int64_t)j + 1 - w && isfinite(s->lastv);
            LV[j] = s->lastv;
        }
    }
    s->t = t0 + (int64_t)m;
    s->seen += (int64_t)m;
    s->slot = slot0 + (int64_t)m == w ? 0 : slot0 + (int64_t)m;

    const int past = s->past_only, zs = kind == BLAWK_WIN_ZSCORE;
    const double need = (double)s->need;
    const double *suf = s->suf, *sufl = s->sufl;
    for (size_t j = 0; j + (size_t)past < m; j++) {
        size_t row = i0 + j + (size_t)past;
        double xr = x[row];
        double n = C[j];
        int vld = n >= need && (!zs || bit_at(xv, row));
        double r = 0.0;
        if (vld) {
            mom_win q;
            int64_t base = slot0 + (int64_t)j + 1;
            base = (base < s->suf_lo ? s->suf_lo : base) * K;
            for (int k = 0; k < K; k++)
                q.h[k] = dd_join(suf[base + k], sufl[base + k], P[k][j], PL[k][j], &q.l[k]);
            q.n = n;
            q.cst = runs ? CST[j] : 0;
            q.lastv = runs ? LV[j] : 0.0;
            r = mom_eval(&q, kind, s->ddof, a, xr, &s->nc);
        }
        put(out, out_valid, word, row, r, vld);
    }
}

WIN_INLINE void mom_rows(blawk_win_state *st, double *out, uint64_t *out_valid, const double *x,
                         const uint64_t *xv, size_t n, const int kind)
{
    /* Work on a local copy of the state: stores through out/buf cannot alias
     * it, so its fields can live in registers for the whole block. */
    blawk_win_state L = *st, *s = &L;
    const int K = kind_moments(kind);
    /* sum and mean need no anchor: their compensated sums are accurate to
     * about an ulp of the result whatever the offset */
    const int anchored = kind != BLAWK_WIN_SUM && kind != BLAWK_WIN_MEAN;
    const int runs = kind != BLAWK_WIN_SUM;
    const int zs = kind == BLAWK_WIN_ZSCORE;
    const int64_t need = s->need;
    uint64_t word = 0;
    if (!out) {
        for (size_t i = 0; i < n; i++)
            mom_push(s, x[i], bit_at(xv, i), K, anchored, runs);
        *st = L;
        return;
    }
    size_t i = 0;
    while (i < n) {
        if (s->slot == 0 || !s->seg_anchored) {
            /* a segment's first row, or rows before its anchor: one at a time */
            double v = x[i];
            int ok = bit_at(xv, i);
            if (s->past_only) {
                int vld = s->cnt >= need && (!zs || ok);
                put(out, out_valid, &word, i, vld ? mom_result(s, kind, K, v) : 0.0, vld);
                mom_push(s, v, ok, K, anchored, runs);
            } else {
                mom_push(s, v, ok, K, anchored, runs);
                int vld = s->cnt >= need && (!zs || ok);
                put(out, out_valid, &word, i, vld ? mom_result(s, kind, K, v) : 0.0, vld);
            }
            i++;
            continue;
        }
        size_t m = n - i;
        if ((int64_t)m > s->w - s->slot)
            m = (size_t)(s->w - s->slot);
        if (m > MOM_CHUNK)
            m = MOM_CHUNK;
        if (s->past_only) {
            int vld = s->cnt >= need && (!zs || bit_at(xv, i));
            put(out, out_valid, &word, i, vld ? mom_result(s, kind, K, x[i]) : 0.0, vld);
        }
        mom_chunk(s, out, out_valid, &word, x, xv, i, m, kind, K, runs);
        i += m;
    }
    if (n & 63)
        out_valid[n >> 6] = word;
    *st = L;
}

/*
 * The fast path (sum, mean, var, std, zscore): the same operations in the same
 * order as mom_rows, so the same bits, arranged so that only the running sums
 * stay sequential.  A piece of rows takes it when every row is valid and
 * finite, the state has seen at least a window of rows and its window is full
 * (so every window of the piece has w valid values, the anchor of a segment
 * is its first row and no suffix slot is missing).  It goes segment by
 * segment ("spans": the piece's rows of one segment):
 *   1. the terms of the span's rows (d, d^2 and d^2's rounding error) and, when
 *      the span starts a segment, those of the previous segment (in the ring)
 *      about the new anchor: vector loops, per ISA (kernels/winmom_*.c);
 *   2. one scalar loop runs the prefix chain of the span and the suffix chain
 *      of the previous segment side by side: two independent TwoSum chains
 *      that overlap in the pipeline, over precomputed terms;
 *   3. the equal-run tracking (constant windows), a separate integer loop;
 *   4. the windows' results: a vector loop per ISA (winmom_*.c).
 * Groups of 2 .. lanes segments (whole, but the first may be the rest of a
 * segment the state has begun and the piece's last one may stop early) do
 * 1-4 in the lanes of one vector instead
 * (mom_fast_lanes), each window evaluated as soon as its prefix is known.
 * The other pieces (nulls, NaN/inf, warm-up, anchors to fix) take mom_rows.
 */
WIN_INLINE blawk_winmom_terms_fn winmom_terms(void)
{
    switch (blawk_isa_active()) {
    case BLAWK_ISA_AVX512: return blawk_winmom_terms_avx512;
    case BLAWK_ISA_AVX2: return blawk_winmom_terms_avx2;
    default: return blawk_winmom_terms_scalar;
    }
}

WIN_INLINE blawk_winmom_eval_fn winmom_eval(void)
{
    switch (blawk_isa_active()) {
    case BLAWK_ISA_AVX512: return blawk_winmom_eval_avx512;
    case BLAWK_ISA_AVX2: return blawk_winmom_eval_avx2;
    default: return blawk_winmom_eval_scalar;
    }
}

WIN_INLINE int winmom_classify(const double *x, size_t n, int range)
{
    switch (blawk_isa_active()) {
    case BLAWK_ISA_AVX512: return blawk_winmom_classify_avx512(x, n, range);
    case BLAWK_ISA_AVX2: return blawk_winmom_classify_avx2(x, n, range);
    default: return blawk_winmom_classify_scalar(x, n, range);
    }
}

/* Can rows x[0..m) take the fast path?  0: no; else what winmom_classify
 * says of them (BLAWK_WINMOM_FINITE, perhaps | BLAWK_WINMOM_SQSAFE). */
static int mom_fast_ok(const blawk_win_state *s, const double *x, const uint64_t *xv, size_t m)
{
    if (m < 8 || !s->fs || s->seen < s->w || s->cnt != s->w)
        return 0;
    if (s->slot != 0 && (!s->seg_anchored || s->suf_lo > s->slot + 1))
        return 0;
    if (xv) {
        for (size_t k = 0; k < (m >> 6); k++)
            if (xv[k] != ~UINT64_C(0))
                return 0;
        if ((m & 63) && (xv[m >> 6] | ~((UINT64_C(1) << (m & 63)) - 1)) != ~UINT64_C(0))
            return 0;
    }
    /* the range only matters to kinds that square (K == 2) */
    return winmom_classify(x, m, s->nmom == 2);
}

/* (h, l) += t, TwoSum (two_acc) */
#define FAST_STEP(h, l, t)                                                           \
    do {                                                                             \
        const double t_ = (t);                                                       \
        const double s_ = h + t_;                                                    \
        const double b_ = s_ - h;                                                    \
        const double e_ = (h - (s_ - b_)) + (t_ - b_);                               \
        h = s_;                                                                      \
        l += e_;                                                                     \
    } while (0)

/*
 * Rows x[0..len) of one segment (slot + len <= w): push them (prefix chain,
 * and the previous segment's suffix chain when they start a segment), leave
 * the state as mom_push would, and write their results to out[0..len)
 * (past_only: out[1..len); the caller did out[0]).  fs->cst and the prefix
 * arrays are filled for the rows.
 */
WIN_INLINE void mom_fast_span(blawk_win_state *s, const double *x, size_t p0, size_t len,
                              const int K, const int anchored, const int runs,
                              blawk_winmom_terms_fn terms)
{
    struct mom_fast_scratch *fs = s->fs;
    const int64_t w = s->w, slot0 = s->slot, t0 = s->t;
    const int k2 = K == 2;
    double a;
    size_t ns = 0; /* suffix positions: slots w-1 .. 1 of the previous segment */
    if (slot0 == 0) { /* seg_start, with row t0 valid and finite and seen >= w */
        s->prev_fin = s->seg_fin;
        s->have_prev_fin = s->have_seg_fin;
        s->have_seg_fin = 0;
        a = anchored ? x[0] : 0.0;
        s->suf_lo = 0;
        s->anchor = a;
        s->seg_anchored = 1;
        for (int k = 0; k < 4; k++)
            s->ph[k] = s->pl[k] = 0.0;
        ns = (size_t)(w - 1);
    } else {
        a = s->anchor;
    }

    /* 1 + 2: terms, then the two chains side by side */
    double h0 = s->ph[0], l0 = s->pl[0], h1 = s->ph[1], l1 = s->pl[1];
    double g0 = 0.0, m0 = 0.0, g1 = 0.0, m1 = 0.0;
    double *suf = s->suf, *sufl = s->sufl;
    const double *buf = s->buf;
    size_t pp = 0, sp = 0;
    while (pp < len || sp < ns) {
        const size_t bp = len - pp < MOM_FAST_TERMS ? len - pp : MOM_FAST_TERMS;
        const size_t bs = ns - sp < MOM_FAST_TERMS ? ns - sp : MOM_FAST_TERMS;
        /* suffix block: slots hi_slot down to hi_slot - bs + 1, terms in slot order */
        const int64_t hi_slot = w - 1 - (int64_t)sp;
        if (bp)
            terms(fs->pd, fs->pd2, fs->pq, x + pp, bp, a, k2);
        if (bs)
            terms(fs->sd, fs->sd2, fs->sq, buf + (hi_slot - (int64_t)bs + 1), bs, a, k2);
        const size_t both = bp < bs ? bp : bs;
        size_t i = 0;
        for (; i < both; i++) {
            const size_t r = bs - 1 - i;
            const int64_t j = hi_slot - (int64_t)i;
            FAST_STEP(h0, l0, fs->pd[i]);
            FAST_STEP(g0, m0, fs->sd[r]);
            if (k2) {
                FAST_STEP(h1, l1, fs->pd2[i]);
                l1 += fs->pq[i];
                FAST_STEP(g1, m1, fs->sd2[r]);
                m1 += fs->sq[r];
            }
            fs->ph0[p0 + pp + i] = h0;
            fs->pl0[p0 + pp + i] = l0;
            fs->ph1[p0 + pp + i] = h1;
            fs->pl1[p0 + pp + i] = l1;
            suf[j * K] = g0;
            sufl[j * K] = m0;
            if (k2) {
                suf[j * K + 1] = g1;
                sufl[j * K + 1] = m1;
            }
        }
        for (size_t ip = i; ip < bp; ip++) {
            FAST_STEP(h0, l0, fs->pd[ip]);
            if (k2) {
                FAST_STEP(h1, l1, fs->pd2[ip]);
                l1 += fs->pq[ip];
            }
            fs->ph0[p0 + pp + ip] = h0;
            fs->pl0[p0 + pp + ip] = l0;
            fs->ph1[p0 + pp + ip] = h1;
            fs->pl1[p0 + pp + ip] = l1;
        }
        for (size_t is = i; is < bs; is++) {
            const size_t r = bs - 1 - is;
            const int64_t j = hi_slot - (int64_t)is;
            FAST_STEP(g0, m0, fs->sd[r]);
            if (k2) {
                FAST_STEP(g1, m1, fs->sd2[r]);
                m1 += fs->sq[r];
            }
            suf[j * K] = g0;
            sufl[j * K] = m0;
            if (k2) {
                suf[j * K + 1] = g1;
                sufl[j * K + 1] = m1;
            }
        }
        pp += bp;
        sp += bs;
    }
    s->ph[0] = h0;
    s->pl[0] = l0;
    s->ph[1] = h1;
    s->pl[1] = l1;

    /* the ring (after the suffix chain, which read the previous segment there) */
    memcpy(s->buf + slot0, x, len * sizeof(double));
    memset(s->vb + slot0, 1, len);

    /* 3: equal runs (mom_push's brk / last_row / lastv; every row valid, finite) */
    if (runs) {
        int64_t brk = s->brk, last_row = s->last_row;
        double lastv = s->lastv;
        uint64_t *cst = fs->cst + p0;
        for (size_t p = 0; p < len; p++) {
            const double v = x[p];
            brk = v == lastv ? brk : last_row;
            last_row = t0 + (int64_t)p;
            lastv = v;
            cst[p] = brk < t0 + (int64_t)p + 1 - w;
        }
        s->brk = brk;
        s->last_row = last_row;
        s->lastv = lastv;
        s->seg_fin = lastv;
        s->have_seg_fin = 1;
    }
    s->t = t0 + (int64_t)len;
    s->seen += (int64_t)len;
    s->slot = slot0 + (int64_t)len == w ? 0 : slot0 + (int64_t)len;

    /* what the evaluation needs from the suffix sums, which the next segment
     * overwrites: the suffix from slot (row's slot + 1) on (slot w: empty) */
    for (size_t p = 0; p < len; p++) {
        fs->sh0[p0 + p] = suf[(slot0 + 1 + (int64_t)p) * K];
        fs->sl0[p0 + p] = sufl[(slot0 + 1 + (int64_t)p) * K];
    }
    if (k2) {
        for (size_t p = 0; p < len; p++) {
            fs->sh1[p0 + p] = suf[(slot0 + 1 + (int64_t)p) * K + 1];
            fs->sl1[p0 + p] = sufl[(slot0 + 1 + (int64_t)p) * K + 1];
        }
    }
    for (size_t p = 0; p < len; p++)
        fs->anchor[p0 + p] = a;
}

/* The chains in lanes (when the ISA has them): a function and its lane count
 * for windows of w rows, or 0 when a group of lanes would not fit a tile. */
WIN_INLINE size_t winmom_lanes(int64_t w, blawk_winmom_lanes_fn *fn)
{
    const blawk_isa isa = blawk_isa_active();
    if (isa == BLAWK_ISA_AVX512 && w * BLAWK_WINMOM_LANES_AVX512 <= MOM_LANE_TILE) {
        *fn = blawk_winmom_lanes_avx512;
        return BLAWK_WINMOM_LANES_AVX512;
    }
    /* AVX-512 machines run the 4-lane AVX2 code too (the same bits) */
    if ((isa == BLAWK_ISA_AVX512 || isa == BLAWK_ISA_AVX2) &&
        w * BLAWK_WINMOM_LANES_AVX2 <= MOM_FAST_ROWS) {
        *fn = blawk_winmom_lanes_avx2;
        return BLAWK_WINMOM_LANES_AVX2;
    }
    return 0;
}

/* A group takes at least this many whole segments (fewer: mom_fast_span). */
#define MOM_LANES_MIN 2

/* What the evaluation of the windows of rows needs; e is filled but for the
 * arrays. */
WIN_INLINE blawk_winmom_eval_args eval_base(const blawk_win_state *s, int kind, double inv_n)
{
    const double nn = (double)s->w;
    blawk_winmom_eval_args e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.n = nn;
    e.inv_n = inv_n;
    e.nd = nn - s->ddof;
    return e;
}

/*
 * Rows x[g .. g + rows - s0) of a piece of m rows, s0 = s->slot: nl segments,
 * the first from its slot s0 on (s0 > 0: the rest of a segment the state has
 * begun, a piece's first rows), all whole but perhaps the last (rows >
 * (nl-1)*w, counting the first segment's slots from 0), which then ends the
 * piece, in the lanes of one vector (lane l: segment l of the group; its
 * suffix chain runs over segment l-1, for lane 0 the ring; a mid-segment lane
 * 0 goes on from the state's prefix sums, anchor and suffix sums).  Leaves the
 * state as the segment starts and mom_push over the rows would, and, when vld,
 * writes the windows ending at those rows (past_only: to the next rows, up to
 * row m-1).
 */
static void mom_fast_lanes(blawk_win_state *s, double *out, const double *x, size_t g, size_t m,
                           size_t nl, size_t rows, size_t L, blawk_winmom_lanes_fn fn,
                           const int kind, const int anchored, const int runs, const int vld,
                           const int sqsafe, uintptr_t pf, const blawk_winmom_eval_args *base)
{
    struct mom_fast_scratch *fs = s->fs;
    const size_t w = (size_t)s->w;
    const size_t s0 = (size_t)s->slot;
    const size_t nrows = rows - s0; /* the group's rows */
    const int64_t t0 = s->t;
    const double *xg = x + g;
    const size_t past = (size_t)s->past_only;
    const double *xz = NULL;
    if (kind == BLAWK_WIN_ZSCORE && past && vld) { /* the row the window is for: the next one */
        for (size_t i = 0; i < w; i++)
            for (size_t l = 0; l < L; l++) {
                const size_t row = g + l * w + i + 1 - s0; /* (l*w + i >= s0 when read) */
                fs->t.xz[i * L + l] = l < nl && l * w + i >= s0 && row < m ? x[row] : 0.0;
            }
        xz = fs->t.xz;
    }
    const double *x0 = xg;
    if (s0) { /* lane 0's segment: its first slots from the ring, the rest from x */
        memcpy(fs->t.x0, s->buf, s0 * sizeof(double));
        memcpy(fs->t.x0 + s0, xg, (w - s0) * sizeof(double));
        x0 = fs->t.x0;
    }
    const int K = kind_moments(kind);
    double last[4 * BLAWK_WINMOM_LANES_AVX512];
    const blawk_winmom_lanes_args A = {
        .w = w, .nl = nl, .rows = rows, .kind = kind, .anchored = anchored, .sqsafe = sqsafe,
        .n = base->n, .inv_n = base->inv_n, .nd = base->nd,
        .x = xg, .s0 = s0, .x0 = x0,
        .a0 = s0 ? s->anchor : anchored ? xg[0] : 0.0,
        .seed = {s->ph[0], s->pl[0], s->ph[1], s->pl[1]},
        .suf = s->suf, .sufl = s->sufl, .K = K,
        .prev = s->buf,
        .sh0 = fs->t.sh0, .sl0 = fs->t.sl0, .sh1 = fs->t.sh1, .sl1 = fs->t.sl1,
        .xt = fs->t.x, .xz = xz, .out = fs->t.out, .last = last,
        .dst = out + g + past, .ndst = vld ? m - g - past : 0,
        .pf = pf + g * sizeof(double), /* the next piece's rows at the group's offset */
        .npf = (nrows * sizeof(double) + 63) / 64 + 1,
    };
    fn(&A);

    /* the state: the last segment's prefix sums and anchor (its suffix sums
     * are rewritten when the next segment starts, before anything reads them) */
    s->ph[0] = last[nl - 1];
    s->pl[0] = last[L + nl - 1];
    s->ph[1] = last[2 * L + nl - 1];
    s->pl[1] = last[3 * L + nl - 1];
    s->anchor = anchored ? xg[(nl - 1) * w - s0] : 0.0;
    s->seg_anchored = 1;
    s->suf_lo = 0;
    for (size_t l = 0; l < nl; l++) { /* seg_start (but mid-segment), then the rows */
        if (l || !s0) {
            s->prev_fin = s->seg_fin;
            s->have_prev_fin = s->have_seg_fin;
            s->have_seg_fin = 0;
        }
        if (runs) {
            s->seg_fin = xg[((l + 1) * w < rows ? (l + 1) * w : rows) - 1 - s0];
            s->have_seg_fin = 1;
        }
    }
    if (runs) { /* brk: before the last row that differs from the row before */
        for (size_t r = nrows; r-- > 0;) {
            const double pv = r ? xg[r - 1] : s->lastv;
            if (!(xg[r] == pv)) {
                s->brk = r ? t0 + (int64_t)r - 1 : s->last_row;
                break;
            }
        }
        s->last_row = t0 + (int64_t)nrows - 1;
        s->lastv = xg[nrows - 1];
    }
    /* the ring: the last segment's rows, over the one before where it stops early
     * (a mid-segment lane 0's slots below s0 are there already) */
    const size_t tail = rows - (nl - 1) * w; /* the last segment's rows */
    if (tail < w) {
        const size_t from = nl == 2 && tail < s0 ? s0 : tail;
        memcpy(s->buf + from, xg + (nl - 2) * w + from - s0, (w - from) * sizeof(double));
    }
    memcpy(s->buf, xg + (nl - 1) * w - s0, tail * sizeof(double));
    if (tail < w) {
        /* the rest of that segment needs the suffix sums of the one before:
         * from slot tail on (the window ending at the row before reads slot
         * tail, those of the rows to come the slots after); below it they are
         * never read again (stale until the next segment start rewrites them) */
        const size_t l = nl - 1;
        double *const suf = s->suf, *const sufl = s->sufl; /* (locals: no reloads) */
        const double *const th0 = fs->t.sh0 + l, *const tl0 = fs->t.sl0 + l;
        for (size_t j = tail; j < w; j++) {
            suf[j * (size_t)K] = th0[(j - 1) * L];
            sufl[j * (size_t)K] = tl0[(j - 1) * L];
        }
        if (K == 2) {
            const double *const th1 = fs->t.sh1 + l, *const tl1 = fs->t.sl1 + l;
            for (size_t j = tail; j < w; j++) {
                suf[j * 2 + 1] = th1[(j - 1) * L];
                sufl[j * 2 + 1] = tl1[(j - 1) * L];
            }
        }
    }
    s->t = t0 + (int64_t)nrows;
    s->seen += (int64_t)nrows;
    s->slot = tail < w ? (int64_t)tail : 0;
}

/* Rows x[0..m) through the fast path (mom_fast_ok said cls, nonzero). */
WIN_INLINE void mom_fast(blawk_win_state *st, double *out, uint64_t *out_valid, const double *x,
                         size_t m, const int kind, const int cls, uintptr_t pf)
{
    blawk_win_state L = *st, *s = &L; /* a local copy: see mom_rows */
    const int K = kind_moments(kind);
    const int anchored = kind != BLAWK_WIN_SUM && kind != BLAWK_WIN_MEAN;
    const int runs = kind != BLAWK_WIN_SUM;
    const int vld = s->w >= s->need; /* every window holds w valid values */
    const blawk_winmom_terms_fn terms = winmom_terms();
    struct mom_fast_scratch *fs = s->fs;
    blawk_winmom_lanes_fn lanes_fn = NULL;
    const size_t nlanes = winmom_lanes(s->w, &lanes_fn);
    /* the lanes square the rows, the ring (a group's lane 0 reads the segment
     * before it there; later groups read rows of the piece) and the state's
     * anchor, each about an anchor among them: the error of each square is
     * one fused operation when all of them are in range (winmom.h) */
    const int sqsafe = nlanes && K == 2 && (cls & BLAWK_WINMOM_SQSAFE) &&
                       (winmom_classify(s->buf, (size_t)s->w, 1) & BLAWK_WINMOM_SQSAFE) &&
                       (winmom_classify(&s->anchor, 1, 1) & BLAWK_WINMOM_SQSAFE);
    const double inv_n = vld ? consts_for(&s->nc, (double)s->w, kind)->inv_n : 0.0;
    const blawk_winmom_eval_args base = eval_base(s, kind, inv_n);
    const size_t past = (size_t)s->past_only;
    /* past_only: row 0's window ends at the row before the piece (the state's) */
    const double r0 = s->past_only && vld ? mom_result(s, kind, K, x[0]) : 0.0;
    if (!vld)
        memset(out, 0, m * sizeof(double));
    size_t ga = m, gb = m; /* rows [ga, gb) went through lanes */
    for (size_t i = 0; i < m;) {
        if (nlanes) {
            /* whole segments (the first perhaps from the state's slot on), and
             * the piece's last one if it stops early and a lane is free; rows
             * counts the first segment's slots from 0 */
            const size_t s0 = (size_t)s->slot, avail = m - i + s0;
            /* A mid-segment start shifts every later group by one segment: when
             * that leaves the piece's last segment alone (a scalar span with
             * its whole suffix chain), run the first one's rest as a span
             * instead (no suffix chain there). */
            const size_t nseg = (avail + (size_t)s->w - 1) / (size_t)s->w;
            if (s0 && nseg % nlanes == 1)
                goto span;
            size_t nl = avail / (size_t)s->w, rows = nl * (size_t)s->w;
            if (nl >= nlanes) {
                nl = nlanes;
                rows = nl * (size_t)s->w;
            } else if (rows < avail) {
                nl++;
                rows = avail;
            }
            if (nl >= MOM_LANES_MIN) {
                ga = ga < i ? ga : i;
                mom_fast_lanes(s, out, x, i, m, nl, rows, nlanes, lanes_fn, kind, anchored, runs,
                               vld, sqsafe, pf, &base);
                i += rows - s0;
                gb = i;
                continue;
            }
        }
    span:;
        size_t len = m - i;
        if ((int64_t)len > s->w - s->slot)
            len = (size_t)(s->w - s->slot);
        mom_fast_span(s, x + i, i, len, K, anchored, runs, terms);
        i += len;
    }
    /* the other windows: those ending at rows [0, ga) and [gb, m) (past_only:
     * all but the last, for rows 1 .. m-1) */
    if (s->past_only)
        out[0] = r0 == r0 ? r0 : (double)NAN; /* canonical NaN, as put() */
    if (vld) {
        const size_t ranges[2][2] = {{0, ga}, {gb, m}};
        for (int k = 0; k < 2; k++) {
            const size_t j0 = ranges[k][0];
            const size_t j1 = ranges[k][1] < m - past ? ranges[k][1] : m - past;
            if (j1 <= j0)
                continue;
            blawk_winmom_eval_args e = base;
            e.m = j1 - j0;
            e.ph0 = fs->ph0 + j0;
            e.pl0 = fs->pl0 + j0;
            e.ph1 = fs->ph1 + j0;
            e.pl1 = fs->pl1 + j0;
            e.sh0 = fs->sh0 + j0;
            e.sl0 = fs->sl0 + j0;
            e.sh1 = fs->sh1 + j0;
            e.sl1 = fs->sl1 + j0;
            e.cst = fs->cst + j0;
            e.lastv = x + j0;
            e.x = x + past + j0;
            e.anchor = fs->anchor + j0;
            e.out = out + past + j0;
            winmom_eval()(&e);
        }
    }
    for (size_t k = 0; k < (m >> 6); k++)
        out_valid[k] = vld ? ~UINT64_C(0) : 0;
    if (m & 63)
        out_valid[m >> 6] = vld ? (UINT64_C(1) << (m & 63)) - 1 : 0;
    *st = L;
}

WIN_INLINE void mom_block(blawk_win_state *st, double *out, uint64_t *out_valid, const double *x,
                          const uint64_t *xv, size_t n, const int kind)
{
    if (!out || kind_moments(kind) > 2 || !st->fs) {
        mom_rows(st, out, out_valid, x, xv, n, kind);
        return;
    }
    /* pieces of MOM_FAST_ROWS (a multiple of 64: the bitmaps stay word-aligned) */
    for (size_t off = 0; off < n; off += MOM_FAST_ROWS) {
        const size_t m = n - off < MOM_FAST_ROWS ? n - off : MOM_FAST_ROWS;
        const uint64_t *v = xv ? xv + off / 64 : NULL;
        const int cls = mom_fast_ok(st, x + off, v, m);
        /* The lanes prefetch the next piece while they run (the first pass
         * over a piece, the finiteness check, waited on its memory): the rows
         * of this call after it, or for the call's last piece the address
         * after its end, where the VM's next block of a column it streams
         * usually is (a prefetch is a hint: it never faults and changes no
         * value, so an address outside the column only costs a wasted fetch;
         * integer arithmetic, never a pointer past the array) */
        const uintptr_t pf = (uintptr_t)x + (off + m) * sizeof(double);
        if (cls)
            mom_fast(st, out + off, out_valid + off / 64, x + off, m, kind, cls, pf);
        else
            mom_rows(st, out + off, out_valid + off / 64, x + off, v, m, kind);
    }
}

/* ---------------------------------------------------------------- count */

WIN_INLINE void cnt_push(blawk_win_state *s, double v, int ok)
{
    int64_t sl = s->slot;
    s->cnt += ok - s->vb[sl];
    s->buf[sl] = v;
    s->vb[sl] = (uint8_t)ok;
    s->t++;
    s->slot = sl + 1 == s->w ? 0 : sl + 1;
}

static void count_block(blawk_win_state *s, double *out, uint64_t *out_valid, const double *x,
                        const uint64_t *xv, size_t n)
{
    if (xv == NULL && s->cnt == s->w) {
        /* a full window of valid rows and no null coming: every count is w
         * and the ring's flags stay 1 (its values are never read for count),
         * so only the position moves */
        if (out) {
            const double w = (double)s->w;
            for (size_t i = 0; i < n; i++)
                out[i] = w;
            for (size_t k = 0; k < (n + 63) / 64; k++)
                out_valid[k] = ~UINT64_C(0);
            if (n & 63)
                out_valid[n >> 6] &= (UINT64_C(1) << (n & 63)) - 1;
        }
        s->t += (int64_t)n;
        s->slot = (int64_t)(((uint64_t)s->slot + n) % (uint64_t)s->w);
        return;
    }
    uint64_t word = 0;
    for (size_t i = 0; i < n; i++) {
        if (out && s->past_only)
            EMIT(i, (double)s->cnt, 1);
        cnt_push(s, x[i], bit_at(xv, i));
        if (out && !s->past_only)
            EMIT(i, (double)s->cnt, 1);
    }
    if (out)
        FLUSH(n);
}

/* -------------------------------------------------------------- min/max */

/* Does a win over b (strictly)?  -0.0 counts as below +0.0, so the result
 * does not depend on which zero came first. */
WIN_INLINE int beats(double a, double b, int ismax)
{
    if (ismax)
        return a > b || (a == b && !signbit(a) && signbit(b));
    return a < b || (a == b && signbit(a) && !signbit(b));
}

/* The extreme of a and b (neither NaN), -0.0 below +0.0.  Equal values have
 * equal bits except for the two zeros, whose bitwise AND is +0.0 (the max)
 * and OR is -0.0 (the min): no branches. */
WIN_INLINE double ext(double a, double b, int ismax)
{
    double r = ismax ? (a > b ? a : b) : (a < b ? a : b);
    uint64_t ua, ub;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    uint64_t uz = ismax ? ua & ub : ua | ub;
    double z;
    memcpy(&z, &uz, 8);
    return a == b ? z : r;
}

/*
 * min/max use the same segments as the moments (van Herk / Gil-Werman): the
 * window ending at row i is a suffix of the previous segment plus a prefix of
 * the current one, so its extreme is ext(suffix extreme, prefix extreme).
 * The prefix extreme is kept as rows arrive; when a segment starts, one
 * backward pass over the ring writes the previous segment's suffix extremes.
 * Three comparisons a row, no data-dependent branches, O(1) per row in the
 * worst case (a monotonic deque is O(1) amortised, and its pops are branches
 * that mispredict on noisy data: ~11 ns a row here against ~2).  NaNs are
 * left out of the extremes and counted in the window (from the ring): a
 * window with one gives NaN.  Nulls are left out.  Extremes are exact, so
 * segment alignment never changes a bit.
 */
WIN_INLINE void mm_push(blawk_win_state *s, double v, int ok, int ismax)
{
    int64_t sl = s->slot, w = s->w;
    const double ident = ismax ? -INFINITY : INFINITY;
    if (sl == 0) { /* a segment starts: the previous one's suffix extremes */
        int64_t prev_seen = s->seen < w ? s->seen : w;
        s->suf_lo = w - prev_seen;
        double a = ident;
        const double *buf = s->buf;
        const uint8_t *vb = s->vb;
        double *suf = s->suf;
        for (int64_t j = w - 1; j >= s->suf_lo; j--) {
            double y = buf[j];
            if (vb[j] && !isnan(y))
                a = ext(a, y, ismax);
            suf[j] = a;
        }
        s->ph[0] = ident;
    }
    if (s->vb[sl]) { /* row t-w leaves */
        s->cnt--;
        s->nan_cnt -= isnan(s->buf[sl]);
    }
    s->buf[sl] = v;
    s->vb[sl] = (uint8_t)ok;
    if (ok) {
        s->cnt++;
        if (isnan(v))
            s->nan_cnt++;
        else
            s->ph[0] = ext(s->ph[0], v, ismax);
    }
    s->t++;
    s->seen++;
    s->slot = sl + 1 == w ? 0 : sl + 1;
}

/* The window ending at row t-1. */
WIN_INLINE double mm_result(const blawk_win_state *s, int ismax)
{
    int64_t j = s->slot == 0 ? s->w : s->slot;
    if (j < s->suf_lo)
        j = s->suf_lo;
    return s->nan_cnt ? NAN : ext(s->suf[j], s->ph[0], ismax);
}

WIN_INLINE void mm_block(blawk_win_state *st, double *out, uint64_t *out_valid, const double *x,
                         const uint64_t *xv, size_t n, const int ismax)
{
    blawk_win_state L = *st, *s = &L; /* a local copy: see mom_block */
    uint64_t word = 0;
    const int64_t need = s->need;
    if (!out) {
        for (size_t i = 0; i < n; i++)
            mm_push(s, x[i], bit_at(xv, i), ismax);
        *st = L;
        return;
    }
    if (s->past_only) {
        for (size_t i = 0; i < n; i++) {
            int vld = s->cnt >= need;
            EMIT(i, vld ? mm_result(s, ismax) : 0.0, vld);
            mm_push(s, x[i], bit_at(xv, i), ismax);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            mm_push(s, x[i], bit_at(xv, i), ismax);
            int vld = s->cnt >= need;
            EMIT(i, vld ? mm_result(s, ismax) : 0.0, vld);
        }
    }
    FLUSH(n);
    *st = L;
}

/* --------------------------------------------------------------- median */

static void med_push(blawk_win_state *s, double v, int ok)
{
    int64_t sl = s->slot;
    double old = s->buf[sl];
    if (ok && s->vb[sl] && !isnan(v) && !isnan(old)) {
        /* row t-w leaves and row t takes its slot: change the value in place */
        s->buf[sl] = v;
        blawk_win_medheap_replace(&s->med, s->buf, sl, old);
        s->t++;
        s->slot = sl + 1 == s->w ? 0 : sl + 1;
        return;
    }
    if (s->vb[sl]) { /* row t-w leaves */
        s->cnt--;
        if (isnan(s->buf[sl]))
            s->nan_cnt--;
        else
            blawk_win_medheap_erase(&s->med, s->buf, sl);
    }
    s->buf[sl] = v;
    s->vb[sl] = (uint8_t)ok;
    if (ok) {
        s->cnt++;
        if (isnan(v))
            s->nan_cnt++;
        else
            blawk_win_medheap_insert(&s->med, s->buf, sl);
    }
    s->t++;
    s->slot = sl + 1 == s->w ? 0 : sl + 1;
}

static double med_result(const blawk_win_state *s)
{
    return s->nan_cnt ? NAN : blawk_win_medheap_median(&s->med, s->buf);
}

static void med_block(blawk_win_state *s, double *out, uint64_t *out_valid, const double *x,
                      const uint64_t *xv, size_t n)
{
    uint64_t word = 0;
    const int64_t need = s->need;
    for (size_t i = 0; i < n; i++) {
        if (out && s->past_only) {
            int vld = s->cnt >= need;
            EMIT(i, vld ? med_result(s) : 0.0, vld);
        }
        med_push(s, x[i], bit_at(xv, i));
        if (out && !s->past_only) {
            int vld = s->cnt >= need;
            EMIT(i, vld ? med_result(s) : 0.0, vld);
        }
    }
    if (out)
        FLUSH(n);
}

/* ------------------------------------------------------------- dispatch */

/* Rows as rows (the state sees every row, valid or null). */
static void run_rows(blawk_win_state *s, double *out, uint64_t *out_valid, const double *x,
                     const uint64_t *xv, size_t n)
{
    switch (s->kind) {
    case BLAWK_WIN_SUM: mom_block(s, out, out_valid, x, xv, n, BLAWK_WIN_SUM); break;
    case BLAWK_WIN_MEAN: mom_block(s, out, out_valid, x, xv, n, BLAWK_WIN_MEAN); break;
    case BLAWK_WIN_VAR: mom_block(s, out, out_valid, x, xv, n, BLAWK_WIN_VAR); break;
    case BLAWK_WIN_STD: mom_block(s, out, out_valid, x, xv, n, BLAWK_WIN_STD); break;
    case BLAWK_WIN_ZSCORE: mom_block(s, out, out_valid, x, xv, n, BLAWK_WIN_ZSCORE); break;
    case BLAWK_WIN_SKEW: mom_block(s, out, out_valid, x, xv, n, BLAWK_WIN_SKEW); break;
    case BLAWK_WIN_KURT: mom_block(s, out, out_valid, x, xv, n, BLAWK_WIN_KURT); break;
    case BLAWK_WIN_MIN: mm_block(s, out, out_valid, x, xv, n, 0); break;
    case BLAWK_WIN_MAX: mm_block(s, out, out_valid, x, xv, n, 1); break;
    case BLAWK_WIN_COUNT: count_block(s, out, out_valid, x, xv, n); break;
    case BLAWK_WIN_MEDIAN: med_block(s, out, out_valid, x, xv, n); break;
    default: break;
    }
}

/*
 * Observation mode, one piece of m <= BLAWK_BLOCK rows: the valid rows are
 * compacted into obs_x and pushed as an all-valid stream (the state's row
 * counter then counts observations), their results are scattered back and
 * the null rows get null.  out == NULL: feed only.
 */
static void obs_piece(blawk_win_state *s, double *out, uint64_t *out_valid, const double *x,
                      const uint64_t *xv, size_t m)
{
    const size_t nw = (m + 63) >> 6;
    const uint64_t tail = (m & 63) ? (UINT64_C(1) << (m & 63)) - 1 : ~UINT64_C(0);
    int all = 1, none = 1;
    for (size_t w = 0; w < nw; w++) {
        const uint64_t full = w + 1 == nw ? tail : ~UINT64_C(0);
        const uint64_t b = xv[w] & full;
        all &= b == full;
        none &= b == 0;
    }
    if (all) { /* every row is an observation */
        run_rows(s, out, out_valid, x, NULL, m);
        return;
    }
    if (none) { /* no observation: the state does not move */
        if (out) {
            memset(out, 0, m * sizeof(double));
            memset(out_valid, 0, nw * sizeof(uint64_t));
        }
        return;
    }
    double *cx = s->obs_x;
    size_t k = 0;
    for (size_t i = 0; i < m; i++) { /* branch-free compaction */
        cx[k] = x[i];
        k += (size_t)((xv[i >> 6] >> (i & 63)) & 1);
    }
    if (!out) {
        run_rows(s, NULL, NULL, cx, NULL, k);
        return;
    }
    const double *co = s->obs_out;
    const uint64_t *cok = s->obs_ok;
    run_rows(s, s->obs_out, s->obs_ok, cx, NULL, k);
    /* scatter: row i takes result j (the j-th observation) when it is valid;
     * k < m here, so co[j] stays inside the buffer */
    size_t j = 0;
    for (size_t w = 0; w < nw; w++) {
        const size_t len = w + 1 == nw ? m - (w << 6) : 64;
        const uint64_t vb = xv[w];
        uint64_t word = 0;
        for (size_t b = 0; b < len; b++) {
            const size_t i = (w << 6) + b;
            const uint64_t v = (vb >> b) & 1;
            const uint64_t ok = v & (cok[j >> 6] >> (j & 63));
            out[i] = v ? co[j] : 0.0;
            word |= ok << b;
            j += (size_t)v;
        }
        out_valid[w] = word;
    }
}

static void run(blawk_win_state *s, double *out, uint64_t *out_valid, const double *x,
                const uint64_t *xv, size_t n)
{
    if (!s || n == 0 || !x)
        return;
    if (out && !out_valid)
        return;
    if (!s->obs || !xv) { /* without a bitmap every row is an observation */
        run_rows(s, out, out_valid, x, xv, n);
        return;
    }
    for (size_t off = 0; off < n; off += BLAWK_BLOCK) {
        const size_t m = n - off < BLAWK_BLOCK ? n - off : BLAWK_BLOCK;
        obs_piece(s, out ? out + off : NULL, out ? out_valid + off / 64 : NULL, x + off,
                  xv + off / 64, m);
    }
}

void blawk_win_block(blawk_win_state *s, double *out, uint64_t *out_valid, const double *x,
                     const uint64_t *x_valid, size_t n)
{
    if (!out)
        return;
    if (out_valid) {
        run(s, out, out_valid, x, x_valid, n);
        return;
    }
    /* values only: collect the bits in a scratch bitmap and drop them */
    uint64_t scratch[BLAWK_BLOCK_WORDS];
    for (size_t off = 0; off < n; off += BLAWK_BLOCK) {
        size_t m = n - off < BLAWK_BLOCK ? n - off : BLAWK_BLOCK;
        run(s, out + off, scratch, x + off, x_valid ? x_valid + off / 64 : NULL, m);
    }
}

void blawk_win_feed(blawk_win_state *s, const double *x, const uint64_t *x_valid, size_t n)
{
    run(s, NULL, NULL, x, x_valid, n);
}
