/*
 * join.c -- row matching for the as-of and exact-key joins (blawk/joins.py).
 *
 * blawk_join_rows finds, for each driving key x, the last row of the sorted
 * lookup keys with key <= x (as-of) or key == x (exact).  It keeps one cursor
 * `i` into the lookup keys: the number of keys <= the previous driving key.
 * For the next driving key x >= the previous one the cursor only moves
 * forward:
 *
 *   - WINDOW keys ahead are compared at once (branch-free; the keys <= x form
 *     a prefix of the window, so their count is the step).  When the two
 *     sides are about as long, the step is almost always inside the window:
 *     one predictable branch per driving key instead of one unpredictable
 *     branch per key of the merge.
 *   - A full window means x is further ahead: an exponential (galloping)
 *     search from the end of the window, then a binary search in the last
 *     doubling, O(log d) for a step of d keys.
 *
 * Over sorted driving keys the cursor steps add up to at most n, so the cost
 * is O(m + n) (a linear merge), and O(m log(n/m)) when the driving side is
 * much shorter (galloping); with m >> n most windows are empty, O(m).  A
 * driving key smaller than the one before it (an unsorted driving side) is a
 * binary search over all the lookup keys, O(log n), and the cursor restarts
 * there.
 *
 * Threads split the driving keys into contiguous ranges; each range starts
 * with a binary search for its first key.  Every output element is the unique
 * answer for its key, so the results never depend on the thread count.
 *
 * Memory safety does not depend on the lookup keys being sorted: every read
 * stays inside [0, n) whatever the data (only the answers would be wrong).
 */

#include "blawk.h"
#include "kernels/fork_join.h"
#include "kernels/kernels.h"

/* Lookup keys compared per driving key before galloping (4 measured a little
 * faster than 8 or 16 on equal-length sides and on a longer driving side). */
#define WINDOW 4
/* Driving keys per thread below which another thread is not worth starting. */
#define MIN_PER_THREAD ((size_t)1 << 16)
#define MAX_THREADS 64
/* A gap of more keys than this after a gallop is searched with search_far:
 * 32 KB of keys, about where they stop fitting in L1 */
#define FAR 4096

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* The first index in [lo, hi) whose key is > x, or hi (k[lo..hi) sorted).
 * A plain branchy binary search: after a gallop over sorted driving keys the
 * range is short and near the last answer, and speculation down the predicted
 * side overlaps the loads (measured: 2x faster than branch-free here). */
