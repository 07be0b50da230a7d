/*
 * blawk.h -- the public C ABI of blawk's kernel library (libblawk.a).
 *
 * Plain C11, no Python.  A C program can link libblawk.a on its own and use
 * everything declared here (see examples/c/).
 *
 * Data model
 * ----------
 * A column is `n` float64 values plus an optional validity bitmap.  The bitmap
 * is an array of uint64_t words, LSB first: element i is bit (i & 63) of word
 * (i >> 6); 1 = valid, 0 = null; bits past n in the last word are zero.  A NULL
 * bitmap pointer means "every element is valid".  This is Arrow's layout.
 * The value stored under a null slot is unspecified.  Null is *not* NaN: NaN,
 * +-inf and -0.0 are ordinary IEEE values and are never changed by blawk.
 *
 * Errors
 * ------
 * Every function that can fail returns a blawk_status.  The library never
 * aborts, never prints and never exits.
 *
 * Threading
 * ---------
 * The functions are reentrant: a blawk_vm_run call touches only the program,
 * the columns and the scratch it is given.  blawk_set_isa changes a process-wide
 * setting and must not race with running kernels.
 */
#ifndef BLAWK_H
#define BLAWK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BLAWK_VERSION_MAJOR 0
#define BLAWK_VERSION_MINOR 1
#define BLAWK_VERSION_PATCH 0

/* Elements per VM block.  A multiple of 64 so that every block starts on a
 * bitmap word; small enough that a stage's live registers stay in L1/L2. */
#define BLAWK_BLOCK 1024
#define BLAWK_BLOCK_WORDS (BLAWK_BLOCK / 64)

/* Alignment (bytes) of every buffer blawk allocates. */
#define BLAWK_ALIGN 64

typedef enum blawk_status {
    BLAWK_OK = 0,
    BLAWK_ERR_NOMEM = 1,       /* allocation failed */
    BLAWK_ERR_ARG = 2,         /* a NULL pointer or an out-of-range argument */
    BLAWK_ERR_ISA = 3,         /* the requested ISA is not available on this CPU */
    BLAWK_ERR_PROGRAM = 4,     /* malformed VM program (bad opcode/register/state) */
    BLAWK_ERR_SHAPE = 5        /* columns of different lengths where one length is needed */
} blawk_status;

/* A short English description of a status code (static storage). */
const char *blawk_status_str(blawk_status s);

/* ------------------------------------------------------------------------ */
/* Instruction-set selection                                                 */
/* ------------------------------------------------------------------------ */

typedef enum blawk_isa {
    BLAWK_ISA_SCALAR = 0,      /* portable C: the reference implementation */
    BLAWK_ISA_AVX2 = 1,        /* AVX2 + FMA */
    BLAWK_ISA_AVX512 = 2,      /* AVX-512 F + DQ (+ VL, BW) */
    BLAWK_ISA_COUNT = 3
} blawk_isa;

/* 1 if this CPU and OS can run `isa` (cpuid + xgetbv), else 0. */
int blawk_isa_available(blawk_isa isa);

/* The best available ISA. */
blawk_isa blawk_isa_best(void);

/* The ISA the kernels currently use.  The library starts on blawk_isa_best(). */
blawk_isa blawk_isa_active(void);

/* Select an ISA; BLAWK_ERR_ISA if it is not available (nothing changes). */
blawk_status blawk_set_isa(blawk_isa isa);

/* "scalar", "avx2", "avx512"; NULL for an out-of-range value. */
const char *blawk_isa_name(blawk_isa isa);

/* Parse a name as above (case-sensitive).  BLAWK_ERR_ARG if unknown. */
blawk_status blawk_isa_from_name(const char *name, blawk_isa *out);

/* ------------------------------------------------------------------------ */
/* Columns and aligned memory                                               */
/* ------------------------------------------------------------------------ */

typedef struct blawk_col {
    double *values;            /* n values, 8-byte (naturally) aligned; 64 not required */
    uint64_t *valid;           /* ceil(n/64) words, or NULL = all valid */
    size_t n;
} blawk_col;

