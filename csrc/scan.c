/*
 * scan.c -- cumulative (scan) kernels with state carried across blocks.
 *
 * The contract is kernels/scan.h; docs/windows.md records the decisions.
 * A scan is sequential by nature (row i needs the accumulator left by row
 * i-1), so there is one portable implementation and every ISA gives the same
 * bits; the one vector call is expsum's exp, through blawk_exp, whose results
 * are bit-identical on every ISA.
 *
 * Rules (DESIGN.md "Null rules"): a null input gives a null output and leaves
 * the accumulator unchanged; rows before the first valid value are null.
 * Exceptions: count is never null; fill carries the last valid value into
 * null rows.  NaN is a value: it propagates through sum/prod/ema as IEEE
 * says, and sticks in cummax/cummin (like numpy's maximum.accumulate).
 *
 * The accumulators are plain sequential IEEE operations in row order, seeded
 * with the first valid value, so sum/prod give the same bits as numpy's
 * cumsum/cumprod over the valid values.  cummax/cummin are exact whatever the
 * order, so they run the active ISA's vector scan (kernels/cumext.h) until a
 * NaN arrives, and the rows from there on here.
 */
#include <math.h>
#include <stdlib.h>

#include "kernels/cumext.h"
#include "kernels/scan.h"

struct blawk_scan_state {
    int kind;
    int have;          /* a valid value has been seen */
    double alpha, oma; /* EMA: alpha and 1 - alpha */
    int64_t limit;     /* FILL */
    int64_t gap;       /* FILL: nulls since the last valid value */
    double acc;
    double count;
};

blawk_status blawk_scan_new(const blawk_scan_params *p, blawk_scan_state **out)
{
    if (out)
        *out = NULL;
    if (!p || !out || p->kind < 0 || p->kind >= BLAWK_SCAN_KIND_COUNT_)
        return BLAWK_ERR_ARG;
    if (p->kind == BLAWK_SCAN_EMA && !(p->alpha > 0.0 && p->alpha <= 1.0))
        return BLAWK_ERR_ARG;
    if (p->kind == BLAWK_SCAN_FILL && p->limit < 0)
        return BLAWK_ERR_ARG;
    blawk_scan_state *s = calloc(1, sizeof *s);
    if (!s)
        return BLAWK_ERR_NOMEM;
    s->kind = p->kind;
    s->alpha = p->alpha;
    s->oma = 1.0 - p->alpha;
    s->limit = p->limit;
    *out = s;
    return BLAWK_OK;
}

void blawk_scan_free(blawk_scan_state *s) { free(s); }

static inline int bit_at(const uint64_t *bm, size_t i)
{
    return bm ? (int)((bm[i >> 6] >> (i & 63)) & 1) : 1;
}

/* Does a win over b (strictly), -0.0 below +0.0? */
static inline int beats(double a, double b, int ismax)
{
    if (ismax)
        return a > b || (a == b && !signbit(a) && signbit(b));
    return a < b || (a == b && signbit(a) && !signbit(b));
}

#if defined(__GNUC__)
#define SCAN_INLINE static inline __attribute__((always_inline))
#else
#define SCAN_INLINE static inline
#endif

/* One row: returns the output validity, writes the value to *o.  `kind` is a
 * constant at each call site (see scan_kind), so the switches fold away. */
SCAN_INLINE int step(blawk_scan_state *s, const int kind, double v, int ok, double *o)
{
    switch (kind) {
    case BLAWK_SCAN_COUNT:
        s->count += ok;
        *o = s->count;
        return 1;
    case BLAWK_SCAN_FILL:
        if (ok) {
            s->acc = v;
            s->have = 1;
            s->gap = 0;
            *o = v;
            return 1;
        }
        s->gap++;
        if (s->have && (s->limit == 0 || s->gap <= s->limit)) {
            *o = s->acc;
            return 1;
        }
        *o = 0.0;
        return 0;
    default: break;
    }
    if (!ok) {
        *o = 0.0;
        return 0;
    }
    if (!s->have) {
        s->have = 1;
        s->acc = v;
    } else {
        switch (kind) {
        case BLAWK_SCAN_SUM:
        case BLAWK_SCAN_SUM1:
        case BLAWK_SCAN_EXPSUM: s->acc = s->acc + v; break;
        case BLAWK_SCAN_PROD: s->acc = s->acc * v; break;
        case BLAWK_SCAN_MAX:
        case BLAWK_SCAN_MIN:
            /* NaN sticks: once seen, the running extreme is NaN */
            if (!isnan(s->acc) && (isnan(v) || beats(v, s->acc, kind == BLAWK_SCAN_MAX)))
                s->acc = v;
            break;
        case BLAWK_SCAN_EMA:
            /* alpha == 1 is the identity (0 * inf would make NaN) */
            s->acc = s->oma == 0.0 ? v : s->alpha * v + s->oma * s->acc;
            break;
        default: break;
        }
    }
    *o = kind == BLAWK_SCAN_SUM1 ? 1.0 + s->acc : s->acc;
    return 1;
}

/* The rows of one kind, on a local copy of the state (stores through out
 * cannot alias it, so it stays in registers). */
SCAN_INLINE void scan_kind(blawk_scan_state *st, const int kind, double *out, uint64_t *out_valid,
                           const double *x, const uint64_t *x_valid, size_t n)
{
    blawk_scan_state L = *st;
    uint64_t word = 0;
    for (size_t i = 0; i < n; i++) {
        double o;
        int ok = step(&L, kind, x[i], bit_at(x_valid, i), &o);
        out[i] = o;
        word |= (uint64_t)ok << (i & 63);
        if ((i & 63) == 63) {
            out_valid[i >> 6] = word;
            word = 0;
        }
    }
    if (n & 63)
        out_valid[n >> 6] = word;
    *st = L;
}

