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
    for (size_t w = 0; w < full; w++)
        ones += (size_t)__builtin_popcountll(valid[w]);
    if (n & 63) {
        uint64_t tail = valid[full] & ((UINT64_C(1) << (n & 63)) - 1);
        ones += (size_t)__builtin_popcountll(tail);
    }
    return n - ones;
}
