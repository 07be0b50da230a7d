"""Inputs from public bug reports against other libraries' rolling variance.

Each is checked against an exact computation (fractions) of the sample
variance over every window, with nulls skipped: the answer must be right to
1e-12 relative (1e-15 absolute near zero), never negative, and exactly zero
when the window's values are all equal.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import blawk
from blawk.registry import lookup

NAN = float("nan")

CASES = {
    # pandas #28244: a huge value must not spoil later windows
    "pandas-28244": ([9.54e08, 6.225e-01, NAN, 0.0, 1.14, 0.0], 5, 3),
    # pandas #54518: after 1e17 values leave, the small ones still have a spread
    "pandas-54518": ([1.2e03, 1.3e17, 1.5e17, 1.995e03, 1.990e03], 2, 2),
    # pandas #42064: a big value then zeros: later windows are exactly 0
    "pandas-42064": ([1000.0] + [0.0] * 999, 10, 10),
    # pandas #46049: a constant tail must give exactly 0
    "pandas-46049": ([-3.0, -3.0, -4.0, -5.0, -4.0, -3.0, -4.0, -4.0, -3.0, -4.0, -3.0, -4.0,
                      -3.0, -2.0, -2.0, -3.0, -2.0, -2.0, -3.0, -3.0, -4.0, -4.0, -4.0, -4.0,
                      -4.0, -5.0, -5.0, -5.0, -5.0, -5.0], 5, 5),
    # pandas #52407: tiny values must never give a negative variance
    "pandas-52407": ([0.0, 0.0, 3.16188252e-18, 2.95781651e-16, 2.23153542e-51, 0.0, 0.0,
                      5.39943432e-48, 1.38206260e-73, 0.0], 3, 3),
}


def exact_var(window: list[float]) -> Fraction | None:
    vals = [Fraction(v) for v in window if not math.isnan(v)]
    if len(vals) < 2:
        return None
    mean = sum(vals) / len(vals)
    return sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rolling_variance_is_right(name: str, isa: str) -> None:
    data, w, minp = CASES[name]
    x = np.array(data)
    col = blawk.Column(x, nan_as_null=True)  # the reports' NaN meant "missing"
    var = lookup("mvar").call([col], {"window": w, "min_periods": minp, "ddof": 1})
    got = blawk.compute(var) if isinstance(var, blawk.Expr) else var
    for i in range(len(x)):
        win = [v for v in data[max(0, i - w + 1): i + 1]]
        valid = [v for v in win if not math.isnan(v)]
        want = exact_var(win) if len(valid) >= minp else None
        g = got[i]
        if want is None:
            assert g is None, (name, i)
            continue
        assert g is not None and g >= 0.0, (name, i, g)
        if want == 0:
            assert g == 0.0, (name, i, g)
        else:
            assert math.isclose(g, float(want), rel_tol=1e-12, abs_tol=1e-15 * abs(float(want))
                                + 1e-300), (name, i, g, float(want))
