"""Generate examples/data/prices.csv: the sample data the README's job runs on.

Deterministic (seeded) geometric random walks, one row per calendar day
2016-01-01 .. 2025-12-31 (weekends included, as in the exports this project's
users receive), columns:

    date   YYYY-MM-DD
    px     a single price series (the README job's input)
    es nq  two correlated equity-index futures series (spread trading)
    ty     a bond future
A handful of cells are "NA" (missing) so the null handling is exercised.

Run:  python examples/data/make_prices.py   (rewrites the file byte-identically)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np


def main() -> None:
    rng = np.random.default_rng(20260101)
    start, end = dt.date(2016, 1, 1), dt.date(2025, 12, 31)
    n = (end - start).days + 1
    common = rng.standard_normal(n)
    series = {
        "px": 100 * np.exp(np.cumsum(0.012 * rng.standard_normal(n))),
        "es": 2000 * np.exp(np.cumsum(0.010 * (0.8 * common + 0.6 * rng.standard_normal(n)))),
        "nq": 4300 * np.exp(np.cumsum(0.013 * (0.8 * common + 0.6 * rng.standard_normal(n)))),
        "ty": 125 * np.exp(np.cumsum(0.003 * rng.standard_normal(n))),
    }
    missing = {"px": [17, 18, 400, 2900], "es": [1234], "nq": [3000, 3001], "ty": []}
    lines = ["date," + ",".join(series)]
    for i in range(n):
        day = start + dt.timedelta(days=i)
        cells = ["NA" if i in missing[k] else f"{v[i]:.4f}" for k, v in series.items()]
        lines.append(day.isoformat() + "," + ",".join(cells))
    out = Path(__file__).with_name("prices.csv")
    out.write_text("\n".join(lines) + "\n", encoding="ascii")
    print(f"wrote {out} ({n} rows)")


if __name__ == "__main__":
    main()
