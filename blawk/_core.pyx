# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The only place where Python meets C: buffers in, status codes out.

Every kernel call releases the GIL.  Nothing here interprets data; the
Python layers above decide what to run.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc

import numpy as np

cdef extern from "blawk.h":
    ctypedef enum blawk_status:
        BLAWK_OK
        BLAWK_ERR_NOMEM
        BLAWK_ERR_ARG
        BLAWK_ERR_ISA
        BLAWK_ERR_PROGRAM
        BLAWK_ERR_SHAPE
    ctypedef enum blawk_isa:
        BLAWK_ISA_SCALAR
        BLAWK_ISA_AVX2
        BLAWK_ISA_AVX512
        BLAWK_ISA_COUNT
    int BLAWK_BLOCK_C "BLAWK_BLOCK"
    int BLAWK_VERSION_MAJOR
    int BLAWK_VERSION_MINOR
    int BLAWK_VERSION_PATCH

    ctypedef struct blawk_col:
        double *values
        uint64_t *valid
        size_t n

    ctypedef struct blawk_instr:
        uint32_t op
        uint32_t dst
        uint32_t a
        uint32_t b
        int64_t lag
        double imm
        int32_t kind
        int32_t flags
        int64_t arg

    ctypedef struct blawk_program:
        const blawk_instr *code
        uint32_t n_code
        uint32_t n_inputs
        uint32_t n_regs
        uint32_t n_outputs
        const uint32_t *out_regs
        uint32_t n_scalars

    ctypedef struct blawk_run_opts:
        double *scalars
        uint8_t *scalars_valid
        int threads

    ctypedef enum blawk_opcode:
        BLAWK_OP_NOP, BLAWK_OP_COPY, BLAWK_OP_NEG, BLAWK_OP_ABS, BLAWK_OP_SQRT,
        BLAWK_OP_LOG, BLAWK_OP_EXP, BLAWK_OP_ADD, BLAWK_OP_SUB, BLAWK_OP_MUL,
        BLAWK_OP_DIV, BLAWK_OP_ADD_S, BLAWK_OP_SUB_S, BLAWK_OP_RSUB_S,
        BLAWK_OP_MUL_S, BLAWK_OP_DIV_S, BLAWK_OP_RDIV_S, BLAWK_OP_DIFF,
        BLAWK_OP_RATIO, BLAWK_OP_SHIFT, BLAWK_OP_DLOG1, BLAWK_OP_WINDOW,
        BLAWK_OP_SCAN, BLAWK_OP_REDUCE, BLAWK_OP_FLOOR, BLAWK_OP_CEIL, BLAWK_OP_SIGN,
        BLAWK_OP_LOG1P, BLAWK_OP_EXPM1, BLAWK_OP_LOG10, BLAWK_OP_LOG2, BLAWK_OP_POW,
        BLAWK_OP_MOD, BLAWK_OP_MIN2, BLAWK_OP_MAX2, BLAWK_OP_POW_S, BLAWK_OP_RPOW_S,
        BLAWK_OP_MOD_S, BLAWK_OP_RMOD_S, BLAWK_OP_MIN_S, BLAWK_OP_MAX_S, BLAWK_OP_ROUND_S,
        BLAWK_OP_LT, BLAWK_OP_LE, BLAWK_OP_GT, BLAWK_OP_GE, BLAWK_OP_EQ, BLAWK_OP_NE,
        BLAWK_OP_LT_S, BLAWK_OP_LE_S, BLAWK_OP_GT_S, BLAWK_OP_GE_S,
        BLAWK_OP_EQ_S, BLAWK_OP_NE_S, BLAWK_OP_NOT, BLAWK_OP_ISNULL, BLAWK_OP_ISVALID,
        BLAWK_OP_FILL_S, BLAWK_OP_NAN2NULL, BLAWK_OP_COALESCE, BLAWK_OP_WHERE, BLAWK_OP_SUBDIV_S,
        BLAWK_OP_MULADD_S, BLAWK_OP_COUNT_
    int BLAWK_F_SREG
    int BLAWK_F_PAST_ONLY
    int BLAWK_F_TWO_INPUTS
    int BLAWK_F_OBS
    int BLAWK_F_SCALE

    const char *blawk_status_str(blawk_status s)
    int blawk_isa_available(blawk_isa isa)
    blawk_isa blawk_isa_best()
    blawk_isa blawk_isa_active()
    blawk_status blawk_set_isa(blawk_isa isa)
    const char *blawk_isa_name(blawk_isa isa)
    size_t blawk_null_count(const uint64_t *valid, size_t n) nogil
    void *blawk_pool_get(size_t bytes)
    void blawk_pool_put(void *p, size_t bytes)
    void blawk_pool_trim()
    blawk_status blawk_program_check(const blawk_program *p)
    blawk_status blawk_program_may_null(const blawk_program *p, const uint8_t *inputs_nullable,
                                        uint8_t *out)
    blawk_status blawk_program_may_null_s(const blawk_program *p, const uint8_t *inputs_nullable,
                                          const uint8_t *scalars_valid, uint8_t *out)
    blawk_status blawk_vm_exec(const blawk_program *p, const blawk_col *inputs,
                               blawk_col *outputs, size_t n, const blawk_run_opts *opts) nogil
    size_t blawk_vm_stream_min()
    void blawk_vm_set_stream_min(size_t bytes)
    double blawk_vm_thread_min_ns()
    void blawk_vm_set_thread_min_ns(double ns)
    int blawk_vm_last_threads()

    ctypedef enum blawk_join_kind:
        BLAWK_JOIN_ASOF
        BLAWK_JOIN_EXACT
    blawk_status blawk_join_rows(const int64_t *keys, size_t n, const int64_t *find, size_t m,
                                 blawk_join_kind kind, int threads, int64_t *out,
                                 size_t *n_missing) nogil
    size_t blawk_i64_unsorted_at(const int64_t *x, size_t n) nogil

