/*
 * dispatch.c -- run-time choice of the kernel implementation.
 *
 * At first use the library asks the CPU (cpuid) which instruction sets it has
 * and the OS (xgetbv) which register states it saves on a context switch; an
 * ISA is "available" only if both say yes.  The best available table becomes
 * active; blawk_set_isa can force another one (the tests run every path on
 * one machine that way).
 */
#include <string.h>

#include "blawk.h"
#include "kernels/kernels.h"
#include "kernels/vmath.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define BLAWK_X86 1
#else
#define BLAWK_X86 0
#endif

/* ------------------------------------------------------------------ cpuid */

#if BLAWK_X86
static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    /* xgetbv with ecx=0; encoded as bytes so no -mxsave is needed. */
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static int detect(blawk_isa isa)
{
    unsigned a, b, c, d;
    if (isa == BLAWK_ISA_SCALAR)
        return 1;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    const int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx)
        return 0;
    const uint64_t xcr0 = read_xcr0();
    const int ymm_ok = (xcr0 & 0x6) == 0x6;          /* SSE + AVX state */
    const int zmm_ok = (xcr0 & 0xe6) == 0xe6;        /* + opmask, ZMM_Hi256, Hi16_ZMM */
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1;
    const int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1;
    const int avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    switch (isa) {
    case BLAWK_ISA_AVX2:
        return ymm_ok && avx2 && fma;
    case BLAWK_ISA_AVX512:
        return ymm_ok && zmm_ok && avx2 && fma && avx512f && avx512dq && avx512bw && avx512vl;
    default:
        return 0;
    }
}
#else
static int detect(blawk_isa isa) { return isa == BLAWK_ISA_SCALAR; }
#endif

/* ------------------------------------------------------------- the tables */

const blawk_kernels *blawk_kernels_for(int isa)
{
    switch (isa) {
    case BLAWK_ISA_SCALAR: return &blawk_kernels_scalar;
    case BLAWK_ISA_AVX2: return &blawk_kernels_avx2;
    case BLAWK_ISA_AVX512: return &blawk_kernels_avx512;
    default: return NULL;
    }
}

const blawk_kernels *blawk_kernels_nt_for(int isa)
{
    switch (isa) {
    case BLAWK_ISA_AVX2: return &blawk_kernels_avx2_nt;
    case BLAWK_ISA_AVX512: return &blawk_kernels_avx512_nt;
    default: return blawk_kernels_for(isa);
    }
}

/* -1 = not decided yet.  Plain ints: selection happens at import, before any
 * kernel runs, and blawk_set_isa must not race with running kernels (blawk.h). */
static int available_cache[BLAWK_ISA_COUNT] = {-1, -1, -1};
static int active_isa = -1;

int blawk_isa_available(blawk_isa isa)
{
    if ((int)isa < 0 || isa >= BLAWK_ISA_COUNT)
        return 0;
    if (available_cache[isa] < 0)
        available_cache[isa] = detect(isa);
    return available_cache[isa];
}

blawk_isa blawk_isa_best(void)
{
    if (blawk_isa_available(BLAWK_ISA_AVX512))
        return BLAWK_ISA_AVX512;
    if (blawk_isa_available(BLAWK_ISA_AVX2))
        return BLAWK_ISA_AVX2;
    return BLAWK_ISA_SCALAR;
}

blawk_isa blawk_isa_active(void)
{
    if (active_isa < 0)
        active_isa = (int)blawk_isa_best();
    return (blawk_isa)active_isa;
}

blawk_status blawk_set_isa(blawk_isa isa)
{
    if (!blawk_isa_available(isa))
        return BLAWK_ERR_ISA;
    active_isa = (int)isa;
    return BLAWK_OK;
}

const blawk_kernels *blawk_active(void)
{
    return blawk_kernels_for((int)blawk_isa_active());
}

static const char *const isa_names[BLAWK_ISA_COUNT] = {"scalar", "avx2", "avx512"};

const char *blawk_isa_name(blawk_isa isa)
{
    if ((int)isa < 0 || isa >= BLAWK_ISA_COUNT)
        return NULL;
    return isa_names[isa];
}

blawk_status blawk_isa_from_name(const char *name, blawk_isa *out)
{
    if (name == NULL || out == NULL)
        return BLAWK_ERR_ARG;
    for (int i = 0; i < BLAWK_ISA_COUNT; i++) {
        if (strcmp(name, isa_names[i]) == 0) {
            *out = (blawk_isa)i;
            return BLAWK_OK;
        }
    }
    return BLAWK_ERR_ARG;
}

const char *blawk_status_str(blawk_status s)
{
    switch (s) {
    case BLAWK_OK: return "ok";
    case BLAWK_ERR_NOMEM: return "out of memory";
    case BLAWK_ERR_ARG: return "invalid argument";
    case BLAWK_ERR_ISA: return "instruction set not available on this CPU";
    case BLAWK_ERR_PROGRAM: return "malformed program";
    case BLAWK_ERR_SHAPE: return "column lengths differ";
    }
    return "unknown status";
}

/* ------------------------------------------------- public array kernels */

void blawk_log(double *out, const double *x, size_t n)
{
    if (n && out && x)
        blawk_active()->log(out, x, n);
}

void blawk_exp(double *out, const double *x, size_t n)
{
    if (n && out && x)
        blawk_active()->exp(out, x, n);
}
