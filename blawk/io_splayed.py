"""The splayed binary format: a directory per table, one raw file per column.

Layout (kdb+'s splayed tables, with Arrow's bitmaps)::

    prices/                    the table
      _schema.json             format, version, rows, index, columns (in order)
      _index.i64               the index: little-endian int64 (days or ns); absent
                               for a row-number index
      0.f64                    column 0: n little-endian float64 values
      0.valid                  its validity bitmap: ceil(n/64) little-endian uint64
                               words, LSB first, 1 = valid, tail bits zero;
                               absent when the column has no nulls
      1.f64 ...

Files are numbered (column names may hold any character); ``_schema.json``
maps numbers to names and records each column's null count, so opening reads
only the schema.  :func:`load_splayed` maps every file read-only with
``numpy.memmap`` and wraps the maps in Columns without copying: opening a
10 GB table takes milliseconds, and only the pages a computation touches are
read from disk.  The values are the file's bytes, so NaN payloads and -0.0
survive exactly.

:func:`save_splayed` writes the whole directory under a temporary name beside
the target and renames it into place; an existing splayed table there is
replaced (moved aside first, removed after), anything else at the path is
refused.  So a reader sees the old table or the new one, never a mix.

Example:
    >>> import os, tempfile
    >>> from blawk.io_csv import load_csv
    >>> from blawk.io_splayed import load_splayed, save_splayed
    >>> t = load_csv("examples/data/prices.csv")
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = save_splayed(t, os.path.join(tmp.name, "prices"))
    >>> sorted(os.listdir(path))[:4]
    ['0.f64', '0.valid', '1.f64', '1.valid']
    >>> u = load_splayed(path)
    >>> u.equals(t), type(u.column("px").values.base).__name__
    (True, 'memmap')
    >>> del u; tmp.cleanup()
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from typing import Any

import numpy as np

from .column import Column, aligned_empty, bitmap_words
from .errors import IOFailure, TypeMismatch
from .table import INDEX_KINDS, Table

SCHEMA = "_schema.json"
INDEX_FILE = "_index.i64"
FORMAT = "blawk-splayed"
VERSION = 1


def _fail(path: str, msg: str, op: str = "load-splayed") -> IOFailure:
    return IOFailure(f"{path}: {msg}", op=op)


def _map(path: str, file: str, dtype: str, count: int) -> np.ndarray:
    full = os.path.join(path, file)
    try:
        size = os.path.getsize(full)
    except OSError:
        raise _fail(path, f"missing file {file}") from None
    need = count * np.dtype(dtype).itemsize
    if size != need:
        raise _fail(path, f"{file} has {size} bytes, the schema needs {need}")
    if count == 0:
        return np.zeros(0, dtype=dtype)
    try:
        mm = np.memmap(full, dtype=dtype, mode="r", shape=(count,))
    except OSError as exc:
        raise _fail(path, f"cannot map {file}: {exc.strerror or exc}") from None
    return mm.view(np.ndarray)  # a plain ndarray view; the map stays alive as its base


def read_schema(path: str) -> dict[str, Any]:
    """The parsed and checked ``_schema.json`` of a splayed table."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise _fail(path, "no such directory" if not os.path.exists(path) else
                    "not a directory (a splayed table is a directory)")
    try:
        with open(os.path.join(path, SCHEMA), encoding="utf-8") as f:
            schema = json.load(f)
    except FileNotFoundError:
        raise _fail(path, f"not a splayed table (no {SCHEMA})") from None
    except (OSError, ValueError) as exc:
        raise _fail(path, f"cannot read {SCHEMA}: {exc}") from None
    if not isinstance(schema, dict) or schema.get("format") != FORMAT:
        raise _fail(path, f"{SCHEMA} is not a {FORMAT} schema")
    if schema.get("version") != VERSION:
        raise _fail(path, f"unsupported splayed version {schema.get('version')!r}")
    if schema.get("byteorder", "little") != "little":
        raise _fail(path, "only little-endian splayed tables are supported")
    return schema


