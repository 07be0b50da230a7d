/* memory.c -- aligned allocation and bitmap counting. */
#include <stdlib.h>
#include <string.h>

#include "blawk.h"

void *blawk_alloc(size_t bytes)
{
    if (bytes == 0)
        bytes = BLAWK_ALIGN;
    /* aligned_alloc needs a size that is a multiple of the alignment */
    size_t rounded = (bytes + BLAWK_ALIGN - 1) & ~(size_t)(BLAWK_ALIGN - 1);
    if (rounded < bytes)
        return NULL; /* overflow */
    void *p = aligned_alloc(BLAWK_ALIGN, rounded);
    if (p)
        memset(p, 0, rounded);
    return p;
}

void blawk_free(void *p) { free(p); }

size_t blawk_null_count(const uint64_t *valid, size_t n)
{
    if (valid == NULL || n == 0)
        return 0;
    size_t full = n >> 6, ones = 0;
    /* most words are all valid: skip the popcount (a library call in the
     * baseline x86-64 build, which has no popcnt instruction) */
    for (size_t w = 0; w < full; w++)
        ones += valid[w] == ~UINT64_C(0) ? 64 : (size_t)__builtin_popcountll(valid[w]);
    if (n & 63) {
        uint64_t tail = valid[full] & ((UINT64_C(1) << (n & 63)) - 1);
        ones += (size_t)__builtin_popcountll(tail);
    }
    return n - ones;
}

/* ------------------------------------------------------------------ pool */
/*
 * Result buffers come from a small pool so that a steady stream of
 * computations of the same size (a REPL line run again, a benchmark loop, a
 * script over many columns) reuses memory the OS has already mapped instead
 * of paying a page fault per 4 KB again.  Only big buffers are pooled; the
 * pool keeps at most POOL_SLOTS of them and POOL_MAX_BYTES in all.
 */
#include <pthread.h>

#define POOL_SLOTS 16
#define POOL_MIN_BYTES ((size_t)1 << 16)
#define POOL_MAX_BYTES ((size_t)1 << 30)

static struct {
    void *ptr[POOL_SLOTS];
    size_t size[POOL_SLOTS];
    size_t held;
    pthread_mutex_t lock;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t pool_round(size_t bytes)
{
    return (bytes + BLAWK_ALIGN - 1) & ~(size_t)(BLAWK_ALIGN - 1);
}

void *blawk_pool_get(size_t bytes)
{
    bytes = pool_round(bytes ? bytes : 1);
    if (bytes >= POOL_MIN_BYTES) {
        void *hit = NULL;
        pthread_mutex_lock(&pool.lock);
        for (int i = 0; i < POOL_SLOTS; i++) {
            if (pool.ptr[i] && pool.size[i] == bytes) {
                hit = pool.ptr[i];
                pool.ptr[i] = NULL;
                pool.held -= bytes;
                break;
            }
        }
        pthread_mutex_unlock(&pool.lock);
        if (hit)
            return hit;
    }
    return aligned_alloc(BLAWK_ALIGN, bytes);
}

void blawk_pool_put(void *p, size_t bytes)
{
    if (p == NULL)
        return;
    bytes = pool_round(bytes ? bytes : 1);
    if (bytes >= POOL_MIN_BYTES && bytes <= POOL_MAX_BYTES) {
        pthread_mutex_lock(&pool.lock);
        int slot = -1;
        for (int i = 0; i < POOL_SLOTS && slot < 0; i++)
            if (pool.ptr[i] == NULL)
                slot = i;
        if (slot >= 0 && pool.held + bytes <= POOL_MAX_BYTES) {
            pool.ptr[slot] = p;
            pool.size[slot] = bytes;
            pool.held += bytes;
            p = NULL;
        }
        pthread_mutex_unlock(&pool.lock);
    }
    free(p);
}

void blawk_pool_trim(void)
{
    pthread_mutex_lock(&pool.lock);
    for (int i = 0; i < POOL_SLOTS; i++) {
        free(pool.ptr[i]);
        pool.ptr[i] = NULL;
    }
    pool.held = 0;
    pthread_mutex_unlock(&pool.lock);
}