cdef extern from "kernels/kernels.h":
    ctypedef void (*blawk_unary_fn)(double *out, const double *a, size_t n) noexcept nogil
    ctypedef void (*blawk_binary_fn)(double *out, const double *a, const double *b, size_t n) noexcept nogil
    ctypedef void (*blawk_scalar_fn)(double *out, const double *a, double s, size_t n) noexcept nogil
    ctypedef void (*blawk_scalar2_fn)(double *out, const double *a, double s1, double s2,
                                      size_t n) noexcept nogil
    ctypedef void (*blawk_lag1_fn)(double *out, const double *a, double prev, size_t n) noexcept nogil
    ctypedef struct blawk_kernels:
        const char *name
        blawk_unary_fn neg, abs, sqrt, log, exp
        blawk_binary_fn add, sub, mul, div
        blawk_scalar_fn add_s, sub_s, rsub_s, mul_s, div_s, rdiv_s
        blawk_scalar2_fn subdiv_s, muladd_s
        blawk_lag1_fn diff1, ratio1
        void *dlog1
        blawk_unary_fn floor, ceil, sign, log1p, expm1, log10, log2
        blawk_binary_fn pow, mod, min2, max2
        blawk_scalar_fn pow_s, rpow_s, mod_s, rmod_s, min_s, max_s, round_s
        void (*stream_fence)() noexcept nogil
    const blawk_kernels *blawk_kernels_for(int isa)
    const blawk_kernels *blawk_kernels_nt_for(int isa)


BLOCK = BLAWK_BLOCK_C
VERSION = f"{BLAWK_VERSION_MAJOR}.{BLAWK_VERSION_MINOR}.{BLAWK_VERSION_PATCH}"

