"""CSV in and out, on pyarrow's multi-threaded reader and writer.

Reading (:func:`load_csv`):

- The delimiter is detected among ``;`` ``,`` tab and ``|`` (quote-aware, the
  one that splits the first lines into the same number of fields), or given.
- Quoted fields and headers with spaces (``"SPY US Equity"``) work; a UTF-8
  byte-order mark is skipped; ``.gz``/``.bz2``/``.zst`` files are decompressed.
- Null tokens: ``NA``, ``N/A``, empty, ``NaN``, ``null`` by default (exact,
  case-sensitive matches), or the list given as ``nulls=``.  Note that ``NaN``
  is a null token by default while ``nan`` (what :func:`save_csv` writes for
  an IEEE NaN) is read as the IEEE value; ``inf``/``-inf``/``Infinity`` too.
- A first column of ``YYYY-MM-DD`` dates or ISO timestamps
  (``YYYY-MM-DD[T ]HH:MM[:SS[.fffffffff]]``, optional ``Z``/``+HH:MM``)
  becomes the index (int64 days, or ns since the epoch in UTC).  Dates are
  checked strictly: ``2023-02-31`` is an error, never March 3rd.
- Every other column is float64 (integers are read as float64, so ``-0``
  keeps its sign).  A cell that is neither a number nor a null token is an
  :class:`~blawk.errors.IOFailure` naming the file, the row and the column.
  Rows are numbered from 1 with the header as row 1, so row N is line N of
  a file without line breaks inside quoted fields.
- ``lenient=True``: such cells become null instead, and rows whose index
  date is invalid or missing are dropped; a :class:`LenientParseWarning`
  (carrying a :class:`LenientReport`) says how many and where the first was.
  Structural problems (ragged rows, duplicate column names) are errors even
  when lenient.
- A progress bar on stderr for files over 50 MB when stderr is a terminal.

Writing (:func:`save_csv`): shortest round-trip float text (the same bits come
back), ``-0``, ``inf``, ``-inf``, ``nan`` spelled so the reader reads them back
as the same values, nulls as ``NA`` (the configured token), dates as
``YYYY-MM-DD`` and timestamps with nanoseconds; written to a temporary file
in the target's directory and renamed over the target, so a failure never
leaves a partial file.

Example:
    >>> from blawk.io_csv import load_csv
    >>> t = load_csv("examples/data/prices.csv")
    >>> t.index_kind, t.names, len(t)
    ('date', ['px', 'es', 'nq', 'ty'], 3653)
    >>> t.column("px").null_count
    4
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .column import Column
from .errors import BadParameter, IOFailure, TypeMismatch
from .table import Table

#: the null tokens used when none are given
DEFAULT_NULLS: tuple[str, ...] = ("NA", "N/A", "", "NaN", "null")
#: what save_csv writes for a null unless told otherwise (one of DEFAULT_NULLS)
DEFAULT_NULL_TOKEN = "NA"
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
#: files bigger than this get a progress bar (when stderr is a terminal)
PROGRESS_MIN_BYTES = 50 * 1024 * 1024

_HEAD_BYTES = 64 * 1024
_FLOAT_RE = (r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
             r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])$")
_FLOAT = re.compile(_FLOAT_RE)
_DATE_START = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}")
_DT_RE = (r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
          r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
          r"(?P<tz>Z|[+-]\d{2}:?\d{2})?$")
_CONV_ERR = re.compile(r"In CSV column #(\d+): CSV conversion error to (\w+)")
_ZERO_ROW_INDEX = {"date": "date", "day": "date", "time": "timestamp",
                   "timestamp": "timestamp", "datetime": "timestamp", "ts": "timestamp"}


class LenientParseWarning(UserWarning):
    """Issued by ``load_csv(..., lenient=True)`` when cells were made null or rows
    dropped; ``.report`` is the :class:`LenientReport`."""

    def __init__(self, report: LenientReport) -> None:
        super().__init__(report.summary())
        self.report = report


@dataclass
class LenientReport:
    """What lenient parsing changed.

    Attributes:
        path: the file.
        cells: column -> how many unparseable cells were made null.
        first: column -> (row, text) of the first such cell (header = row 1).
        dropped_rows: rows dropped because their index date/time was invalid or missing.
        first_dropped: (row, text) of the first dropped row, or None.
    """

    path: str
    cells: dict[str, int] = field(default_factory=dict)
    first: dict[str, tuple[int, str]] = field(default_factory=dict)
    dropped_rows: int = 0
    first_dropped: tuple[int, str] | None = None

    @property
    def total(self) -> int:
        """Cells made null plus rows dropped."""
        return sum(self.cells.values()) + self.dropped_rows

    def summary(self) -> str:
        parts = []
        for col, k in self.cells.items():
            row, text = self.first[col]
            parts.append(f"column {col!r}: {k} (first at row {row}: {text!r})")
        if self.dropped_rows:
            assert self.first_dropped is not None
            row, text = self.first_dropped
            parts.append(f"{self.dropped_rows} row(s) dropped for an invalid or missing index "
                         f"value (first at row {row}: {text!r})")
        ncells = sum(self.cells.values())
        return (f"load-csv: {self.path}: lenient parsing made {ncells} cell(s) null; "
                + "; ".join(parts) + " (rows counted from 1, the header is row 1)")


# ------------------------------------------------------------------ helpers


def _fail(path: str, msg: str) -> IOFailure:
    return IOFailure(f"{path}: {msg}", op="load-csv")


def _row(pos: int) -> int:
    """Row number of the data row at 0-based position pos (the header is row 1)."""
    return pos + 2


def _split_quoted(line: str, delim: str) -> int:
    """How many fields `line` has when split at `delim` outside double quotes."""
    n, inq = 1, False
    for ch in line:
        if ch == '"':
            inq = not inq
        elif ch == delim and not inq:
            n += 1
    return n


def sniff_delimiter(head: str) -> str:
    """The delimiter among ; , tab | that best splits the first lines of `head`.

    Preferred: the one giving the same field count (> 1) on every sampled line,
    with the most fields; else the one with the most fields in the header;
    a file with one column gets ``,``.
    """
    lines = [ln for ln in head.splitlines()[:30] if ln.strip()]
    if len(lines) > 1 and not head.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line may be cut off
    if not lines:
        return ","
    best, best_key = ",", (False, 1)
    for d in DELIMITERS:
        counts = [_split_quoted(ln, d) for ln in lines]
        if counts[0] <= 1:
            continue
        key = (all(c == counts[0] for c in counts), counts[0])
        if key > best_key:
            best, best_key = d, key
    return best


def _read_head(path: str) -> bytes:
    import pyarrow as pa

    with pa.input_stream(path, compression="detect") as f:
        return f.read(_HEAD_BYTES)


class _Progress(io.RawIOBase):
    """A file that draws a progress bar on stderr as pyarrow reads it."""

    def __init__(self, path: str, total: int) -> None:
        self._f = open(path, "rb")  # noqa: SIM115
        self._total = max(total, 1)
        self._done = 0
        self._last = 0.0
        self._label = os.path.basename(path)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._f.readinto(b)
        self._tick(n or 0)
        return n or 0

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        self._tick(len(data))
        return data

    def _tick(self, n: int) -> None:
        self._done += n
        now = time.monotonic()
        if now - self._last < 0.1 and self._done < self._total:
            return
        self._last = now
        frac = min(self._done / self._total, 1.0)
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\rload-csv {self._label} [{bar:<30}] {100 * frac:5.1f}% "
                         f"{self._done / 2**20:,.0f}/{self._total / 2**20:,.0f} MB")
        sys.stderr.flush()

    def close(self) -> None:
        if not self.closed:
            self._f.close()
            sys.stderr.write("\n")
            sys.stderr.flush()
        super().close()


def _want_progress(path: str, size: int, progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    if size <= PROGRESS_MIN_BYTES or path.endswith((".gz", ".bz2", ".zst", ".lz4")):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# ------------------------------------------------------------------ parsing cells


def parse_floats(arr: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strictly parse a string array: (values float64, valid, bad).

    valid is False for nulls and bad cells; bad marks non-null cells that are
    not numbers.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    if n == 0:
        return np.zeros(0), np.zeros(0, bool), np.zeros(0, bool)
    present = arr.is_valid().to_numpy(zero_copy_only=False)
    match = pc.match_substring_regex(arr, _FLOAT_RE).fill_null(False)
    ok = match.to_numpy(zero_copy_only=False)
    clean = pc.if_else(match, arr, pa.scalar(None, pa.string()))
    try:
        values = clean.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # the regex let through something the cast refuses
        values = np.zeros(n)
        texts = arr.to_pylist()
        for i in np.flatnonzero(ok):
            try:
                values[i] = float(texts[i])
            except ValueError:
                ok[i] = False
    return np.asarray(values, dtype=np.float64), ok, present & ~ok


def parse_datetimes(arr: Any) -> tuple[np.ndarray, str, np.ndarray, list[str]]:
    """Strictly parse ISO dates/timestamps: (int64 values, kind, bad, reasons).

    kind is "timestamp" if any cell has a time of day, else "date" (values in
    days).  bad marks cells that are null or not a real date/time; reasons
    holds a short explanation per bad cell, in order.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    parts = pc.extract_regex(arr, _DT_RE)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)

    def ints(name: str) -> np.ndarray:
        f = pc.struct_field(parts, name)
        f = pc.if_else(pc.equal(f, ""), pa.scalar(None, pa.string()), f)
        return np.asarray(f.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False),
                          dtype=np.int64)

    def has(name: str) -> np.ndarray:
        f = pc.struct_field(parts, name)
        return np.asarray(pc.fill_null(pc.greater(pc.utf8_length(f), 0), False)
                          .to_numpy(zero_copy_only=False), dtype=bool)

    y, mo, d, h, mi, s = (ints(k) for k in ("y", "mo", "d", "h", "mi", "s"))
    frac_txt = pc.fill_null(pc.struct_field(parts, "f"), "")
    frac = np.asarray(pc.utf8_rpad(frac_txt, 9, "0").cast(pa.int64())
                      .to_numpy(zero_copy_only=False), dtype=np.int64)
    timed = has("h")
    tz_txt = pc.struct_field(parts, "tz").fill_null("").to_pylist()
    months = (y - 1970) * 12 + (mo - 1)
    month_ok = (mo >= 1) & (mo <= 12)
    safe_months = np.where(month_ok, months, 0)
    start = safe_months.astype("datetime64[M]").astype("datetime64[D]").view(np.int64)
    nxt = (safe_months + 1).astype("datetime64[M]").astype("datetime64[D]").view(np.int64)
    day_ok = (d >= 1) & (d <= nxt - start)
    time_ok = (h < 24) & (mi < 60) & (s < 60)
    good = matched & month_ok & day_ok & time_ok
    days = start + d - 1
    offs = np.zeros(n, dtype=np.int64)
    if any(tz_txt):
        for i, tz in enumerate(tz_txt):
            if tz and tz != "Z":
                sign = -1 if tz[0] == "-" else 1
                hh, mm = int(tz[1:3]), int(tz[-2:])
                offs[i] = sign * (hh * 3600 + mm * 60) * 1_000_000_000
                if hh > 23 or mm > 59:
                    good[i] = False
    kind = "timestamp" if timed.any() else "date"
    if kind == "date":
        values = days
    else:
        values = (days * 86_400_000_000_000 + h * 3_600_000_000_000 + mi * 60_000_000_000
                  + s * 1_000_000_000 + frac - offs)
    bad = ~good
    reasons = []
    for i in np.flatnonzero(bad)[:1]:
        v = arr[int(i)].as_py()
        if v is None:
            reasons.append("missing")
        elif not matched[i]:
            reasons.append(f"not a YYYY-MM-DD date or ISO timestamp: {v!r}")
        else:
            reasons.append(f"no such date or time: {v!r}")
    return np.asarray(values, dtype=np.int64), kind, bad, reasons


