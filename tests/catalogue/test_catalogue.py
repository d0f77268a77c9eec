"""Catalogue writes keep barcodes and the search index in step; lookups and browse."""
from __future__ import annotations

import sqlite3

import pytest
from catalogue_support import SHOP, expected_index, indexed, product
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retail import catalogue, prices, search
from retail.catalogue import CatalogueError
from retail.store import connect, integrity_ok, migrations, transaction


def names(products):
    return [p.sku for p in products]


def test_migrations_apply_from_an_empty_file(tmp_path):
    conn = connect(tmp_path / "fresh.db")
    assert migrations.current_version(conn) == migrations.available()[-1].version
    cols = [r[1] for r in conn.execute("PRAGMA table_info(products)")]
    assert cols[:2] == ["id", "sku"]
    config = dict(conn.execute("SELECT k, v FROM product_search_config"))
    assert config["automerge"] == 16 and config["crisismerge"] == 64
    assert integrity_ok(conn)


def test_a_product_round_trips(shop):
    with transaction(shop):
        catalogue.upsert_products(shop, [product(
            "2001", "Чай зелёный", "Green tea", description_ru="Листовой", category_id="food", brand_id="pq",
            attributes={"вес": "100 г", "origin": "CN"}, related=["1001", "1007"], location="A3/2",
            image="tea.png", barcodes=["4607001234566", "012345678912"],
        )])
    p = catalogue.by_sku(shop, "2001")
    assert p.name_ru == "Чай зелёный" and p.name("en") == "Green tea" and p.description_ru == "Листовой"
    assert p.attributes == {"вес": "100 г", "origin": "CN"}
    assert p.related == ("1001", "1007") and p.location == "A3/2" and p.image == "tea.png"
    assert p.barcodes == ("0012345678912", "4607001234566")
    assert p.brand_name == "Простоквашино" and p.active is True and p.unit == "pcs" and p.plu is None


def test_many_products_by_sku_at_once(shop):
    found = catalogue.by_skus(shop, ["1008", "1001", "no-such", "1006"])
    assert sorted(found) == ["1001", "1006", "1008"]
    assert found["1001"] == catalogue.by_sku(shop, "1001") and found["1006"].active is False
    assert catalogue.by_skus(shop, []) == {}


def test_the_index_holds_exactly_the_current_terms(shop):
    assert indexed(shop) == expected_index(shop)


def test_resending_an_unchanged_row_writes_nothing(shop):
    before = shop.total_changes
    with transaction(shop):
        counts = catalogue.upsert_products(shop, SHOP["products"])
    assert counts == catalogue.Counts(0, 0, len(SHOP["products"]))
    assert shop.total_changes == before


def test_a_price_change_never_touches_products_or_the_index(shop):
    snapshot = lambda: (  # noqa: E731
        shop.execute("SELECT * FROM products ORDER BY id").fetchall(),
        shop.execute("SELECT * FROM product_search_data ORDER BY id").fetchall(),
        shop.execute("SELECT * FROM barcodes ORDER BY code").fetchall(),
    )
    before = snapshot()
    with transaction(shop):
        prices.upsert_prices(shop, [{"sku": "1001", "kind": "regular", "valid_from": 0, "price": 8990},
                                    {"sku": "1001", "kind": "label", "valid_from": 100, "valid_to": 200, "price": 7990}])
    assert snapshot() == before


def test_a_row_that_only_moves_shelf_keeps_its_index_entries(shop):
    data_before = shop.execute("SELECT * FROM product_search_data ORDER BY id").fetchall()
    row = dict(SHOP["products"][0], location="B7", description_en="Fresh")
    with transaction(shop):
        assert catalogue.upsert_products(shop, [row]) == catalogue.Counts(0, 1, 0)
    assert shop.execute("SELECT * FROM product_search_data ORDER BY id").fetchall() == data_before
    assert catalogue.by_sku(shop, "1001").location == "B7"