OPCODES = {
    "nop": BLAWK_OP_NOP, "copy": BLAWK_OP_COPY, "neg": BLAWK_OP_NEG, "abs": BLAWK_OP_ABS,
    "sqrt": BLAWK_OP_SQRT, "log": BLAWK_OP_LOG, "exp": BLAWK_OP_EXP,
    "add": BLAWK_OP_ADD, "sub": BLAWK_OP_SUB, "mul": BLAWK_OP_MUL, "div": BLAWK_OP_DIV,
    "add_s": BLAWK_OP_ADD_S, "sub_s": BLAWK_OP_SUB_S, "rsub_s": BLAWK_OP_RSUB_S,
    "mul_s": BLAWK_OP_MUL_S, "div_s": BLAWK_OP_DIV_S, "rdiv_s": BLAWK_OP_RDIV_S,
    "diff": BLAWK_OP_DIFF, "ratio": BLAWK_OP_RATIO, "shift": BLAWK_OP_SHIFT,
    "subdiv_s": BLAWK_OP_SUBDIV_S, "muladd_s": BLAWK_OP_MULADD_S,
    "dlog1": BLAWK_OP_DLOG1, "window": BLAWK_OP_WINDOW, "scan": BLAWK_OP_SCAN,
    "reduce": BLAWK_OP_REDUCE, "floor": BLAWK_OP_FLOOR, "ceil": BLAWK_OP_CEIL,
    "sign": BLAWK_OP_SIGN, "log1p": BLAWK_OP_LOG1P, "expm1": BLAWK_OP_EXPM1,
    "log10": BLAWK_OP_LOG10, "log2": BLAWK_OP_LOG2, "pow": BLAWK_OP_POW, "mod": BLAWK_OP_MOD,
    "min2": BLAWK_OP_MIN2, "max2": BLAWK_OP_MAX2, "pow_s": BLAWK_OP_POW_S,
    "rpow_s": BLAWK_OP_RPOW_S, "mod_s": BLAWK_OP_MOD_S, "rmod_s": BLAWK_OP_RMOD_S,
    "min_s": BLAWK_OP_MIN_S, "max_s": BLAWK_OP_MAX_S, "round_s": BLAWK_OP_ROUND_S,
    "lt": BLAWK_OP_LT, "le": BLAWK_OP_LE, "gt": BLAWK_OP_GT, "ge": BLAWK_OP_GE,
    "eq": BLAWK_OP_EQ, "ne": BLAWK_OP_NE,
    "lt_s": BLAWK_OP_LT_S, "le_s": BLAWK_OP_LE_S, "gt_s": BLAWK_OP_GT_S, "ge_s": BLAWK_OP_GE_S,
    "eq_s": BLAWK_OP_EQ_S, "ne_s": BLAWK_OP_NE_S, "not": BLAWK_OP_NOT,
    "isnull": BLAWK_OP_ISNULL, "isvalid": BLAWK_OP_ISVALID, "fill_s": BLAWK_OP_FILL_S,
    "nan2null": BLAWK_OP_NAN2NULL, "coalesce": BLAWK_OP_COALESCE, "where": BLAWK_OP_WHERE,
}
F_SREG = BLAWK_F_SREG
F_PAST_ONLY = BLAWK_F_PAST_ONLY
F_TWO_INPUTS = BLAWK_F_TWO_INPUTS
F_OBS = BLAWK_F_OBS
F_SCALE = BLAWK_F_SCALE

_ISA_NAMES = ("scalar", "avx2", "avx512")


class CoreError(RuntimeError):
    """A status code from the C layer that the Python layers failed to prevent."""


cdef _check(blawk_status st, str what):
    if st != BLAWK_OK:
        raise CoreError(f"{what}: {blawk_status_str(st).decode()}")


def _isa_index(str name):
    try:
        return _ISA_NAMES.index(name)
    except ValueError:
        raise ValueError(f"unknown ISA {name!r}; expected one of {', '.join(_ISA_NAMES)}") from None


