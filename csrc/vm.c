/*
 * vm.c -- the block VM (see blawk.h for the program format).
 *
 * The program runs over block 0, then block 1, ...  Each register has, for the
 * current block, a values pointer and a validity pointer (NULL = all valid in
 * this block).  Where a register's block lives:
 *   input     a view into the input column (no copy)
 *   output    a view into the output column (the instruction writes in place)
 *   scratch   a BLAWK_BLOCK-sized buffer of the VM
 *   ringed    a scratch register that some lag op reads back in time: its
 *             storage is a ring of whole blocks, and block b is stored at slot
 *             b mod (ring/BLOCK), so the producer writes history directly.
 * Inputs and outputs need no ring: their memory already holds the history.
 *
 * Stateful ops (WINDOW, SCAN) keep a kernel state object per instruction;
 * REDUCE reduces every block into its own partial and merges the partials in
 * block order at the end, so the result never depends on the thread count.
 *
 * Threads: a program without scans, observation-mode lags or windows, or
 * lags of an output splits its blocks among threads; a thread that starts
 * mid-column first re-runs enough blocks before its range ("warm-up", outputs
 * and reductions off) to fill the lag rings and window states exactly as a
 * single thread would have.  Observation mode counts valid values from row 0:
 * the observations a thread would need before its range may lie arbitrarily
 * far back (and a computed register's validity is only known by running the
 * blocks before), so such programs run on one thread.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blawk.h"
#include "kernels/fork_join.h"
#include "kernels/kernels.h"
#include "kernels/logic.h"
#include "kernels/reduce.h"
#include "kernels/scan.h"
#include "kernels/window.h"

enum { REG_INPUT = 0, REG_SCRATCH = 1, REG_OUTPUT = 2 };

/* Aligned, not zeroed: block registers are written before they are read. */
static void *alloc_raw(size_t bytes)
{
    bytes = (bytes + BLAWK_ALIGN - 1) & ~(size_t)(BLAWK_ALIGN - 1);
    return aligned_alloc(BLAWK_ALIGN, bytes ? bytes : BLAWK_ALIGN);
}

typedef struct reg {
    /* current block */
    double *v;
    uint64_t *m;          /* NULL: every element of this block is valid */
    uint64_t *bits;       /* where this block's validity words go when written (or NULL) */
    /* where the data lives */
    int kind;
    const blawk_col *col; /* REG_INPUT / REG_OUTPUT */
    double *store_v;      /* REG_SCRATCH: block buffer or ring */
    uint64_t *store_m;
    size_t ring;          /* elements in the ring (multiple of BLAWK_BLOCK); 0 = no ring */
    int keep_bits;        /* always materialise validity words (ringed, or output with a bitmap) */
    int nt;               /* REG_OUTPUT written with non-temporal stores where the
                             kernel has them (run_ctx.k_nt) */
} reg;

static int is_binary(uint32_t op)
{
    return (op >= BLAWK_OP_ADD && op <= BLAWK_OP_DIV) || (op >= BLAWK_OP_POW && op <= BLAWK_OP_MAX2) ||
           (op >= BLAWK_OP_LT && op <= BLAWK_OP_NE) || op == BLAWK_OP_COALESCE || op == BLAWK_OP_WHERE;
}
static int is_scalar_op(uint32_t op)
{
    return (op >= BLAWK_OP_ADD_S && op <= BLAWK_OP_RDIV_S) ||
           (op >= BLAWK_OP_POW_S && op <= BLAWK_OP_ROUND_S) ||
           (op >= BLAWK_OP_LT_S && op <= BLAWK_OP_NE_S) || op == BLAWK_OP_FILL_S ||
           op == BLAWK_OP_SUBDIV_S || op == BLAWK_OP_MULADD_S;
}
/* ops with a second scalar operand, scalar register `arg` */
static int uses_sreg2(uint32_t op) { return op == BLAWK_OP_SUBDIV_S || op == BLAWK_OP_MULADD_S; }
/* ops whose validity is not the AND of their operands' */
static int is_null_op(uint32_t op) { return op >= BLAWK_OP_ISNULL && op <= BLAWK_OP_WHERE; }
static int is_lag(uint32_t op) { return op >= BLAWK_OP_DIFF && op <= BLAWK_OP_DLOG1; }
static int uses_sreg(const blawk_instr *in) { return is_scalar_op(in->op) && (in->flags & BLAWK_F_SREG); }

/* ------------------------------------------------------------ validation */

blawk_status blawk_program_check(const blawk_program *p)
{
    if (p == NULL || (p->n_code && p->code == NULL) || (p->n_outputs && p->out_regs == NULL))
        return BLAWK_ERR_ARG;
    if (p->n_inputs > p->n_regs || p->n_regs > (1u << 24) || p->n_scalars > (1u << 24))
        return BLAWK_ERR_PROGRAM;
    /* written[r]: 1 once some instruction (or the caller, for inputs) has set r;
     * swritten[s]: scalar s is set by a REDUCE of this program (so it cannot be
     * read in it: a reduction is known only after the whole pass) */
    uint8_t *written = blawk_alloc(p->n_regs + p->n_scalars + 1);
    if (written == NULL)
        return BLAWK_ERR_NOMEM;
    uint8_t *swritten = written + p->n_regs;
    memset(written, 1, p->n_inputs);
    /* A scratch register may be written again once its value is dead (register
     * reuse), except one that a lag op reads back in time or that is an output. */
    uint8_t *fixed = blawk_alloc(p->n_regs + 1);
    if (fixed == NULL) {
        blawk_free(written);
        return BLAWK_ERR_NOMEM;
    }
    for (uint32_t k = 0; k < p->n_code; k++)
        if (is_lag(p->code[k].op) && p->code[k].a < p->n_regs)
            fixed[p->code[k].a] = 1;
    for (uint32_t j = 0; j < p->n_outputs; j++)
        if (p->out_regs[j] < p->n_regs)
            fixed[p->out_regs[j]] = 1;
    blawk_status st = BLAWK_OK;
    for (uint32_t k = 0; k < p->n_code && st == BLAWK_OK; k++) {
        const blawk_instr *in = &p->code[k];
        const uint32_t op = in->op;
        if (op == BLAWK_OP_NOP)
            continue;
        if (op >= BLAWK_OP_COUNT_ || in->a >= p->n_regs || !written[in->a]) {
            st = BLAWK_ERR_PROGRAM;
        } else if (op == BLAWK_OP_REDUCE) {
            const int two = (in->flags & BLAWK_F_TWO_INPUTS) != 0;
            if (in->dst >= p->n_scalars || swritten[in->dst] || in->kind < 0 ||
                in->kind >= BLAWK_RED_KIND_COUNT_ ||
                (two && (in->b >= p->n_regs || !written[in->b])))
                st = BLAWK_ERR_PROGRAM;
            else
                swritten[in->dst] = 1;
            continue;
        } else if (in->dst < p->n_inputs || in->dst >= p->n_regs ||
                   (written[in->dst] && fixed[in->dst])) {
            st = BLAWK_ERR_PROGRAM;
        } else if (is_binary(op) && (in->b >= p->n_regs || !written[in->b])) {
            st = BLAWK_ERR_PROGRAM;
        } else if (op == BLAWK_OP_WHERE &&
                   (in->arg < 0 || (uint64_t)in->arg >= p->n_regs || !written[in->arg])) {
            st = BLAWK_ERR_PROGRAM;
        } else if (uses_sreg(in) && (in->b >= p->n_scalars || swritten[in->b])) {
            st = BLAWK_ERR_PROGRAM;
        } else if (uses_sreg2(op) &&
                   (in->arg < 0 || (uint64_t)in->arg >= p->n_scalars || swritten[in->arg])) {
            st = BLAWK_ERR_PROGRAM;
        } else if ((is_lag(op) && in->lag < 0 && (in->a >= p->n_inputs || (in->flags & BLAWK_F_OBS) ||
                                                  op == BLAWK_OP_DLOG1)) ||
                   (op == BLAWK_OP_DLOG1 && in->lag != 1)) {
            /* a lead reads ahead: only an input's memory holds the future */
            st = BLAWK_ERR_PROGRAM;
        } else if (op == BLAWK_OP_WINDOW &&
                   (in->kind < 0 || in->kind >= BLAWK_WIN_KIND_COUNT_ || in->lag < 1 || in->arg < 1)) {
            st = BLAWK_ERR_PROGRAM;
        } else if (op == BLAWK_OP_SCAN && (in->kind < 0 || in->kind >= BLAWK_SCAN_KIND_COUNT_)) {
            st = BLAWK_ERR_PROGRAM;
        }
        if (st == BLAWK_OK)
            written[in->dst] = 1;
    }
    for (uint32_t j = 0; j < p->n_outputs && st == BLAWK_OK; j++) {
        const uint32_t r = p->out_regs[j];
        if (r < p->n_inputs || r >= p->n_regs || !written[r])
            st = BLAWK_ERR_PROGRAM;
        for (uint32_t i = 0; i < j && st == BLAWK_OK; i++)
            if (p->out_regs[i] == r)
                st = BLAWK_ERR_PROGRAM;
    }
    blawk_free(written);
    blawk_free(fixed);
    return st;
}