static size_t upper_bound(const int64_t *k, size_t lo, size_t hi, int64_t x)
{
    while (lo < hi) {
        const size_t mid = lo + ((hi - lo) >> 1);
        if (k[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* upper_bound for a range that may be long and out of cache: branch-free
 * halving (a conditional move) with both possible next probes prefetched, so
 * the cache misses overlap (measured: 1.6x faster than the branchy search on
 * 1e6 shuffled keys, 2x faster than numpy's). */
static size_t search_far(const int64_t *k, size_t lo, size_t hi, int64_t x)
{
    if (lo == hi)
        return lo;
    const int64_t *base = k + lo;
    size_t len = hi - lo;
    while (len > 1) {
        const size_t half = len >> 1;
        PREFETCH(base + (half >> 1));
        PREFETCH(base + half + (half >> 1));
        base = base[half] <= x ? base + half : base;
        len -= half;
    }
    return (size_t)(base - k) + (size_t)(*base <= x);
}

/* The first index in [lo, n) whose key is > x, or n, knowing k[lo - 1] <= x:
 * probes lo + 1, lo + 3, lo + 7, ... then a binary search in the last gap. */
static size_t gallop(const int64_t *k, size_t lo, size_t n, int64_t x)
{
    size_t step = 1;
    for (;;) {
        if (step >= n - lo) /* lo + step would reach n (lo <= n always) */
            return n - lo > FAR ? search_far(k, lo, n, x) : upper_bound(k, lo, n, x);
        const size_t p = lo + step;
        if (k[p] > x)
            return p - lo > FAR ? search_far(k, lo, p, x) : upper_bound(k, lo, p, x);
        lo = p + 1;
        step <<= 1;
    }
}

typedef struct job {
    const int64_t *keys;
    size_t n;
    const int64_t *find;
    size_t j0, j1;
    int exact;
    int64_t *out;
    size_t missing;
} job;

static void run_job(job *jb)
{
    const int64_t *restrict k = jb->keys;
    const int64_t *restrict d = jb->find;
    int64_t *restrict out = jb->out;
    const size_t n = jb->n, j1 = jb->j1;
    const int exact = jb->exact;
    size_t missing = 0;
    if (jb->j0 >= j1)
        return;
    if (n == 0) {
        for (size_t j = jb->j0; j < j1; j++)
            out[j] = -1;
        jb->missing = j1 - jb->j0;
        return;
    }
    size_t i = search_far(k, 0, n, d[jb->j0]);
    int64_t prev = d[jb->j0];
    for (size_t j = jb->j0; j < j1; j++) {
        const int64_t x = d[j];
        if (x < prev) {
            /* out of order: the answer is somewhere before the cursor */
            i = search_far(k, 0, n, x);
        } else if (i + WINDOW <= n) {
            size_t c = 0;
            for (size_t w = 0; w < WINDOW; w++)
                c += (size_t)(k[i + w] <= x);
            i = c < WINDOW ? i + c : gallop(k, i + WINDOW, n, x);
        } else {
            while (i < n && k[i] <= x)
                i++;
        }
        prev = x;
        /* i keys are <= x: the last of them is row i - 1 (none when i == 0) */
        int64_t p = (int64_t)i - 1;
        if (exact) {
            /* k[i - 1] when i > 0, else k[0] (n >= 1): no branch, no read outside */
            const int hit = (i > 0) & (k[i - (i > 0)] == x);
            p = hit ? p : -1;
        }
        out[j] = p;
        missing += (size_t)(p < 0);
    }
    jb->missing = missing;
}

static void *job_main(void *arg)
{
    run_job(arg);
    return NULL;
}

blawk_status blawk_join_rows(const int64_t *keys, size_t n, const int64_t *find, size_t m,
                             blawk_join_kind kind, int threads, int64_t *out,
                             size_t *n_missing)
{
    if ((kind != BLAWK_JOIN_ASOF && kind != BLAWK_JOIN_EXACT) || (n && !keys) ||
        (m && (!find || !out)) || n > (size_t)INT64_MAX)
        return BLAWK_ERR_ARG;
    int nthreads = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    while (nthreads > 1 && m / (size_t)nthreads < MIN_PER_THREAD)
        nthreads--;
    job jobs[MAX_THREADS];
    for (int t = 0; t < nthreads; t++) {
        jobs[t] = (job){.keys = keys, .n = n, .find = find,
                        .j0 = m * (size_t)t / (size_t)nthreads,
                        .j1 = m * (size_t)(t + 1) / (size_t)nthreads,
                        .exact = kind == BLAWK_JOIN_EXACT, .out = out, .missing = 0};
    }
    blawk_fork_join(job_main, jobs, sizeof jobs[0], nthreads);
    size_t missing = 0;
    for (int t = 0; t < nthreads; t++)
        missing += jobs[t].missing;
    if (n_missing)
        *n_missing = missing;
    return BLAWK_OK;
}

/* 1 if x[i] < x[i - 1] for some i in [b, e) (b >= 1).  The comparison is
 * the sign of the exact difference, computed in unsigned arithmetic (no
 * overflow) with bit operations only, so the loop vectorises on baseline
 * x86-64 (SSE2 has no 64-bit compare; AVX2 has, see join_avx2.c). */
static int any_descent(const int64_t *x, size_t b, size_t e)
{
    const uint64_t *u = (const uint64_t *)x;
    uint64_t bad = 0;
    for (size_t i = b; i < e; i++) {
        const uint64_t a = u[i], c = u[i - 1], d = a - c;
        bad |= d ^ ((a ^ c) & (d ^ a)); /* bit 63: x[i] < x[i - 1] */
    }
    return (int)(bad >> 63);
}

size_t blawk_i64_unsorted_at(const int64_t *x, size_t n)
{
    if (x == NULL || n < 2)
        return 0;
    /* blocks without an early exit inside, then the exact row inside the
     * first bad block */
    const int avx2 = blawk_isa_active() != BLAWK_ISA_SCALAR;
    const size_t B = 4096;
    for (size_t b = 1; b < n; b += B) {
        const size_t e = n - b < B ? n : b + B;
        if (avx2 ? blawk_any_descent_avx2(x, b, e) : any_descent(x, b, e)) {
            for (size_t i = b; i < e; i++)
                if (x[i] < x[i - 1])
                    return i;
        }
    }
    return 0;
}