cdef class _PoolBuffer:
    """Memory from blawk's buffer pool, exposed to numpy (freed back to the pool)."""

    cdef void *ptr
    cdef size_t nbytes
    cdef Py_ssize_t shape[1]
    cdef Py_ssize_t strides[1]
    cdef bytes fmt
    cdef Py_ssize_t itemsize

    def __cinit__(self, size_t count, str kind):
        self.itemsize = 8
        self.fmt = b"d" if kind == "d" else b"q" if kind == "q" else b"Q"
        self.nbytes = count * 8
        self.ptr = blawk_pool_get(self.nbytes)
        if self.ptr == NULL:
            raise MemoryError(f"cannot allocate {self.nbytes} bytes")
        self.shape[0] = <Py_ssize_t>count
        self.strides[0] = 8

    def __getbuffer__(self, Py_buffer *view, int flags):
        view.buf = self.ptr
        view.obj = self
        view.len = <Py_ssize_t>self.nbytes
        view.readonly = 0
        view.itemsize = 8
        view.format = self.fmt
        view.ndim = 1
        view.shape = self.shape
        view.strides = self.strides
        view.suboffsets = NULL
        view.internal = NULL

    def __releasebuffer__(self, Py_buffer *view):
        pass

    def __dealloc__(self):
        blawk_pool_put(self.ptr, self.nbytes)


def empty(size_t count, str kind="d"):
    """A new 64-byte aligned array of `count` float64 ("d"), uint64 ("Q") or
    int64 ("q") values, uninitialised, from the buffer pool."""
    return np.asarray(_PoolBuffer(count, kind))


def pool_trim():
    """Give every pooled buffer back to the system."""
    blawk_pool_trim()


def available_isas():
    """The ISAs this CPU and OS can run, slowest first (always includes "scalar")."""
    return [nm for i, nm in enumerate(_ISA_NAMES) if blawk_isa_available(<blawk_isa>i)]


def best_isa():
    return _ISA_NAMES[<int>blawk_isa_best()]


def active_isa():
    return _ISA_NAMES[<int>blawk_isa_active()]


def set_isa(str name):
    """Select the kernels of `name`; ValueError if unknown, RuntimeError if unavailable."""
    cdef int i = _isa_index(name)
    if blawk_set_isa(<blawk_isa>i) != BLAWK_OK:
        raise RuntimeError(f"ISA {name!r} is not available on this CPU "
                           f"(available: {', '.join(available_isas())})")


def null_count(const uint64_t[::1] valid, size_t n):
    """Nulls among the first n bits of a validity bitmap."""
    if <size_t>valid.shape[0] * 64 < n:
        raise ValueError("bitmap shorter than n")
    if n == 0:
        return 0
    cdef size_t r
    with nogil:
        r = blawk_null_count(&valid[0], n)
    return r


cdef const blawk_kernels *_table(str isa) except NULL:
    """An ISA's kernel table; "<isa>_nt": its table with non-temporal stores."""
    cdef bint nt = isa.endswith("_nt")
    cdef int i = _isa_index(isa[:len(isa) - 3] if nt else isa)
    if not blawk_isa_available(<blawk_isa>i):
        raise RuntimeError(f"ISA {isa!r} is not available on this CPU")
    return blawk_kernels_nt_for(i) if nt else blawk_kernels_for(i)


def _result(size_t n, int misalign):
    """An output array whose data starts `misalign` doubles past a 64-byte boundary."""
    buf = np.empty(n + 8, dtype=np.float64)
    cdef size_t k = ((misalign * 8 - buf.ctypes.data) % 64) // 8
    return buf[k:k + n]


cdef blawk_unary_fn _unary(str name, str isa) except NULL:
    cdef const blawk_kernels *k = _table(isa)
    if name == "neg": return k.neg
    if name == "abs": return k.abs
    if name == "sqrt": return k.sqrt
    if name == "log": return k.log
    if name == "exp": return k.exp
    if name == "floor": return k.floor
    if name == "ceil": return k.ceil
    if name == "sign": return k.sign
    if name == "log1p": return k.log1p
    if name == "expm1": return k.expm1
    if name == "log10": return k.log10
    if name == "log2": return k.log2
    raise ValueError(f"no unary kernel {name!r}")


