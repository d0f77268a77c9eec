"""The demo store chain: reproducible from a seed, streaming, in the protocol's shapes.

Used by the README's demo (``python -m retail.demo --db PATH``), by central's ``seed``
command, by tests and by the benchmarks::

    from retail.demo import DemoChain
    chain = DemoChain(seed=42, skus=20_000, stores=4, customers=2_000, now=1_795_000_000)
    for row in chain.products(): ...          # catalogue feed rows (type "product")
    for row in chain.prices("MSK1"): ...      # prices feed rows of MSK1

Modules: :mod:`.chain` (``DemoChain``), :mod:`.products` (catalogue), :mod:`.stock`
(price books, stock), :mod:`.promotions`, :mod:`.people` (customers, staff),
:mod:`.orders`, :mod:`.stores` (locations, settings, keys), :mod:`.load` (writing a
terminal's local store), word lists in :mod:`.names`, :mod:`.brands`, :mod:`.categories`.
"""
from .chain import DemoChain, DemoError
from .people import DEMO_PINS, INACTIVE_CASHIER_PIN, demo_pin_hash

__all__ = ["DEMO_PINS", "INACTIVE_CASHIER_PIN", "DemoChain", "DemoError", "demo_pin_hash"]
