/*
 * window_median.c -- the order-statistic structure behind the rolling median.
 *
 * Two binary heaps split the window's (non-NaN) values: `lo`, a max-heap of
 * the lower half, and `hi`, a min-heap of the upper half, with
 *     every lo value <= every hi value,   nlo == nhi or nlo == nhi + 1.
 * The median is the top of lo (odd count) or the mean of both tops (even).
 *
 * The heaps hold ring *slots* (the window's storage index of a value), and
 * pos[slot] records where each slot sits, so the element leaving the window
 * is erased where it is in O(log w): no lazy deletion, so the heaps never
 * hold stale entries and their memory is fixed at w slots each.
 *
 * Insert: into lo if the value is <= lo's top, else into hi; then at most one
 * top moves across to restore the size rule.  Erase: the heap's last element
 * fills the hole and is sifted up or down; then the same rebalance.
 * Replace (a row leaves and the next one takes its ring slot, the common
 * case): the slot keeps its heap position, the new value is sifted from
 * there, and if it crossed to the other half the two tops swap: one or two
 * sifts, and the heap sizes never change.
 * All are O(log w).  Sequential by nature, so one portable implementation
 * serves every ISA.
 *
 * Order: every comparison puts -0.0 below +0.0 (IEEE 754-2019 totalOrder on
 * the non-NaN values the heaps hold, as the window min/max do).  Values equal
 * in that order have equal bits, so the tops -- and the median -- depend only
 * on the window's values, never on the order they arrived in or the heap
 * layout that history left.  With IEEE `<` the two zeros tie and a window
 * holding both could give -0.0 in one pass and +0.0 in a state warmed up on a
 * halo (a thread's), breaking "same bits from any first row".
 */
#include <math.h>
#include <stdlib.h>

#include "kernels/window.h"

/* a < b with -0.0 < +0.0 (a, b never NaN) */
static inline int lt(double a, double b)
{
    return a < b || (a == b && signbit(a) && !signbit(b));
}

blawk_status blawk_win_medheap_init(blawk_win_medheap *h, int64_t capacity)
{
    h->lo = h->hi = h->pos = NULL;
    h->nlo = h->nhi = 0;
    if (capacity < 1)
        capacity = 1;
    if ((uint64_t)capacity > SIZE_MAX / sizeof(int64_t))
        return BLAWK_ERR_NOMEM;
    /* calloc: pages are only touched as the window fills */
    h->lo = calloc((size_t)capacity, sizeof(int64_t));
    h->hi = calloc((size_t)capacity, sizeof(int64_t));
    h->pos = calloc((size_t)capacity, sizeof(int64_t));
    if (!h->lo || !h->hi || !h->pos) {
        blawk_win_medheap_free(h);
        return BLAWK_ERR_NOMEM;
    }
    return BLAWK_OK;
}

void blawk_win_medheap_free(blawk_win_medheap *h)
{
    free(h->lo);
    free(h->hi);
    free(h->pos);
    h->lo = h->hi = h->pos = NULL;
    h->nlo = h->nhi = 0;
}

/* lo is a max-heap: the parent is >= its children. */
static void lo_up(blawk_win_medheap *h, const double *v, int64_t i)
{
    int64_t *a = h->lo, s = a[i];
    double x = v[s];
    while (i > 0) {
        int64_t p = (i - 1) >> 1;
        if (!lt(v[a[p]], x))
            break;
        a[i] = a[p];
        h->pos[a[i]] = i + 1;
        i = p;
    }
    a[i] = s;
    h->pos[s] = i + 1;
}

static void lo_down(blawk_win_medheap *h, const double *v, int64_t i)
{
    int64_t *a = h->lo, n = h->nlo, s = a[i];
    double x = v[s];
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && lt(v[a[c]], v[a[c + 1]]))
            c++;
        if (!lt(x, v[a[c]]))
            break;
        a[i] = a[c];
        h->pos[a[i]] = i + 1;
        i = c;
    }
    a[i] = s;
    h->pos[s] = i + 1;
}

/* hi is a min-heap: the parent is <= its children. */
static void hi_up(blawk_win_medheap *h, const double *v, int64_t i)
{
    int64_t *a = h->hi, s = a[i];
    double x = v[s];
    while (i > 0) {
        int64_t p = (i - 1) >> 1;
        if (!lt(x, v[a[p]]))
            break;
        a[i] = a[p];
        h->pos[a[i]] = -(i + 1);
        i = p;
    }
    a[i] = s;
    h->pos[s] = -(i + 1);
}