def test_renaming_a_product_moves_its_search_terms(shop):
    with transaction(shop):
        catalogue.upsert_products(shop, [dict(SHOP["products"][0], name_ru="Сливки 10%", name_en="Cream 10%")])
    assert "1001" not in [h.sku for h in search.search(shop, "молоко")]
    assert [h.sku for h in search.search(shop, "сливки")] == ["1001"]
    assert indexed(shop) == expected_index(shop)


def test_renaming_or_deleting_a_brand_reindexes_its_products(shop):
    with transaction(shop):
        catalogue.upsert_brands(shop, [{"id": "pq", "name": "Домик в деревне"}])
    assert search.search(shop, "простоквашино") == []
    assert {h.sku for h in search.search(shop, "домик дер")} == {"1001", "1007"}
    assert indexed(shop) == expected_index(shop)
    with transaction(shop):
        assert catalogue.delete_brands(shop, ["pq", "no-such-brand"]) == 1
    assert search.search(shop, "домик") == []
    assert catalogue.by_sku(shop, "1001").brand_name == ""
    assert indexed(shop) == expected_index(shop)


def test_a_brand_arriving_after_its_products_becomes_searchable(store):
    with transaction(store):
        catalogue.upsert_products(store, [product("1", "Кефир", brand_id="late")])
    assert search.search(store, "савушкин") == []
    with transaction(store):
        catalogue.upsert_brands(store, [{"id": "late", "name": "Савушкин"}])
    assert [h.sku for h in search.search(store, "савушкин")] == ["1"]
    assert indexed(store) == expected_index(store)


def test_delete_products_removes_row_barcodes_and_terms(shop):
    with transaction(shop):
        assert catalogue.delete_products(shop, ["1001", "nope"]) == 1
    assert catalogue.by_sku(shop, "1001") is None
    assert catalogue.by_barcode(shop, "4601234567893") is None
    assert shop.execute("SELECT COUNT(*) FROM barcodes WHERE sku = '1001'").fetchone()[0] == 0
    assert "1001" not in [h.sku for h in search.search(shop, "молоко")]
    assert indexed(shop) == expected_index(shop)
    with transaction(shop):  # and it can come back, under a new id
        catalogue.upsert_products(shop, [SHOP["products"][0]])
    assert catalogue.by_barcode(shop, "4601234567893").sku == "1001"
    assert indexed(shop) == expected_index(shop)


def test_barcodes_follow_the_row(shop):
    with transaction(shop):
        catalogue.upsert_products(shop, [dict(SHOP["products"][0], barcodes=["4600000000024"])])
    assert catalogue.by_barcode(shop, "4601234567893") is None
    assert catalogue.by_barcode(shop, "4600000000024").sku == "1001"


def test_a_barcode_given_to_another_product_goes_with_the_newer_row(shop):
    with transaction(shop):
        catalogue.upsert_products(shop, [product("3001", "Молоко новое", barcodes=["4601234567893"])])
    assert catalogue.by_barcode(shop, "4601234567893").sku == "3001"
    assert catalogue.by_sku(shop, "1001").barcodes == ()


def test_a_plu_given_to_another_product_goes_with_the_newer_row(shop):
    with transaction(shop):
        catalogue.upsert_products(shop, [product("3002", "Сыр весовой", unit="kg", plu=123)])
    assert catalogue.by_plu(shop, 123).sku == "3002"
    assert catalogue.by_sku(shop, "1008").plu is None


def test_within_one_batch_the_last_row_wins(store):
    with transaction(store):
        counts = catalogue.upsert_products(store, [
            product("1", "Первое", plu=5, barcodes=["4601234567893"]),
            product("2", "Второе", plu=5, barcodes=["4601234567893"]),
            product("1", "Первое исправленное"),
        ])
    assert counts.inserted == 2
    assert catalogue.by_sku(store, "1").name_ru == "Первое исправленное"
    assert catalogue.by_plu(store, 5).sku == "2"
    assert catalogue.by_barcode(store, "4601234567893").sku == "2"
    assert indexed(store) == expected_index(store)


