# Reductions to a scalar (csrc/reduce.c, csrc/kernels/reduce.h): testing entry
# points.  Included at the end of _core.pyx.

from libc.stdint cimport int32_t

cdef extern from "kernels/reduce.h":
    ctypedef struct blawk_red_params:
        int32_t kind
        int32_t ddof
        double q
    ctypedef struct blawk_red_state:
        pass
    blawk_status blawk_red_new(const blawk_red_params *p, blawk_red_state **out) nogil
    void blawk_red_free(blawk_red_state *s) nogil
    blawk_status blawk_red_partial(blawk_red_state *part, const double *x, const uint64_t *x_valid,
                                   const double *y, const uint64_t *y_valid, size_t n) nogil
    blawk_status blawk_red_merge(blawk_red_state *total, const blawk_red_state *part) nogil
    void blawk_red_reset(blawk_red_state *s) nogil
    void blawk_red_result(const blawk_red_state *s, double *value, int *valid) nogil
    blawk_status blawk_red_column(const blawk_red_params *p, const double *x,
                                  const uint64_t *x_valid, const double *y,
                                  const uint64_t *y_valid, size_t n, double *value,
                                  int *valid) nogil
    int blawk_red_two_inputs(int32_t kind)
    ctypedef size_t (*blawk_pick_fn)(double *dst, size_t cap, const double *x, size_t n,
                                     double lo, double hi, size_t *less) noexcept nogil
    ctypedef struct blawk_reduce_kernels:
        blawk_pick_fn pick
    const blawk_reduce_kernels *blawk_reduce_kernels_for(int isa)


# blawk_red_kind, in enum order
REDUCE_KINDS = {name: i for i, name in enumerate((
    "sum", "sum0", "mean", "var", "std", "min", "max", "count", "first", "last", "prod",
    "skew", "kurt", "median", "quantile", "cov", "cor", "wsum", "wavg"))}


def _red_bitmap(valid, size_t n):
    """None, a bool array of n flags (True = valid), or uint64 bitmap words as they are."""
    if valid is None:
        return None
    a = np.asarray(valid)
    if a.dtype == np.uint64:
        if <size_t>a.shape[0] * 64 < n:
            raise ValueError("bitmap shorter than the column")
        return np.ascontiguousarray(a)
    a = np.ascontiguousarray(a, dtype=bool)
    if <size_t>a.shape[0] != n:
        raise ValueError(f"validity has {a.shape[0]} flags, column has {n} values")
    words = (n + 63) >> 6
    packed = np.zeros(words * 8, dtype=np.uint8)
    packed[: (n + 7) >> 3] = np.packbits(a, bitorder="little")
    return packed.view("<u8").astype(np.uint64)


cdef blawk_red_params _red_params(str kind, int ddof, double q) except *:
    cdef blawk_red_params p
    if kind not in REDUCE_KINDS:
        raise ValueError(f"unknown reduction {kind!r}; expected one of {', '.join(REDUCE_KINDS)}")
    p.kind = REDUCE_KINDS[kind]
    p.ddof = ddof
    p.q = q
    return p


def _red_inputs(str kind, x, valid, y, y_valid):
    xa = np.ascontiguousarray(x, dtype=np.float64)
    if xa.ndim != 1:
        raise ValueError("x must be 1-D")
    n = xa.shape[0]
    xv = _red_bitmap(valid, n)
    ya = yv = None
    if blawk_red_two_inputs(REDUCE_KINDS[kind]):
        if y is None:
            raise ValueError(f"{kind} needs two inputs (y)")
        ya = np.ascontiguousarray(y, dtype=np.float64)
        if ya.shape != xa.shape:
            raise ValueError("x and y differ in length")
        yv = _red_bitmap(y_valid, n)
    return xa, xv, ya, yv


class _ForcedIsa:
    """Make an ISA active for a `with` block (None: leave it), then restore."""

    def __init__(self, isa):
        self.isa = isa
        self.before = None

    def __enter__(self):
        if self.isa is not None:
            self.before = active_isa()
            set_isa(self.isa)

    def __exit__(self, *exc):
        if self.before is not None:
            set_isa(self.before)


cdef inline const double *_dptr(const double[::1] a, size_t off) noexcept nogil:
    return &a[0] + off if a is not None and a.shape[0] else NULL


cdef inline const uint64_t *_wptr(const uint64_t[::1] a, size_t off) noexcept nogil:
    return &a[0] + off if a is not None and a.shape[0] else NULL