/* Static null analysis over all registers (flags has n_regs entries).
 * svalid: validity of the scalar registers (NULL: all valid). */
static void may_null_regs(const blawk_program *p, uint8_t *flags, const uint8_t *svalid)
{
    for (uint32_t k = 0; k < p->n_code; k++) {
        const blawk_instr *in = &p->code[k];
        if (in->op == BLAWK_OP_NOP || in->op == BLAWK_OP_REDUCE)
            continue;
        uint8_t f = flags[in->a];
        if (is_binary(in->op))
            f |= flags[in->b];
        if (uses_sreg(in) && svalid && !svalid[in->b])
            f = 1;
        if (uses_sreg2(in->op) && svalid && !svalid[in->arg])
            f = 1;
        if (is_lag(in->op) && (in->lag != 0 || (in->flags & BLAWK_F_OBS)))
            f = 1; /* the first `lag` (last, for a lead) elements are null */
        if (in->op == BLAWK_OP_ISNULL || in->op == BLAWK_OP_ISVALID || in->op == BLAWK_OP_FILL_S)
            f = 0;
        if (in->op == BLAWK_OP_NAN2NULL)
            f = 1;
        if (in->op == BLAWK_OP_COALESCE)
            f = flags[in->a] && flags[in->b];
        if (in->op == BLAWK_OP_WHERE)
            f = flags[in->a] | flags[in->b] | flags[in->arg];
        if (in->op == BLAWK_OP_WINDOW) /* count is never null, except at the null
                                          rows of observation mode */
            f = in->kind != BLAWK_WIN_COUNT || ((in->flags & BLAWK_F_OBS) && flags[in->a]);
        if (in->op == BLAWK_OP_SCAN)
            f = in->kind == BLAWK_SCAN_COUNT ? 0 : (in->kind == BLAWK_SCAN_FILL ? 1 : f);
        flags[in->dst] = f;
    }
}

blawk_status blawk_program_may_null(const blawk_program *p, const uint8_t *inputs_nullable,
                                    uint8_t *out)
{
    return blawk_program_may_null_s(p, inputs_nullable, NULL, out);
}

blawk_status blawk_program_may_null_s(const blawk_program *p, const uint8_t *inputs_nullable,
                                      const uint8_t *scalars_valid, uint8_t *out)
{
    blawk_status st = blawk_program_check(p);
    if (st != BLAWK_OK)
        return st;
    if ((p->n_inputs && inputs_nullable == NULL) || (p->n_outputs && out == NULL))
        return BLAWK_ERR_ARG;
    uint8_t *flags = blawk_alloc(p->n_regs);
    if (flags == NULL)
        return BLAWK_ERR_NOMEM;
    for (uint32_t i = 0; i < p->n_inputs; i++)
        flags[i] = inputs_nullable[i] != 0;
    may_null_regs(p, flags, scalars_valid);
    for (uint32_t j = 0; j < p->n_outputs; j++)
        out[j] = flags[p->out_regs[j]];
    blawk_free(flags);
    return BLAWK_OK;
}

/* ------------------------------------------------------------ bit helpers */

static inline uint64_t tail_mask(size_t nbits)
{
    /* mask of the valid bits in the last word of an nbits-long block */
    return (nbits & 63) ? ((UINT64_C(1) << (nbits & 63)) - 1) : ~UINT64_C(0);
}

/* 64 bits of a linear bitmap of `nbits` bits starting at bit `pos`; bits at or
 * beyond nbits read as 0. */
static inline uint64_t bits_at(const uint64_t *bm, size_t nbits, size_t pos)
{
    if (pos >= nbits)
        return 0;
    const size_t w = pos >> 6, sh = pos & 63, nwords = (nbits + 63) >> 6;
    uint64_t lo = bm[w] >> sh;
    if (sh && w + 1 < nwords)
        lo |= bm[w + 1] << (64 - sh);
    if (nbits - pos < 64)
        lo &= (UINT64_C(1) << (nbits - pos)) - 1;
    return lo;
}

/* 64 bits of a ring bitmap of `ring` bits (a multiple of 64) starting at bit
 * `pos` < ring, wrapping at the end. */
static inline uint64_t ring_bits_at(const uint64_t *bm, size_t ring, size_t pos)
{
    const size_t w = pos >> 6, sh = pos & 63, nwords = ring >> 6;
    uint64_t lo = bm[w] >> sh;
    if (sh)
        lo |= bm[w + 1 == nwords ? 0 : w + 1] << (64 - sh);
    return lo;
}

/* ------------------------------------------------------------ instructions */

/* Validity of a map: AND of the operands, word by word.  `nb` elements. */
static void map_validity(reg *d, const reg *a, const reg *b, size_t nb)
{
    const size_t nw = (nb + 63) >> 6;
    const uint64_t *ma = a->m, *mb = b ? b->m : NULL;
    if (ma == NULL && mb == NULL) {
        if (!d->keep_bits) {
            d->m = NULL;
            return;
        }
        for (size_t w = 0; w < nw; w++)
            d->m[w] = ~UINT64_C(0);
    } else if (ma && mb) {
        for (size_t w = 0; w < nw; w++)
            d->m[w] = ma[w] & mb[w];
    } else {
        const uint64_t *src = ma ? ma : mb;
        if (src != d->m)
            memcpy(d->m, src, nw * sizeof(uint64_t));
    }
    d->m[nw - 1] &= tail_mask(nb);
}