static void hi_down(blawk_win_medheap *h, const double *v, int64_t i)
{
    int64_t *a = h->hi, n = h->nhi, s = a[i];
    double x = v[s];
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && lt(v[a[c + 1]], v[a[c]]))
            c++;
        if (!lt(v[a[c]], x))
            break;
        a[i] = a[c];
        h->pos[a[i]] = -(i + 1);
        i = c;
    }
    a[i] = s;
    h->pos[s] = -(i + 1);
}

static int64_t lo_pop(blawk_win_medheap *h, const double *v)
{
    int64_t top = h->lo[0];
    int64_t last = h->lo[--h->nlo];
    if (h->nlo > 0) {
        h->lo[0] = last;
        lo_down(h, v, 0);
    }
    h->pos[top] = 0;
    return top;
}

static int64_t hi_pop(blawk_win_medheap *h, const double *v)
{
    int64_t top = h->hi[0];
    int64_t last = h->hi[--h->nhi];
    if (h->nhi > 0) {
        h->hi[0] = last;
        hi_down(h, v, 0);
    }
    h->pos[top] = 0;
    return top;
}

static void lo_push(blawk_win_medheap *h, const double *v, int64_t slot)
{
    h->lo[h->nlo] = slot;
    lo_up(h, v, h->nlo++);
}

static void hi_push(blawk_win_medheap *h, const double *v, int64_t slot)
{
    h->hi[h->nhi] = slot;
    hi_up(h, v, h->nhi++);
}

/* Restore nlo == nhi or nlo == nhi + 1 after one insert or erase. */
static void rebalance(blawk_win_medheap *h, const double *v)
{
    if (h->nlo > h->nhi + 1)
        hi_push(h, v, lo_pop(h, v));
    else if (h->nhi > h->nlo)
        lo_push(h, v, hi_pop(h, v));
}

void blawk_win_medheap_insert(blawk_win_medheap *h, const double *v, int64_t slot)
{
    if (h->nlo == 0 || !lt(v[h->lo[0]], v[slot]))
        lo_push(h, v, slot);
    else
        hi_push(h, v, slot);
    rebalance(h, v);
}

void blawk_win_medheap_erase(blawk_win_medheap *h, const double *v, int64_t slot)
{
    int64_t p = h->pos[slot];
    if (p > 0) {
        int64_t i = p - 1, last = h->lo[--h->nlo];
        if (i < h->nlo) {
            h->lo[i] = last;
            h->pos[last] = i + 1;
            lo_up(h, v, i);
            lo_down(h, v, h->pos[last] - 1);
        }
    } else if (p < 0) {
        int64_t i = -p - 1, last = h->hi[--h->nhi];
        if (i < h->nhi) {
            h->hi[i] = last;
            h->pos[last] = -(i + 1);
            hi_up(h, v, i);
            hi_down(h, v, -h->pos[last] - 1);
        }
    } else {
        return; /* not held */
    }
    h->pos[slot] = 0;
    rebalance(h, v);
}

void blawk_win_medheap_replace(blawk_win_medheap *h, const double *v, int64_t slot, double old)
{
    int64_t p = h->pos[slot];
    if (p > 0) {
        if (lt(old, v[slot]))
            lo_up(h, v, p - 1);
        else
            lo_down(h, v, p - 1);
    } else {
        if (lt(v[slot], old))
            hi_up(h, v, -p - 1);
        else
            hi_down(h, v, -p - 1);
    }
    /* only the changed value can have crossed over: it is now one of the two
     * tops, and swapping the tops restores lo <= hi */
    if (h->nhi > 0 && lt(v[h->hi[0]], v[h->lo[0]])) {
        int64_t a = h->lo[0], b = h->hi[0];
        h->lo[0] = b;
        h->hi[0] = a;
        h->pos[b] = 1;
        h->pos[a] = -1;
        lo_down(h, v, 0);
        hi_down(h, v, 0);
    }
}

double blawk_win_medheap_median(const blawk_win_medheap *h, const double *v)
{
    double a = v[h->lo[0]];
    if (h->nlo > h->nhi)
        return a;
    double b = v[h->hi[0]];
    double s = a + b;
    /* the mean of two finite values is finite even when their sum is not */
    if (isinf(s) && isfinite(a) && isfinite(b))
        return a * 0.5 + b * 0.5;
    return s * 0.5;
}