def reduce_run(str kind, x, valid=None, y=None, y_valid=None, int ddof=1, double q=0.5,
               isa=None, Py_ssize_t block=1024):
    """Reduce a column the way the VM does (testing aid): a partial per `block`
    elements (1 <= block <= 1024), merged in block order.

    valid/y_valid: None (all valid), bool flags (True = valid) or uint64 bitmap
    words.  Two-input kinds (cov, cor, wsum, wavg) need y; for wavg x is the
    weights.  isa: run on that ISA, then restore the active one.  Returns a
    float, or None for a null result.
    """
    cdef blawk_red_params p = _red_params(kind, ddof, q)
    if block < 1 or block > BLAWK_BLOCK_C:
        raise ValueError(f"block must be in [1, {BLAWK_BLOCK_C}]")
    xa, xvw, ya, yvw = _red_inputs(kind, x, valid, y, y_valid)
    cdef const double[::1] xm = xa
    cdef const double[::1] ym = ya
    cdef const uint64_t[::1] xvm = xvw
    cdef const uint64_t[::1] yvm = yvw
    cdef size_t n = xa.shape[0], off, length, bsz = <size_t>block
    cdef blawk_red_state *total = NULL
    cdef blawk_red_state *part = NULL
    cdef blawk_status st = BLAWK_OK
    cdef double value = 0.0
    cdef int ok = 0
    cdef bint aligned = bsz % 64 == 0
    # a block that does not start on a bitmap word gets its own bitmaps
    cdef const uint64_t[::1] bx
    cdef const uint64_t[::1] by
    with _ForcedIsa(isa):
        try:
            _check(blawk_red_new(&p, &total), "reduce")
            _check(blawk_red_new(&p, &part), "reduce")
            if aligned:
                with nogil:
                    off = 0
                    while off < n and st == BLAWK_OK:
                        length = n - off if n - off < bsz else bsz
                        blawk_red_reset(part)
                        st = blawk_red_partial(part, _dptr(xm, off), _wptr(xvm, off >> 6),
                                               _dptr(ym, off), _wptr(yvm, off >> 6), length)
                        if st == BLAWK_OK:
                            st = blawk_red_merge(total, part)
                        off += length
            else:
                xflags = None if xvw is None else _unpack(xvw, n)
                yflags = None if yvw is None else _unpack(yvw, n)
                off = 0
                while off < n and st == BLAWK_OK:
                    length = n - off if n - off < bsz else bsz
                    bx = None if xflags is None else _red_bitmap(xflags[off:off + length], length)
                    by = None if yflags is None else _red_bitmap(yflags[off:off + length], length)
                    with nogil:
                        blawk_red_reset(part)
                        st = blawk_red_partial(part, _dptr(xm, off), _wptr(bx, 0),
                                               _dptr(ym, off), _wptr(by, 0), length)
                        if st == BLAWK_OK:
                            st = blawk_red_merge(total, part)
                    off += length
            _check(st, "reduce")
            with nogil:
                blawk_red_result(total, &value, &ok)
        finally:
            blawk_red_free(part)
            blawk_red_free(total)
    return value if ok else None


def _unpack(words, size_t n):
    return np.unpackbits(np.asarray(words, dtype="<u8").view(np.uint8),
                         bitorder="little")[:n].astype(bool)


def reduce_column(str kind, x, valid=None, y=None, y_valid=None, int ddof=1, double q=0.5,
                  isa=None):
    """blawk_red_column: the whole column in one C call (BLAWK_BLOCK blocks,
    merged in order).  Same arguments and result as reduce_run."""
    cdef blawk_red_params p = _red_params(kind, ddof, q)
    xa, xvw, ya, yvw = _red_inputs(kind, x, valid, y, y_valid)
    cdef const double[::1] xm = xa
    cdef const double[::1] ym = ya
    cdef const uint64_t[::1] xvm = xvw
    cdef const uint64_t[::1] yvm = yvw
    cdef size_t n = xa.shape[0]
    cdef blawk_status st
    cdef double value = 0.0
    cdef int ok = 0
    with _ForcedIsa(isa):
        with nogil:
            st = blawk_red_column(&p, _dptr(xm, 0), _wptr(xvm, 0), _dptr(ym, 0), _wptr(yvm, 0),
                                  n, &value, &ok)
    _check(st, "reduce")
    return value if ok else None


def reduce_pick(const double[::1] x, double lo, double hi, size_t cap, str isa):
    """Run one ISA's selection narrowing kernel (testing aid): returns (the
    values copied, in order, the count below lo), or (None, None) when more
    than cap would be copied."""
    cdef int i = _isa_index(isa)
    if not blawk_isa_available(<blawk_isa>i):
        raise RuntimeError(f"ISA {isa!r} is not available on this CPU")
    cdef const blawk_reduce_kernels *kr = blawk_reduce_kernels_for(i)
    out = np.empty(cap + 8)
    cdef double[::1] o = out
    cdef size_t n = x.shape[0], less = 0, m
    cdef const double *xp = &x[0] if n else NULL
    with nogil:
        m = kr.pick(&o[0], cap, xp, n, lo, hi, &less)
    if m == <size_t>-1:
        return None, None
    return out[:m].copy(), int(less)