/* 64-byte aligned allocation (zeroed); free with blawk_free. NULL on failure. */
void *blawk_alloc(size_t bytes);
void blawk_free(void *p);

/*
 * The buffer pool: 64-byte aligned, NOT zeroed memory for results.  Big
 * buffers given back with blawk_pool_put are kept (bounded) and handed out
 * again for the same size, so steady-state work does not fault pages in
 * again.  blawk_pool_put(p, bytes) needs the size that was asked for.
 */
void *blawk_pool_get(size_t bytes);
void blawk_pool_put(void *p, size_t bytes);
void blawk_pool_trim(void); /* give every pooled buffer back to the system */

/* Number of bitmap words for n elements. */
static inline size_t blawk_bitmap_words(size_t n) { return (n + 63) >> 6; }

/* Number of null (0) bits among the first n bits of `valid` (0 if NULL). */
size_t blawk_null_count(const uint64_t *valid, size_t n);

/* ------------------------------------------------------------------------ */
/* Elementwise kernels on raw arrays (active ISA).                          */
/* Values only: out[i] = f(x[i]).  `out` may equal `x` (exact aliasing only). */
/* Results are bit-identical across ISAs.                                   */
/* ------------------------------------------------------------------------ */

void blawk_log(double *out, const double *x, size_t n);
void blawk_exp(double *out, const double *x, size_t n);

/* ------------------------------------------------------------------------ */
/* The block VM                                                             */
/* ------------------------------------------------------------------------ */
/*
 * A program is a straight-line list of register instructions.  The VM runs
 * the whole list over block 0 (elements [0, BLAWK_BLOCK)), then over block 1,
 * and so on, so intermediates live in block-sized registers that stay in
 * cache and no full-length temporary is ever made.
 *
 * Registers
 *   0 .. n_inputs-1          the input columns (read-only views, no copy)
 *   n_inputs .. n_regs-1     block-sized scratch registers (values + bitmap)
 * An output binds a register to an output column: the instruction that writes
 * that register writes straight into the output's memory.
 *
 * Nulls: every instruction computes its values on all lanes (branch-free) and
 * combines the validity bitmaps of its operands a 64-bit word at a time
 * (elementwise rule: null if any input is null).  A register whose bitmap is
 * "all valid" for a block carries no bitmap for that block and takes the fast
 * path.
 *
 * Lag state: an instruction of kind LAG reads its operand `lag` elements back.
 * For an input register that is the input's own memory; for a computed
 * register the VM keeps a ring of that register's recent blocks (the register
 * is *stored* in the ring, so no copy is made).  out[i] is null for i < lag
 * and wherever x[i] or x[i-lag] is null.
 */