# ------------------------------------------------------------------ load


def _check_nulls(nulls: Any) -> list[str]:
    if nulls is None:
        return list(DEFAULT_NULLS)
    if isinstance(nulls, str):
        nulls = [nulls]
    out = []
    for tok in nulls:
        if not isinstance(tok, str):
            raise TypeMismatch(f"null tokens must be strings, got {tok!r}", op="load-csv")
        out.append(tok)
    return out


def _check_delimiter(delimiter: Any, op: str) -> str:
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n' or (
            delimiter.isalnum() or delimiter in ".+-"):
        raise BadParameter(f"delimiter must be one character that cannot be part of a number "
                           f"(such as ; , tab |), got {delimiter!r}", op=op)
    return delimiter


def load_csv(
    path: str,
    *,
    delimiter: str | None = None,
    nulls: list[str] | tuple[str, ...] | str | None = None,
    lenient: bool = False,
    index: bool | str | None = "auto",
    progress: bool | None = None,
    threads: bool = True,
) -> Table:
    """Read a CSV file into a Table (see the module notes for the rules).

    Args:
        path: the file (``.gz``/``.bz2``/``.zst`` are decompressed).
        delimiter: one of ``; , \\t |`` (or another single character); detected
            when None.
        nulls: the null tokens (default ``NA``, ``N/A``, empty, ``NaN``, ``null``).
        lenient: unparseable cells become null (and rows with a bad index date
            are dropped), reported by a :class:`LenientParseWarning`, instead of
            an IOFailure.
        index: ``"auto"``: the first column is the index when it holds dates or
            timestamps; True: it must; False/None: no index (row numbers).
        progress: force the progress bar on or off (default: files > 50 MB
            when stderr is a terminal).
        threads: let pyarrow parse with several threads.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if not isinstance(path, (str, os.PathLike)):
        raise TypeMismatch(f"path must be a string, got {type(path).__name__}", op="load-csv")
    path = os.fspath(path)
    nulls_l = _check_nulls(nulls)
    if delimiter is not None:
        delimiter = _check_delimiter(delimiter, "load-csv")
    if index not in ("auto", True, False, None):
        raise BadParameter(f"index must be 'auto', true or false, got {index!r}", op="load-csv")
    if not os.path.exists(path):
        raise _fail(path, "no such file")
    if os.path.isdir(path):
        raise _fail(path, "is a directory, not a CSV file")
    try:
        size = os.path.getsize(path)
        head = _read_head(path)
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror or exc}") from None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip():
        raise _fail(path, "empty file (no header line)")
    head_text = head.decode("utf-8", errors="replace")
    delim = delimiter or sniff_delimiter(head_text)
    parse = pcsv.ParseOptions(delimiter=delim)
    try:
        names, first_kind = _head_info(head, parse, nulls_l, path)
    except UnicodeDecodeError:
        raise _fail(path, "the header is not valid UTF-8 text") from None
    dup = _duplicate(names)
    if dup:
        (a, b), nm = dup
        raise _fail(path, f"duplicate column name {nm!r} (columns {a} and {b} of the header, "
                          f"row 1)")
    want_index = (index == "auto" and first_kind is not None) or index is True
    if index is True and first_kind is None:
        first_kind = "maybe"
    idx_name = names[0] if want_index and names else None

    report = LenientReport(path)
    as_string: set[str] = set()
    as_binary: set[str] = set()  # text columns that are not valid UTF-8
    tbl = None
    for _attempt in range(2 * len(names) + 2):
        types = {nm: (pa.binary() if nm in as_binary else pa.string() if nm in as_string
                      else pa.float64())
                 for nm in names if nm != idx_name}
        bad_rows: list[Any] = []

        def on_invalid(row: Any, bad_rows: list[Any] = bad_rows) -> str:
            bad_rows.append(row)
            return "error"

        conv = pcsv.ConvertOptions(column_types=types, null_values=nulls_l,
                                   strings_can_be_null=True, quoted_strings_can_be_null=True)
        parse = pcsv.ParseOptions(delimiter=delim, invalid_row_handler=on_invalid)
        ropts = pcsv.ReadOptions(use_threads=threads)
        source: Any = path
        bar = None
        if _want_progress(path, size, progress) and _attempt == 0:
            bar = source = _Progress(path, size)
        try:
            tbl = pcsv.read_csv(source, read_options=ropts, parse_options=parse,
                                convert_options=conv)
            break
        except pa.ArrowInvalid as exc:
            msg = str(exc)
            if bad_rows:
                raise _ragged(path, delim, nulls_l, bad_rows[0], len(names)) from None
            m = _CONV_ERR.search(msg)
            name = names[int(m.group(1))] if m and int(m.group(1)) < len(names) else None
            if name is not None and name != idx_name and name not in as_binary:
                if not lenient:
                    _raise_bad_cell(path, name, delim, nulls_l)
                (as_binary if name in as_string else as_string).add(name)
                continue
            raise _fail(path, msg.replace("CSV parse error: ", "")) from None
        except UnicodeDecodeError:
            raise _fail(path, "the header is not valid UTF-8 text") from None
        except (OSError, pa.ArrowException) as exc:
            raise _fail(path, f"cannot read: {exc}") from None
        finally:
            if bar is not None:
                bar.close()
    assert tbl is not None
    return _to_table(tbl, path, idx_name, first_kind, as_string, lenient, report)


def _head_info(head: bytes, parse: Any, nulls: list[str], path: str
               ) -> tuple[list[str], str | None]:
    """Column names, and whether the first column looks like dates/timestamps."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    cut = head.rfind(b"\n")
    attempts = [head[: cut + 1] if cut >= 0 else head]
    nl = head.find(b"\n")
    attempts.append(head[: nl + 1] if nl >= 0 else head)
    for chunk in attempts:
        try:
            tbl = pcsv.read_csv(io.BytesIO(chunk), parse_options=parse,
                                read_options=pcsv.ReadOptions(use_threads=False),
                                convert_options=pcsv.ConvertOptions(
                                    null_values=nulls, strings_can_be_null=True))
        except pa.ArrowInvalid:
            continue
        except UnicodeDecodeError:
            raise _fail(path, "the header is not valid UTF-8 text") from None
        names = tbl.column_names
        if not names:
            break
        col = tbl.column(0)
        if pa.types.is_binary(col.type):
            col = _decode(col)
        t = col.type
        if pa.types.is_date(t):
            return names, "date"
        if pa.types.is_timestamp(t):
            return names, "timestamp"
        if pa.types.is_string(t):
            first = next((v for v in col.to_pylist() if v is not None), None)
            if first is not None and _DATE_START.match(first):
                return names, "maybe"
        if tbl.num_rows == 0:
            return names, _ZERO_ROW_INDEX.get(names[0].strip().lower())
        return names, None
    raise _fail(path, "cannot parse the header line")


