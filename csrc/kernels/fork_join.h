/*
 * fork_join.h -- run a few tasks on threads and wait for them (internal).
 */
#ifndef BLAWK_FORK_JOIN_H
#define BLAWK_FORK_JOIN_H

#include <stddef.h>

/*
 * Run fn(items + i * stride) for every i in [0, n): item 0 on the calling
 * thread, the others on threads of their own (at most 64 at once), and return
 * when all are done.  An item whose thread cannot be started runs on the
 * calling thread, so every item always runs exactly once.
 */
void blawk_fork_join(void *(*fn)(void *), void *items, size_t stride, int n);

#endif