typedef enum blawk_opcode {
    BLAWK_OP_NOP = 0,
    /* unary maps: dst = f(a) */
    BLAWK_OP_COPY, BLAWK_OP_NEG, BLAWK_OP_ABS, BLAWK_OP_SQRT,
    BLAWK_OP_LOG, BLAWK_OP_EXP,
    /* binary maps, register with register: dst = a (op) b */
    BLAWK_OP_ADD, BLAWK_OP_SUB, BLAWK_OP_MUL, BLAWK_OP_DIV,
    /* binary maps with the scalar `imm`: dst = a (op) imm, or imm (op) a */
    BLAWK_OP_ADD_S,            /* a + imm */
    BLAWK_OP_SUB_S,            /* a - imm */
    BLAWK_OP_RSUB_S,           /* imm - a */
    BLAWK_OP_MUL_S,            /* a * imm */
    BLAWK_OP_DIV_S,            /* a / imm */
    BLAWK_OP_RDIV_S,           /* imm / a */
    /* lag ops: dst[i] = f(a[i], a[i-lag]); lag < 0 (a lead) only on an input register */
    BLAWK_OP_DIFF,             /* a[i] - a[i-lag] */
    BLAWK_OP_RATIO,            /* a[i] / a[i-lag] */
    BLAWK_OP_SHIFT,            /* a[i-lag] */
    BLAWK_OP_DLOG1,            /* log a[i] - log a[i-1] in one pass (lag must be 1);
                                  the last log is carried across blocks; with
                                  BLAWK_F_SCALE the difference is multiplied by imm */
    /* ops with a kernel state object carried across blocks (csrc/kernels/window.h,
     * scan.h, reduce.h); `kind` picks the kernel */
    BLAWK_OP_WINDOW,           /* dst = rolling `kind` of a, window `lag`, min_periods `arg`,
                                  ddof = BLAWK_DDOF(flags), BLAWK_F_PAST_ONLY, BLAWK_F_OBS */
    BLAWK_OP_SCAN,             /* dst = cumulative `kind` of a (alpha = imm, limit = arg) */
    BLAWK_OP_REDUCE,           /* SCALAR register dst = reduction `kind` of a (and b when
                                  BLAWK_F_TWO_INPUTS), ddof = BLAWK_DDOF(flags), q = imm */
    /* more unary maps */
    BLAWK_OP_FLOOR, BLAWK_OP_CEIL, BLAWK_OP_SIGN, BLAWK_OP_LOG1P, BLAWK_OP_EXPM1,
    BLAWK_OP_LOG10, BLAWK_OP_LOG2,
    /* more binary maps: pow, floored mod (np.mod), NaN-propagating min/max */
    BLAWK_OP_POW, BLAWK_OP_MOD, BLAWK_OP_MIN2, BLAWK_OP_MAX2,
    /* more maps with the scalar imm (or scalar register b with F_SREG) */
    BLAWK_OP_POW_S, BLAWK_OP_RPOW_S, BLAWK_OP_MOD_S, BLAWK_OP_RMOD_S, BLAWK_OP_MIN_S,
    BLAWK_OP_MAX_S, BLAWK_OP_ROUND_S, /* round to imm decimal digits, half to even */
    /* comparisons and logic: results are 1.0 (true) or 0.0 (false); a value is
     * true when it is neither 0 nor NaN (NOT, WHERE).  IEEE: any comparison
     * with NaN is false except !=.  On 0/1 masks, and/or are min2/max2 (q's & |) */
    BLAWK_OP_LT, BLAWK_OP_LE, BLAWK_OP_GT, BLAWK_OP_GE, BLAWK_OP_EQ, BLAWK_OP_NE,
                                                      /* register with register */
    BLAWK_OP_LT_S, BLAWK_OP_LE_S, BLAWK_OP_GT_S, BLAWK_OP_GE_S, BLAWK_OP_EQ_S,
    BLAWK_OP_NE_S,                                    /* a (op) imm */
    BLAWK_OP_NOT,
    /* null handling */
    BLAWK_OP_ISNULL,           /* 1.0 where a is null, else 0.0; never null */
    BLAWK_OP_ISVALID,          /* 1.0 where a is valid; never null */
    BLAWK_OP_FILL_S,           /* a where valid, imm where null; never null */
    BLAWK_OP_NAN2NULL,         /* a, with NaN made null */
    BLAWK_OP_COALESCE,         /* a where valid, else b */
    BLAWK_OP_WHERE,            /* dst = truth(a) ? b : register `arg`; null where a is
                                  null or the chosen side is null */
    /* fused normalisation: dst = (a - s1) / s2, where s1 is imm (or scalar
     * register b with BLAWK_F_SREG) and s2 is scalar register `arg`: the bits
     * of SUB_S then DIV_S in one pass (zscore's second pass); null where a is
     * null or either scalar is */
    BLAWK_OP_SUBDIV_S,
    /* fused scale and shift: dst = a * s1 + s2, where s1 is imm (or scalar
     * register b with BLAWK_F_SREG) and s2 is scalar register `arg`: the bits
     * of MUL_S then ADD_S in one pass (the product is rounded, then the sum:
     * never a fused multiply-add); null where a is null or either scalar is */
    BLAWK_OP_MULADD_S,
    BLAWK_OP_COUNT_
} blawk_opcode;

