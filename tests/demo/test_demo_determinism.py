"""Same seed, same rows (byte for byte); another seed, other rows; only times follow now."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from demo_support import NOW, dump, small

from retail.demo import DemoChain

ROOT = Path(__file__).resolve().parents[2]

def test_the_same_seed_gives_byte_identical_rows():
    assert dump(small()) == dump(small())


def test_the_same_seed_gives_the_same_rows_in_another_process():
    code = ("import hashlib, sys; sys.path[:0] = ['.', 'tests/demo']; from demo_support import dump, small; "
            "print(hashlib.sha256(dump(small()).encode()).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={"PYTHONHASHSEED": "12345"}).stdout.strip()
    assert other == hashlib.sha256(dump(small()).encode()).hexdigest()


def test_another_seed_gives_other_rows():
    a, b = small(seed=7), small(seed=8)
    assert [p["sku"] for p in a.products()] != [p["sku"] for p in b.products()]
    assert [p["name_ru"] for p in a.products()][16:] != [p["name_ru"] for p in b.products()][16:]
    assert list(a.customers()) != list(b.customers())
    assert list(a.prices("MSK1")) != list(b.prices("MSK1"))
    assert [s["pin_hash"] for s in a.staff("MSK1")] != [s["pin_hash"] for s in b.staff("MSK1")]


def test_now_moves_the_times_not_the_catalogue():
    a, b = small(now=NOW), small(now=NOW + 7 * 86_400)
    assert list(a.products()) == list(b.products())
    assert list(a.customers()) == list(b.customers())
    assert [r["valid_from"] + 7 * 86_400 for r in a.prices("MSK1")] == [r["valid_from"] for r in b.prices("MSK1")]
    assert [o["created_at"] + 7 * 86_400 for o in a.orders("MSK1")] == [o["created_at"] for o in b.orders("MSK1")]


def test_a_bigger_catalogue_starts_with_the_smaller_one():
    """Product i depends on (seed, i) only: central and a terminal built with different
    sizes agree on the SKUs they share."""
    a = list(small().products())
    b = list(DemoChain(seed=7, skus=2_100, stores=3, customers=300, now=NOW).products())
    assert b[:1_000] == a[:1_000]  # the first block has the same neighbours for "related"
    assert [p["sku"] for p in b[:len(a)]] == [p["sku"] for p in a]


def test_editing_a_returned_row_does_not_change_the_next_answer(chain):
    promo = next(chain.promotions("MSK1"))
    promo["params"]["percent_bp"] = 1
    order = next(chain.orders("MSK1"))
    order["lines"].clear()
    assert next(chain.promotions("MSK1"))["params"]["percent_bp"] != 1
    assert next(chain.orders("MSK1"))["lines"]