static void run_map(const blawk_kernels *k, const blawk_instr *in, reg *d, const reg *a,
                    const reg *b, size_t nb, double imm, double imm2, int imm_valid)
{
    switch (in->op) {
    case BLAWK_OP_COPY: if (d->v != a->v) memcpy(d->v, a->v, nb * sizeof(double)); break;
    case BLAWK_OP_NEG: k->neg(d->v, a->v, nb); break;
    case BLAWK_OP_ABS: k->abs(d->v, a->v, nb); break;
    case BLAWK_OP_SQRT: k->sqrt(d->v, a->v, nb); break;
    case BLAWK_OP_LOG: k->log(d->v, a->v, nb); break;
    case BLAWK_OP_EXP: k->exp(d->v, a->v, nb); break;
    case BLAWK_OP_ADD: k->add(d->v, a->v, b->v, nb); break;
    case BLAWK_OP_SUB: k->sub(d->v, a->v, b->v, nb); break;
    case BLAWK_OP_MUL: k->mul(d->v, a->v, b->v, nb); break;
    case BLAWK_OP_DIV: k->div(d->v, a->v, b->v, nb); break;
    case BLAWK_OP_ADD_S: k->add_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_SUB_S: k->sub_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_RSUB_S: k->rsub_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_MUL_S: k->mul_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_DIV_S: k->div_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_RDIV_S: k->rdiv_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_SUBDIV_S: k->subdiv_s(d->v, a->v, imm, imm2, nb); break;
    case BLAWK_OP_MULADD_S: k->muladd_s(d->v, a->v, imm, imm2, nb); break;
    case BLAWK_OP_FLOOR: k->floor(d->v, a->v, nb); break;
    case BLAWK_OP_CEIL: k->ceil(d->v, a->v, nb); break;
    case BLAWK_OP_SIGN: k->sign(d->v, a->v, nb); break;
    case BLAWK_OP_LOG1P: k->log1p(d->v, a->v, nb); break;
    case BLAWK_OP_EXPM1: k->expm1(d->v, a->v, nb); break;
    case BLAWK_OP_LOG10: k->log10(d->v, a->v, nb); break;
    case BLAWK_OP_LOG2: k->log2(d->v, a->v, nb); break;
    case BLAWK_OP_POW: k->pow(d->v, a->v, b->v, nb); break;
    case BLAWK_OP_MOD: k->mod(d->v, a->v, b->v, nb); break;
    case BLAWK_OP_MIN2: k->min2(d->v, a->v, b->v, nb); break;
    case BLAWK_OP_MAX2: k->max2(d->v, a->v, b->v, nb); break;
    case BLAWK_OP_POW_S: k->pow_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_RPOW_S: k->rpow_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_MOD_S: k->mod_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_RMOD_S: k->rmod_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_MIN_S: k->min_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_MAX_S: k->max_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_ROUND_S: k->round_s(d->v, a->v, imm, nb); break;
    case BLAWK_OP_LT: case BLAWK_OP_LE: case BLAWK_OP_GT: case BLAWK_OP_GE:
    case BLAWK_OP_EQ: case BLAWK_OP_NE:
        k->logic->compare(in->op - BLAWK_OP_LT, d->v, a->v, b->v, nb);
        break;
    case BLAWK_OP_LT_S: case BLAWK_OP_LE_S: case BLAWK_OP_GT_S: case BLAWK_OP_GE_S:
    case BLAWK_OP_EQ_S: case BLAWK_OP_NE_S:
        k->logic->compare_s(in->op - BLAWK_OP_LT_S, d->v, a->v, imm, nb);
        break;
    case BLAWK_OP_NOT: k->logic->not_(d->v, a->v, nb); break;
    default: break;
    }
    if (d->kind == REG_OUTPUT && !d->keep_bits) {
        d->m = NULL; /* static analysis proved this output has no nulls */
        return;
    }
    map_validity(d, a, is_binary(in->op) ? b : NULL, nb);
    if (!imm_valid) { /* a null scalar operand: every element is null */
        d->m = d->bits;
        memset(d->m, 0, ((nb + 63) >> 6) * sizeof(uint64_t));
    }
}


/* Ops that decide validity themselves: null tests, fill, NaN -> null,
 * coalesce, where (logic.h).  c: the third register (WHERE). */
static void run_nullop(const blawk_logic_kernels *sk, const blawk_instr *in, reg *d,
                       const reg *a, const reg *b, const reg *c, size_t nb, double imm)
{
    const size_t nw = (nb + 63) >> 6;
    uint64_t *om = d->bits;
    int all_valid = 0;
    switch (in->op) {
    case BLAWK_OP_ISNULL:
    case BLAWK_OP_ISVALID:
        sk->test(d->v, a->m, in->op == BLAWK_OP_ISNULL, nb);
        all_valid = 1;
        break;
    case BLAWK_OP_FILL_S:
        sk->fill(d->v, a->v, a->m, imm, nb);
        all_valid = 1;
        break;
    case BLAWK_OP_NAN2NULL:
        sk->nan2null(d->v, om, a->v, a->m, nb);
        break;
    case BLAWK_OP_COALESCE:
        sk->coalesce(d->v, om, a->v, a->m, b->v, b->m, nb);
        break;
    default: /* WHERE */
        sk->where(d->v, om, a->v, a->m, b->v, b->m, c->v, c->m, nb);
        break;
    }
    if (all_valid || (d->kind == REG_OUTPUT && !d->keep_bits)) {
        if (d->keep_bits || d->kind == REG_SCRATCH) {
            for (size_t w = 0; w < nw; w++)
                om[w] = ~UINT64_C(0);
            d->m = d->kind == REG_SCRATCH && !d->ring ? NULL : om;
        } else {
            d->m = NULL;
        }
    } else {
        d->m = om;
    }
    if (d->m)
        d->m[nw - 1] &= tail_mask(nb);
}

/*
 * Lag op on block [base, base+nb): out[i] = f(a[g], a[g-lag]) with g = base+i.
 * Elements with g < lag are null (value 0).  History comes from the operand's
 * own memory (input/output) or from its ring (scratch).
 */
/* f(a, b) of one lag op on one element */
static inline double lag_apply(uint32_t op, double cur, double prev)
{
    return op == BLAWK_OP_DIFF ? cur - prev : op == BLAWK_OP_RATIO ? cur / prev : prev;
}

/* Lead (lag < 0) of an input: out[i] = f(x[i], x[i+k]), null past the end. */
static void run_lead(const blawk_kernels *k, const blawk_instr *in, reg *d, const reg *a,
                     size_t base, size_t nb, size_t n)
{
    const size_t ahead = (size_t)(-(in->lag + 1)) + 1; /* -lag without overflow */
    const size_t have = base + ahead < n ? n - base - ahead : 0; /* elements with a future */
    const size_t len = have < nb ? have : nb;
    if (len) {
        const double *next = a->col->values + base + ahead;
        switch (in->op) {
        case BLAWK_OP_DIFF: k->sub(d->v, a->v, next, len); break;
        case BLAWK_OP_RATIO: k->div(d->v, a->v, next, len); break;
        default: memmove(d->v, next, len * sizeof(double)); break; /* SHIFT */
        }
    }
    if (len < nb)
        memset(d->v + len, 0, (nb - len) * sizeof(double));
    if (d->kind == REG_OUTPUT && !d->keep_bits)
        return;
    const size_t nw = (nb + 63) >> 6;
    for (size_t w = 0; w < nw; w++) {
        const size_t src = base + (w << 6) + ahead;
        uint64_t fut;
        if (src >= n)
            fut = 0;
        else if (a->col->valid)
            fut = bits_at(a->col->valid, n, src);
        else
            fut = n - src >= 64 ? ~UINT64_C(0) : ((UINT64_C(1) << (n - src)) - 1);
        d->m[w] = (a->m ? a->m[w] : ~UINT64_C(0)) & fut;
    }
    d->m[nw - 1] &= tail_mask(nb);
}

