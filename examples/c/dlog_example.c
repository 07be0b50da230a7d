/*
 * dlog_example.c -- blawk's C ABI on its own, no Python: log returns of prices.
 *
 * What it shows
 *   1. a column of prices with some nulls, marked in an Arrow-layout validity
 *      bitmap (uint64 words, LSB first, 1 = valid);
 *   2. a two-instruction VM program, dlog(x, 1) = diff(log(x), 1):
 *          r1 = LOG  r0            (r0 is the input column, r1 a scratch register)
 *          r2 = DIFF r1, lag 1     (r2 is bound to the output column)
 *      run block by block with blawk_vm_run: one log per element, the lag
 *      reading r1's history across block boundaries;
 *   3. blawk_log called directly on a plain array of doubles.
 *
 * Null rule for lag ops: out[i] is null for i < lag and wherever x[i] or
 * x[i-lag] is null.  Nulls are not NaN: a null prints as "null", and the value
 * stored under a null slot is unspecified (this program never reads it).
 *
 * Usage:   dlog_example [N [ISA]]
 *   N     number of prices (default 24)
 *   ISA   scalar | avx2 | avx512: force the kernels' instruction set
 *         (default: the best this CPU has).  Results are bit-identical.
 * Prints every row as  i  price  dlog  with %.17g (round-trips exactly), then
 * a few logs from blawk_log.  Exits 1 with blawk_status_str's text on stderr
 * if any blawk call fails, 2 on bad usage.
 *
 * Build, from a clean checkout, at the repository root -- either
 *   cmake -S examples/c -B build/example && cmake --build build/example
 *       (builds libblawk.a and this program; add -G Ninja where there is no make)
 * or, against a libblawk.a built by the root CMakeLists.txt,
 *   cmake -S . -B build && cmake --build build
 *   make -C examples/c                                    (or, by hand:)
 *   cc -std=c11 -O2 -I csrc/include examples/c/dlog_example.c build/libblawk.a -lm \
 *      -o dlog_example
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blawk.h"

/* Print the failing call and the library's description of the status; exit 1. */
static void check(blawk_status st, const char *what)
{
    if (st != BLAWK_OK) {
        fprintf(stderr, "dlog_example: %s failed: %s (status %d)\n", what,
                blawk_status_str(st), (int)st);
        exit(1);
    }
}

static int is_valid(const uint64_t *valid, size_t i)
{
    return valid == NULL || ((valid[i >> 6] >> (i & 63)) & 1u);
}

static void set_valid(uint64_t *valid, size_t i)
{
    valid[i >> 6] |= UINT64_C(1) << (i & 63);
}

/* Which prices are missing: every 7th from i = 3, and i = 11 (next to 10, so a
 * run of two nulls shows that a valid x[i] after a null x[i-1] is still null). */
static int price_is_null(size_t i)
{
    return i % 7 == 3 || i == 11;
}

/* A deterministic random walk in whole cents (so every price is an exact
 * decimal), from a 64-bit LCG; never below 1.00. */
static void make_prices(double *x, size_t n)
{
    uint64_t state = 20240601u;
    int64_t cents = 10000;
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)cents / 100.0;
        state = state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        cents += (int64_t)((state >> 33) % 201) - 100;   /* -1.00 .. +1.00 */
        if (cents < 100)
            cents = 100;
    }
}

static size_t parse_n(const char *s)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > (1ull << 32) || s[0] == '-') {
        fprintf(stderr, "dlog_example: N must be a positive integer, got '%s'\n", s);
        exit(2);
    }
    return (size_t)v;
}