def kernel_unary(str name, const double[::1] x, str isa, int misalign=0):
    """Run one ISA's unary kernel directly on x (testing aid); returns a new array
    (which starts `misalign` doubles past a 64-byte boundary)."""
    cdef blawk_unary_fn f = _unary(name, isa)
    cdef size_t n = x.shape[0]
    out = _result(n, misalign)
    cdef double[::1] o = out
    cdef const blawk_kernels *kt = _table(isa)
    if n:
        with nogil:
            f(&o[0], &x[0], n)
            kt.stream_fence()
    return out


def kernel_inplace(str name, double[::1] x, str isa):
    """Run a unary kernel with out == x (testing aid for the aliasing contract)."""
    cdef blawk_unary_fn f = _unary(name, isa)
    cdef size_t n = x.shape[0]
    if n:
        with nogil:
            f(&x[0], &x[0], n)


def kernel_binary(str name, const double[::1] a, const double[::1] b, str isa,
                  int misalign=0):
    """Run one ISA's column-with-column kernel directly (testing aid)."""
    cdef const blawk_kernels *k = _table(isa)
    cdef blawk_binary_fn f
    if name == "add": f = k.add
    elif name == "sub": f = k.sub
    elif name == "mul": f = k.mul
    elif name == "div": f = k.div
    elif name == "pow": f = k.pow
    elif name == "mod": f = k.mod
    elif name == "min2": f = k.min2
    elif name == "max2": f = k.max2
    else:
        raise ValueError(f"no binary kernel {name!r}")
    if a.shape[0] != b.shape[0]:
        raise ValueError("length mismatch")
    cdef size_t n = a.shape[0]
    out = _result(n, misalign)
    cdef double[::1] o = out
    cdef const blawk_kernels *kt = _table(isa)
    if n:
        with nogil:
            f(&o[0], &a[0], &b[0], n)
            kt.stream_fence()
    return out


def kernel_scalar(str name, const double[::1] a, double s, str isa, int misalign=0):
    """Run one ISA's column-with-scalar kernel directly (testing aid)."""
    cdef const blawk_kernels *k = _table(isa)
    cdef blawk_scalar_fn f
    if name == "add_s": f = k.add_s
    elif name == "sub_s": f = k.sub_s
    elif name == "rsub_s": f = k.rsub_s
    elif name == "mul_s": f = k.mul_s
    elif name == "div_s": f = k.div_s
    elif name == "rdiv_s": f = k.rdiv_s
    elif name == "pow_s": f = k.pow_s
    elif name == "rpow_s": f = k.rpow_s
    elif name == "mod_s": f = k.mod_s
    elif name == "rmod_s": f = k.rmod_s
    elif name == "min_s": f = k.min_s
    elif name == "max_s": f = k.max_s
    elif name == "round_s": f = k.round_s
    else:
        raise ValueError(f"no scalar kernel {name!r}")
    cdef size_t n = a.shape[0]
    out = _result(n, misalign)
    cdef double[::1] o = out
    cdef const blawk_kernels *kt = _table(isa)
    if n:
        with nogil:
            f(&o[0], &a[0], s, n)
            kt.stream_fence()
    return out


def kernel_scalar2(str name, const double[::1] a, double s1, double s2, str isa,
                   int misalign=0):
    """Run one ISA's two-scalar kernel directly (testing aid): subdiv_s,
    (a - s1) / s2, or muladd_s, a * s1 + s2."""
    cdef const blawk_kernels *k = _table(isa)
    cdef blawk_scalar2_fn f
    if name == "subdiv_s": f = k.subdiv_s
    elif name == "muladd_s": f = k.muladd_s
    else:
        raise ValueError(f"no two-scalar kernel {name!r}")
    cdef size_t n = a.shape[0]
    out = _result(n, misalign)
    cdef double[::1] o = out
    if n:
        with nogil:
            f(&o[0], &a[0], s1, s2, n)
            k.stream_fence()
    return out


