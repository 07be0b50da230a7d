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
 */
#include <string.h>

#include "blawk.h"
#include "kernels/kernels.h"

enum { REG_INPUT = 0, REG_SCRATCH = 1, REG_OUTPUT = 2 };

typedef struct reg {
    /* current block */
    double *v;
    uint64_t *m;          /* NULL: every element of this block is valid */
    /* where the data lives */
    int kind;
    const blawk_col *col; /* REG_INPUT / REG_OUTPUT */
    double *store_v;      /* REG_SCRATCH: block buffer or ring */
    uint64_t *store_m;
    size_t ring;          /* elements in the ring (multiple of BLAWK_BLOCK); 0 = no ring */
    int keep_bits;        /* always materialise validity words (ringed, or output with a bitmap) */
} reg;

static int is_binary(uint32_t op) { return op >= BLAWK_OP_ADD && op <= BLAWK_OP_DIV; }
static int is_lag(uint32_t op) { return op >= BLAWK_OP_DIFF && op <= BLAWK_OP_DLOG1; }

/* ------------------------------------------------------------ validation */

blawk_status blawk_program_check(const blawk_program *p)
{
    if (p == NULL || (p->n_code && p->code == NULL) || (p->n_outputs && p->out_regs == NULL))
        return BLAWK_ERR_ARG;
    if (p->n_inputs > p->n_regs || p->n_regs > (1u << 24))
        return BLAWK_ERR_PROGRAM;
    /* written[r]: 1 once some instruction (or the caller, for inputs) has set r */
    uint8_t small[256];
    uint8_t *written = p->n_regs <= sizeof small ? small : blawk_alloc(p->n_regs);
    if (written == NULL)
        return BLAWK_ERR_NOMEM;
    memset(written, 0, p->n_regs);
    memset(written, 1, p->n_inputs);
    blawk_status st = BLAWK_OK;
    for (uint32_t k = 0; k < p->n_code && st == BLAWK_OK; k++) {
        const blawk_instr *in = &p->code[k];
        const uint32_t op = in->op;
        if (op == BLAWK_OP_NOP)
            continue;
        if (op >= BLAWK_OP_COUNT_ || in->dst < p->n_inputs || in->dst >= p->n_regs ||
            in->a >= p->n_regs || !written[in->a] || written[in->dst]) {
            st = BLAWK_ERR_PROGRAM;
        } else if (is_binary(op) && (in->b >= p->n_regs || !written[in->b])) {
            st = BLAWK_ERR_PROGRAM;
        } else if ((is_lag(op) && in->lag < 0) || (op == BLAWK_OP_DLOG1 && in->lag != 1)) {
            st = BLAWK_ERR_PROGRAM;
        } else {
            written[in->dst] = 1;
        }
    }
    for (uint32_t j = 0; j < p->n_outputs && st == BLAWK_OK; j++) {
        const uint32_t r = p->out_regs[j];
        if (r < p->n_inputs || r >= p->n_regs || !written[r])
            st = BLAWK_ERR_PROGRAM;
        for (uint32_t i = 0; i < j && st == BLAWK_OK; i++)
            if (p->out_regs[i] == r)
                st = BLAWK_ERR_PROGRAM;
    }
    if (written != small)
        blawk_free(written);
    return st;
}

/* Static null analysis over all registers (flags has n_regs entries). */
static void may_null_regs(const blawk_program *p, uint8_t *flags)
{
    for (uint32_t k = 0; k < p->n_code; k++) {
        const blawk_instr *in = &p->code[k];
        if (in->op == BLAWK_OP_NOP)
            continue;
        uint8_t f = flags[in->a];
        if (is_binary(in->op))
            f |= flags[in->b];
        if (is_lag(in->op) && in->lag > 0)
            f = 1; /* the first `lag` elements are null */
        flags[in->dst] = f;
    }
}

blawk_status blawk_program_may_null(const blawk_program *p, const uint8_t *inputs_nullable,
                                    uint8_t *out)
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
    may_null_regs(p, flags);
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
                    const reg *b, size_t nb)
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
    case BLAWK_OP_ADD_S: k->add_s(d->v, a->v, in->imm, nb); break;
    case BLAWK_OP_SUB_S: k->sub_s(d->v, a->v, in->imm, nb); break;
    case BLAWK_OP_RSUB_S: k->rsub_s(d->v, a->v, in->imm, nb); break;
    case BLAWK_OP_MUL_S: k->mul_s(d->v, a->v, in->imm, nb); break;
    case BLAWK_OP_DIV_S: k->div_s(d->v, a->v, in->imm, nb); break;
    case BLAWK_OP_RDIV_S: k->rdiv_s(d->v, a->v, in->imm, nb); break;
    default: break;
    }
    if (d->kind == REG_OUTPUT && !d->keep_bits) {
        d->m = NULL; /* static analysis proved this output has no nulls */
        return;
    }
    map_validity(d, a, is_binary(in->op) ? b : NULL, nb);
}

/*
 * Lag op on block [base, base+nb): out[i] = f(a[g], a[g-lag]) with g = base+i.
 * Elements with g < lag are null (value 0).  History comes from the operand's
 * own memory (input/output) or from its ring (scratch).
 */