static void scan_run(blawk_scan_state *s, double *out, uint64_t *out_valid, const double *x,
                     const uint64_t *x_valid, size_t n);
static void cumext_run(blawk_scan_state *s, double *out, uint64_t *out_valid, const double *x,
                       const uint64_t *x_valid, size_t n);

void blawk_scan_block(blawk_scan_state *s, double *out, uint64_t *out_valid, const double *x,
                      const uint64_t *x_valid, size_t n)
{
    if (!s || !out || !x || n == 0)
        return;
    if (out_valid) {
        scan_run(s, out, out_valid, x, x_valid, n);
        return;
    }
    if (s->kind == BLAWK_SCAN_MAX || s->kind == BLAWK_SCAN_MIN) {
        cumext_run(s, out, NULL, x, x_valid, n);
        return;
    }
    /* values only: collect the bits in a scratch bitmap and drop them */
    uint64_t scratch[BLAWK_BLOCK_WORDS];
    for (size_t off = 0; off < n; off += BLAWK_BLOCK) {
        size_t m = n - off < BLAWK_BLOCK ? n - off : BLAWK_BLOCK;
        scan_run(s, out + off, scratch, x + off, x_valid ? x_valid + off / 64 : NULL, m);
    }
}

static blawk_cumext_fn cumext_kernel(void)
{
    switch (blawk_isa_active()) {
    case BLAWK_ISA_AVX512: return blawk_cumext_avx512;
    case BLAWK_ISA_AVX2: return blawk_cumext_avx2;
    default: return blawk_cumext_scalar;
    }
}

/* Is any of rows [0, i) valid? */
static int any_valid(const uint64_t *valid, size_t i)
{
    if (!valid)
        return i > 0;
    for (size_t w = 0; w * 64 < i; w++) {
        uint64_t b = valid[w];
        if (i - w * 64 < 64)
            b &= (UINT64_C(1) << (i - w * 64)) - 1;
        if (b)
            return 1;
    }
    return 0;
}

/* cummax / cummin: a row's validity is its input's (a null in gives a null
 * out, a valid value a valid running extreme), the values come from the
 * vector kernel until the first NaN, then from `step`, where NaN sticks.
 * out_valid may be NULL (values only): nothing here depends on the blocking,
 * so blawk_scan_block then runs any n in one go. */
static void cumext_run(blawk_scan_state *s, double *out, uint64_t *out_valid, const double *x,
                       const uint64_t *x_valid, size_t n)
{
    const int kind = s->kind, ismax = kind == BLAWK_SCAN_MAX;
    if (out_valid) {
        const size_t words = (n + 63) >> 6;
        for (size_t w = 0; w < words; w++)
            out_valid[w] = x_valid ? x_valid[w] : ~UINT64_C(0);
        if (n & 63)
            out_valid[words - 1] &= (UINT64_C(1) << (n & 63)) - 1;
    }
    size_t i = 0;
    if (!(s->have && isnan(s->acc))) {
        double acc = s->have ? s->acc : (ismax ? -INFINITY : INFINITY);
        i = cumext_kernel()(out, x, x_valid, n, &acc, ismax);
        if (!s->have)
            s->have = any_valid(x_valid, i);
        if (s->have)
            s->acc = acc;
    }
    for (; i < n; i++) {
        double o;
        step(s, kind, x[i], bit_at(x_valid, i), &o);
        out[i] = o;
    }
}

static void scan_run(blawk_scan_state *s, double *out, uint64_t *out_valid, const double *x,
                     const uint64_t *x_valid, size_t n)
{
    switch (s->kind) {
    case BLAWK_SCAN_SUM: scan_kind(s, BLAWK_SCAN_SUM, out, out_valid, x, x_valid, n); break;
    case BLAWK_SCAN_SUM1: scan_kind(s, BLAWK_SCAN_SUM1, out, out_valid, x, x_valid, n); break;
    case BLAWK_SCAN_EXPSUM: scan_kind(s, BLAWK_SCAN_EXPSUM, out, out_valid, x, x_valid, n); break;
    case BLAWK_SCAN_PROD: scan_kind(s, BLAWK_SCAN_PROD, out, out_valid, x, x_valid, n); break;
    case BLAWK_SCAN_MAX:
    case BLAWK_SCAN_MIN: cumext_run(s, out, out_valid, x, x_valid, n); break;
    case BLAWK_SCAN_COUNT: scan_kind(s, BLAWK_SCAN_COUNT, out, out_valid, x, x_valid, n); break;
    case BLAWK_SCAN_EMA: scan_kind(s, BLAWK_SCAN_EMA, out, out_valid, x, x_valid, n); break;
    case BLAWK_SCAN_FILL: scan_kind(s, BLAWK_SCAN_FILL, out, out_valid, x, x_valid, n); break;
    default: return;
    }
    if (s->kind == BLAWK_SCAN_EXPSUM) {
        /* out holds the running sums (0.0 under nulls): exponentiate in place
         * with the library's exp, so ecs1 gives the bits of exp(cumsum x) */
        blawk_exp(out, out, n);
        size_t words = (n + 63) >> 6;
        for (size_t wd = 0; wd < words; wd++) {
            uint64_t m = out_valid[wd];
            size_t lim = wd + 1 < words || !(n & 63) ? 64 : (n & 63);
            if (m == (lim == 64 ? ~UINT64_C(0) : (UINT64_C(1) << lim) - 1))
                continue;
            for (size_t b = 0; b < lim; b++)
                if (!((m >> b) & 1))
                    out[wd * 64 + b] = 0.0;
        }
    }
}