cdef class Program:
    """A checked VM program: instructions and bindings.

    An instruction is (op, dst, a, b, lag, imm) or (op, dst, a, b, lag, imm,
    kind, flags, arg); see blawk.h.  Registers [0, n_inputs) are the inputs;
    `out_regs` lists the registers bound to the outputs, in order; REDUCE
    instructions write scalar registers [0, n_scalars).
    """

    cdef blawk_instr *code
    cdef uint32_t *out_regs
    cdef blawk_program prog
    cdef readonly int n_inputs
    cdef readonly int n_outputs
    cdef readonly int n_regs
    cdef readonly int n_scalars
    cdef readonly list instructions

    def __cinit__(self, list code, int n_inputs, int n_regs, list out_regs, int n_scalars=0):
        self.code = NULL
        self.out_regs = NULL
        cdef Py_ssize_t i
        cdef Py_ssize_t nc = len(code)
        cdef Py_ssize_t no = len(out_regs)
        self.code = <blawk_instr *>calloc(max(nc, 1), sizeof(blawk_instr))
        self.out_regs = <uint32_t *>calloc(max(no, 1), sizeof(uint32_t))
        if self.code == NULL or self.out_regs == NULL:
            raise MemoryError()
        for i in range(nc):
            ins = code[i]
            op = ins[0]
            self.code[i].op = OPCODES[op] if isinstance(op, str) else op
            self.code[i].dst = ins[1]
            self.code[i].a = ins[2]
            self.code[i].b = ins[3]
            self.code[i].lag = ins[4]
            self.code[i].imm = ins[5]
            if len(ins) > 6:
                self.code[i].kind = ins[6]
                self.code[i].flags = ins[7]
                self.code[i].arg = ins[8]
        for i in range(no):
            self.out_regs[i] = out_regs[i]
        self.prog.code = self.code
        self.prog.n_code = <uint32_t>nc
        self.prog.n_inputs = n_inputs
        self.prog.n_regs = n_regs
        self.prog.n_outputs = <uint32_t>no
        self.prog.out_regs = self.out_regs
        self.prog.n_scalars = n_scalars
        self.n_inputs = n_inputs
        self.n_outputs = <int>no
        self.n_regs = n_regs
        self.n_scalars = n_scalars
        self.instructions = list(code)
        _check(blawk_program_check(&self.prog), "program")

    def __dealloc__(self):
        free(self.code)
        free(self.out_regs)

    def may_null(self, list inputs_nullable, scalars_valid=None):
        """Which outputs can hold nulls, given which inputs carry a bitmap and
        (optionally) which scalar registers are valid."""
        if len(inputs_nullable) != self.n_inputs:
            raise ValueError("one flag per input expected")
        cdef uint8_t *fin = <uint8_t *>malloc(max(self.n_inputs, 1))
        cdef uint8_t *fout = <uint8_t *>malloc(max(self.n_outputs, 1))
        cdef const uint8_t[::1] sv
        cdef const uint8_t *svp = NULL
        cdef int i
        try:
            if fin == NULL or fout == NULL:
                raise MemoryError()
            for i in range(self.n_inputs):
                fin[i] = 1 if inputs_nullable[i] else 0
            if scalars_valid is not None and self.n_scalars:
                sv = scalars_valid
                if sv.shape[0] < self.n_scalars:
                    raise ValueError("one validity flag per scalar register expected")
                svp = &sv[0]
            _check(blawk_program_may_null_s(&self.prog, fin, svp, fout), "may_null")
            return [bool(fout[i]) for i in range(self.n_outputs)]
        finally:
            free(fin)
            free(fout)

    def execute(self, list inputs, size_t n, out=None, scalars=None, scalars_valid=None,
                int threads=1):
        """Allocate the outputs (from the pool; `out` for output 0 if given), run,
        and return [(values, bitmap or None, null_count)] per output.

        The one-call path of the planner: null analysis, allocation, the VM and
        the null counts without going back to Python in between.
        """
        cdef int i
        cdef int nin = self.n_inputs
        cdef uint8_t fin[64]
        cdef uint8_t fout[64]
        cdef const uint8_t[::1] sv
        cdef const uint8_t *svp = NULL
        if nin > 64 or self.n_outputs > 64:
            raise ValueError("execute supports up to 64 inputs and outputs")
        if len(inputs) != nin:
            raise ValueError("wrong number of inputs")
        for i in range(nin):
            fin[i] = 0 if inputs[i][1] is None else 1
        if scalars_valid is not None and self.n_scalars:
            sv = scalars_valid
            svp = &sv[0]
        _check(blawk_program_may_null_s(&self.prog, fin, svp, fout), "may_null")
        cdef size_t words = (n + 63) >> 6
        outs = []
        for i in range(self.n_outputs):
            vals = out if (i == 0 and out is not None) else np.asarray(_PoolBuffer(n, "d"))
            bm = np.asarray(_PoolBuffer(words, "Q")) if fout[i] else None
            outs.append((vals, bm))
        self.run(inputs, outs, n, scalars, scalars_valid, threads)
        cdef const uint64_t[::1] mv
        res = []
        for vals, bm in outs:
            if bm is None or n == 0:
                res.append((vals, None, 0))
            else:
                mv = bm
                res.append((vals, bm, blawk_null_count(&mv[0], n)))
        return res

    def run(self, list inputs, list outputs, size_t n, scalars=None, scalars_valid=None,
            int threads=1):
        """Run over columns of length n.

        inputs/outputs: lists of (values, valid) with values a 1-D contiguous
        float64 array of length n and valid a uint64 array of ceil(n/64) words
        or None.  Output arrays must be writable; the VM fills them.
        scalars (float64) / scalars_valid (uint8): the scalar registers, read by
        F_SREG ops and written by REDUCE (required when n_scalars > 0).
        """
        if len(inputs) != self.n_inputs or len(outputs) != self.n_outputs:
            raise ValueError("wrong number of inputs or outputs")
        cdef blawk_col *cin = <blawk_col *>malloc(max(self.n_inputs, 1) * sizeof(blawk_col))
        cdef blawk_col *cout = <blawk_col *>malloc(max(self.n_outputs, 1) * sizeof(blawk_col))
        cdef const double[::1] vin
        cdef double[::1] vout
        cdef const uint64_t[::1] min_
        cdef uint64_t[::1] mout
        cdef size_t words = (n + 63) >> 6
        cdef blawk_status st
        cdef int i
        cdef blawk_run_opts opts
        cdef double[::1] sc
        cdef uint8_t[::1] scv
        opts.scalars = NULL
        opts.scalars_valid = NULL
        opts.threads = threads
        if self.n_scalars:
            if scalars is None or scalars_valid is None:
                raise ValueError("this program needs scalar registers")
            sc = scalars
            scv = scalars_valid
            if sc.shape[0] < self.n_scalars or scv.shape[0] < self.n_scalars:
                raise ValueError("too few scalar registers")
            opts.scalars = &sc[0]
            opts.scalars_valid = &scv[0]
        keep = []  # hold the memoryviews while the VM runs
        try:
            if cin == NULL or cout == NULL:
                raise MemoryError()
            for i in range(self.n_inputs):
                values, valid = inputs[i]
                vin = values
                if <size_t>vin.shape[0] != n:
                    raise ValueError(f"input {i} has length {vin.shape[0]}, expected {n}")
                cin[i].values = <double *>&vin[0] if n else NULL
                cin[i].n = n
                cin[i].valid = NULL
                keep.append(vin)
                if valid is not None:
                    min_ = valid
                    if <size_t>min_.shape[0] < words:
                        raise ValueError(f"input {i}: bitmap too short")
                    cin[i].valid = <uint64_t *>&min_[0] if words else NULL
                    keep.append(min_)
            for i in range(self.n_outputs):
                values, valid = outputs[i]
                vout = values
                if <size_t>vout.shape[0] != n:
                    raise ValueError(f"output {i} has length {vout.shape[0]}, expected {n}")
                cout[i].values = &vout[0] if n else NULL
                cout[i].n = n
                cout[i].valid = NULL
                keep.append(vout)
                if valid is not None:
                    mout = valid
                    if <size_t>mout.shape[0] < words:
                        raise ValueError(f"output {i}: bitmap too short")
                    cout[i].valid = &mout[0] if words else NULL
                    keep.append(mout)
            with nogil:
                st = blawk_vm_exec(&self.prog, cin, cout, n, &opts)
            _check(st, "vm")
        finally:
            free(cin)
            free(cout)


