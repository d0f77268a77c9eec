"""The effective-dated price book: scheduled changes switch on by the injected clock alone."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retail import prices
from retail.prices import PriceChange, PriceError, ShelfPrice
from retail.store import connect, transaction

DAY = 86_400
T0 = 1_800_000_000


def row(sku, kind, valid_from, price, valid_to=None):
    return {"sku": sku, "kind": kind, "valid_from": valid_from, "valid_to": valid_to, "price": price}


@pytest.fixture
def book(store):
    with transaction(store):
        prices.upsert_prices(store, [
            row("milk", "regular", 0, 8990),
            row("milk", "regular", T0 + DAY, 9490),                   # scheduled rise tomorrow
            row("milk", "label", T0 + 2 * DAY, 7990, T0 + 9 * DAY),    # a week of promotion
            row("tea", "regular", 0, 15000),
            row("tea", "regular", T0, 12000, T0 + 3600),               # a one-hour happy hour
            row("tea", "label", 0, 16000),                             # a label above regular is not shown
            row("only-label", "label", 0, 100),
        ])
    return store


def test_the_price_in_force_now_and_until_when(book):
    assert prices.price_at(book, "milk", T0) == ShelfPrice(8990, None, T0 + DAY)
    assert prices.price_at(book, "milk", T0).shown == 8990


def test_a_scheduled_change_switches_on_at_its_second_with_no_network(book):
    assert prices.price_at(book, "milk", T0 + DAY - 1).regular == 8990
    assert prices.price_at(book, "milk", T0 + DAY) == ShelfPrice(9490, None, T0 + 2 * DAY)
    promo = prices.price_at(book, "milk", T0 + 2 * DAY)
    assert promo == ShelfPrice(9490, 7990, T0 + 9 * DAY) and promo.shown == 7990
    assert prices.price_at(book, "milk", T0 + 9 * DAY) == ShelfPrice(9490, None, None)


def test_a_short_row_laid_over_a_long_one_hands_back_when_it_ends(book):
    assert prices.price_at(book, "tea", T0 - 1).regular == 15000
    assert prices.price_at(book, "tea", T0) == ShelfPrice(12000, None, T0 + 3600)
    assert prices.price_at(book, "tea", T0 + 3600) == ShelfPrice(15000, None, None)


def test_a_label_price_is_shown_only_when_lower(book):
    assert prices.price_at(book, "tea", T0 + 3600).label is None


def test_no_regular_price_means_no_price(book):
    assert prices.price_at(book, "only-label", T0) is None
    assert prices.price_at(book, "unknown", T0) is None


def test_prices_at_is_batched_and_leaves_out_what_has_no_price(book):
    got = prices.prices_at(book, ["milk", "tea", "unknown", "milk", "only-label"], T0 + 2 * DAY)
    assert got == {"milk": ShelfPrice(9490, 7990, T0 + 9 * DAY), "tea": ShelfPrice(15000, None, None)}
    assert prices.prices_at(book, [], T0) == {}


def test_prices_at_handles_more_skus_than_one_query_takes(store):
    skus = [f"s{i}" for i in range(1234)]
    with transaction(store):
        prices.upsert_prices(store, [row(s, "regular", 0, i) for i, s in enumerate(skus)])
    got = prices.prices_at(store, skus, T0)
    assert len(got) == 1234 and got["s1233"].regular == 1233


def test_upcoming_changes_lists_only_real_shelf_changes(book):
    changes = prices.upcoming_changes(book, T0 - 1, T0 + 10 * DAY)
    assert changes == [
        PriceChange(T0, "tea", ShelfPrice(15000, None, T0), ShelfPrice(12000, None, T0 + 3600)),
        PriceChange(T0 + 3600, "tea", ShelfPrice(12000, None, T0 + 3600), ShelfPrice(15000, None, None)),
        PriceChange(T0 + DAY, "milk", ShelfPrice(8990, None, T0 + DAY), ShelfPrice(9490, None, T0 + 2 * DAY)),
        PriceChange(T0 + 2 * DAY, "milk", ShelfPrice(9490, None, T0 + 2 * DAY), ShelfPrice(9490, 7990, T0 + 9 * DAY)),
        PriceChange(T0 + 9 * DAY, "milk", ShelfPrice(9490, 7990, T0 + 9 * DAY), ShelfPrice(9490, None, None)),
    ]
    assert [c.at for c in prices.upcoming_changes(book, T0 + DAY, T0 + 2 * DAY)] == [T0 + 2 * DAY]
    assert prices.upcoming_changes(book, T0 + 10 * DAY, T0 + 20 * DAY) == []
    assert prices.upcoming_changes(book, T0, T0) == []


def test_upsert_replaces_a_row_with_the_same_key_and_delete_removes_it(book):
    with transaction(book):
        prices.upsert_prices(book, [row("milk", "regular", T0 + DAY, 9990)])
    assert prices.price_at(book, "milk", T0 + DAY).regular == 9990
    with transaction(book):
        assert prices.delete_prices(book, [("milk", "regular", T0 + DAY), f"price:tea:regular:{T0}"]) == 2
        assert prices.delete_prices(book, [("milk", "regular", 123)]) == 0
    assert prices.price_at(book, "milk", T0 + DAY) == ShelfPrice(8990, None, T0 + 2 * DAY)
    assert prices.price_at(book, "tea", T0).regular == 15000


def test_feed_keys_parse_even_when_the_sku_has_colons():
    assert prices.parse_key("price:A:1:regular:1700000000") == ("A:1", "regular", 1_700_000_000)
    for bad in ("price:", "price:x:regular:", "price:x:cheap:1", "stock:x", "price:x:label:1.5", 5):
        with pytest.raises(PriceError):
            prices.parse_key(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad, message", [
    (row("x", "regular", 0, 12.5), "whole kopecks"),
    (row("x", "regular", 0, True), "whole kopecks"),
    (row("x", "regular", 0, -1), "whole kopecks"),
    (row("x", "regular", 0, "100"), "whole kopecks"),
    (row("x", "promo", 0, 100), "kind"),
    (row("x", "regular", 1.5, 100), "valid_from"),
    (row("x", "regular", -5, 100), "valid_from"),
    (row("x", "regular", 10, 100, 10), "not after"),
    (row("x", "regular", 10, 100, "soon"), "valid_to"),
    (row("", "regular", 0, 100), "sku"),
    (row(None, "regular", 0, 100), "sku"),
    ("price", "object"),
])
def test_bad_price_rows_are_refused_with_the_reason(store, bad, message):
    with transaction(store):
        with pytest.raises(PriceError, match=message):
            prices.upsert_prices(store, [row("ok", "regular", 0, 1), bad])
        assert store.execute("SELECT COUNT(*) FROM prices").fetchone()[0] == 0


def test_bad_questions_are_refused(book):
    for now in (1.5, "now", None, True, -1):
        with pytest.raises(PriceError, match="unix seconds"):
            prices.price_at(book, "milk", now)  # type: ignore[arg-type]
    with pytest.raises(PriceError, match="single value"):
        prices.prices_at(book, "milk", T0)  # type: ignore[arg-type]
    with pytest.raises(PriceError, match="SKUs must be text"):
        prices.prices_at(book, ["milk", 5], T0)  # type: ignore[list-item]
    with pytest.raises(PriceError, match="inside retail.store.transaction"):
        prices.upsert_prices(book, [])
    with pytest.raises(PriceError, match="price key"):
        with transaction(book):
            prices.delete_prices(book, [("milk", "regular")])  # type: ignore[list-item]


def test_sql_text_as_a_sku_is_just_an_unknown_sku(book):
    assert prices.price_at(book, "'; DROP TABLE prices; --", T0) is None
    assert prices.price_at(book, "milk", T0) is not None


# The definition, spelled out slowly, against the implementation on random books.
rows_st = st.lists(
    st.tuples(st.sampled_from(["regular", "label"]), st.integers(0, 50), st.one_of(st.none(), st.integers(1, 30)),
              st.integers(0, 1000)),
    max_size=8,
)


def brute(rows, kind, t):
    live = [r for r in rows if r[0] == kind and r[1] <= t and (r[2] is None or r[2] > t)]
    return max(live, key=lambda r: r[1]) if live else None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows_st, st.integers(0, 100))
def test_price_at_matches_the_definition_and_holds_until_valid_to(tmp_path_factory, raw, now):
    book = {}
    for kind, start, length, price in raw:
        book[(kind, start)] = (kind, start, None if length is None else start + length, price)
    rows = list(book.values())
    conn = connect(tmp_path_factory.mktemp("p") / "p.db")
    try:
        with transaction(conn):
            prices.upsert_prices(conn, [row("s", k, f, p, to) for k, f, to, p in rows])
        for t in range(now, now + 3):
            got = prices.price_at(conn, "s", t)
            regular, label = brute(rows, "regular", t), brute(rows, "label", t)
            if regular is None:
                assert got is None
                continue
            shown = label[3] if label is not None and label[3] < regular[3] else None
            assert (got.regular, got.label) == (regular[3], shown)
            # nothing changes before valid_to: a label printed now stays right until then
            end = got.valid_to if got.valid_to is not None else 120
            for later in range(t, min(end, t + 60)):
                again = prices.price_at(conn, "s", later)
                assert (again.regular, again.label) == (got.regular, got.label)
    finally:
        conn.close()
