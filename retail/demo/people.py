"""Loyalty customers and store staff of the demo chain.

Customers come in blocks like products (one ``random.Random`` per block), so a million
of them stream in bounded memory and any one can be regenerated for an order. The first
three are named demo customers the README uses (gold, silver, and one with a blocked
old card). Loyalty cards are EAN-13s with the in-store prefix 29
(:mod:`retail.codes.instore`), numbered by an affine bijection of the card index so they
never repeat.

Staff PINs are the documented demo PINs, hashed with scrypt in the format and at the cost
:mod:`retail.staff` verifies; the salt comes from the seed so the same seed gives the
same hash (``retail.staff.hash_pin`` draws a fresh random salt, right for real staff and
wrong for a reproducible demo).
"""
from __future__ import annotations

import hashlib
import random
from functools import lru_cache
from typing import Iterator, NamedTuple

from retail.codes.gtin import make_ean13
from retail.staff import KEY_BYTES, SALT_BYTES, SCRYPT_N, SCRYPT_P, SCRYPT_R, check_pin_rules

from .names import FEMALE_FIRST, LAST, MALE_FIRST, last_name

BLOCK = 1000
CARD_SPACE = 10**10
CARD_MUL = 7_654_321_019  # coprime with 10^10
MAX_CUSTOMERS = 10_000_000

# (first name, last name, tier, balance, phone last 4); card numbers depend on the seed.
DEMO_CUSTOMERS = (
    ("Анна", "Смирнова", "gold", 2450, "4567"),
    ("Иван", "Петров", "silver", 800, "1234"),
    ("Ольга", "Кузнецова", "base", 120, "7788"),
)

# Role -> documented demo PIN; every store has one of each, plus a former cashier whose
# account is inactive (PIN 3333 must be refused).
DEMO_PINS = {"cashier": "1111", "manager": "2222", "technician": "9999"}
INACTIVE_CASHIER_PIN = "3333"
# Staff ``<store>-S1``..``S4``: (role, demo PIN, active).
STAFF_PLAN = (("cashier", DEMO_PINS["cashier"], True), ("manager", DEMO_PINS["manager"], True),
              ("technician", DEMO_PINS["technician"], True), ("cashier", INACTIVE_CASHIER_PIN, False))


def customer_id(index: int) -> str:
    return f"C{index + 1:07d}"


def cards_of(index: int) -> int:
    """Every fifth customer has two cards; a third of those lost the first (blocked)."""
    return 2 if index % 5 == 2 else 1


def first_card_blocked(index: int) -> bool:
    return index % 15 == 2


class Person(NamedTuple):
    row: dict  # the customers feed row
    phone: str  # full phone, for order contacts (the feed carries only the last 4 digits)


class Customers:
    def __init__(self, seed: int, count: int) -> None:
        self.seed = seed
        self.count = count
        self._card_off = random.Random(f"{seed}:cards").randrange(CARD_SPACE)
        self.block = lru_cache(maxsize=2)(self._block)

    def card_number(self, card_index: int) -> str:
        n = (card_index * CARD_MUL + self._card_off) % CARD_SPACE
        return make_ean13(f"29{n:010d}")

    def rows(self) -> Iterator[dict]:
        for b in range((self.count + BLOCK - 1) // BLOCK):
            for person in self.block(b):
                yield person.row

    def person(self, index: int) -> Person:
        if not 0 <= index < self.count:
            raise IndexError(f"customer index {index} is outside the {self.count} demo customers")
        return self.block(index // BLOCK)[index % BLOCK]

    def _block(self, b: int) -> tuple[Person, ...]:
        rng = random.Random(f"{self.seed}:customers:{b}")
        return tuple(self._one(rng, i) for i in range(b * BLOCK, min((b + 1) * BLOCK, self.count)))

    def _one(self, rng: random.Random, i: int) -> Person:
        bits = rng.getrandbits(64)
        phone_mid = f"9{bits % 100:02d} {(bits >> 8) % 1000:03d}"
        bits >>= 20
        if i < len(DEMO_CUSTOMERS):
            first, last, tier, balance, last4 = DEMO_CUSTOMERS[i]
        else:
            female = bool(bits & 1)
            names = FEMALE_FIRST if female else MALE_FIRST
            first = names[(bits >> 1) % len(names)]
            bits >>= 7
            last = last_name(LAST[bits % len(LAST)], female)
            bits >>= 8
            roll = bits % 100
            bits >>= 7
            tier = "gold" if roll < 5 else "silver" if roll < 20 else "base"
            top = {"gold": 15_000, "silver": 3000, "base": 500}[tier]
            balance = bits % (top + 1)
            bits >>= 14
            last4 = f"{bits % 10_000:04d}"
        cards = [{"number": self.card_number(2 * i + k), "blocked": k == 0 and cards_of(i) == 2 and
                  first_card_blocked(i)} for k in range(cards_of(i))]
        row = {"id": customer_id(i), "first_name": first, "last_name": last, "tier": tier, "balance": balance,
               "phone_last4": last4, "cards": cards}
        return Person(row, f"+7 {phone_mid}-{last4[:2]}-{last4[2:]}")


def demo_pin_hash(pin: str, salt: bytes) -> str:
    """``scrypt$n$r$p$salthex$hashhex`` with a given salt, at :mod:`retail.staff`'s cost,
    so ``retail.staff.verify_pin`` accepts it."""
    check_pin_rules(pin)
    if len(salt) < 8:
        raise ValueError("a PIN hash salt needs at least 8 bytes")
    key = hashlib.scrypt(pin.encode("ascii"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                         maxmem=64 * 1024 * 1024, dklen=KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def staff_rows(seed: int, store_id: str) -> list[dict]:
    """A cashier, a manager and a technician with the demo PINs, and a former cashier."""
    rng = random.Random(f"{seed}:staff:{store_id}")
    rows = []
    for n, (role, pin, active) in enumerate(STAFF_PLAN, 1):
        female = rng.random() < 0.5
        first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
        last = last_name(rng.choice(LAST), female)
        salt = rng.randbytes(SALT_BYTES)
        rows.append({"id": f"{store_id}-S{n}", "name": f"{first} {last}", "role": role,
                     "pin_hash": demo_pin_hash(pin, salt), "active": active})
    return rows
