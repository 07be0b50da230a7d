# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The compiled reader: the tokenizer and list builder of :mod:`blawk.lang.reader` in C.

It produces exactly what the Python reader (the reference, ``reader.read_py``)
produces: the same forms, the same token numbering (so the same spans), the
same atom cache.  It only handles well-formed text: the moment anything is
wrong (an unclosed list, a bad number, a stray ``)``, a NUL byte...) it hands
the whole text to the Python reader, which raises the reference ReadError with
its location.  Rare atoms (numbers, strings with escapes, keywords) are
classified by the reader's own ``_atom`` the first time and then come from the
shared cache.

It also defines the C layout of forms (``FormBase``: a ``list`` with a source,
first and last token numbers and per-element locations) and of ``SourceBase``;
:mod:`blawk.lang.forms` subclasses both in Python and adds the methods.
"""

from cpython.list cimport PyList_Append
from cpython.object cimport PyObject
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy


cdef extern from "Python.h":
    int PyUnicode_KIND(object o)
    void* PyUnicode_DATA(object o)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil
    Py_ssize_t PyUnicode_FindChar(object s, Py_UCS4 ch, Py_ssize_t start, Py_ssize_t end,
                                  int direction) except -2
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil
    PyObject* PyDict_GetItemWithError(object d, object key) except? NULL


cdef extern from *:
    """
    /* tp_new of a (Python) subclass, called directly: what cls.__new__(cls) does,
       without the generic call machinery */
    static PyObject* blawk_fastread_new(PyObject* cls, PyObject* empty) {
        PyTypeObject* tp = (PyTypeObject*)cls;
        return tp->tp_new(tp, empty, NULL);
    }
    """
    object _tp_new "blawk_fastread_new"(object cls, object empty)

cdef tuple _EMPTY = ()


cdef class FormBase(list):
    """A list form's data: ``src`` (a Source or None), ``start``/``end`` (token
    numbers of its first and last token) and ``locs`` (per-element locations of a
    list built by rewriting, or None)."""

    cdef public object src
    cdef public Py_ssize_t start
    cdef public Py_ssize_t end
    cdef public object locs

    def __reduce__(self):
        # locations refer to a Source; a copy is a list built at run time
        return (type(self), (list(self),))


cdef class SourceBase:
    """A source's data: ``text``, ``file``, ``begin`` (where tokenizing starts)
    and the lazily computed ``_offsets`` (token offsets) and ``_lines``."""

    cdef public object text
    cdef public object file
    cdef public Py_ssize_t begin
    cdef public object _offsets
    cdef public object _lines


# character classes
cdef enum:
    C_SYM = 0      # may start (and continue) a symbol, keyword or number
    C_WS = 1
    C_HASH = 2     # '#': continues a symbol, starts #t / #f / #|
    C_LPAR = 3
    C_RPAR = 4
    C_LBRK = 5
    C_RBRK = 6
    C_PREFIX = 7   # ' ` ,
    C_STR = 8
    C_SEMI = 9
    C_OTHER = 10   # { } and control characters: an error

cdef unsigned char ASCII_CLASS[128]


cdef void _init_classes():
    cdef int c
    for c in range(128):
        if Py_UNICODE_ISSPACE(<Py_UCS4>c):
            ASCII_CLASS[c] = C_WS
        elif c < 0x20 or c == 0x7F or c == ord("{") or c == ord("}"):
            ASCII_CLASS[c] = C_OTHER
        else:
            ASCII_CLASS[c] = C_SYM
    ASCII_CLASS[ord("#")] = C_HASH
    ASCII_CLASS[ord("(")] = C_LPAR
    ASCII_CLASS[ord(")")] = C_RPAR
    ASCII_CLASS[ord("[")] = C_LBRK
    ASCII_CLASS[ord("]")] = C_RBRK
    ASCII_CLASS[ord("'")] = C_PREFIX
    ASCII_CLASS[ord("`")] = C_PREFIX
    ASCII_CLASS[ord(",")] = C_PREFIX
    ASCII_CLASS[ord('"')] = C_STR
    ASCII_CLASS[ord(";")] = C_SEMI


_init_classes()


cdef inline int _class(Py_UCS4 c) noexcept nogil:
    if c < 128:
        return ASCII_CLASS[c]
    if Py_UNICODE_ISSPACE(c):
        return C_WS
    if c <= 0x9F:
        return C_OTHER
    return C_SYM


# Set by blawk.lang.reader (configure): the Python-level classes and helpers.
cdef object _SList = None
cdef object _SVector = None
cdef object _Source = None
cdef object _QUOTE = None
cdef object _QUASIQUOTE = None
cdef object _UNQUOTE = None
cdef object _UNQUOTE_SPLICING = None
cdef dict _cache = None
cdef Py_ssize_t _cache_limit = 0
cdef object _atom = None
cdef object _read_py = None
cdef list _single = [None] * 128  # atoms of one-character ASCII tokens (same as the cache)


def configure(slist, svector, source, quote, quasiquote, unquote, unquote_splicing,
              dict cache, Py_ssize_t cache_limit, atom, read_py):
    """Hand over the reader's classes, prefix symbols, atom cache and fallbacks."""
    global _SList, _SVector, _Source, _QUOTE, _QUASIQUOTE, _UNQUOTE, _UNQUOTE_SPLICING
    global _cache, _cache_limit, _atom, _read_py
    if not (issubclass(slist, FormBase) and issubclass(svector, slist)
            and issubclass(source, SourceBase)):
        raise TypeError("configure() needs subclasses of FormBase and SourceBase")
    _SList, _SVector, _Source = slist, svector, source
    _QUOTE, _QUASIQUOTE, _UNQUOTE, _UNQUOTE_SPLICING = quote, quasiquote, unquote, \
        unquote_splicing
    _cache, _cache_limit, _atom, _read_py = cache, cache_limit, atom, read_py


