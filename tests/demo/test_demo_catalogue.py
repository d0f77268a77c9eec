"""The demo catalogue: valid unique codes, names in both languages, weighed goods, VAT,
a two-level tree, real references, and not a float anywhere."""
from __future__ import annotations

import re
from collections import Counter

from demo_support import walk
from hypothesis import given, settings
from hypothesis import strategies as st

from retail.codes.gtin import make_ean13, validate_gtin
from retail.demo.products import EAN_SPACE, SKU_SPACE, Catalogue, ean13_46, shelf_price

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def test_every_barcode_is_a_valid_unique_ean13_with_a_gs1_russia_prefix(products):
    codes = [code for p in products for code in p["barcodes"]]
    assert all(validate_gtin(code) == code and len(code) == 13 for code in codes)
    assert len(set(codes)) == len(codes)
    assert {code[:3] for code in codes} <= {str(n) for n in range(460, 470)}
    assert len({code[:3] for code in codes}) == 10  # all ten prefixes are used
    assert {len(p["barcodes"]) for p in products} == {1, 2, 3}


def test_barcodes_stay_unique_far_into_a_million_products():
    catalogue = Catalogue(42, 1_000_000)
    sample = sorted(set(range(0, 1_000_000, 997)) | set(range(999_000, 1_000_000)))
    codes = [code for i in sample for code in catalogue.barcodes(i)]
    assert len(set(codes)) == len(codes)
    assert len({catalogue.sku(i) for i in sample}) == len(sample)


@given(st.integers(0, EAN_SPACE - 1))
def test_the_fast_check_digit_agrees_with_retail_codes(n):
    assert ean13_46(n) == make_ean13(f"46{n:010d}")


@settings(max_examples=200)
@given(st.integers(0, SKU_SPACE - 1), st.integers(0, SKU_SPACE - 1))
def test_skus_are_a_bijection_of_the_index(i, j):
    catalogue = Catalogue(3, 1)
    a, b = catalogue.sku(i), catalogue.sku(j)
    assert len(a) == 7 and a.isdigit()
    assert (a == b) == (i == j)


def test_skus_are_unique_seven_digit_strings(products):
    skus = [p["sku"] for p in products]
    assert len(set(skus)) == len(skus)
    assert all(re.fullmatch(r"[1-9][0-9]{6}", s) for s in skus)


def test_weighed_goods_are_sold_by_kg_with_a_unique_five_digit_plu(products):
    weighed = [p for p in products if p["unit"] == "kg"]
    assert len(weighed) >= 50
    assert all(isinstance(p["plu"], int) and 10_000 <= p["plu"] <= 99_999 for p in weighed)
    assert len({p["plu"] for p in weighed}) == len(weighed)
    assert all(p["name_ru"].endswith(", кг") and p["name_en"].endswith(", kg") for p in weighed)
    assert all(p["plu"] is None for p in products if p["unit"] == "pcs")
    assert {p["category_id"].split("-")[0] for p in weighed} >= {"produce", "meat", "dairy"}


def test_the_hero_products_read_as_the_readme_says(products):
    assert products[0]["name_ru"] == "Молоко Простоквашино 3,2% 930 мл"
    assert products[0]["name_en"] == "Prostokvashino milk 3.2% 930 ml"
    assert (products[3]["name_ru"], products[3]["name_en"], products[3]["unit"]) == (
        "Яблоки Голден, кг", "Golden apples, kg", "kg")
    assert products[7]["name_ru"].startswith('Телевизор Samsung 55"')
    assert [p["vat_rate_bp"] for p in products[10:13]] == [0, 0, 0]  # gift cards


def test_names_are_russian_and_english_and_tidy(products):
    for p in products:
        assert CYRILLIC.search(p["name_ru"]), p["name_ru"]
        assert CYRILLIC.search(p["description_ru"])
        assert p["name_en"].lstrip('"')[:1].isupper(), p["name_en"]
        for name in (p["name_ru"], p["name_en"]):
            assert name == name.strip() and "  " not in name and " ," not in name and ",," not in name
    assert len({p["name_ru"] for p in products}) > len(products) // 2


def test_vat_follows_the_russian_rates(products):
    rates = Counter(p["vat_rate_bp"] for p in products)
    assert set(rates) == {0, 1000, 2000}
    by_top = {}
    for p in products:
        by_top.setdefault(p["category_id"].split("-")[0], set()).add(p["vat_rate_bp"])
    assert by_top["dairy"] == {1000} and by_top["electronics"] == {2000} and by_top["household"] == {2000}
    assert 1000 in by_top["kids"]


def test_categories_form_a_two_level_tree_and_products_sit_on_leaves(chain, products):
    cats = list(chain.categories())
    tops = {c["id"] for c in cats if c["parent_id"] is None}
    leaves = {c["id"] for c in cats if c["parent_id"] is not None}
    assert all(c["parent_id"] in tops for c in cats if c["parent_id"] is not None)
    assert 35 <= len(leaves) <= 60 and 8 <= len(tops) <= 16
    assert all(CYRILLIC.search(c["name_ru"]) for c in cats)
    assert {p["category_id"] for p in products} <= leaves
    brands = {b["id"] for b in chain.brands()}
    assert len(brands) >= 150
    assert {p["brand_id"] for p in products if p["brand_id"] is not None} <= brands
    assert all(p["brand_id"] is None for p in products if p["unit"] == "kg")


def test_related_products_are_other_products_of_the_same_leaf(products):
    by_sku = {p["sku"]: p for p in products}
    per_leaf = Counter(p["category_id"] for p in products)
    for p in products:
        assert min(2, per_leaf[p["category_id"]] - 1) <= len(p["related"]) <= 4, p
        assert p["sku"] not in p["related"]
        assert all(by_sku[r]["category_id"] == p["category_id"] for r in p["related"])


def test_products_carry_images_locations_attributes_and_a_few_are_delisted(products):
    assert all(re.fullmatch(r"img/cat-[a-z]+\.png", p["image"]) for p in products)
    assert all(re.fullmatch(r"\d{2}/\d", p["location"]) for p in products)
    assert all(re.fullmatch(r"[A-Z]{2}", p["attributes"]["country"]) for p in products)
    assert any("fat_bp" in p["attributes"] for p in products)
    assert 0 < sum(not p["active"] for p in products) < len(products) // 100


def test_no_float_anywhere_in_any_feed(chain):
    feeds = [chain.stores(), chain.categories(), chain.brands(), chain.products(), chain.customers()]
    for store in chain.store_ids:
        feeds += [chain.prices(store), chain.promotions(store), chain.inventory_feed(store), chain.orders(store),
                  chain.settings(store)]
    floats = [(path, value) for rows in feeds for row in rows for path, value in walk(row) if isinstance(value, float)]
    assert floats == []


def test_shelf_prices_end_like_shelf_prices():
    assert shelf_price(8_934) == 8_990
    assert shelf_price(12_345) == 12_900
    assert shelf_price(3_012_345) == 3_019_000
    assert shelf_price(5) == 190
