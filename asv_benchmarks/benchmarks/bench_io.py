"""Tables and I/O: CSV reading, opening splayed tables, as-of joins, side by side.

Data is generated once per benchmark process into a temporary directory
(removed at exit) and cached, so ``setup`` (which asv runs before every timed
call) stays cheap.

  CsvRead       1e6 rows x 10 columns (an ISO timestamp index + 9 float columns,
                ~97 MB): blawk.io_csv.load_csv vs pyarrow.csv.read_csv (the
                reader blawk uses, types inferred, multi-threaded) vs
                pandas.read_csv (C engine, parse_dates + index_col, the
                pandas equivalent) vs polars.read_csv (try_parse_dates).
  Splayed       a splayed table of 10 columns x 1e6 rows (1e7 values, 80 MB):
                time to open it (memory-mapped, nothing read), and dlog over one
                mapped column vs the same column in memory (pages cached).
  Asof          as-of join of 1e6 x 1e6 sorted int64 timestamp keys, two value
                columns looked up: blawk.joins.aj vs pandas.merge_asof vs
                polars join_asof.

pyarrow's and blawk's CSV readers use every core; pandas reads on one.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import numpy as np

from . import cached, optional

N_CSV = 1_000_000
N_SPLAYED_ROWS = 1_000_000
N_SPLAYED_COLS = 10
N_JOIN = 1_000_000


def _tmpdir() -> str:
    def make() -> str:
        d = tempfile.mkdtemp(prefix="blawk-bench-io-")
        atexit.register(shutil.rmtree, d, ignore_errors=True)
        return d

    return cached("bench-io-tmpdir", make)


def _csv_path() -> str:
    def make() -> str:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        rng = np.random.default_rng(20240601)
        ts = np.datetime64("2020-01-01T00:00:00", "ns") + np.arange(N_CSV) * np.timedelta64(
            1, "s")
        cols = {"ts": pa.array(ts)}
        for i in range(9):
            walk = 100 * np.exp(np.cumsum(0.001 * rng.standard_normal(N_CSV)))
            cols[f"c{i}"] = pa.array(np.round(walk, 4))
        path = os.path.join(_tmpdir(), "bench.csv")
        pcsv.write_csv(pa.table(cols), path)
        return path

    return cached("bench-io-csv", make)


def _splayed_path() -> str:
    def make() -> str:
        from blawk.io_splayed import save_splayed
        from blawk.table import Table

        rng = np.random.default_rng(7)
        cols = {f"c{i}": 100 * np.exp(np.cumsum(0.01 * rng.standard_normal(N_SPLAYED_ROWS)))
                for i in range(N_SPLAYED_COLS)}
        idx = np.arange(N_SPLAYED_ROWS, dtype=np.int64) * 1_000_000_000
        return save_splayed(Table(cols, idx, index_kind="timestamp"),
                            os.path.join(_tmpdir(), "splayed"))

    return cached("bench-io-splayed", make)


def _join_tables():
    def make():
        from blawk.table import Table

        rng = np.random.default_rng(11)
        lk = np.sort(rng.integers(0, 10**15, N_JOIN))
        rk = np.sort(rng.integers(0, 10**15, N_JOIN))
        left = Table({"a": rng.standard_normal(N_JOIN), "b": rng.standard_normal(N_JOIN)}, lk,
                     index_kind="timestamp")
        right = Table({"c": rng.standard_normal(N_JOIN)}, rk, index_kind="timestamp")
        return left, right

    return cached("bench-io-join", make)


class _Timing:
    number = 1
    repeat = (3, 10, 10.0)
    min_run_count = 2
    warmup_time = 0.0
    rounds = 2
    timeout = 600


class CsvRead(_Timing):
    def setup(self):
        self.path = _csv_path()

    def time_blawk_load_csv(self):
        from blawk.io_csv import load_csv

        load_csv(self.path)

    def time_pyarrow_read_csv(self):
        import pyarrow.csv as pcsv

        pcsv.read_csv(self.path)

    def time_pandas_read_csv(self):
        pd = optional("pandas")
        pd.read_csv(self.path, parse_dates=["ts"], index_col="ts")

    def time_polars_read_csv(self):
        pl = optional("polars")
        pl.read_csv(self.path, try_parse_dates=True)


class Splayed(_Timing):
    def setup(self):
        from blawk.io_splayed import load_splayed

        self.path = _splayed_path()
        self.mapped = load_splayed(self.path)["c3"]
        self.mapped.dlog(1)  # touch every page once: they are cached from here on
        self.in_memory = cached("bench-io-in-memory",
                                lambda: type(self.mapped)(np.array(self.mapped.values)))

    def time_open(self):
        from blawk.io_splayed import load_splayed

        load_splayed(self.path)

    def time_dlog_mapped(self):
        self.mapped.dlog(1)

    def time_dlog_in_memory(self):
        self.in_memory.dlog(1)


class Asof(_Timing):
    def setup(self):
        self.left, self.right = _join_tables()

    def time_blawk_aj(self):
        from blawk.joins import aj

        aj(self.left, self.right)

    def time_pandas_merge_asof(self):
        pd = optional("pandas")
        ldf = cached("bench-io-ldf", lambda: self.left.to_pandas())
        rdf = cached("bench-io-rdf", lambda: self.right.to_pandas())
        pd.merge_asof(rdf, ldf, left_index=True, right_index=True)

    def time_polars_join_asof(self):
        pl = optional("polars")
        ldf = cached("bench-io-lpl", lambda: pl.DataFrame(self.left))
        rdf = cached("bench-io-rpl", lambda: pl.DataFrame(self.right))
        rdf.join_asof(ldf, on="timestamp", strategy="backward")