typedef struct blawk_instr {
    uint32_t op;               /* blawk_opcode */
    uint32_t dst;              /* destination register (never an input) */
    uint32_t a;                /* first operand register */
    uint32_t b;                /* second operand register (binary ops) */
    int64_t lag;               /* LAG ops: how far back, >= 0; WINDOW: the window length */
    double imm;                /* *_S ops: the scalar operand; SCAN: alpha; REDUCE: q */
    int32_t kind;              /* WINDOW/SCAN/REDUCE: which kernel */
    int32_t flags;             /* BLAWK_F_* bits, ddof in bits 8..15 */
    int64_t arg;               /* WINDOW: min_periods; SCAN: limit */
} blawk_instr;

/* instruction flags */
#define BLAWK_F_SREG 1         /* *_S ops: the scalar is scalar register `b`, not imm */
#define BLAWK_F_PAST_ONLY 2    /* WINDOW: the window excludes the current row */
#define BLAWK_F_TWO_INPUTS 4   /* REDUCE: reads a and b (cov, cor, wsum, wavg) */
#define BLAWK_F_OBS 8          /* DIFF/RATIO/SHIFT: lag over valid observations ("business
                                  days"): a[i-lag] is the lag-th valid value before i;
                                  WINDOW: the window holds the last `lag` valid values
                                  (null rows are skipped and give null) */
#define BLAWK_F_SCALE 16       /* DLOG1: (log a[i] - log a[i-1]) * imm, in the same pass:
                                  the bits of DLOG1 followed by MUL_S imm */
#define BLAWK_DDOF(flags) (((flags) >> 8) & 0xff)
#define BLAWK_F_DDOF(d) ((int32_t)(d) << 8)

typedef struct blawk_program {
    const blawk_instr *code;
    uint32_t n_code;
    uint32_t n_inputs;         /* registers [0, n_inputs) are inputs */
    uint32_t n_regs;           /* total registers, inputs included */
    uint32_t n_outputs;
    const uint32_t *out_regs;  /* n_outputs registers bound to outputs, in order */
    uint32_t n_scalars;        /* scalar registers (read by F_SREG ops, set by REDUCE) */
} blawk_program;

/*
 * Check a program: opcodes, register numbers, every register written before
 * it is read, each register written once, outputs distinct and written.
 */
blawk_status blawk_program_check(const blawk_program *p);

/*
 * Run `p` over columns of length n.
 *   inputs[n_inputs]    values naturally aligned (8 bytes); valid may be NULL.
 *   outputs[n_outputs]  caller-allocated values of n doubles (8-byte aligned);
 *                       valid is either NULL (the caller asserts the result
 *                       cannot have nulls, see blawk_program_may_null) or
 *                       ceil(n/64) words, which the VM fills completely.
 * Every column must have .n == n.  Outputs must not overlap inputs unless
 * they are the very same array (out = x in place is allowed for pure maps).
 */
blawk_status blawk_vm_run(const blawk_program *p, const blawk_col *inputs,
                          blawk_col *outputs, size_t n);

/* Run-time context of blawk_vm_exec. */
typedef struct blawk_run_opts {
    double *scalars;           /* n_scalars values: read by F_SREG ops, written by REDUCE */
    uint8_t *scalars_valid;    /* n_scalars flags, 1 = valid (a null scalar makes every
                                  element of an op that reads it null) */
    int threads;               /* worker threads for the stage; <= 1: the calling thread */
} blawk_run_opts;

/*
 * blawk_vm_run with scalar registers and threads.  Programs that use scalar
 * registers need opts with both arrays.  Results are bit-identical whatever
 * the thread count: stages with state that runs from row 0 (scans,
 * observation-mode lags and windows) run on one thread, windows and lags of
 * computed registers warm up on the rows before a thread's range, and
 * reductions merge per-block partials in block order.
 */
