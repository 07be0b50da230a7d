/* fork_join.c -- see kernels/fork_join.h.
 *
 * A pool of parked worker threads, started on first use and kept: waking a
 * parked thread costs ~10 us here against ~30-45 us to create and join one
 * (measured on the 2-vCPU development VM), and the VM forks on every threaded
 * stage.  One job at a time: a caller that finds the pool busy (another
 * thread's stage, or a nested call) starts threads of its own as before.
 * Everything about the job is read and written under one mutex; items are
 * claimed one by one, so the caller and any worker that is awake share them
 * and every item runs exactly once.  After fork() the child starts with an
 * empty pool (its parent's workers do not exist there).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "kernels/fork_join.h"

#define FORK_MAX 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER; /* a new job (workers wait) */
static pthread_cond_t done = PTHREAD_COND_INITIALIZER; /* the job's items all ran */
static atomic_flag in_use = ATOMIC_FLAG_INIT;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int n_workers;
/* job number: a worker joins every job after the one it saw (written under
 * mu; read without it only by a spinning worker, as a hint) */
static _Atomic unsigned long gen;

/* After its items a worker watches for the next job this long before it
 * sleeps: a stage that follows at once (the next stage of a script, the next
 * call in a loop) finds it awake, on its own core; one woken from sleep
 * often lands on the caller's core first. */
#define SPIN_NS 50000L
static void *(*job_fn)(void *);
static char *job_items;
static size_t job_stride;
static int job_n, job_next, job_left;

/* With mu held: run unclaimed items of the current job until none is left. */
static void run_items(void)
{
    while (job_next < job_n) {
        void *item = job_items + (size_t)job_next++ * job_stride;
        void *(*fn)(void *) = job_fn;
        pthread_mutex_unlock(&mu);
        fn(item);
        pthread_mutex_lock(&mu);
        if (--job_left == 0)
            pthread_cond_signal(&done);
    }
}

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Watch `gen` for up to SPIN_NS (mu not held). */
static void spin_for_job(unsigned long seen)
{
    const long until = now_ns() + SPIN_NS;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(&gen, memory_order_relaxed) != seen)
            return;
        cpu_relax();
        if ((i & 63) == 0 && now_ns() > until)
            return;
    }
}

static void *worker_loop(void *arg)
{
    unsigned long seen = (unsigned long)(uintptr_t)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        if (gen == seen) {
            pthread_mutex_unlock(&mu);
            spin_for_job(seen);
            pthread_mutex_lock(&mu);
        }
        while (gen == seen)
            pthread_cond_wait(&wake, &mu);
        seen = gen;
        run_items();
    }
    return NULL; /* not reached: workers park until the process ends */
}

static void reset_in_child(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    mu = m;
    wake = c;
    done = c;
    n_workers = 0;
    job_n = job_next = job_left = 0;
    atomic_flag_clear(&in_use);
}

static void register_fork_handler(void) { pthread_atfork(NULL, NULL, reset_in_child); }

/* The pool is busy: threads of our own, joined at the end. */
static void spawn_join(void *(*fn)(void *), char *base, size_t stride, int n)
{
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

void blawk_fork_join(void *(*fn)(void *), void *items, size_t stride, int n)
{
    char *base = items;
    if (n < 1)
        return;
    if (n == 1) {
        fn(base);
        return;
    }
    if (atomic_flag_test_and_set(&in_use)) {
        spawn_join(fn, base, stride, n);
        return;
    }
    pthread_once(&once, register_fork_handler);
    pthread_mutex_lock(&mu);
    const int want = n - 1 < FORK_MAX - 1 ? n - 1 : FORK_MAX - 1;
    while (n_workers < want) {
        pthread_attr_t attr;
        pthread_t t;
        if (pthread_attr_init(&attr) != 0)
            break;
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int err = pthread_create(&t, &attr, worker_loop, (void *)(uintptr_t)atomic_load(&gen));
        pthread_attr_destroy(&attr);
        if (err != 0)
            break; /* fewer workers: the caller takes the items nobody claims */
        n_workers++;
    }
    job_fn = fn;
    job_items = base;
    job_stride = stride;
    job_n = n;
    job_next = 1;
    job_left = n - 1;
    gen++;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&mu);

    fn(base); /* item 0 */

    pthread_mutex_lock(&mu);
    run_items(); /* whatever no worker has claimed yet */
    while (job_left > 0)
        pthread_cond_wait(&done, &mu);
    job_n = job_next = 0;
    pthread_mutex_unlock(&mu);
    atomic_flag_clear(&in_use);
}
