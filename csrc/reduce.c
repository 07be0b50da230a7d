/*
 * reduce.c -- reductions to a scalar: block partials, ordered merges, results.
 *
 * The per-ISA block kernels (kernels/reduce_<isa>.c) do the passes over a
 * block's values; everything here is scalar C compiled with baseline flags,
 * so the merges and the results are the same code on every ISA.  See
 * kernels/reduce.h for the contract and docs/reductions.md for the reasoning.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blawk.h"
#include "kernels/reduce.h"

struct blawk_red_state {
    blawk_red_params p;
    int64_t n;          /* valid values (pairs for two-input kinds), NaN included */
    /* SUM, SUM0, MEAN, WSUM: s + c (c = Neumaier's compensation);
     * WAVG: sum(x*y) in s + c, sum(x) in s2 + c2;
     * PROD, MIN, MAX, FIRST, LAST: the value in s. */
    double s, c, s2, c2;
    int nan;            /* MIN, MAX: a valid value was NaN */
    /* Moments.  kx (ky): the shift, the first valid value of the first block;
     * mx (my): mean - shift; m2, m3, m4: central sums of x; m2y: of y;
     * cxy: co-moment. */
    double kx, mx, ky, my;
    double m2, m3, m4, m2y, cxy;
    /* MEDIAN, QUANTILE: the valid non-NaN values (n - len of them were NaN) */
    double *buf;
    size_t len, cap;
};

/* ---------------------------------------------------------------- tables */

const blawk_reduce_kernels *blawk_reduce_kernels_for(int isa)
{
    switch (isa) {
    case BLAWK_ISA_SCALAR: return &blawk_reduce_kernels_scalar;
    case BLAWK_ISA_AVX2: return &blawk_reduce_kernels_avx2;
    case BLAWK_ISA_AVX512: return &blawk_reduce_kernels_avx512;
    default: return NULL;
    }
}

int blawk_red_two_inputs(int32_t kind)
{
    return kind == BLAWK_RED_COV || kind == BLAWK_RED_COR || kind == BLAWK_RED_WSUM ||
           kind == BLAWK_RED_WAVG;
}

static int is_order_stat(int32_t kind)
{
    return kind == BLAWK_RED_MEDIAN || kind == BLAWK_RED_QUANTILE;
}

/* ------------------------------------------------------------ lifecycle */

static blawk_status check_params(const blawk_red_params *p)
{
    if (p == NULL || p->kind < 0 || p->kind >= BLAWK_RED_KIND_COUNT_)
        return BLAWK_ERR_ARG;
    if ((p->kind == BLAWK_RED_VAR || p->kind == BLAWK_RED_STD || p->kind == BLAWK_RED_COV) &&
        p->ddof < 0)
        return BLAWK_ERR_ARG;
    if (p->kind == BLAWK_RED_QUANTILE && !(p->q >= 0.0 && p->q <= 1.0))
        return BLAWK_ERR_ARG; /* NaN fails both */
    return BLAWK_OK;
}

void blawk_red_reset(blawk_red_state *s)
{
    if (s == NULL)
        return;
    const blawk_red_params p = s->p;
    double *buf = s->buf;
    const size_t cap = s->cap;
    memset(s, 0, sizeof *s);
    s->p = p;
    s->buf = buf; /* the buffer's capacity is kept for the next block */
    s->cap = cap;
}

blawk_status blawk_red_new(const blawk_red_params *p, blawk_red_state **out)
{
    if (out == NULL)
        return BLAWK_ERR_ARG;
    *out = NULL;
    const blawk_status st = check_params(p);
    if (st != BLAWK_OK)
        return st;
    blawk_red_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return BLAWK_ERR_NOMEM;
    s->p = *p;
    blawk_red_reset(s);
    *out = s;
    return BLAWK_OK;
}

void blawk_red_free(blawk_red_state *s)
{
    if (s == NULL)
        return;
    free(s->buf);
    free(s);
}

