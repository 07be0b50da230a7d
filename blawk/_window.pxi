# Rolling-window and scan kernels (csrc/window.c, csrc/scan.c): the C API and
# testing entry points.  Included at the end of _core.pyx.
#
# window_run / scan_run push a whole column through one state object, either
# in one call or in pieces of `piece` rows (each piece gets its own bitmaps
# starting at bit 0, as the VM's blocks do), so tests can check that the way a
# column is split never changes a bit.

from libc.stdint cimport int32_t

cdef extern from "kernels/window.h":
    ctypedef enum blawk_win_kind:
        BLAWK_WIN_SUM, BLAWK_WIN_MEAN, BLAWK_WIN_VAR, BLAWK_WIN_STD, BLAWK_WIN_MIN,
        BLAWK_WIN_MAX, BLAWK_WIN_COUNT, BLAWK_WIN_MEDIAN, BLAWK_WIN_SKEW, BLAWK_WIN_KURT,
        BLAWK_WIN_ZSCORE
    ctypedef struct blawk_win_params:
        int32_t kind
        int64_t window
        int64_t min_periods
        int32_t ddof
        int32_t past_only
        int64_t first_row
        int32_t obs
    ctypedef struct blawk_win_state:
        pass
    int64_t BLAWK_WIN_MAX_WINDOW
    blawk_status blawk_win_new(const blawk_win_params *p, blawk_win_state **out)
    void blawk_win_free(blawk_win_state *s)
    void blawk_win_block(blawk_win_state *s, double *out, uint64_t *out_valid, const double *x,
                         const uint64_t *x_valid, size_t n) nogil
    void blawk_win_feed(blawk_win_state *s, const double *x, const uint64_t *x_valid,
                        size_t n) nogil

cdef extern from "kernels/scan.h":
    ctypedef enum blawk_scan_kind:
        BLAWK_SCAN_SUM, BLAWK_SCAN_SUM1, BLAWK_SCAN_EXPSUM, BLAWK_SCAN_PROD, BLAWK_SCAN_MAX,
        BLAWK_SCAN_MIN, BLAWK_SCAN_COUNT, BLAWK_SCAN_EMA, BLAWK_SCAN_FILL
    ctypedef struct blawk_scan_params:
        int32_t kind
        double alpha
        int64_t limit
    ctypedef struct blawk_scan_state:
        pass
    blawk_status blawk_scan_new(const blawk_scan_params *p, blawk_scan_state **out)
    void blawk_scan_free(blawk_scan_state *s)
    void blawk_scan_block(blawk_scan_state *s, double *out, uint64_t *out_valid, const double *x,
                          const uint64_t *x_valid, size_t n) nogil


WINDOW_KINDS = {
    "sum": BLAWK_WIN_SUM, "mean": BLAWK_WIN_MEAN, "var": BLAWK_WIN_VAR, "std": BLAWK_WIN_STD,
    "min": BLAWK_WIN_MIN, "max": BLAWK_WIN_MAX, "count": BLAWK_WIN_COUNT,
    "median": BLAWK_WIN_MEDIAN, "skew": BLAWK_WIN_SKEW, "kurt": BLAWK_WIN_KURT,
    "zscore": BLAWK_WIN_ZSCORE,
}
SCAN_KINDS = {
    "sum": BLAWK_SCAN_SUM, "sum1": BLAWK_SCAN_SUM1, "expsum": BLAWK_SCAN_EXPSUM,
    "prod": BLAWK_SCAN_PROD, "max": BLAWK_SCAN_MAX, "min": BLAWK_SCAN_MIN,
    "count": BLAWK_SCAN_COUNT, "ema": BLAWK_SCAN_EMA, "fill": BLAWK_SCAN_FILL,
}
WINDOW_MAX = BLAWK_WIN_MAX_WINDOW


def pack_bits(valid):
    """Bool array -> Arrow validity words (LSB first, tail bits zero)."""
    v = np.ascontiguousarray(valid, dtype=bool)
    words = (v.shape[0] + 63) >> 6
    b = np.zeros(words * 8, dtype=np.uint8)
    packed = np.packbits(v, bitorder="little")
    b[: packed.shape[0]] = packed
    return b.view("<u8").astype(np.uint64, copy=False)


def unpack_bits(words, size_t n):
    """Validity words -> bool array of n elements."""
    w = np.ascontiguousarray(words, dtype=np.uint64).astype("<u8", copy=False)
    return np.unpackbits(w.view(np.uint8), count=n, bitorder="little").astype(bool)


