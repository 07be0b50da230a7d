/*
 * fork_join.h -- run a few tasks on threads and wait for them (internal).
 */
#ifndef BLAWK_FORK_JOIN_H
#define BLAWK_FORK_JOIN_H

#include <stddef.h>

/*
 * Run fn(items + i * stride) for every i in [0, n): item 0 on the calling
 * thread, the others on parked pool threads (at most 63, started on first
 * use), and return when all are done.  Items nobody has claimed when the
 * caller finishes item 0 run on the caller, so every item runs exactly once
 * even when no thread can be started.  Concurrent or nested calls find the
 * pool busy and start threads of their own.  fn must not rely on which
 * thread runs an item.
 */
void blawk_fork_join(void *(*fn)(void *), void *items, size_t stride, int n);

#endif