blawk_status blawk_vm_exec(const blawk_program *p, const blawk_col *inputs, blawk_col *outputs,
                           size_t n, const blawk_run_opts *opts);

/*
 * Output columns of at least this many bytes are written with non-temporal
 * stores: each block is computed in a cache-resident buffer and then streamed
 * out, so the output's lines are not read into the cache first (a third of a
 * memory-bound pass's traffic, and what lets two threads scale).  The default
 * is the last-level cache size (32 MiB when the system does not say).  0 means
 * always, SIZE_MAX never.  The bits of the results are the same either way.
 * (On the scalar ISA path outputs are always written in place.)
 */
size_t blawk_vm_stream_min(void);
void blawk_vm_set_stream_min(size_t bytes);

/*
 * Threads are used only where each gets at least this much estimated work
 * (nanoseconds at one thread; default 30 us: handing work to a pool thread
 * costs microseconds, tens when it sleeps).  The estimate is per instruction
 * and per column streamed, less what per-block reduction partials add on
 * threads, see vm.c.  0 means: any stage that may run threaded and has a block per
 * thread does.  blawk_vm_last_threads() tells how many threads the calling
 * thread's last successful blawk_vm_exec used.  The bits of the results are
 * the same either way.
 */
double blawk_vm_thread_min_ns(void);
void blawk_vm_set_thread_min_ns(double ns);
int blawk_vm_last_threads(void);

/*
 * Static null analysis: may output j contain nulls, given which inputs carry
 * a bitmap (inputs_nullable[i] != 0)?  Writes n_outputs flags into out.
 */
blawk_status blawk_program_may_null(const blawk_program *p,
                                    const uint8_t *inputs_nullable,
                                    uint8_t *out);

/* The same, knowing which scalar registers are valid (NULL: all valid). */
blawk_status blawk_program_may_null_s(const blawk_program *p,
                                      const uint8_t *inputs_nullable,
                                      const uint8_t *scalars_valid, uint8_t *out);

/* ------------------------------------------------------------------------ */
/* Joins: row matching on int64 keys (csrc/join.c)                          */
/* ------------------------------------------------------------------------ */

typedef enum blawk_join_kind {
    BLAWK_JOIN_ASOF = 0,       /* the last lookup row with key <= the driving key */
    BLAWK_JOIN_EXACT = 1       /* the last lookup row with key == the driving key */
} blawk_join_kind;

/*
 * For every driving key find[j] (j < m), out[j] = the row of the last lookup
 * key that matches it (see blawk_join_kind), or -1 when there is none.
 *   keys[n]     the lookup keys, sorted ascending (duplicates allowed; the
 *               last of equal keys is the one found).  Check with
 *               blawk_i64_unsorted_at: unsorted keys give unspecified rows
 *               (never a read outside the arrays).
 *   find[m]     the driving keys, in any order.  Runs of ascending keys cost
 *               one linear merge, O(n + m), with galloping when the driving
 *               side is much shorter (O(m log(n/m))); a key smaller than the
 *               one before it is a binary search, O(log n).
 *   threads     <= 1: the calling thread; more split the driving keys (only
 *               when each thread gets at least 65536).  The results are the
 *               same for every thread count.
 *   out[m]      written completely; must not overlap the inputs.
 *   n_missing   if not NULL, receives the number of -1s written.
 * BLAWK_ERR_ARG for an unknown kind or a NULL array that has elements.
 */
blawk_status blawk_join_rows(const int64_t *keys, size_t n, const int64_t *find, size_t m,
                             blawk_join_kind kind, int threads, int64_t *out,
                             size_t *n_missing);

/* The first row i of x[n] with x[i] < x[i - 1] (rows counted from 0), or 0
 * when x is sorted ascending (duplicates allowed).  0 for n < 2 or x NULL. */
size_t blawk_i64_unsorted_at(const int64_t *x, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* BLAWK_H */