@pytest.mark.parametrize("scanned", [
    "4601234567893", "04601234567893", " 4601234567893\r\n",
])
def test_ean13_is_found_in_every_scanned_form(shop, scanned):
    assert catalogue.by_barcode(shop, scanned).sku == "1001"


@pytest.mark.parametrize("scanned", ["012345678905", "0012345678905", "00012345678905"])
def test_upc_a_is_found_as_upc_ean13_or_gtin14(shop, scanned):
    assert catalogue.by_barcode(shop, scanned).sku == "1007"


def test_ean8_and_internal_codes(store):
    with transaction(store):
        catalogue.upsert_products(store, [product("1", "Жвачка", barcodes=["96385074", "INT-0042"])])
    assert catalogue.by_sku(store, "1").barcodes == ("96385074", "INT-0042")
    assert catalogue.by_barcode(store, "00000096385074").sku == "1"
    assert catalogue.by_barcode(store, "INT-0042").sku == "1"
    assert catalogue.by_barcode(store, "int-0042") is None


@pytest.mark.parametrize("code", [
    "", "   ", "'; DROP TABLE barcodes; --", "\" OR 1=1 --", "%", "_", "*", "4601234567890",
    "x" * 10_000, "\x00", "молоко",
])
def test_lookups_of_garbage_find_nothing_and_break_nothing(shop, code):
    assert catalogue.by_barcode(shop, code) is None
    assert catalogue.by_sku(shop, code) is None
    assert shop.execute("SELECT COUNT(*) FROM barcodes").fetchone()[0] == 3


def test_lookups_of_the_wrong_type_say_so(shop):
    with pytest.raises(CatalogueError, match="barcode must be text"):
        catalogue.by_barcode(shop, 4601234567893)  # type: ignore[arg-type]
    with pytest.raises(CatalogueError, match="whole number"):
        catalogue.by_plu(shop, "123")  # type: ignore[arg-type]
    with pytest.raises(CatalogueError, match="whole number"):
        catalogue.by_plu(shop, True)  # type: ignore[arg-type]
    assert catalogue.by_plu(shop, 123).sku == "1008"
    assert catalogue.by_plu(shop, 999) is None


def test_product_links(shop):
    assert catalogue.by_product_url(shop, "https://vitrina.example/p/1003").sku == "1003"
    assert catalogue.by_product_url(shop, "https://VITRINA.example/p/1003?utm=qr#top").sku == "1003"
    assert catalogue.by_product_url(shop, "https://vitrina.example/p/9999") is None
    with pytest.raises(CatalogueError, match="not a Vitrina product page"):
        catalogue.by_product_url(shop, "https://evil.example/p/1003")
    with pytest.raises(CatalogueError, match="without a product code"):
        catalogue.by_product_url(shop, "https://vitrina.example/p/")
    with pytest.raises(CatalogueError):
        catalogue.by_product_url(shop, "'; DROP TABLE products; --")
    assert catalogue.by_product_url(shop, "https://shop.example/item/1001",
                                    prefixes=("https://shop.example/item/",)).sku == "1001"


def test_categories_and_browse(shop):
    assert [c.id for c in catalogue.categories(shop)] == ["food", "home"]
    assert [c.id for c in catalogue.categories(shop, "dairy")] == ["milk", "cheese"]
    assert catalogue.categories(shop, "dairy")[0].name("en") == "Milk"
    assert catalogue.subtree(shop, "food") == ["food", "dairy", "milk", "cheese"]
    # category by category (dairy itself, milk, cheese), by name within; inactive left out
    assert names(catalogue.browse(shop, "dairy", 0, 20)) == ["1007", "1004", "1002", "1001", "1003", "1008"]
    assert names(catalogue.browse(shop, "milk")) == ["1002", "1001"]
    assert catalogue.browse(shop, "nothing-here") == []


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_browse_pages_add_up_to_the_whole(shop, limit):
    whole = names(catalogue.browse(shop, "food", 0, 200))
    paged = []
    for offset in range(0, len(whole) + limit, limit):
        paged += names(catalogue.browse(shop, "food", offset, limit))
    assert paged == whole and len(whole) == 6


