"""The operation declarations, one module per family.

Importing this package registers every op in :mod:`blawk.registry`.
"""

from . import arith, lag, logic, reduce, sample, scan, table, window  # noqa: F401