def kernel_lag1(str name, const double[::1] a, double prev, str isa):
    """Run one ISA's lag-1 kernel directly (testing aid): out[i] = a[i] op a[i-1], a[-1] = prev."""
    cdef const blawk_kernels *k = _table(isa)
    cdef blawk_lag1_fn f
    if name == "diff1": f = k.diff1
    elif name == "ratio1": f = k.ratio1
    else:
        raise ValueError(f"no lag-1 kernel {name!r}")
    cdef size_t n = a.shape[0]
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] o = out
    if n:
        with nogil:
            f(&o[0], &a[0], prev, n)
    return out


def join_rows(const int64_t[::1] keys, const int64_t[::1] find, bint exact=False,
              int threads=1):
    """Row matching for the joins (csrc/join.c): for each find[j], the last row
    of the sorted `keys` with key <= find[j] (exact: == find[j]), -1 if none.

    Returns (int64 positions from the buffer pool, number of -1s).  `keys`
    must be sorted ascending (see unsorted_at); `find` may be in any order.
    """
    cdef size_t n = keys.shape[0]
    cdef size_t m = find.shape[0]
    out = np.asarray(_PoolBuffer(m, "q"))
    cdef int64_t[::1] o = out
    cdef size_t missing = 0
    cdef blawk_status st
    cdef blawk_join_kind kind = BLAWK_JOIN_EXACT if exact else BLAWK_JOIN_ASOF
    cdef const int64_t *kp = &keys[0] if n else NULL
    cdef const int64_t *fp = &find[0] if m else NULL
    cdef int64_t *op = &o[0] if m else NULL
    with nogil:
        st = blawk_join_rows(kp, n, fp, m, kind, threads, op, &missing)
    _check(st, "join_rows")
    return out, missing