cdef inline FormBase _new_list(object cls, object src, Py_ssize_t start):
    cdef FormBase f = <FormBase>_tp_new(cls, _EMPTY)
    f.src = src
    f.start = start
    return f


def read(text, file="<string>"):
    """Read every form of ``text`` (see :func:`blawk.lang.reader.read`)."""
    if type(text) is not str or _SList is None:
        return _read_py(text, file)
    result = _read(<str>text, file)
    if result is None:  # something is malformed: the reference reader says what
        return _read_py(text, file)
    return result


cdef object _read(str text, object file):
    cdef Py_ssize_t n = len(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t pos = 0, p, i = -1, depth = 0, cap = 64, begin = 0
    cdef Py_UCS4 c
    cdef int cls, closer = 0, bd
    cdef char fixed[64]
    cdef char* closers = fixed  # closer of each open list: ')' ']' or 'q' (quote prefix)
    cdef char* grown
    cdef FormBase top, cur, parent
    cdef SourceBase src
    cdef list stack
    cdef object val, t, prefix
    cdef PyObject* hit

    if n >= 2 and PyUnicode_READ(kind, data, 0) == 35 and PyUnicode_READ(kind, data, 1) == 33:
        p = PyUnicode_FindChar(text, 10, 0, n, 1)  # "#!" line
        begin = n if p < 0 else p + 1
    if n and PyUnicode_FindChar(text, 0, 0, n, 1) >= 0:
        return None  # NUL byte
    src = <SourceBase>_tp_new(_Source, _EMPTY)
    src.text = text
    src.file = file
    src.begin = begin
    top = _new_list(_SList, src, -1)
    cur = top
    stack = []
    pos = begin
    try:
        while True:
            # whitespace
            while pos < n:
                c = PyUnicode_READ(kind, data, pos)
                cls = ASCII_CLASS[c] if c < 128 else _class(c)
                if cls != C_WS:
                    break
                pos += 1
            if pos >= n:
                i += 1  # the end-of-input token
                break
            if cls == C_SEMI:  # comment: no token number
                p = PyUnicode_FindChar(text, 10, pos, n, 1)
                pos = n if p < 0 else p
                continue
            if cls == C_HASH and pos + 1 < n and PyUnicode_READ(kind, data, pos + 1) == 124:
                # block comment #| ... |#, nesting; no token number
                bd = 1
                p = pos + 2
                while bd and p + 1 < n:
                    c = PyUnicode_READ(kind, data, p)
                    if c == 35 and PyUnicode_READ(kind, data, p + 1) == 124:
                        bd += 1
                        p += 2
                    elif c == 124 and PyUnicode_READ(kind, data, p + 1) == 35:
                        bd -= 1
                        p += 2
                    else:
                        p += 1
                if bd:
                    return None  # unterminated
                pos = p
                continue
            i += 1
            if cls == C_LPAR or cls == C_LBRK or cls == C_PREFIX:
                if depth == cap:
                    if closers == fixed:
                        grown = <char*>malloc(cap * 2)
                        if grown != NULL:
                            memcpy(grown, fixed, cap)
                    else:
                        grown = <char*>realloc(closers, cap * 2)
                    if grown == NULL:
                        raise MemoryError()
                    closers = grown
                    cap *= 2
                closers[depth] = closer
                depth += 1
                stack.append(cur)
                if cls == C_LPAR:
                    cur = _new_list(_SList, src, i)
                    closer = 41  # ')'
                    pos += 1
                elif cls == C_LBRK:
                    cur = _new_list(_SVector, src, i)
                    closer = 93  # ']'
                    pos += 1
                else:
                    cur = _new_list(_SList, src, i)
                    closer = 113  # 'q': waiting for the quoted form
                    if c == 39:
                        prefix = _QUOTE
                        pos += 1
                    elif c == 96:
                        prefix = _QUASIQUOTE
                        pos += 1
                    elif pos + 1 < n and PyUnicode_READ(kind, data, pos + 1) == 64:
                        prefix = _UNQUOTE_SPLICING
                        pos += 2
                    else:
                        prefix = _UNQUOTE
                        pos += 1
                    PyList_Append(cur, prefix)
                continue
            if cls == C_RPAR or cls == C_RBRK:
                if closer != <int>c:
                    return None  # unbalanced
                cur.end = i
                val = cur
                depth -= 1
                closer = closers[depth]
                cur = <FormBase>stack.pop()
                pos += 1
            else:
                if cls == C_STR:
                    p = pos + 1
                    while p < n:
                        c = PyUnicode_READ(kind, data, p)
                        if c == 92:  # backslash: skip the escaped character
                            p += 2
                        elif c == 34:
                            break
                        else:
                            p += 1
                    if p >= n:
                        return None  # unterminated string
                    p += 1
                elif cls == C_SYM or cls == C_HASH:
                    p = pos + 1
                    while p < n:
                        c = PyUnicode_READ(kind, data, p)
                        cls = ASCII_CLASS[c] if c < 128 else _class(c)
                        if cls != C_SYM and cls != C_HASH:
                            break
                        p += 1
                else:
                    return None  # a brace or a control character
                c = PyUnicode_READ(kind, data, pos)
                if p == pos + 1 and c < 128:
                    val = _single[<Py_ssize_t>c]
                    if val is None:
                        val = _classify(text[pos:p], src, i)
                        if val is None:
                            return None
                        _single[<Py_ssize_t>c] = val
                else:
                    t = text[pos:p]
                    hit = PyDict_GetItemWithError(_cache, t)
                    if hit != NULL:
                        val = <object>hit
                    else:
                        val = _classify(t, src, i)
                        if val is None:
                            return None
                        if p - pos <= 100:
                            if len(_cache) >= _cache_limit:
                                _cache.clear()
                            _cache[t] = val
                pos = p
            PyList_Append(cur, val)
            while closer == 113:  # a quote prefix has its form: 'x is (quote x)
                cur.end = i
                cur.locs = [(src, cur.start, cur.start), (src, cur.start + 1, i)]
                val = cur
                depth -= 1
                closer = closers[depth]
                parent = <FormBase>stack.pop()
                PyList_Append(parent, val)
                cur = parent
    finally:
        if closers != fixed:
            free(closers)
    if depth:
        return None  # unclosed list or a quote prefix with nothing after it
    top.end = i
    return top


cdef object _classify(str t, SourceBase src, Py_ssize_t i):
    """The atom for token ``t`` (None if it is malformed)."""
    if t[0] == "{" or t[0] == "}":
        return None
    try:
        val = _atom(t, t[0], src, i)
    except Exception:  # the reference reader reports it
        return None
    if val is None:  # pragma: no cover - atoms are never None
        return None
    return val