/* Observation mode: the lag counts valid values only.  state: the last `lag`
 * valid values (a ring), how many were seen, where the oldest is. */
typedef struct obs_state {
    double *ring;
    size_t cap, seen, pos;
} obs_state;

static void run_obs(const blawk_instr *in, reg *d, const reg *a, size_t nb, obs_state *s)
{
    const size_t nw = (nb + 63) >> 6;
    uint64_t *om = d->bits;
    for (size_t w = 0; w < nw; w++)
        om[w] = 0;
    for (size_t i = 0; i < nb; i++) {
        const double x = a->v[i];
        const int ok = a->m == NULL || ((a->m[i >> 6] >> (i & 63)) & 1);
        d->v[i] = 0.0;
        if (!ok)
            continue;
        if (s->cap == 0) { /* lag 0 */
            d->v[i] = lag_apply(in->op, x, x);
            om[i >> 6] |= UINT64_C(1) << (i & 63);
            continue;
        }
        if (s->seen >= s->cap) {
            d->v[i] = lag_apply(in->op, x, s->ring[s->pos]);
            om[i >> 6] |= UINT64_C(1) << (i & 63);
        }
        s->ring[s->pos] = x;
        s->pos = s->pos + 1 == s->cap ? 0 : s->pos + 1;
        s->seen++;
    }
    if (d->kind == REG_OUTPUT && !d->keep_bits)
        d->m = NULL;
    else
        d->m = om;
}

static void run_lag(const blawk_kernels *k, const blawk_instr *in, reg *d, const reg *a,
                    size_t base, size_t nb, size_t n, double *carry)
{
    if (in->lag < 0) {
        run_lead(k, in, d, a, base, nb, n);
        return;
    }
    const size_t lag = (size_t)in->lag;
    const int mem = a->kind != REG_SCRATCH;

    /* ---- values */
    size_t i = 0;
    if (in->op == BLAWK_OP_DLOG1) {
        /* the previous block's last log comes from *carry */
        k->dlog1(d->v, a->v, carry, (in->flags & BLAWK_F_SCALE) ? in->imm : 1.0, nb);
        if (base == 0)
            d->v[0] = 0.0; /* null slot */
        i = nb;
    } else if (lag == 1 && (in->op == BLAWK_OP_DIFF || in->op == BLAWK_OP_RATIO)) {
        /* the common case: the lagged element comes from a register, not a reload */
        double prev = 0.0;
        if (base > 0)
            prev = mem ? a->col->values[base - 1] : a->store_v[(base - 1) % a->ring];
        (in->op == BLAWK_OP_DIFF ? k->diff1 : k->ratio1)(d->v, a->v, prev, nb);
        if (base == 0)
            d->v[0] = 0.0; /* null slot */
        i = nb;
    }
    /* general lag: contiguous segments of the history */
    const size_t nnull = lag > base ? (lag - base < nb ? lag - base : nb) : 0;
    if (nnull && i == 0) {
        memset(d->v, 0, nnull * sizeof(double));
        i = nnull;
    }
    while (i < nb) {
        const size_t src = base + i - lag; /* >= 0 here */
        size_t len = nb - i;
        const double *prev;
        if (mem) {
            prev = a->col->values + src;
        } else {
            const size_t pos = src % a->ring;
            if (len > a->ring - pos)
                len = a->ring - pos;
            prev = a->store_v + pos;
        }
        switch (in->op) {
        case BLAWK_OP_DIFF: k->sub(d->v + i, a->v + i, prev, len); break;
        case BLAWK_OP_RATIO: k->div(d->v + i, a->v + i, prev, len); break;
        default: memmove(d->v + i, prev, len * sizeof(double)); break; /* SHIFT */
        }
        i += len;
    }

    /* ---- validity: cur & lagged & (g >= lag) */
    if (d->kind == REG_OUTPUT && !d->keep_bits)
        return; /* lag 0 on an all-valid operand: no bitmap wanted */
    const size_t nw = (nb + 63) >> 6;
    /* ring position of the first lagged element of this block (no division in the loop) */
    size_t rpos = 0;
    int rpos_ok = 0;
    if (!mem && base >= lag) {
        rpos = (base - lag) % a->ring;
        rpos_ok = 1;
    }
    for (size_t w = 0; w < nw; w++) {
        const size_t g = base + (w << 6); /* first element of this word */
        uint64_t lagged;
        if (g + 64 <= lag) {
            lagged = 0;
        } else if (g < lag) {
            /* the word straddles element `lag`: bits j >= lag - g read from 0 */
            const size_t first = lag - g;
            uint64_t hist;
            if (mem)
                hist = a->col->valid ? bits_at(a->col->valid, n, 0) : ~UINT64_C(0);
            else
                hist = a->store_m[0];
            lagged = hist << first;
        } else {
            const size_t src = g - lag;
            if (mem) {
                lagged = a->col->valid ? bits_at(a->col->valid, n, src) : ~UINT64_C(0);
            } else {
                if (!rpos_ok) { /* first whole word past `lag` in this block */
                    rpos = src % a->ring;
                    rpos_ok = 1;
                }
                lagged = ring_bits_at(a->store_m, a->ring, rpos);
                rpos += 64;
                if (rpos >= a->ring)
                    rpos -= a->ring;
            }
        }
        const uint64_t cur = a->m ? a->m[w] : ~UINT64_C(0);
        d->m[w] = cur & lagged;
    }
    d->m[nw - 1] &= tail_mask(nb);
}

/* ----------------------------------------------- non-temporal outputs */

static _Atomic size_t stream_min_bytes;
static _Atomic int stream_min_set;

size_t blawk_vm_stream_min(void)
{
    if (!stream_min_set) {
        /* the kernel's view of the L3 (sysconf reads CPUID, which in a
         * virtual machine may describe the host's caches, not ours) */
        unsigned long kib = 0;
        FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
        if (f) {
            if (fscanf(f, "%luK", &kib) != 1)
                kib = 0;
            fclose(f);
        }
        /* a racing first call computes the same value */
        stream_min_bytes = kib ? (size_t)kib << 10 : (size_t)32 << 20;
        stream_min_set = 1;
    }
    return stream_min_bytes;
}

void blawk_vm_set_stream_min(size_t bytes)
{
    stream_min_bytes = bytes;
    stream_min_set = 1;
}

/* ------------------------------------------------------- thread budget */

/*
 * Handing work to a pool thread costs a few microseconds when it is awake
 * (spinning after its last job) and ~10-40 us when it sleeps (see
 * fork_join.c), so threads are used only when the estimated work per thread
 * is worth that.  The estimate: nanoseconds per element of each
 * instruction at one thread, measured on 1e6 elements (AVX-512), plus a
 * memory stream per input and output column.  It only decides the thread
 * count, never the bits of a result.
 */