def _duplicate(names: list[str]) -> tuple[tuple[int, int], str] | None:
    seen: dict[str, int] = {}
    for i, nm in enumerate(names):
        if nm in seen:
            return (seen[nm] + 1, i + 1), nm
        seen[nm] = i
    return None


def _ragged(path: str, delim: str, nulls: list[str], row: Any, ncols: int) -> IOFailure:
    """The error for a row with the wrong number of fields (finds its row number)."""
    import pyarrow.csv as pcsv

    number = row.number
    if number is None:
        found: list[Any] = []

        def grab(r: Any) -> str:
            found.append(r)
            return "error"

        try:
            pcsv.read_csv(path, read_options=pcsv.ReadOptions(use_threads=False),
                          parse_options=pcsv.ParseOptions(delimiter=delim,
                                                          invalid_row_handler=grab),
                          convert_options=pcsv.ConvertOptions(
                              column_types={}, null_values=nulls, strings_can_be_null=True))
        except Exception:  # noqa: BLE001, S110 - we only want the row number
            pass
        if found:
            row = found[0]
            number = row.number
    where = f"row {number} (the header is row 1)" if number is not None else "a row"
    text = row.text if len(row.text) <= 80 else row.text[:77] + "..."
    return _fail(path, f"{where} has {row.actual_columns} field(s), the header has "
                       f"{row.expected_columns} (delimiter {delim!r}): {text!r}")