int main(int argc, char **argv)
{
    if (argc > 3) {
        fprintf(stderr, "usage: %s [N [scalar|avx2|avx512]]\n", argv[0]);
        return 2;
    }
    size_t n = argc > 1 ? parse_n(argv[1]) : 24;
    if (argc > 2) {
        blawk_isa isa;
        check(blawk_isa_from_name(argv[2], &isa), "blawk_isa_from_name");
        check(blawk_set_isa(isa), "blawk_set_isa");
    }

    printf("blawk %d.%d.%d dlog example\n", BLAWK_VERSION_MAJOR, BLAWK_VERSION_MINOR,
           BLAWK_VERSION_PATCH);
    printf("active ISA: %s (best on this CPU: %s)\n", blawk_isa_name(blawk_isa_active()),
           blawk_isa_name(blawk_isa_best()));

    /* ---- the input column: values + validity bitmap ---------------------- */
    const size_t words = blawk_bitmap_words(n);
    double *px = blawk_alloc(n * sizeof(double));         /* 64-byte aligned, zeroed */
    uint64_t *px_valid = blawk_alloc(words * sizeof(uint64_t));
    double *out = blawk_alloc(n * sizeof(double));
    uint64_t *out_valid = blawk_alloc(words * sizeof(uint64_t));
    if (!px || !px_valid || !out || !out_valid)
        check(BLAWK_ERR_NOMEM, "blawk_alloc");
    make_prices(px, n);
    for (size_t i = 0; i < n; i++)      /* bitmap starts zeroed (all null): set the valid bits */
        if (!price_is_null(i))
            set_valid(px_valid, i);

    /* ---- the program: r1 = log r0; r2 = diff r1 lag 1; output <- r2 ------- */
    const blawk_instr code[] = {
        {.op = BLAWK_OP_LOG, .dst = 1, .a = 0},
        {.op = BLAWK_OP_DIFF, .dst = 2, .a = 1, .lag = 1},
    };
    const uint32_t out_regs[] = {2};
    const blawk_program prog = {
        .code = code,
        .n_code = 2,
        .n_inputs = 1,         /* r0 */
        .n_regs = 3,           /* r0 input, r1 and r2 block-sized scratch */
        .n_outputs = 1,
        .out_regs = out_regs,
    };
    check(blawk_program_check(&prog), "blawk_program_check");

    /* A lag op can always produce nulls (out[0] here), so the output needs a
     * bitmap; blawk_program_may_null says so given which inputs have one. */
    const uint8_t input_nullable[1] = {1};
    uint8_t output_may_null[1] = {0};
    check(blawk_program_may_null(&prog, input_nullable, output_may_null),
          "blawk_program_may_null");

    blawk_col input = {.values = px, .valid = px_valid, .n = n};
    blawk_col output = {.values = out, .valid = output_may_null[0] ? out_valid : NULL, .n = n};
    check(blawk_vm_run(&prog, &input, &output, n), "blawk_vm_run");

    size_t in_nulls = blawk_null_count(input.valid, n);
    size_t out_nulls = output.valid ? blawk_null_count(output.valid, n) : 0;
    printf("dlog(x, 1) with the block VM: n = %zu, %zu null prices, %zu null results\n", n,
           in_nulls, out_nulls);
    printf("%8s %24s %24s\n", "i", "price", "dlog");
    for (size_t i = 0; i < n; i++) {
        char a[32] = "null", b[32] = "null";
        if (is_valid(input.valid, i))
            snprintf(a, sizeof a, "%.17g", px[i]);
        if (is_valid(output.valid, i))
            snprintf(b, sizeof b, "%.17g", out[i]);
        printf("%8zu %24s %24s\n", i, a, b);
    }

    /* ---- blawk_log on a raw array (values only: no bitmap, no nulls) ------- */
    double xs[] = {1.0, 2.0, 0.5, 100.25, 1e-300, 0.0, -1.0};
    const size_t m = sizeof xs / sizeof xs[0];
    double logs[sizeof xs / sizeof xs[0]];
    blawk_log(logs, xs, m);      /* ln 0 = -inf and ln -1 = NaN: IEEE values, not nulls */
    printf("blawk_log on %zu values:\n", m);
    printf("%8s %24s %24s\n", "i", "x", "log(x)");
    for (size_t i = 0; i < m; i++)
        printf("%8zu %24.17g %24.17g\n", i, xs[i], logs[i]);

    blawk_free(px);
    blawk_free(px_valid);
    blawk_free(out);
    blawk_free(out_valid);
    return 0;
}