static double instr_ns(const blawk_instr *in)
{
    switch (in->op) {
    case BLAWK_OP_SQRT: case BLAWK_OP_DIV: case BLAWK_OP_DIV_S: case BLAWK_OP_RDIV_S:
    case BLAWK_OP_SUBDIV_S: case BLAWK_OP_MOD: case BLAWK_OP_MOD_S: case BLAWK_OP_RMOD_S:
        return 0.1;
    case BLAWK_OP_LOG: case BLAWK_OP_EXP: case BLAWK_OP_LOG1P: case BLAWK_OP_EXPM1:
    case BLAWK_OP_LOG10: case BLAWK_OP_LOG2: case BLAWK_OP_DLOG1:
        return 0.3;
    case BLAWK_OP_POW: case BLAWK_OP_POW_S: case BLAWK_OP_RPOW_S:
        return 1.0;
    case BLAWK_OP_WINDOW:
        switch (in->kind) {
        case BLAWK_WIN_SUM: case BLAWK_WIN_MEAN: case BLAWK_WIN_COUNT: return 0.9;
        case BLAWK_WIN_VAR: case BLAWK_WIN_STD: case BLAWK_WIN_ZSCORE: return 2.0;
        case BLAWK_WIN_MIN: case BLAWK_WIN_MAX: return 3.0;
        case BLAWK_WIN_MEDIAN: return 30.0;
        default: return 15.0; /* skew, kurt */
        }
    case BLAWK_OP_SCAN:
        return 0.5;
    case BLAWK_OP_REDUCE:
        switch (in->kind) {
        case BLAWK_RED_MEDIAN: case BLAWK_RED_QUANTILE: return 8.0;
        case BLAWK_RED_VAR: case BLAWK_RED_STD: case BLAWK_RED_SKEW: case BLAWK_RED_KURT:
        case BLAWK_RED_COV: case BLAWK_RED_COR: case BLAWK_RED_WSUM: case BLAWK_RED_WAVG:
            return 0.08;
        default: return 0.03;
        }
    default:
        return 0.03; /* the other maps and lags */
    }
}

#define STREAM_NS 0.075 /* one column read or written from memory, per element */

static _Atomic double thread_min_ns = 30e3;
static _Thread_local int last_threads = 1;

double blawk_vm_thread_min_ns(void) { return thread_min_ns; }
void blawk_vm_set_thread_min_ns(double ns) { thread_min_ns = ns > 0 ? ns : 0; }
int blawk_vm_last_threads(void) { return last_threads; }

/* A reduction on threads keeps a partial per block and merges them in block
 * order at the end (what makes its bits independent of the thread count);
 * on one thread each block merges straight into the total.  What the
 * partials cost, per block, counts against threading. */
#define RED_BLOCK_NS 150.0

/* Estimated single-thread time of `p` over n elements, in nanoseconds, less
 * what threading it would add. */
static double program_ns(const blawk_program *p, size_t n)
{
    double per = STREAM_NS * (double)(p->n_inputs + p->n_outputs), extra = 0.0;
    const double blocks = (double)((n + BLAWK_BLOCK - 1) / BLAWK_BLOCK);
    for (uint32_t k = 0; k < p->n_code; k++) {
        per += instr_ns(&p->code[k]);
        if (p->code[k].op == BLAWK_OP_REDUCE)
            extra += RED_BLOCK_NS * blocks;
    }
    return per * (double)n - extra;
}

/* ------------------------------------------------------------ the run */

/* Shared, read-only while the blocks run. */
typedef struct run_ctx {
    const blawk_program *p;
    const blawk_col *inputs;
    blawk_col *outputs;
    size_t n, n_blocks, warm_blocks;
    const blawk_kernels *k;
    const size_t *maxlag;
    const uint8_t *lagged;
    const double *scalars;
    const uint8_t *scalars_valid;
    blawk_red_state ***partials; /* [instruction][block] for REDUCE instructions, or
                                    [instruction][0]: the running total (streaming) */
    const int32_t *red_pair;     /* [instruction]: for a sum/mean REDUCE, the var/std
                                    REDUCE of the same register it runs with (one
                                    pass for both), else -1; -2 marks that var/std */
    int streaming;               /* one thread: merge each block's partial at once */
    const blawk_kernels *k_nt;   /* k with non-temporal stores, for large aligned outputs
                                    (NULL: none) */
    int whole;                   /* a lone map of inputs into an output: each worker runs
                                    its range as one span (see blawk_vm_exec) */
} run_ctx;

/* One thread's registers and kernel states. */
typedef struct worker {
    const run_ctx *ctx;
    size_t b0, b1; /* block range [b0, b1) */
    reg *regs;
    double *carry;              /* per-instruction carried value (DLOG1) */
    blawk_win_state **wins;     /* per-instruction window state */
    blawk_scan_state **scans;   /* per-instruction scan state */
    obs_state *obs;             /* per-instruction observation-mode lag state */
    double *sink_v;             /* warm-up: outputs write here instead */
    uint64_t *sink_m;
    blawk_status st;
} worker;

static void worker_free(worker *w, const blawk_program *p)
{
    if (w->regs) {
        for (uint32_t r = 0; r < p->n_regs; r++) {
            blawk_free(w->regs[r].store_v);
            blawk_free(w->regs[r].store_m);
        }
    }
    for (uint32_t c = 0; w->wins && c < p->n_code; c++)
        blawk_win_free(w->wins[c]);
    for (uint32_t c = 0; w->scans && c < p->n_code; c++)
        blawk_scan_free(w->scans[c]);
    for (uint32_t c = 0; w->obs && c < p->n_code; c++)
        blawk_free(w->obs[c].ring);
    blawk_free(w->obs);
    blawk_free(w->regs);
    blawk_free(w->carry);
    blawk_free(w->wins);
    blawk_free(w->scans);
    blawk_free(w->sink_v);
    blawk_free(w->sink_m);
}

