/* fork_join.c -- see kernels/fork_join.h. */
#include <pthread.h>

#include "kernels/fork_join.h"

#define FORK_MAX 64

void blawk_fork_join(void *(*fn)(void *), void *items, size_t stride, int n)
{
    char *base = items;
    if (n < 1)
        return;
    pthread_t tid[FORK_MAX];
    int started[FORK_MAX] = {0};
    const int forked = n < FORK_MAX ? n : FORK_MAX;
    for (int t = 1; t < forked; t++)
        started[t] = pthread_create(&tid[t], NULL, fn, base + (size_t)t * stride) == 0;
    fn(base);
    for (int t = forked; t < n; t++) /* beyond the thread limit: here */
        fn(base + (size_t)t * stride);
    for (int t = 1; t < forked; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            fn(base + (size_t)t * stride); /* could not start a thread: do its share here */
    }
}