def _raise_bad_cell(path: str, name: str, delim: str, nulls: list[str]) -> None:
    """Re-read one column as text and raise an IOFailure at its first non-number."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    def read(kind: Any) -> Any:
        return pcsv.read_csv(path, parse_options=pcsv.ParseOptions(delimiter=delim),
                             convert_options=pcsv.ConvertOptions(
                                 include_columns=[name], column_types={name: kind},
                                 null_values=nulls, strings_can_be_null=True,
                                 quoted_strings_can_be_null=True)).column(0)

    try:
        arr = read(pa.string())
    except pa.ArrowInvalid:  # not valid UTF-8
        arr = _decode(read(pa.binary()))
    _values, _ok, bad = parse_floats(arr)
    pos = int(np.argmax(bad)) if bad.any() else 0
    text = arr[pos].as_py()
    raise _fail(path, f"row {_row(pos)}, column {name!r}: not a number: {text!r} (rows count "
                      f"from 1, the header is row 1; pass :lenient #t to read such cells as "
                      f"null)")


def _decode(arr: Any) -> Any:
    """A binary Arrow array as strings (invalid UTF-8 replaced by U+FFFD)."""
    import pyarrow as pa

    return pa.array([None if b is None else b.decode("utf-8", "replace")
                     for b in arr.to_pylist()], type=pa.string())


def _to_table(tbl: Any, path: str, idx_name: str | None, first_kind: str | None,
              as_string: set[str], lenient: bool, report: LenientReport) -> Table:
    import pyarrow as pa

    from .interop import column_from_arrow

    keep = None
    idx = None
    kind = None
    if idx_name is not None:
        arr = tbl.column(idx_name)
        if pa.types.is_binary(arr.type):
            arr = _decode(arr)
        t = arr.type
        if pa.types.is_date(t) or pa.types.is_timestamp(t):
            from .interop import index_from_arrow

            if arr.null_count and not lenient:
                pos = int(np.argmax(~arr.is_valid().to_numpy(zero_copy_only=False)))
                raise _fail(path, f"row {_row(pos)}, column {idx_name!r} (the index): missing "
                                  f"date (rows count from 1, the header is row 1)")
            if arr.null_count and lenient:
                present = arr.is_valid().to_numpy(zero_copy_only=False)
                keep = present
                report.dropped_rows = int((~present).sum())
                report.first_dropped = (_row(int(np.argmax(~present))), "")
                arr = arr.filter(pa.array(present))
            idx, kind = index_from_arrow(arr, idx_name, "load-csv", f"{path}: ")
        elif pa.types.is_null(t) and len(arr) == 0:
            idx, kind = np.zeros(0, np.int64), (first_kind if first_kind in (
                "date", "timestamp") else "date")
        else:
            values, kind, bad, reasons = parse_datetimes(arr)
            if bad.any():
                pos = int(np.argmax(bad))
                if not lenient:
                    raise _fail(path, f"row {_row(pos)}, column {idx_name!r} (the index): "
                                      f"{reasons[0]} (rows count from 1, the header is row 1)")
                keep = ~bad
                report.dropped_rows = int(bad.sum())
                text = arr[pos].as_py()
                report.first_dropped = (_row(pos), "" if text is None else str(text))
                values = values[keep]
            idx = values
    cols: dict[str, Column] = {}
    for name in tbl.column_names:
        if name == idx_name:
            continue
        arr = tbl.column(name)
        if pa.types.is_binary(arr.type):
            arr = _decode(arr)
        if name in as_string:
            values, ok, bad = parse_floats(arr)
            nbad = int(bad.sum())
            if nbad:
                pos = int(np.argmax(bad))
                report.cells[name] = nbad
                report.first[name] = (_row(pos), str(arr[pos].as_py()))
            col = Column(values, valid=ok)
        else:
            col = column_from_arrow(arr, name, "load-csv")
        if keep is not None:
            from .table import take

            col = take(col, keep)
        cols[name] = col
    if report.total:
        warnings.warn(LenientParseWarning(report), stacklevel=3)
    if idx is None:
        return Table(cols, source=path)
    return Table(cols, idx, index_name=idx_name or kind, source=path, index_kind=kind)


# ------------------------------------------------------------------ save


def _check_token(token: Any, delim: str) -> str:
    if not isinstance(token, str):
        raise TypeMismatch(f"the null token must be a string, got {token!r}", op="save")
    if _FLOAT.match(token) or any(ch in token for ch in (delim, '"', "\n", "\r")):
        raise BadParameter(f"the null token must not be a number or contain the delimiter, "
                           f"a quote or a line break, got {token!r}", op="save")
    return token


def _header_field(name: str, delim: str) -> str:
    if any(ch in name for ch in (delim, '"', "\n", "\r")) or name != name.strip():
        return '"' + name.replace('"', '""') + '"'
    return name


def atomic_target(path: str, op: str) -> tuple[str, str]:
    """(absolute target, its directory); IOFailure if the directory is missing."""
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise IOFailure(f"{path}: the directory {folder} does not exist", op=op)
    if os.path.isdir(target):
        raise IOFailure(f"{path}: is a directory", op=op)
    return target, folder


def write_atomically(path: str, op: str, write: Any) -> str:
    """Call write(tmp_path) for a temporary file beside `path`, then rename it over
    `path`; on any failure the temporary file is removed and `path` is untouched."""
    import tempfile

    target, folder = atomic_target(path, op)
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp",
                                   dir=folder)
    except OSError as exc:
        raise IOFailure(f"{path}: cannot write: {exc.strerror or exc}", op=op) from None
    try:
        os.close(fd)
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise IOFailure(f"{path}: cannot write: {exc.strerror or exc}", op=op) from None
        import pyarrow as pa

        if isinstance(exc, pa.ArrowException):
            raise IOFailure(f"{path}: cannot write: {exc}", op=op) from None
        raise
    return os.fspath(path)


def save_csv(table: Table, path: str, *, delimiter: str = ",",
             null: str = DEFAULT_NULL_TOKEN) -> str:
    """Write a Table as CSV (atomically); returns the path.

    Floats are written in the shortest text that reads back to the same bits
    (``0.1``, ``1e+300``, ``-0``, ``inf``, ``-inf``, ``nan``; a NaN's payload
    and sign are not kept), nulls as `null` (default ``NA``), the index
    first (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS.fffffffff``).
    """
    import pyarrow.csv as pcsv

    from .interop import table_to_arrow

    if not isinstance(table, Table):
        raise TypeMismatch(f"expected a table, got {type(table).__name__}", op="save")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeMismatch(f"path must be a string, got {type(path).__name__}", op="save")
    delim = _check_delimiter(delimiter, "save")
    token = _check_token(null, delim)
    ncols = len(table.names) + (table.index is not None)
    if ncols == 0:
        raise BadParameter("the table has no columns and no index: nothing to write", op="save")
    if ncols == 1 and token == "" and table.index is None and any(
            c.null_count for _, c in table.items()):
        raise BadParameter("an empty null token would write empty lines (one column, no index), "
                           "which readers skip; choose another token", op="save")
    tbl = table_to_arrow(table, metadata=False)
    header = delim.join(_header_field(nm, delim) for nm in tbl.column_names) + "\n"

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(header.encode("utf-8"))
            if len(tbl):
                pcsv.write_csv(tbl, f, write_options=pcsv.WriteOptions(
                    include_header=False, delimiter=delim, null_string=token))

    return write_atomically(path, "save", write)