static blawk_status worker_init(worker *w, const run_ctx *ctx)
{
    const blawk_program *p = ctx->p;
    const uint32_t nr = p->n_regs;
    w->ctx = ctx;
    w->regs = blawk_alloc(nr * sizeof(reg));
    w->carry = blawk_alloc((p->n_code + 1) * sizeof(double));
    w->wins = blawk_alloc((p->n_code + 1) * sizeof(blawk_win_state *));
    w->scans = blawk_alloc((p->n_code + 1) * sizeof(blawk_scan_state *));
    w->obs = blawk_alloc((p->n_code + 1) * sizeof(obs_state));
    w->sink_v = alloc_raw(BLAWK_BLOCK * sizeof(double));
    w->sink_m = alloc_raw(BLAWK_BLOCK_WORDS * sizeof(uint64_t));
    if (!w->regs || !w->carry || !w->wins || !w->scans || !w->obs || !w->sink_v || !w->sink_m)
        return BLAWK_ERR_NOMEM;
    for (uint32_t r = 0; r < nr; r++) {
        w->regs[r].kind = r < p->n_inputs ? REG_INPUT : REG_SCRATCH;
        if (r < p->n_inputs)
            w->regs[r].col = &ctx->inputs[r];
    }
    for (uint32_t j = 0; j < p->n_outputs; j++) {
        reg *o = &w->regs[p->out_regs[j]];
        o->kind = REG_OUTPUT;
        o->col = &ctx->outputs[j];
        o->keep_bits = ctx->outputs[j].valid != NULL;
        /* past the caches, unless some lag reads the output back in time */
        o->nt = ctx->k_nt && !ctx->lagged[p->out_regs[j]];
    }
    for (uint32_t r = p->n_inputs; r < nr; r++) {
        reg *g = &w->regs[r];
        if (g->kind != REG_SCRATCH)
            continue;
        size_t elems = BLAWK_BLOCK;
        if (ctx->lagged[r]) {
            /* ring of whole blocks holding at least maxlag elements of history */
            elems = BLAWK_BLOCK * ((ctx->maxlag[r] + BLAWK_BLOCK - 1) / BLAWK_BLOCK + 1);
            g->ring = elems;
            g->keep_bits = 1;
        }
        /* rings start zeroed (history before row 0 reads as null); plain
         * block registers are always written before they are read */
        g->store_v = g->ring ? blawk_alloc(elems * sizeof(double)) : alloc_raw(elems * sizeof(double));
        g->store_m = g->ring ? blawk_alloc((elems / 64) * sizeof(uint64_t))
                             : alloc_raw((elems / 64) * sizeof(uint64_t));
        if (!g->store_v || !g->store_m)
            return BLAWK_ERR_NOMEM;
    }
    for (uint32_t c = 0; c < p->n_code; c++) {
        const blawk_instr *in = &p->code[c];
        blawk_status st = BLAWK_OK;
        if (in->op == BLAWK_OP_WINDOW) {
            /* the first row this worker's state sees: where its warm-up starts
             * (observation mode runs on one thread from row 0: observation 0) */
            const size_t from = w->b0 > ctx->warm_blocks ? w->b0 - ctx->warm_blocks : 0;
            const blawk_win_params wp = {.kind = in->kind, .window = in->lag,
                                         .min_periods = in->arg, .ddof = BLAWK_DDOF(in->flags),
                                         .past_only = (in->flags & BLAWK_F_PAST_ONLY) != 0,
                                         .first_row = (int64_t)(from * BLAWK_BLOCK),
                                         .obs = (in->flags & BLAWK_F_OBS) != 0};
            st = blawk_win_new(&wp, &w->wins[c]);
        } else if (is_lag(in->op) && (in->flags & BLAWK_F_OBS)) {
            const size_t cap = (uint64_t)in->lag > ctx->n ? ctx->n : (size_t)in->lag;
            w->obs[c].cap = cap;
            w->obs[c].ring = blawk_alloc((cap + 1) * sizeof(double));
            if (!w->obs[c].ring)
                st = BLAWK_ERR_NOMEM;
        } else if (in->op == BLAWK_OP_SCAN) {
            const blawk_scan_params sp = {.kind = in->kind, .alpha = in->imm, .limit = in->arg};
            st = blawk_scan_new(&sp, &w->scans[c]);
        }
        if (st != BLAWK_OK)
            return st;
    }
    return BLAWK_OK;
}

/* Run every instruction over blocks [blk, blk+nblk) as one span [base,
 * base+nb) (nblk > 1 only for ctx->whole programs, whose registers are all
 * columns).  warm: fill history only (outputs go to a sink, reductions are
 * skipped). */
static blawk_status run_block(worker *w, size_t blk, size_t nblk, int warm)
{
    const run_ctx *ctx = w->ctx;
    const blawk_program *p = ctx->p;
    const size_t base = blk * BLAWK_BLOCK;
    const size_t span = nblk * BLAWK_BLOCK;
    const size_t nb = ctx->n - base < span ? ctx->n - base : span;
    for (uint32_t r = 0; r < p->n_regs; r++) {
        reg *g = &w->regs[r];
        if (g->kind == REG_SCRATCH) {
            const size_t off = g->ring ? base % g->ring : 0;
            g->v = g->store_v + off;
            g->bits = g->store_m + off / 64;
            g->m = g->bits;
        } else if (g->kind == REG_OUTPUT && warm) {
            g->v = w->sink_v;
            g->bits = w->sink_m;
            g->m = g->keep_bits ? g->bits : NULL;
        } else {
            g->v = g->col->values + base;
            g->bits = g->col->valid ? g->col->valid + base / 64 : (g->kind == REG_OUTPUT ? w->sink_m : NULL);
            g->m = g->col->valid ? g->bits : NULL;
        }
    }
    for (uint32_t c = 0; c < p->n_code; c++) {
        const blawk_instr *in = &p->code[c];
        if (in->op == BLAWK_OP_NOP)
            continue;
        const reg *a = &w->regs[in->a];
        if (in->op == BLAWK_OP_REDUCE) {
            if (warm)
                continue;
            const size_t slot = ctx->streaming ? 0 : blk;
            blawk_red_state *part = ctx->partials[c][slot];
            const reg *b = (in->flags & BLAWK_F_TWO_INPUTS) ? &w->regs[in->b] : NULL;
            const int32_t pair = ctx->red_pair[c];
            if (pair == -2)
                continue; /* done with its sum/mean */
            const blawk_status st =
                pair >= 0 ? blawk_red_partial_pair(part, ctx->partials[pair][slot], a->v, a->m, nb)
                          : blawk_red_partial(part, a->v, a->m, b ? b->v : NULL,
                                              b ? b->m : NULL, nb);
            if (st != BLAWK_OK)
                return st;
            continue;
        }
        reg *d = &w->regs[in->dst];
        if (d->kind == REG_SCRATCH || d->keep_bits)
            d->m = d->bits;
        if (is_lag(in->op) && (in->flags & BLAWK_F_OBS)) {
            run_obs(in, d, a, nb, &w->obs[c]);
        } else if (is_lag(in->op)) {
            run_lag(ctx->k, in, d, a, base, nb, ctx->n, &w->carry[c]);
        } else if (in->op == BLAWK_OP_WINDOW || in->op == BLAWK_OP_SCAN) {
            uint64_t *om = d->bits ? d->bits : w->sink_m;
            if (in->op == BLAWK_OP_WINDOW)
                blawk_win_block(w->wins[c], d->v, om, a->v, a->m, nb);
            else
                blawk_scan_block(w->scans[c], d->v, om, a->v, a->m, nb);
            if (d->kind == REG_OUTPUT && !d->keep_bits)
                d->m = NULL; /* proved null-free (COUNT kinds) */
        } else if (is_null_op(in->op)) {
            double imm = in->imm;
            if (uses_sreg(in))
                imm = ctx->scalars[in->b];
            run_nullop(ctx->k->logic, in, d, a, is_binary(in->op) ? &w->regs[in->b] : NULL,
                       in->op == BLAWK_OP_WHERE ? &w->regs[in->arg] : NULL, nb, imm);
        } else {
            double imm = in->imm, imm2 = 0.0;
            int imm_valid = 1;
            if (uses_sreg(in)) {
                imm = ctx->scalars[in->b];
                imm_valid = ctx->scalars_valid[in->b] != 0;
            }
            if (uses_sreg2(in->op)) {
                imm2 = ctx->scalars[in->arg];
                imm_valid = imm_valid && ctx->scalars_valid[in->arg] != 0;
            }
            /* maps write the whole block from its start in one call: an output
             * past the caches can take the non-temporal kernels */
            run_map(d->nt && !warm ? ctx->k_nt : ctx->k, in, d, a,
                    is_binary(in->op) ? &w->regs[in->b] : NULL, nb, imm, imm2, imm_valid);
        }
    }
    return BLAWK_OK;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    const run_ctx *ctx = w->ctx;
    if (w->b0 > 0) {
        /* warm-up: re-run the blocks before the range so lag rings and carries
         * hold exactly what a single thread would have */
        const size_t from = w->b0 > ctx->warm_blocks ? w->b0 - ctx->warm_blocks : 0;
        for (size_t b = from; b < w->b0 && w->st == BLAWK_OK; b++)
            w->st = run_block(w, b, 1, 1);
        /* a lag-1 log of an input needs the log of the element before the range */
        for (uint32_t c = 0; c < ctx->p->n_code; c++) {
            const blawk_instr *in = &ctx->p->code[c];
            if (in->op == BLAWK_OP_DLOG1 && in->a < ctx->p->n_inputs)
                ctx->k->log(&w->carry[c], ctx->inputs[in->a].values + w->b0 * BLAWK_BLOCK - 1, 1);
        }
    }
    if (ctx->whole && w->b1 > w->b0)
        w->st = run_block(w, w->b0, w->b1 - w->b0, 0);
    else
        for (size_t b = w->b0; b < w->b1 && w->st == BLAWK_OK; b++)
            w->st = run_block(w, b, 1, 0);
    if (ctx->k_nt)
        ctx->k_nt->stream_fence();
    return NULL;
}

