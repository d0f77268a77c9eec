"""Selling on a test terminal the way the POS does: see :mod:`bench.faults.till` (lifted there
so the fault suites sell the same way)."""
from bench.faults.till import cashier, priced_skus, sell, shift  # noqa: F401  (re-exported)