def test_browse_refuses_bad_paging(shop):
    for offset, limit in ((-1, 10), (0, 0), (0, 201), ("0", 10), (0, None)):
        with pytest.raises(CatalogueError, match="whole number"):
            catalogue.browse(shop, "food", offset, limit)  # type: ignore[arg-type]


def test_children_may_arrive_before_their_parents(store):
    with transaction(store):
        catalogue.upsert_categories(store, [
            {"id": "leaf", "parent_id": "mid", "name_ru": "Лист", "name_en": "Leaf"},
            {"id": "mid", "parent_id": "top", "name_ru": "Середина", "name_en": "Mid"},
        ])
    assert catalogue.categories(store) == []          # "top" is a hidden placeholder so far
    assert catalogue.subtree(store, "top") == ["top", "mid", "leaf"]
    with transaction(store):
        catalogue.upsert_categories(store, [{"id": "top", "parent_id": None, "name_ru": "Верх", "name_en": "Top"}])
    assert [c.id for c in catalogue.categories(store)] == ["top"]
    with transaction(store):
        assert catalogue.delete_categories(store, ["mid"]) == 1
    assert [c.id for c in catalogue.categories(store)] == ["top", "leaf"]   # orphans go to the top


def test_category_cycles_do_not_hang(store):
    with transaction(store):
        catalogue.upsert_categories(store, [
            {"id": "a", "parent_id": "b", "name_ru": "А", "name_en": "A"},
            {"id": "b", "parent_id": "a", "name_ru": "Б", "name_en": "B"},
        ])
    assert sorted(catalogue.subtree(store, "a")) == ["a", "b"]


def test_related_products(shop):
    with transaction(shop):
        catalogue.upsert_products(shop, [dict(SHOP["products"][0], related=["1007", "gone", "1006", "1003", "1001"])])
    assert names(catalogue.related(shop, "1001")) == ["1007", "1003"]   # missing, inactive and self left out
    assert catalogue.related(shop, "1002") == [] and catalogue.related(shop, "nope") == []


BAD_ROWS = [
    ({"name_ru": "x"}, "sku"),
    (product(" 1", "x"), "sku"),
    (product("", "x"), "sku"),
    (product("1", ""), "no name"),
    (product("1", "x", unit="l"), "unit"),
    (product("1", "x", vat_rate_bp=20.0), "vat_rate_bp"),
    (product("1", "x", vat_rate_bp=True), "vat_rate_bp"),
    (product("1", "x", vat_rate_bp=20001), "vat_rate_bp"),
    (product("1", "x", plu=0), "plu"),
    (product("1", "x", plu="12"), "plu"),
    (product("1", "x", barcodes="4601234567893"), "barcodes must be a list"),
    (product("1", "x", barcodes=[""]), "barcode"),
    (product("1", "x", barcodes=[4601234567893]), "barcode"),
    (product("1", "x", related="2"), "related"),
    (product("1", "x", attributes=["a"]), "attributes"),
    (product("1", "x", attributes={"a": {1, 2}}), "JSON"),
    (product("1", "x", active="yes"), "active"),
    (product("1", 5), "name_ru must be text"),
    (product("1", "x", category_id=""), "category_id"),
    ("not a row", "object"),
]


@pytest.mark.parametrize("row, message", BAD_ROWS)
def test_bad_rows_are_refused_with_the_reason_and_nothing_is_written(store, row, message):
    with transaction(store):
        with pytest.raises(CatalogueError, match=message):
            catalogue.upsert_products(store, [product("ok", "Хороший"), row])
        assert store.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 0