cdef class _Stream:
    """Shared piece-by-piece driver: subclasses run one C call per piece."""

    cdef void _call(self, double *out, uint64_t *ov, const double *x, const uint64_t *xv,
                    size_t n) noexcept nogil:
        pass

    def block(self, x, valid=None, bint values_only=False):
        """Push the next rows; returns (values, valid bool array) for them.

        values_only: pass no output bitmap (the C call's out_valid = NULL);
        the validity returned is then all False.
        """
        cdef const double[::1] xv = np.ascontiguousarray(x, dtype=np.float64)
        cdef size_t n = xv.shape[0]
        out = np.empty(n, dtype=np.float64)  # the kernel writes every slot
        ow = np.zeros(max((n + 63) >> 6, 1), dtype=np.uint64)
        cdef double[::1] o = out
        cdef uint64_t[::1] om = ow
        cdef const uint64_t[::1] im
        cdef const uint64_t *ip = NULL
        if valid is not None:
            if len(valid) != n:
                raise ValueError("valid must have one flag per value")
            im = pack_bits(valid) if n else np.zeros(1, dtype=np.uint64)
            ip = &im[0]
        cdef uint64_t *op = NULL if values_only else &om[0]
        if n:
            with nogil:
                self._call(&o[0], op, &xv[0], ip, n)
        return out, unpack_bits(ow, n)


cdef class WindowState(_Stream):
    """One rolling-window state (testing aid): feed it a column piece by piece."""

    cdef blawk_win_state *st

    def __cinit__(self, str kind, int64_t window, int64_t min_periods=1, int ddof=1,
                  bint past_only=False, int64_t first_row=0, bint obs=False):
        self.st = NULL
        if kind not in WINDOW_KINDS:
            raise ValueError(f"unknown window kind {kind!r}")
        cdef blawk_win_params p
        p.kind = WINDOW_KINDS[kind]
        p.window = window
        p.min_periods = min_periods
        p.ddof = ddof
        p.past_only = 1 if past_only else 0
        p.first_row = first_row
        p.obs = 1 if obs else 0
        _check(blawk_win_new(&p, &self.st), f"window {kind}")

    def __dealloc__(self):
        blawk_win_free(self.st)

    cdef void _call(self, double *out, uint64_t *ov, const double *x, const uint64_t *xv,
                    size_t n) noexcept nogil:
        blawk_win_block(self.st, out, ov, x, xv, n)

    def feed(self, x, valid=None):
        """Push rows without output (blawk_win_feed)."""
        cdef const double[::1] xv = np.ascontiguousarray(x, dtype=np.float64)
        cdef size_t n = xv.shape[0]
        cdef const uint64_t[::1] im
        cdef const uint64_t *ip = NULL
        if valid is not None:
            if len(valid) != n:
                raise ValueError("valid must have one flag per value")
            im = pack_bits(valid) if n else np.zeros(1, dtype=np.uint64)
            ip = &im[0]
        if n:
            with nogil:
                blawk_win_feed(self.st, &xv[0], ip, n)


cdef class ScanState(_Stream):
    """One scan state (testing aid)."""

    cdef blawk_scan_state *st

    def __cinit__(self, str kind, double alpha=0.5, int64_t limit=0):
        self.st = NULL
        if kind not in SCAN_KINDS:
            raise ValueError(f"unknown scan kind {kind!r}")
        cdef blawk_scan_params p
        p.kind = SCAN_KINDS[kind]
        p.alpha = alpha
        p.limit = limit
        _check(blawk_scan_new(&p, &self.st), f"scan {kind}")

    def __dealloc__(self):
        blawk_scan_free(self.st)

    cdef void _call(self, double *out, uint64_t *ov, const double *x, const uint64_t *xv,
                    size_t n) noexcept nogil:
        blawk_scan_block(self.st, out, ov, x, xv, n)


def _run_pieces(_Stream s, x, valid, Py_ssize_t piece, Py_ssize_t start=0):
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.shape[0]
    if valid is not None:
        valid = np.ascontiguousarray(valid, dtype=bool)
        if valid.shape[0] != n:
            raise ValueError("valid must have one flag per value")
    if piece <= 0:
        piece = max(n - start, 1)
    vals, oks = [], []
    for a in range(start, n, piece):
        b = min(a + piece, n)
        v, ok = s.block(x[a:b], None if valid is None else valid[a:b])
        vals.append(v)
        oks.append(ok)
    if not vals:
        return np.zeros(0), np.zeros(0, dtype=bool)
    if len(vals) == 1:
        return vals[0], oks[0]
    return np.concatenate(vals), np.concatenate(oks)


def window_run(str kind, x, valid=None, int64_t window=1, int64_t min_periods=1, int ddof=1,
               bint past_only=False, Py_ssize_t piece=0, Py_ssize_t feed=0, bint obs=False):
    """Rolling `kind` over x (testing aid); returns (values, valid bool array).

    piece > 0: push the column in pieces of that many rows.  feed > 0: push
    the first `feed` rows with blawk_win_feed (no output) and return the
    results of the remaining rows only.  obs: observation mode (the window
    counts valid rows only).
    """
    s = WindowState(kind, window, min_periods, ddof, past_only, 0, obs)
    x = np.ascontiguousarray(x, dtype=np.float64)
    if feed:
        s.feed(x[:feed], None if valid is None else np.asarray(valid, dtype=bool)[:feed])
    return _run_pieces(s, x, valid, piece, feed)


def scan_run(str kind, x, valid=None, double alpha=0.5, int64_t limit=0, Py_ssize_t piece=0):
    """Scan `kind` over x (testing aid); returns (values, valid bool array)."""
    return _run_pieces(ScanState(kind, alpha, limit), x, valid, piece)