def load_splayed(path: str, *, columns: list[str] | None = None) -> Table:
    """Open a splayed table memory-mapped (read-only, no copies, no reads but the schema)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeMismatch(f"path must be a string, got {type(path).__name__}",
                           op="load-splayed")
    path = os.fspath(path)
    if sys.byteorder != "little":  # pragma: no cover - no such machine in CI
        raise _fail(path, "splayed tables are little-endian; this machine is not")
    schema = read_schema(path)
    try:
        n = int(schema["rows"])
        entries = list(schema["columns"])
        idx_meta = schema.get("index")
    except (KeyError, TypeError, ValueError):
        raise _fail(path, f"{SCHEMA} lacks rows/columns") from None
    names = [e["name"] for e in entries]
    if columns is not None:
        missing = [c for c in columns if c not in names]
        if missing:
            raise _fail(path, f"no column {missing[0]!r} (columns: {', '.join(names)})")
        by_name = {e["name"]: e for e in entries}
        entries = [by_name[c] for c in columns]
    cols: dict[str, Column] = {}
    for e in entries:
        values = _map(path, e["file"], "<f8", n)
        nulls = int(e.get("nulls", 0))
        valid = None
        if e.get("valid"):
            valid = _map(path, e["valid"], "<u8", bitmap_words(n))
        elif nulls:
            raise _fail(path, f"column {e['name']!r} has {nulls} nulls but no bitmap file")
        cols[e["name"]] = Column._wrap(values, valid, nulls if valid is not None else 0)
    if idx_meta:
        kind = idx_meta.get("kind")
        if kind not in INDEX_KINDS:
            raise _fail(path, f"unknown index kind {kind!r}")
        index = _map(path, idx_meta.get("file", INDEX_FILE), "<i8", n)
        return Table(cols, index, index_name=idx_meta.get("name") or kind, source=path,
                     index_kind=kind)
    return Table(cols, source=path)


def save_splayed(table: Table, path: str) -> str:
    """Write a Table as a splayed directory (atomically, see the module notes)."""
    if not isinstance(table, Table):
        raise TypeMismatch(f"expected a table, got {type(table).__name__}", op="save-splayed")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeMismatch(f"path must be a string, got {type(path).__name__}",
                           op="save-splayed")
    path = os.fspath(path)
    target = os.path.abspath(path)
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        raise _fail(path, f"the directory {parent} does not exist", "save-splayed")
    if os.path.exists(target):
        if not os.path.isdir(target) or not os.path.exists(os.path.join(target, SCHEMA)):
            raise _fail(path, "exists and is not a splayed table; refusing to replace it",
                        "save-splayed")
    n = len(table)
    try:
        tmp = tempfile.mkdtemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp",
                               dir=parent)
    except OSError as exc:
        raise _fail(path, f"cannot write: {exc.strerror or exc}", "save-splayed") from None
    try:
        entries = []
        for i, (name, col) in enumerate(table.items()):
            entry: dict[str, Any] = {"name": name, "file": f"{i}.f64", "nulls": col.null_count}
            _write(os.path.join(tmp, entry["file"]), col.values, "<f8")
            if col.validity is not None:
                entry["valid"] = f"{i}.valid"
                _write(os.path.join(tmp, entry["valid"]), _clean_bitmap(col, n), "<u8")
            entries.append(entry)
        schema: dict[str, Any] = {"format": FORMAT, "version": VERSION, "byteorder": "little",
                                  "rows": n, "index": None, "columns": entries}
        if table.index is not None:
            schema["index"] = {"name": table.index_name, "kind": table.index_kind,
                               "file": INDEX_FILE}
            _write(os.path.join(tmp, INDEX_FILE), table.index, "<i8")
        with open(os.path.join(tmp, SCHEMA), "w", encoding="utf-8") as f:
            json.dump(schema, f, indent=1)
            f.write("\n")
        os.chmod(tmp, 0o777 & ~_umask())
        if os.path.exists(target):
            old = tempfile.mkdtemp(prefix="." + os.path.basename(target) + ".", suffix=".old",
                                   dir=parent)
            os.rmdir(old)
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _fail(path, f"cannot write: {exc.strerror or exc}", "save-splayed") from None
        raise
    return path


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def _clean_bitmap(col: Column, n: int) -> np.ndarray:
    words = col.validity
    assert words is not None
    if n & 63 and len(words):
        clean = aligned_empty(len(words), np.uint64)
        clean[:] = words
        clean[-1] &= np.uint64((1 << (n & 63)) - 1)
        return clean
    return words


def _write(file: str, arr: np.ndarray, dtype: str) -> None:
    data = np.ascontiguousarray(arr).astype(dtype, copy=False)
    with open(file, "wb") as f:
        data.tofile(f)
        f.flush()
        os.fsync(f.fileno())