/* ------------------------------------------------------------- helpers */

static size_t popcount64(uint64_t w)
{
    /* portable (the baseline x86-64 build has no popcnt instruction) */
    w = w - ((w >> 1) & UINT64_C(0x5555555555555555));
    w = (w & UINT64_C(0x3333333333333333)) + ((w >> 2) & UINT64_C(0x3333333333333333));
    w = (w + (w >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (size_t)((w * UINT64_C(0x0101010101010101)) >> 56);
}

/* Neumaier's compensated add: s + c gains x. */
static void nadd(double *s, double *c, double x)
{
    const double t = *s + x;
    if (fabs(*s) >= fabs(x))
        *c += (*s - t) + x;
    else
        *c += (x - t) + *s;
    *s = t;
}

/* The compensated total.  When s is inf or NaN, c holds inf - inf leftovers
 * and s is the answer; c == 0 keeps the sign of a zero sum (-0.0 + -0.0). */
static double nvalue(double s, double c)
{
    if (c == 0.0 || !isfinite(s))
        return s;
    return s + c;
}

static int grow(blawk_red_state *s, size_t extra)
{
    if (extra <= s->cap - s->len)
        return 1;
    size_t need = s->len + extra;
    if (need < s->len || need > SIZE_MAX / sizeof(double) / 2)
        return 0;
    size_t cap = s->cap ? s->cap : BLAWK_BLOCK;
    while (cap < need)
        cap *= 2;
    double *b = realloc(s->buf, cap * sizeof(double));
    if (b == NULL)
        return 0;
    s->buf = b;
    s->cap = cap;
    return 1;
}

/* IEEE 754-2019 minimum/maximum of two non-NaN values (-0.0 < +0.0). */
static double bits_op(double a, double b, int is_or)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    ua = is_or ? (ua | ub) : (ua & ub);
    memcpy(&a, &ua, 8);
    return a;
}

static double min19(double a, double b)
{
    return b < a ? b : (b == a ? bits_op(a, b, 1) : a);
}

static double max19(double a, double b)
{
    return b > a ? b : (b == a ? bits_op(a, b, 0) : a);
}

/* ---------------------------------------------------------------- merge */

/* Chan et al. / Pebay: fold b's central moments into t's (both non-empty).
 * Means are kept relative to each state's shift; b's mean is moved to t's
 * shift first (kb - kt is exact when the two are close, as data usually is),
 * so the between-block term sees the data's spread, not its offset. */
static void merge_moments(blawk_red_state *t, const blawk_red_state *b, int order)
{
    const double na = (double)t->n, nb = (double)b->n, nn = na + nb, nab = na * nb;
    const double delta = ((b->kx - t->kx) + b->mx) - t->mx;
    const double dn = delta / nn;
    const double m2a = t->m2, m2b = b->m2;
    if (order == 4) {
        const double m3a = t->m3, m3b = b->m3;
        t->m4 = t->m4 + b->m4 + delta * dn * dn * dn * nab * (na * na - nab + nb * nb) +
                6.0 * dn * dn * (na * na * m2b + nb * nb * m2a) + 4.0 * dn * (na * m3b - nb * m3a);
        t->m3 = m3a + m3b + delta * dn * dn * nab * (na - nb) + 3.0 * dn * (na * m2b - nb * m2a);
    }
    t->m2 = m2a + m2b + delta * dn * nab;
    t->mx = t->mx + dn * nb;
}

static void merge_comoments(blawk_red_state *t, const blawk_red_state *b)
{
    const double na = (double)t->n, nb = (double)b->n, nn = na + nb, nab = na * nb;
    const double dx = ((b->kx - t->kx) + b->mx) - t->mx;
    const double dy = ((b->ky - t->ky) + b->my) - t->my;
    const double dnx = dx / nn, dny = dy / nn;
    t->cxy = t->cxy + b->cxy + dx * dny * nab;
    t->m2 = t->m2 + b->m2 + dx * dnx * nab;
    t->m2y = t->m2y + b->m2y + dy * dny * nab;
    t->mx = t->mx + dnx * nb;
    t->my = t->my + dny * nb;
}

/* Merge the fixed-size part of b into t (not the order-statistics buffer). */
static void merge_fields(blawk_red_state *t, const blawk_red_state *b)
{
    if (b->n == 0)
        return;
    if (t->n == 0) {
        t->n = b->n;
        t->s = b->s, t->c = b->c, t->s2 = b->s2, t->c2 = b->c2;
        t->nan = b->nan;
        t->kx = b->kx, t->mx = b->mx, t->ky = b->ky, t->my = b->my;
        t->m2 = b->m2, t->m3 = b->m3, t->m4 = b->m4, t->m2y = b->m2y, t->cxy = b->cxy;
        return;
    }
    switch (t->p.kind) {
    case BLAWK_RED_SUM:
    case BLAWK_RED_SUM0:
    case BLAWK_RED_MEAN:
    case BLAWK_RED_WSUM:
        t->c += b->c;
        nadd(&t->s, &t->c, b->s);
        break;
    case BLAWK_RED_WAVG:
        t->c += b->c;
        nadd(&t->s, &t->c, b->s);
        t->c2 += b->c2;
        nadd(&t->s2, &t->c2, b->s2);
        break;
    case BLAWK_RED_VAR:
    case BLAWK_RED_STD:
        merge_moments(t, b, 2);
        break;
    case BLAWK_RED_SKEW:
    case BLAWK_RED_KURT:
        merge_moments(t, b, 4);
        break;
    case BLAWK_RED_COV:
    case BLAWK_RED_COR:
        merge_comoments(t, b);
        break;
    case BLAWK_RED_MIN:
        t->s = min19(t->s, b->s);
        t->nan |= b->nan;
        break;
    case BLAWK_RED_MAX:
        t->s = max19(t->s, b->s);
        t->nan |= b->nan;
        break;
    case BLAWK_RED_PROD:
        t->s = t->s * b->s;
        break;
    case BLAWK_RED_LAST:
        t->s = b->s;
        break;
    default: /* FIRST keeps its value; COUNT has only n */
        break;
    }
    t->n += b->n;
}

blawk_status blawk_red_merge(blawk_red_state *total, const blawk_red_state *part)
{
    if (total == NULL || part == NULL || total->p.kind != part->p.kind)
        return BLAWK_ERR_ARG;
    if (part->n == 0)
        return BLAWK_OK;
    if (is_order_stat(total->p.kind)) {
        if (!grow(total, part->len))
            return BLAWK_ERR_NOMEM;
        if (part->len)
            memcpy(total->buf + total->len, part->buf, part->len * sizeof(double));
        total->len += part->len;
        total->n += part->n;
        return BLAWK_OK;
    }
    merge_fields(total, part);
    return BLAWK_OK;
}

/* A fresh state for one block's result: `part`'s params, cnt values. */
static blawk_red_state block_state(const blawk_red_state *part, size_t cnt)
{
    blawk_red_state b;
    memset(&b, 0, sizeof b);
    b.p = part->p;
    b.n = (int64_t)cnt;
    return b;
}

/* The valid elements of a block: *v = NULL when all n are valid, else a clean
 * bitmap in `words` (x_valid & y_valid, bits past n cleared); their count and
 * the first and last valid index.  0 when there is none. */
static int clean_bits(const uint64_t *x_valid, const uint64_t *y_valid, size_t n,
                      uint64_t *words, const uint64_t **v, size_t *cnt, size_t *first,
                      size_t *last)
{
    const size_t nw = (n + 63) >> 6;
    *v = NULL;
    *cnt = n, *first = 0, *last = n - 1;
    if (!x_valid && !y_valid)
        return 1;
    size_t c = 0;
    for (size_t w = 0; w < nw; w++) {
        uint64_t b = (x_valid ? x_valid[w] : ~UINT64_C(0)) & (y_valid ? y_valid[w] : ~UINT64_C(0));
        if (w == nw - 1 && (n & 63))
            b &= (UINT64_C(1) << (n & 63)) - 1;
        words[w] = b;
        c += b == ~UINT64_C(0) ? 64 : popcount64(b);
    }
    *cnt = c;
    if (c == 0)
        return 0;
    if (c < n) {
        *v = words;
        size_t w = 0;
        while (words[w] == 0)
            w++;
        *first = (w << 6) + (size_t)__builtin_ctzll(words[w]);
        w = nw - 1;
        while (words[w] == 0)
            w--;
        *last = (w << 6) + 63 - (size_t)__builtin_clzll(words[w]);
    }
    return 1;
}

/* -------------------------------------------------------------- partial */

blawk_status blawk_red_partial(blawk_red_state *part, const double *x, const uint64_t *x_valid,
                               const double *y, const uint64_t *y_valid, size_t n)
{
    if (part == NULL || n > BLAWK_BLOCK)
        return BLAWK_ERR_ARG;
    if (n == 0)
        return BLAWK_OK;
    const int32_t kind = part->p.kind;
    const int two = blawk_red_two_inputs(kind);
    if (x == NULL || (two && y == NULL))
        return BLAWK_ERR_ARG;
    if (!two)
        y_valid = NULL;

    /* one clean bitmap: both inputs combined, bits past n cleared */
    uint64_t words[BLAWK_BLOCK_WORDS];
    const uint64_t *v = NULL;
    size_t cnt, first, last;
    if (!clean_bits(x_valid, y_valid, n, words, &v, &cnt, &first, &last))
        return BLAWK_OK; /* no valid element */

    if (is_order_stat(kind)) {
        if (!grow(part, cnt + 8)) /* + 8: pick stores whole vectors */
            return BLAWK_ERR_NOMEM;
        double *dst = part->buf + part->len;
        size_t k = 0;
        if (v == NULL) { /* every row valid: the ISA's pick copies the non-NaN */
            const blawk_reduce_kernels *kr = blawk_reduce_kernels_for((int)blawk_isa_active());
            size_t below = 0;
            part->len += kr->pick(dst, cnt, x + first, last - first + 1, -INFINITY, INFINITY,
                                  &below);
            part->n += (int64_t)cnt;
            return BLAWK_OK;
        }
        for (size_t i = first; i <= last; i++) {
            if (v && !((v[i >> 6] >> (i & 63)) & 1))
                continue;
            const double xi = x[i];
            if (xi == xi)
                dst[k++] = xi;
        }
        part->len += k;
        part->n += (int64_t)cnt;
        return BLAWK_OK;
    }

    const blawk_reduce_kernels *kr = blawk_reduce_kernels_for((int)blawk_isa_active());
    blawk_red_state b = block_state(part, cnt);
    const double dcnt = (double)cnt;
    double out[3];
    switch (kind) {
    case BLAWK_RED_SUM:
    case BLAWK_RED_SUM0:
    case BLAWK_RED_MEAN:
        b.s = kr->sum(x, v, n);
        break;
    case BLAWK_RED_VAR:
    case BLAWK_RED_STD:
        b.kx = x[first];
        b.mx = kr->sum_shift(x, v, n, b.kx) / dcnt;
        b.m2 = kr->m2(x, v, n, b.kx, b.mx);
        break;
    case BLAWK_RED_SKEW:
    case BLAWK_RED_KURT:
        b.kx = x[first];
        b.mx = kr->sum_shift(x, v, n, b.kx) / dcnt;
        kr->m234(x, v, n, b.kx, b.mx, out);
        b.m2 = out[0], b.m3 = out[1], b.m4 = out[2];
        break;
    case BLAWK_RED_MIN:
        b.s = kr->min(x, v, n, &b.nan);
        break;
    case BLAWK_RED_MAX:
        b.s = kr->max(x, v, n, &b.nan);
        break;
    case BLAWK_RED_COUNT:
        break;
    case BLAWK_RED_FIRST:
        b.s = x[first];
        break;
    case BLAWK_RED_LAST:
        b.s = x[last];
        break;
    case BLAWK_RED_PROD:
        b.s = kr->prod(x, v, n);
        break;
    case BLAWK_RED_COV:
    case BLAWK_RED_COR:
        b.kx = x[first];
        b.ky = y[first];
        kr->sum_shift2(x, y, v, n, b.kx, b.ky, out);
        b.mx = out[0] / dcnt;
        b.my = out[1] / dcnt;
        kr->comoments(x, y, v, n, b.kx, b.ky, b.mx, b.my, out);
        b.cxy = out[0], b.m2 = out[1], b.m2y = out[2];
        break;
    case BLAWK_RED_WSUM:
    case BLAWK_RED_WAVG:
        kr->wsum(x, y, v, n, out);
        b.s = out[0];
        b.s2 = out[1];
        break;
    default:
        return BLAWK_ERR_ARG;
    }
    merge_fields(part, &b);
    return BLAWK_OK;
}

blawk_status blawk_red_extreme_span(blawk_red_state *part, const double *x,
                                    const uint64_t *x_valid, size_t n)
{
    if (part == NULL || (n && x == NULL) ||
        (part->p.kind != BLAWK_RED_MIN && part->p.kind != BLAWK_RED_MAX))
        return BLAWK_ERR_ARG;
    const size_t cnt = n - blawk_null_count(x_valid, n);
    if (cnt == 0)
        return BLAWK_OK;
    const blawk_reduce_kernels *kr = blawk_reduce_kernels_for((int)blawk_isa_active());
    blawk_red_state b = block_state(part, cnt);
    /* the kernels read whole bitmap words and clear the bits past n */
    b.s = part->p.kind == BLAWK_RED_MIN ? kr->min(x, x_valid, n, &b.nan)
                                        : kr->max(x, x_valid, n, &b.nan);
    merge_fields(part, &b);
    return BLAWK_OK;
}

int blawk_red_pairable(int32_t sum_kind, int32_t var_kind)
{
    return (sum_kind == BLAWK_RED_SUM || sum_kind == BLAWK_RED_SUM0 ||
            sum_kind == BLAWK_RED_MEAN) &&
           (var_kind == BLAWK_RED_VAR || var_kind == BLAWK_RED_STD);
}

blawk_status blawk_red_partial_pair(blawk_red_state *sum_part, blawk_red_state *var_part,
                                    const double *x, const uint64_t *x_valid, size_t n)
{
    if (sum_part == NULL || var_part == NULL || x == NULL || n > BLAWK_BLOCK ||
        !blawk_red_pairable(sum_part->p.kind, var_part->p.kind))
        return BLAWK_ERR_ARG;
    if (n == 0)
        return BLAWK_OK;
    uint64_t words[BLAWK_BLOCK_WORDS];
    const uint64_t *v = NULL;
    size_t cnt, first, last;
    if (!clean_bits(x_valid, NULL, n, words, &v, &cnt, &first, &last))
        return BLAWK_OK;
    (void)last;
    const blawk_reduce_kernels *kr = blawk_reduce_kernels_for((int)blawk_isa_active());
    /* what blawk_red_partial computes for each, with the two sums in one pass */
    blawk_red_state bs = block_state(sum_part, cnt), bv = block_state(var_part, cnt);
    bv.kx = x[first];
    double sums[2];
    kr->sum_and_shift(x, v, n, bv.kx, sums);
    bs.s = sums[0];
    bv.mx = sums[1] / (double)cnt;
    bv.m2 = kr->m2(x, v, n, bv.kx, bv.mx);
    merge_fields(sum_part, &bs);
    merge_fields(var_part, &bv);
    return BLAWK_OK;
}

/* ------------------------------------------------------------ selection */

static void swapd(double *a, double *b)
{
    const double t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(double *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        const double v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static double median3(double a, double b, double c)
{
    if (a < b)
        return b < c ? b : (a < c ? c : a);
    return a < c ? a : (b < c ? c : b);
}

static void select_kth(double *a, size_t n, size_t k);

/* Median of the medians of groups of 5: a pivot with at least ~30% of the
 * values on each side, whatever the input (the worst-case guarantee). */
static double mom_pivot(double *a, size_t n)
{
    size_t g = 0;
    for (size_t i = 0; i + 5 <= n; i += 5) {
        insertion_sort(a + i, 5);
        swapd(&a[g++], &a[i + 2]); /* g <= i/5: only already-seen slots move */
    }
    select_kth(a, g, g / 2);
    return a[g / 2];
}

/*
 * Rearrange a[0, n) (no NaN) so that a[k] is the k-th smallest value, with
 * a[i] <= a[k] for i < k and a[i] >= a[k] for i > k.  Quickselect with a
 * median-of-3 pivot and three-way partitions (runs of equal values cost
 * nothing); after 8 partitions that kept more than 3/4 of the range, pivots
 * come from the median of medians, so the worst case stays O(n).
 */
static void select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    int bad = 0;
    while (hi - lo > 16) {
        const size_t size = hi - lo;
        const double p = bad < 8 ? median3(a[lo], a[lo + size / 2], a[hi - 1])
                                 : mom_pivot(a + lo, size);
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            if (a[i] < p)
                swapd(&a[lt++], &a[i++]);
            else if (a[i] > p)
                swapd(&a[i], &a[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return; /* a[k] == p, in the block of values equal to the pivot */
        if (4 * (hi - lo) > 3 * size)
            bad++;
    }
    insertion_sort(a + lo, hi - lo);
}

/*
 * The k-th smallest of a[0, n) (no NaN), and with `next` also the (k+1)-th
 * (k + 1 < n), in *vk / *vnext; a is reordered.
 *
 * Large inputs first narrow the range with a sample (Floyd and Rivest's idea):
 * two values p1 <= p2 of a pseudo-random sample of ~n^(2/3) values whose
 * ranks bracket k's with a margin of 3 sqrt(s) (six standard deviations of
 * the sample rank), then one vectorised pass (the ISA's `pick` kernel) copies
 * the values in [p1, p2] out, in order, and counts those below p1.  If the
 * wanted ranks fall among the copied values, the search goes on over them
 * (a few percent of n, narrowed again while large); otherwise (unlikely), or
 * when the copy would keep more than half of the values (many ties), the
 * three-way quickselect finishes where it is.  Random data costs about one
 * streaming pass instead of quickselect's unpredictable branches.  The sample
 * depends only on n and the values, so results depend on nothing else.
 */
#define SAMPLE_MIN_N 8192

static void kth_values(double *a, size_t n, size_t k, int next, double *vk, double *vnext)
{
    const blawk_reduce_kernels *kr = blawk_reduce_kernels_for((int)blawk_isa_active());
    double *own = NULL; /* the current copy, when the search has moved to one */
    while (n >= SAMPLE_MIN_N) {
        size_t s = (size_t)(cbrt((double)n) * cbrt((double)n));
        s = s < 512 ? 512 : (s > 65536 ? 65536 : s);
        const size_t cap = n / 2;
        double *smp = malloc(s * sizeof *smp);
        double *dst = malloc((cap + 8) * sizeof *dst);
        if (smp == NULL || dst == NULL) {
            free(smp);
            free(dst);
            break;
        }
        uint64_t r = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
        for (size_t i = 0; i < s; i++) {
            r ^= r << 13; /* xorshift64 */
            r ^= r >> 7;
            r ^= r << 17;
            smp[i] = a[r % n];
        }
        const double margin = 3.0 * sqrt((double)s);
        const double centre = ((double)k + 0.5) * (double)s / (double)n;
        const size_t r1 = centre - margin <= 0.0 ? 0 : (size_t)(centre - margin);
        size_t r2 = (size_t)(centre + margin);
        r2 = r2 >= s ? s - 1 : r2;
        select_kth(smp, s, r1);
        select_kth(smp + r1, s - r1, r2 - r1);
        const double p1 = smp[r1], p2 = smp[r2];
        free(smp);
        size_t less = 0;
        const size_t mid = kr->pick(dst, cap, a, n, p1, p2, &less);
        if (mid == SIZE_MAX || less > k || k + (next ? 1 : 0) >= less + mid) {
            free(dst);
            break;
        }
        free(own);
        own = a = dst;
        n = mid;
        k -= less;
    }
    select_kth(a, n, k);
    *vk = a[k];
    if (next) {
        double hi = a[k + 1];
        for (size_t i = k + 2; i < n; i++)
            hi = a[i] < hi ? a[i] : hi;
        *vnext = hi;
    }
    free(own);
}

/* a + (b - a) t for a <= b, exact at both ends, without overflow */
static double lerp(double a, double b, double t)
{
    if (a == b)
        return a;
    const double d = b - a;
    if (isfinite(d))
        return t < 0.5 ? a + d * t : b - d * (1.0 - t);
    return a * (1.0 - t) + b * t;
}

static double order_stat(const blawk_red_state *s)
{
    double *a = s->buf; /* the state owns it; result reorders it (reduce.h) */
    const size_t n = s->len;
    double lo, hi = 0.0;
    if (s->p.kind == BLAWK_RED_MEDIAN) {
        kth_values(a, n, (n - 1) / 2, !(n & 1), &lo, &hi);
        if (n & 1)
            return lo;
        const double m = (lo + hi) * 0.5;
        if (isinf(m) && isfinite(lo) && isfinite(hi))
            return lo * 0.5 + hi * 0.5; /* the sum overflowed, the mean does not */
        return m;
    }
    const double h = (double)(n - 1) * s->p.q;
    size_t k = (size_t)h;
    if (k > n - 1)
        k = n - 1;
    const double t = h - (double)k;
    const int next = t != 0.0 && k + 1 < n;
    kth_values(a, n, k, next, &lo, &hi);
    return next ? lerp(lo, hi, t) : lo;
}

/* --------------------------------------------------------------- result */

void blawk_red_result(const blawk_red_state *s, double *value, int *valid)
{
    double r = 0.0;
    int ok = 0;
    if (s == NULL) {
        if (value)
            *value = 0.0;
        if (valid)
            *valid = 0;
        return;
    }
    const double n = (double)s->n;
    const double ddof = (double)s->p.ddof;
    switch (s->p.kind) {
    case BLAWK_RED_SUM:
    case BLAWK_RED_WSUM:
        ok = s->n > 0;
        r = nvalue(s->s, s->c);
        break;
    case BLAWK_RED_SUM0:
        ok = 1;
        r = s->n > 0 ? nvalue(s->s, s->c) : 0.0;
        break;
    case BLAWK_RED_MEAN:
        ok = s->n > 0;
        r = nvalue(s->s, s->c) / n;
        break;
    case BLAWK_RED_WAVG:
        ok = s->n > 0;
        r = nvalue(s->s, s->c) / nvalue(s->s2, s->c2);
        break;
    case BLAWK_RED_VAR:
    case BLAWK_RED_STD:
        ok = n > ddof;
        r = s->m2 / (n - ddof);
        if (s->p.kind == BLAWK_RED_STD)
            r = sqrt(r);
        break;
    case BLAWK_RED_COV:
        ok = n > ddof;
        r = s->cxy / (n - ddof);
        break;
    case BLAWK_RED_COR:
        ok = s->n >= 2;
        {
            /* one rounding less than sqrt(a) sqrt(b), unless a b over/underflows */
            const double pr = s->m2 * s->m2y;
            r = s->cxy / (isnormal(pr) ? sqrt(pr) : sqrt(s->m2) * sqrt(s->m2y));
        }
        if (r > 1.0)
            r = 1.0;
        else if (r < -1.0)
            r = -1.0;
        break;
    case BLAWK_RED_SKEW:
        /* pandas: n sqrt(n-1) / (n-2) * m3 / m2^1.5; no spread (m2 == 0, a
         * constant column) is 0/0 = NaN, as pandas >= 3.1 and the rolling
         * skew give */
        ok = s->n >= 3;
        if (s->m2 == 0.0)
            r = NAN;
        else
            r = (n * sqrt(n - 1.0) / (n - 2.0)) * (s->m3 / (s->m2 * sqrt(s->m2)));
        break;
    case BLAWK_RED_KURT: {
        /* pandas: n(n+1)(n-1) m4 / ((n-2)(n-3) m2^2) - 3 (n-1)^2 / ((n-2)(n-3)) */
        ok = s->n >= 4;
        const double den = (n - 2.0) * (n - 3.0) * (s->m2 * s->m2);
        if (den == 0.0) {
            r = NAN; /* no spread: 0/0, as for skew */
        } else {
            const double num = n * (n + 1.0) * (n - 1.0) * s->m4;
            const double adj = 3.0 * (n - 1.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0));
            r = num / den - adj;
        }
        break;
    }
    case BLAWK_RED_MIN:
    case BLAWK_RED_MAX:
        ok = s->n > 0;
        r = s->nan ? NAN : s->s;
        break;
    case BLAWK_RED_COUNT:
        ok = 1;
        r = n;
        break;
    case BLAWK_RED_FIRST:
    case BLAWK_RED_LAST:
    case BLAWK_RED_PROD:
        ok = s->n > 0;
        r = s->s;
        break;
    case BLAWK_RED_MEDIAN:
    case BLAWK_RED_QUANTILE:
        ok = s->n > 0;
        if (ok)
            r = (size_t)s->n > s->len ? NAN : order_stat(s);
        break;
    default:
        break;
    }
    if (!ok)
        r = 0.0;
    if (value)
        *value = r;
    if (valid)
        *valid = ok;
}

/* ------------------------------------------------------- whole columns */

blawk_status blawk_red_column(const blawk_red_params *p, const double *x, const uint64_t *x_valid,
                              const double *y, const uint64_t *y_valid, size_t n,
                              double *value, int *valid)
{
    if (value == NULL || valid == NULL)
        return BLAWK_ERR_ARG;
    *value = 0.0;
    *valid = 0;
    blawk_red_state *total = NULL, *part = NULL;
    blawk_status st = blawk_red_new(p, &total);
    if (st == BLAWK_OK)
        st = blawk_red_new(p, &part);
    for (size_t off = 0; st == BLAWK_OK && off < n; off += BLAWK_BLOCK) {
        const size_t len = n - off < BLAWK_BLOCK ? n - off : BLAWK_BLOCK;
        const size_t w = off >> 6;
        blawk_red_reset(part);
        st = blawk_red_partial(part, x ? x + off : NULL, x_valid ? x_valid + w : NULL,
                               y ? y + off : NULL, y_valid ? y_valid + w : NULL, len);
        if (st == BLAWK_OK)
            st = blawk_red_merge(total, part);
    }
    if (st == BLAWK_OK)
        blawk_red_result(total, value, valid);
    blawk_red_free(part);
    blawk_red_free(total);
    return st;
}