static void run_lag(const blawk_kernels *k, const blawk_instr *in, reg *d, const reg *a,
                    size_t base, size_t nb, size_t n, double *carry)
{
    const size_t lag = (size_t)in->lag;
    const int mem = a->kind != REG_SCRATCH;

    /* ---- values */
    size_t i = 0;
    if (in->op == BLAWK_OP_DLOG1) {
        /* the previous block's last log comes from *carry */
        k->dlog1(d->v, a->v, carry, nb);
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

/* ------------------------------------------------------------ the run */

blawk_status blawk_vm_run(const blawk_program *p, const blawk_col *inputs, blawk_col *outputs,
                          size_t n)
{
    blawk_status st = blawk_program_check(p);
    if (st != BLAWK_OK)
        return st;
    if ((p->n_inputs && inputs == NULL) || (p->n_outputs && outputs == NULL))
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
    if (n == 0)
        return BLAWK_OK;

    const uint32_t nr = p->n_regs;
    reg *regs = blawk_alloc(nr * sizeof(reg));
    uint8_t *flags = blawk_alloc(nr);
    size_t *maxlag = blawk_alloc(nr * sizeof(size_t));
    uint8_t *lagged = blawk_alloc(nr);
    double *carry = blawk_alloc((p->n_code + 1) * sizeof(double)); /* per-instruction state */
    if (!regs || !flags || !maxlag || !lagged || !carry) {
        st = BLAWK_ERR_NOMEM;
        goto done;
    }

    /* An output with no bitmap must never receive a null. */
    for (uint32_t i = 0; i < p->n_inputs; i++)
        flags[i] = inputs[i].valid != NULL;
    may_null_regs(p, flags);
    for (uint32_t j = 0; j < p->n_outputs; j++) {
        if (flags[p->out_regs[j]] && outputs[j].valid == NULL) {
            st = BLAWK_ERR_ARG;
            goto done;
        }
    }

    /* How far back each register is read. */
    for (uint32_t k = 0; k < p->n_code; k++) {
        const blawk_instr *in = &p->code[k];
        if (is_lag(in->op)) {
            size_t l = (uint64_t)in->lag >= n ? n : (size_t)in->lag;
            lagged[in->a] = 1;
            if (l > maxlag[in->a])
                maxlag[in->a] = l;
        }
    }

    for (uint32_t r = 0; r < nr; r++) {
        regs[r].kind = r < p->n_inputs ? REG_INPUT : REG_SCRATCH;
        if (r < p->n_inputs)
            regs[r].col = &inputs[r];
    }
    for (uint32_t j = 0; j < p->n_outputs; j++) {
        reg *o = &regs[p->out_regs[j]];
        o->kind = REG_OUTPUT;
        o->col = &outputs[j];
        o->keep_bits = outputs[j].valid != NULL;
    }
    for (uint32_t r = p->n_inputs; r < nr; r++) {
        reg *g = &regs[r];
        if (g->kind != REG_SCRATCH)
            continue;
        size_t elems = BLAWK_BLOCK;
        if (lagged[r]) {
            /* ring of whole blocks holding at least maxlag elements of history */
            elems = BLAWK_BLOCK * ((maxlag[r] + BLAWK_BLOCK - 1) / BLAWK_BLOCK + 1);
            g->ring = elems;
            g->keep_bits = 1;
        }
        g->store_v = blawk_alloc(elems * sizeof(double));
        g->store_m = blawk_alloc((elems / 64) * sizeof(uint64_t));
        if (!g->store_v || !g->store_m) {
            st = BLAWK_ERR_NOMEM;
            goto done;
        }
    }

    const blawk_kernels *k = blawk_active();
    for (size_t base = 0; base < n; base += BLAWK_BLOCK) {
        const size_t nb = n - base < BLAWK_BLOCK ? n - base : BLAWK_BLOCK;
        /* bind this block's views */
        for (uint32_t r = 0; r < nr; r++) {
            reg *g = &regs[r];
            if (g->kind == REG_SCRATCH) {
                const size_t off = g->ring ? base % g->ring : 0;
                g->v = g->store_v + off;
                g->m = g->store_m + off / 64;
            } else {
                g->v = g->col->values + base;
                g->m = g->col->valid ? g->col->valid + base / 64 : NULL;
            }
        }
        for (uint32_t c = 0; c < p->n_code; c++) {
            const blawk_instr *in = &p->code[c];
            if (in->op == BLAWK_OP_NOP)
                continue;
            reg *d = &regs[in->dst];
            const reg *a = &regs[in->a];
            if (is_lag(in->op)) {
                run_lag(k, in, d, a, base, nb, n, &carry[c]);
            } else {
                if (d->kind == REG_SCRATCH || d->keep_bits)
                    d->m = d->kind == REG_SCRATCH ? d->store_m + (d->ring ? (base % d->ring) / 64 : 0)
                                                  : d->col->valid + base / 64;
                run_map(k, in, d, a, is_binary(in->op) ? &regs[in->b] : NULL, nb);
            }
        }
    }

done:
    if (regs) {
        for (uint32_t r = 0; r < nr; r++) {
            blawk_free(regs[r].store_v);
            blawk_free(regs[r].store_m);
        }
    }
    blawk_free(regs);
    blawk_free(flags);
    blawk_free(maxlag);
    blawk_free(lagged);
    blawk_free(carry);
    return st;
}
