"""Seeded fault suites: crash, cut, corrupt and attack Vitrina, and check nothing is lost.

``python -m bench.faults`` runs every suite in :mod:`bench.faults.suites` (quick mode by
default, ``--long`` for thousands of runs) and prints what each tried and what it found;
``tests/faults`` runs the quick mode of each under the pytest marker ``faults``. A suite
is one module in ``bench/faults/suites/`` ending in ``SUITE = Suite(name, about, run)``;
see :mod:`bench.faults.core`.
"""