def unsorted_at(const int64_t[::1] x):
    """The first row of x smaller than the row before it, or 0 if x is sorted."""
    cdef size_t n = x.shape[0]
    cdef size_t r = 0
    if n >= 2:
        with nogil:
            r = blawk_i64_unsorted_at(&x[0], n)
    return r


# Kernel families with carried state have their testing entry points in their
# own include files.
include "_window.pxi"
include "_reduce.pxi"


def stream_min():
    """Output size in bytes from which the VM writes with non-temporal stores."""
    return blawk_vm_stream_min()


def set_stream_min(size_t nbytes):
    """Set that size (0: always, 2**64-1: never); returns the previous one."""
    cdef size_t old = blawk_vm_stream_min()
    blawk_vm_set_stream_min(nbytes)
    return old


def thread_min_ns():
    """Estimated work (ns at one thread) each VM thread must get to be started."""
    return blawk_vm_thread_min_ns()


def set_thread_min_ns(double ns):
    """Set that amount (0: thread whenever a stage allows it); returns the previous one."""
    cdef double old = blawk_vm_thread_min_ns()
    blawk_vm_set_thread_min_ns(ns)
    return old


def last_threads():
    """Threads used by this thread's last VM run."""
    return blawk_vm_last_threads()


def overlaps(const double[::1] a, const double[::1] b):
    """Do the memory ranges of two contiguous float64 arrays overlap?"""
    if a.shape[0] == 0 or b.shape[0] == 0:
        return False
    cdef size_t a0 = <size_t>&a[0]
    cdef size_t b0 = <size_t>&b[0]
    return a0 < b0 + <size_t>b.shape[0] * 8 and b0 < a0 + <size_t>a.shape[0] * 8