def test_bad_brand_and_category_rows(store):
    with transaction(store):
        with pytest.raises(CatalogueError, match="name"):
            catalogue.upsert_brands(store, [{"id": "b", "name": ""}])
        with pytest.raises(CatalogueError, match="own parent"):
            catalogue.upsert_categories(store, [{"id": "c", "parent_id": "c", "name_ru": "К"}])
        with pytest.raises(CatalogueError, match="whole number"):
            catalogue.upsert_categories(store, [{"id": "c", "name_ru": "К", "sort": "1"}])


def test_a_single_string_is_not_taken_letter_by_letter(shop):
    with transaction(shop):
        with pytest.raises(CatalogueError, match="must be a list"):
            catalogue.delete_products(shop, "1001")  # type: ignore[arg-type]
        with pytest.raises(CatalogueError, match="must be a list"):
            catalogue.delete_brands(shop, "pq")  # type: ignore[arg-type]
        with pytest.raises(CatalogueError, match="must be a list"):
            catalogue.delete_categories(shop, "milk")  # type: ignore[arg-type]
        with pytest.raises(CatalogueError, match="must be text"):
            catalogue.delete_products(shop, [1001])  # type: ignore[list-item]
    assert catalogue.by_sku(shop, "1") is None and catalogue.by_sku(shop, "1001") is not None


def test_writes_outside_a_transaction_are_refused(store):
    for call in (lambda: catalogue.upsert_products(store, []), lambda: catalogue.delete_products(store, []),
                 lambda: catalogue.upsert_brands(store, []), lambda: catalogue.upsert_categories(store, [])):
        with pytest.raises(CatalogueError, match="inside retail.store.transaction"):
            call()


def test_bulk_writes_restore_the_page_cache_setting(store):
    store.execute("PRAGMA cache_size = -1234")
    with transaction(store):
        catalogue.upsert_products(store, [product(str(i), f"Товар {i}") for i in range(2500)])
    assert store.execute("PRAGMA cache_size").fetchone()[0] == -1234
    assert store.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 2500


# A random sequence of feed writes must leave the index equal to a rebuild from scratch.
WORDS = ["молоко", "Молочный", "ёлка", "елка", "сыр", "milk", "Cheese", "3,2%", "1 л", "«Весёлый»"]
names_st = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
op = st.one_of(
    st.tuples(st.just("product"), st.integers(0, 5), names_st, names_st, st.sampled_from([None, "b0", "b1"]),
              st.booleans()),
    st.tuples(st.just("brand"), st.sampled_from(["b0", "b1"]), names_st),
    st.tuples(st.just("drop_brand"), st.sampled_from(["b0", "b1"])),
    st.tuples(st.just("delete"), st.integers(0, 5)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(op, min_size=1, max_size=4), min_size=1, max_size=6))
def test_any_sequence_of_writes_keeps_the_index_exact(tmp_path_factory, pages):
    conn = connect(tmp_path_factory.mktemp("seq") / "s.db")
    try:
        for page in pages:
            with transaction(conn):
                for o in page:
                    if o[0] == "product":
                        _, n, ru, en, brand, active = o
                        catalogue.upsert_products(conn, [product(f"s{n}", ru, en, brand_id=brand, active=active)])
                    elif o[0] == "brand":
                        catalogue.upsert_brands(conn, [{"id": o[1], "name": o[2]}])
                    elif o[0] == "drop_brand":
                        catalogue.delete_brands(conn, [o[1]])
                    else:
                        catalogue.delete_products(conn, [f"s{o[1]}"])
        assert indexed(conn) == expected_index(conn)
        conn.execute("INSERT INTO product_search(product_search) VALUES ('integrity-check')")
    finally:
        conn.close()


def test_a_failed_page_rolls_back_products_and_index_together(shop):
    before = indexed(shop)
    with pytest.raises(sqlite3.IntegrityError):
        with transaction(shop):
            catalogue.upsert_products(shop, [product("9001", "Новинка дня")])
            shop.execute("INSERT INTO products(sku, name_ru, name_en, unit, vat_rate_bp) VALUES ('x', 'x', 'x', 'bad', 0)")
    assert indexed(shop) == before and catalogue.by_sku(shop, "9001") is None