blawk_status blawk_vm_run(const blawk_program *p, const blawk_col *inputs, blawk_col *outputs,
                          size_t n)
{
    return blawk_vm_exec(p, inputs, outputs, n, NULL);
}

blawk_status blawk_vm_exec(const blawk_program *p, const blawk_col *inputs, blawk_col *outputs,
                           size_t n, const blawk_run_opts *opts)
{
    last_threads = 1;
    blawk_status st = blawk_program_check(p);
    if (st != BLAWK_OK)
        return st;
    if ((p->n_inputs && inputs == NULL) || (p->n_outputs && outputs == NULL))
        return BLAWK_ERR_ARG;
    if (p->n_scalars && (opts == NULL || opts->scalars == NULL || opts->scalars_valid == NULL))
        return BLAWK_ERR_ARG;
    for (uint32_t i = 0; i < p->n_inputs; i++) {
        if (inputs[i].n != n)
            return BLAWK_ERR_SHAPE;
        if (n && inputs[i].values == NULL)
            return BLAWK_ERR_ARG;
    }
    for (uint32_t j = 0; j < p->n_outputs; j++) {
        if (outputs[j].n != n)
            return BLAWK_ERR_SHAPE;
        if (n && outputs[j].values == NULL)
            return BLAWK_ERR_ARG;
    }

    if (n == 0) { /* nothing to compute; reductions over nothing are null (count: 0) */
        for (uint32_t k = 0; k < p->n_code; k++) {
            const blawk_instr *in = &p->code[k];
            if (in->op == BLAWK_OP_REDUCE) {
                const blawk_red_params rp = {.kind = in->kind, .ddof = BLAWK_DDOF(in->flags),
                                             .q = in->imm};
                blawk_red_state *total = NULL;
                st = blawk_red_new(&rp, &total);
                if (st != BLAWK_OK)
                    return st;
                int valid = 0;
                blawk_red_result(total, &opts->scalars[in->dst], &valid);
                opts->scalars_valid[in->dst] = (uint8_t)(valid != 0);
                blawk_red_free(total);
            }
        }
        return BLAWK_OK;
    }

    const uint32_t nr = p->n_regs;
    const size_t n_blocks = (n + BLAWK_BLOCK - 1) / BLAWK_BLOCK;
    uint8_t *flags = blawk_alloc(nr);
    size_t *maxlag = blawk_alloc(nr * sizeof(size_t));
    uint8_t *lagged = blawk_alloc(nr);
    blawk_red_state ***partials = blawk_alloc((p->n_code + 1) * sizeof(blawk_red_state **));
    int32_t *red_pair = blawk_alloc((p->n_code + 2 * (size_t)nr + 1) * sizeof(int32_t));
    int32_t *wait_sum = red_pair ? red_pair + p->n_code : NULL;
    int32_t *wait_var = wait_sum ? wait_sum + nr : NULL;
    worker *workers = NULL;
    int nthreads = 1;
    if (!flags || !maxlag || !lagged || !partials || !red_pair) {
        st = BLAWK_ERR_NOMEM;
        goto done;
    }

    /* An output with no bitmap must never receive a null. */
    for (uint32_t i = 0; i < p->n_inputs; i++)
        flags[i] = inputs[i].valid != NULL;
    may_null_regs(p, flags, opts ? opts->scalars_valid : NULL);
    for (uint32_t j = 0; j < p->n_outputs; j++) {
        if (flags[p->out_regs[j]] && outputs[j].valid == NULL) {
            st = BLAWK_ERR_ARG;
            goto done;
        }
    }

    /* How far back each register is read; what forces a single thread. */
    int sequential = 0;
    size_t chain = 0; /* sum of lags over computed registers: the warm-up depth */
    for (uint32_t k = 0; k < p->n_code; k++) {
        const blawk_instr *in = &p->code[k];
        if (in->op == BLAWK_OP_SCAN)
            sequential = 1; /* running state from row 0: one pass in order */
        if (in->op == BLAWK_OP_WINDOW && (in->flags & BLAWK_F_OBS))
            sequential = 1; /* counts valid values from the start */
        else if (in->op == BLAWK_OP_WINDOW) {
            /* a thread warms its window state up on the rows before its range
             * (the kernels give the same bits from any first row, see window.h) */
            const size_t w = (uint64_t)in->lag >= n ? n : (size_t)in->lag;
            chain += w + ((in->flags & BLAWK_F_PAST_ONLY) ? 1 : 0);
        }
        if (is_lag(in->op) && (in->flags & BLAWK_F_OBS))
            sequential = 1; /* counts valid values from the start */
        if (is_lag(in->op) && in->lag >= 0 && !(in->flags & BLAWK_F_OBS)) {
            size_t l = (uint64_t)in->lag >= n ? n : (size_t)in->lag;
            lagged[in->a] = 1;
            if (l > maxlag[in->a])
                maxlag[in->a] = l;
            if (in->a >= p->n_inputs)
                chain += l;
            for (uint32_t j = 0; j < p->n_outputs; j++)
                if (p->out_regs[j] == in->a)
                    sequential = 1; /* history in output memory another thread writes */
        }
    }

    /* Threads only where each gets enough blocks to be worth its start-up. */
    if (opts && opts->threads > 1 && !sequential) {
        nthreads = opts->threads > 64 ? 64 : opts->threads;
        const double work = program_ns(p, n), min_ns = thread_min_ns;
        while (nthreads > 1 && (n_blocks < (size_t)nthreads || work < min_ns * nthreads))
            nthreads--;
        /* a warm-up longer than half a thread's share is not worth it */
        const size_t warm = (chain + BLAWK_BLOCK - 1) / BLAWK_BLOCK;
        while (nthreads > 1 && warm * 2 > n_blocks / (size_t)nthreads)
            nthreads--;
    }

    /* Reductions: one partial per block, merged in block order.  With one
     * thread the blocks come in order anyway, so every block is reduced
     * straight into the running total (blawk_red_partial on a state that holds
     * earlier blocks merges the block in: the same merges, no per-block state);
     * with threads every block keeps its own partial until the end. */
    const int streaming = nthreads == 1;
    for (uint32_t k = 0; k < p->n_code; k++) {
        const blawk_instr *in = &p->code[k];
        if (in->op != BLAWK_OP_REDUCE)
            continue;
        const size_t count = streaming ? 1 : n_blocks;
        partials[k] = blawk_alloc((count + 1) * sizeof(blawk_red_state *));
        if (!partials[k]) {
            st = BLAWK_ERR_NOMEM;
            goto done;
        }
        const blawk_red_params rp = {.kind = in->kind, .ddof = BLAWK_DDOF(in->flags),
                                     .q = in->imm};
        for (size_t b = 0; b < count && st == BLAWK_OK; b++)
            st = blawk_red_new(&rp, &partials[k][b]);
        if (st != BLAWK_OK)
            goto done;
    }

    /* a mean (sum) and a var (std) of the same register: one pass for both.
     * One sweep: wait[r] holds an unpaired sum-like (or var-like) REDUCE of
     * register r, waiting for its partner. */
    for (uint32_t k = 0; k < p->n_code; k++)
        red_pair[k] = -1;
    for (uint32_t r = 0; r < nr; r++)
        wait_sum[r] = wait_var[r] = -1;
    for (uint32_t k = 0; k < p->n_code; k++) {
        const blawk_instr *q = &p->code[k];
        if (q->op != BLAWK_OP_REDUCE || (q->flags & BLAWK_F_TWO_INPUTS))
            continue;
        const int is_sum = blawk_red_pairable(q->kind, BLAWK_RED_VAR);
        const int is_var = blawk_red_pairable(BLAWK_RED_SUM, q->kind);
        if (is_sum && wait_var[q->a] >= 0) {
            red_pair[k] = wait_var[q->a];
            red_pair[wait_var[q->a]] = -2;
            wait_var[q->a] = -1;
        } else if (is_var && wait_sum[q->a] >= 0) {
            red_pair[wait_sum[q->a]] = (int32_t)k;
            red_pair[k] = -2;
            wait_sum[q->a] = -1;
        } else if (is_sum && wait_sum[q->a] < 0) {
            wait_sum[q->a] = (int32_t)k;
        } else if (is_var && wait_var[q->a] < 0) {
            wait_var[q->a] = (int32_t)k;
        }
    }

    /* A lone min/max of an input on one thread: one kernel call over the whole
     * column (the extreme does not depend on the blocking; this saves the
     * per-block fold and bookkeeping, which cost as much as the data). */
    if (streaming && p->n_code == 1 && p->code[0].op == BLAWK_OP_REDUCE &&
        p->code[0].a < p->n_inputs && !(p->code[0].flags & BLAWK_F_TWO_INPUTS) &&
        (p->code[0].kind == BLAWK_RED_MIN || p->code[0].kind == BLAWK_RED_MAX)) {
        const blawk_col *c = &inputs[p->code[0].a];
        blawk_red_state *total = partials[0][0];
        st = blawk_red_extreme_span(total, c->values, c->valid, n);
        if (st == BLAWK_OK) {
            int valid = 0;
            blawk_red_result(total, &opts->scalars[p->code[0].dst], &valid);
            opts->scalars_valid[p->code[0].dst] = (uint8_t)(valid != 0);
        }
        goto done;
    }

    /* A lone cummax/cummin of an input into an output: one scan call over the
     * whole column (scans run on one thread anyway, and the running extreme
     * does not depend on the blocking; this saves the driver's work per block,
     * which cost 10-15 % at 1e6 rows). */
    if (p->n_code == 1 && p->code[0].op == BLAWK_OP_SCAN && p->code[0].a < p->n_inputs &&
        p->n_outputs == 1 && p->out_regs[0] == p->code[0].dst &&
        (p->code[0].kind == BLAWK_SCAN_MAX || p->code[0].kind == BLAWK_SCAN_MIN)) {
        const blawk_instr *in = &p->code[0];
        const blawk_col *c = &inputs[in->a];
        const blawk_scan_params sp = {.kind = in->kind, .alpha = in->imm, .limit = in->arg};
        blawk_scan_state *s = NULL;
        st = blawk_scan_new(&sp, &s);
        if (st == BLAWK_OK)
            blawk_scan_block(s, outputs[0].values, outputs[0].valid, c->values, c->valid, n);
        blawk_scan_free(s);
        goto done;
    }

    /* A lone elementwise map of inputs (and scalars) into an output: every
     * element is independent and no register is a block buffer, so each
     * worker runs its whole range in one kernel call (the per-block driver
     * cost ~15 % of `x + 0.0` at 1e6 against numpy's single loop). */
    const blawk_instr *c0 = p->n_code == 1 ? &p->code[0] : NULL;
    const int whole = c0 && p->n_outputs == 1 && p->out_regs[0] == c0->dst &&
                      c0->op != BLAWK_OP_NOP && !is_lag(c0->op) && !is_null_op(c0->op) &&
                      c0->op != BLAWK_OP_WINDOW && c0->op != BLAWK_OP_SCAN &&
                      c0->op != BLAWK_OP_REDUCE && c0->a < p->n_inputs &&
                      (!is_binary(c0->op) || c0->b < p->n_inputs);

    run_ctx ctx = {.p = p, .inputs = inputs, .outputs = outputs, .n = n, .n_blocks = n_blocks,
                   .warm_blocks = (chain + BLAWK_BLOCK - 1) / BLAWK_BLOCK,
                   .k = blawk_active(), .maxlag = maxlag, .lagged = lagged,
                   .scalars = opts ? opts->scalars : NULL,
                   .scalars_valid = opts ? opts->scalars_valid : NULL, .partials = partials,
                   .red_pair = red_pair,
                   .streaming = streaming, .whole = whole,
                   .k_nt = n >= blawk_vm_stream_min() / sizeof(double)
                               ? blawk_kernels_nt_for((int)blawk_isa_active()) : NULL};
    workers = blawk_alloc(nthreads * sizeof(worker));
    if (!workers) {
        st = BLAWK_ERR_NOMEM;
        goto done;
    }
    for (int t = 0; t < nthreads && st == BLAWK_OK; t++) {
        workers[t].b0 = n_blocks * (size_t)t / (size_t)nthreads;
        workers[t].b1 = n_blocks * (size_t)(t + 1) / (size_t)nthreads;
        st = worker_init(&workers[t], &ctx);
    }
    if (st != BLAWK_OK)
        goto done;
    blawk_fork_join(worker_main, workers, sizeof workers[0], nthreads);
    for (int t = 0; t < nthreads && st == BLAWK_OK; t++)
        st = workers[t].st;

    /* Reductions: merge the per-block partials in block order. */
    for (uint32_t k = 0; k < p->n_code && st == BLAWK_OK; k++) {
        const blawk_instr *in = &p->code[k];
        if (in->op != BLAWK_OP_REDUCE)
            continue;
        const blawk_red_params rp = {.kind = in->kind, .ddof = BLAWK_DDOF(in->flags),
                                     .q = in->imm};
        blawk_red_state *total = NULL;
        if (streaming) {
            total = partials[k][0]; /* merged block by block already */
        } else {
            st = blawk_red_new(&rp, &total);
            for (size_t b = 0; b < n_blocks && st == BLAWK_OK; b++)
                st = blawk_red_merge(total, partials[k][b]);
        }
        if (st == BLAWK_OK) {
            int valid = 0;
            blawk_red_result(total, &opts->scalars[in->dst], &valid);
            opts->scalars_valid[in->dst] = (uint8_t)(valid != 0);
        }
        if (!streaming)
            blawk_red_free(total);
    }

done:
    if (workers) {
        for (int t = 0; t < nthreads; t++)
            worker_free(&workers[t], p);
    }
    if (partials) {
        for (uint32_t k = 0; k < p->n_code; k++) {
            if (!partials[k])
                continue;
            const size_t count = nthreads == 1 ? 2 : n_blocks; /* as allocated above */
            for (size_t b = 0; b < count; b++)
                blawk_red_free(partials[k][b]);
            blawk_free(partials[k]);
        }
    }
    blawk_free(workers);
    blawk_free(partials);
    blawk_free(red_pair);
    blawk_free(flags);
    blawk_free(maxlag);
    blawk_free(lagged);
    if (st == BLAWK_OK)
        last_threads = nthreads;
    return st;
}
