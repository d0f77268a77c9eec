"""Search: Russian and English, ё = е, prefixes, ranking, codes, and any input at all."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retail import catalogue, search
from retail.search import SearchError
from retail.store import transaction

from catalogue_support import SHOP, product


def skus(hits):
    return [h.sku for h in hits]


@pytest.mark.parametrize("text, expected", [
    ("Молоко", "молоко"),
    ("МОЛОКО 3,2%", "молоко 3 2"),
    ("Ёлка", "елка"),
    ("ёлка", "елка"),
    ("  «Весёлый»   молочник!! ", "веселый молочник"),
    ("Milk 3.2% 1 l", "milk 3 2 1 l"),
    ("snake_case-and/slash", "snake case and slash"),
    ("Straße", "strasse"),
    ("", ""),
    ("...", ""),
    (unicodedata.normalize("NFD", "Йогурт"), "йогурт"),
])
def test_normalize(text, expected):
    assert search.normalize(text) == expected


@given(st.text(max_size=200))
def test_normalize_is_idempotent_and_clean(text):
    once = search.normalize(text)
    assert search.normalize(once) == once
    assert "ё" not in once and "  " not in once and once == once.strip()
    assert all(word == "".join(ch for ch in word if ch.isalnum()) for word in once.split())


def test_terms_are_a_pure_function_of_the_row_and_small():
    row = {"name_ru": "Молоко 3,2% 1 л", "name_en": "Milk 3.2% 1 l", "brand_id": "pq", "category_id": "milk"}
    tokens = search.brand_token("pq") + " " + search.category_token("milk")
    assert search.terms_for(row) == "молоко 3 2 1 л milk l " + tokens
    assert search.terms_for(dict(row)) == search.terms_for(row)
    assert search.terms_for({"name_ru": "Сыр", "name_en": "Cheese"}) == "сыр cheese"
    mark = search.BRAND_WORD_MARK
    assert search.brand_terms("Весёлый молочник") == f"{mark}веселый {mark}молочник"


def test_brand_rows_and_tokens_are_stable_and_out_of_reach_of_typing():
    assert search.brand_rowid("pq") == search.brand_rowid("pq") < 0
    assert search.brand_rowid("pq") != search.brand_rowid("vv")
    assert -(2**63) <= search.brand_rowid("x" * 100) < 0
    token = search.brand_token("pq")
    assert token.startswith(search.BRAND_MARK) and search.normalize(token) == token[1:]
    assert search.category_token("milk") == search.category_token("milk") != search.category_token("milk2")
    assert search.normalize(search.category_token("milk")) == search.category_token("milk")[1:]


def test_query_words_drop_repeats_and_words_that_prefix_another():
    assert search.query_words("мол молоко МОЛОКО 3,2") == ["молоко", "3", "2"]
    assert search.match_expression(["молоко", "3"]) == '"молоко"* AND "3"*'
    assert search.match_expression(["a"], prefix=False) == '"a"'
    assert search.match_expression(["мол", "3"], brands={"мол": ["\ue000ab"]}) == '("мол"* OR "\ue000ab") AND "3"*'


@pytest.mark.parametrize("query", ["молоко", "Молоко", "МОЛОКО", "мол", "м", "молоко 1"])
def test_russian_prefixes_find_the_milk(shop, query):
    assert "1001" in skus(search.search(shop, query))


@pytest.mark.parametrize("query", ["елка", "ёлка", "Ёлка", "ЕЛКА", "ел", "ёл иск"])
def test_yo_and_ye_are_the_same_letter(shop, query):
    assert skus(search.search(shop, query)) == ["1005"]


def test_english_names_are_searchable_and_shown_when_asked(shop):
    hits = search.search(shop, "milk", lang="en")
    assert {"1001", "1002", "1004"} <= set(skus(hits))
    assert hits[0].name == "Milk 3.2% 1 l"
    assert search.search(shop, "milk")[0].name == "Молоко 3,2% 1 л"


def test_several_words_all_have_to_match(shop):
    assert skus(search.search(shop, "молоко 3,2")) == ["1001"]
    assert skus(search.search(shop, "3.2 молоко")) == ["1001"]
    assert skus(search.search(shop, "молоко 2,5")) == ["1002"]
    assert skus(search.search(shop, "сыр рос")) == ["1003"]
    assert search.search(shop, "молоко сыр плав") == []


def test_brand_names_are_searchable(shop):
    assert set(skus(search.search(shop, "простокв"))) == {"1001", "1007"}
    assert skus(search.search(shop, "веселый")) == ["1002"]


def test_ranking_whole_word_then_first_word_then_elsewhere_then_shorter(shop):
    hits = skus(search.search(shop, "молоко"))
    # whole word "молоко" in the name (shorter name first), then "молочный"... are not
    # matches for "молоко"; the brand "Весёлый молочник" does not contain "молоко" either.
    assert hits == ["1001", "1002"]
    hits = skus(search.search(shop, "мол"))
    assert hits[:2] == ["1001", "1002"]               # first word starts with "мол"
    assert set(hits[2:]) == {"1003", "1004"}          # "мол..." further into the name
    assert skus(search.search(shop, "сыр")) == ["1008", "1003"]  # both whole words: shorter first


def test_inactive_products_are_not_found(shop):
    assert "1006" not in skus(search.search(shop, "молоко"))
    assert search.search(shop, "топленое") == []
    assert search.search(shop, "1006") == []


def test_a_category_subtree_too_big_for_tokens_is_filtered_by_the_join(shop, monkeypatch):
    monkeypatch.setattr(search, "MAX_CATEGORY_TOKENS", 1)
    test_category_filter_covers_subcategories(shop)


def test_moving_a_product_to_another_category_moves_it_in_filtered_search(shop):
    with transaction(shop):
        catalogue.upsert_products(shop, [dict(SHOP["products"][2], category_id="home")])
    assert "1003" not in skus(search.search(shop, "сыр", category_id="dairy"))
    assert skus(search.search(shop, "сыр", category_id="home")) == ["1003"]


def test_category_filter_covers_subcategories(shop):
    assert set(skus(search.search(shop, "мол", category_id="dairy"))) == {"1001", "1002", "1003", "1004"}
    assert set(skus(search.search(shop, "мол", category_id="milk"))) == {"1001", "1002"}
    assert search.search(shop, "мол", category_id="home") == []
    assert search.search(shop, "мол", category_id="no such category") == []
    assert search.search(shop, "1001", category_id="home") == []


def test_exact_sku_or_barcode_comes_first(shop):
    hits = search.search(shop, "1003")
    assert hits[0].sku == "1003" and hits[0].matched == "sku"
    hits = search.search(shop, " 4601234567893 ")
    assert hits[0].sku == "1001" and hits[0].matched == "barcode"
    assert search.search(shop, "04601234567893")[0].sku == "1001"   # as a GTIN-14
    assert search.search(shop, "0012345678905")[0].sku == "1007"    # UPC-A stored, EAN-13 typed


def test_capped_candidates_still_find_a_whole_word_behind_many_prefix_matches(store, monkeypatch):
    rows = [product(f"z{i:02d}", f"Молокозавод {i}") for i in range(30)] + [product("exact", "Молоко")]
    with transaction(store):
        catalogue.upsert_products(store, rows)
    monkeypatch.setattr(search, "CANDIDATES", 5)
    monkeypatch.setattr(search, "EXACT_CANDIDATES", 2)
    hits = search.search(store, "молоко", limit=3)
    assert len(hits) == 3 and hits[0].sku == "exact"


def test_limit(shop):
    assert len(search.search(shop, "м", limit=2)) == 2
    assert set(skus(search.search(shop, "м", limit=200))) == {"1001", "1002", "1003", "1004", "1005"}


TRICKY = [
    '"', '""', "'", "''", "'; DROP TABLE products; --", "\"; DROP TABLE products; --",
    "AND", "OR", "NOT", "NEAR", "молоко OR сыр", "молоко AND", "NOT молоко", "NEAR(молоко сыр)",
    "NEAR(молоко сыр, 2)", "*", "мол*", "^мол", "terms:молоко", "{terms}:молоко", "-молоко", "+молоко",
    "(", ")", "(молоко", "%", "_", "\\", "\x00", "молоко\" OR \"сыр", "a:b", "rowid=1",
    "%' OR '1'='1", "молоко; SELECT * FROM staff", "\u202e", "🥛 молоко", "молоко\nсыр", "\t",
]


@pytest.mark.parametrize("query", TRICKY)
def test_fts_and_sql_metacharacters_are_just_text(shop, query):
    before = shop.execute("SELECT COUNT(*) FROM products").fetchone()[0]
    hits = search.search(shop, query)
    assert isinstance(hits, list)
    assert shop.execute("SELECT COUNT(*) FROM products").fetchone()[0] == before
    words = search.normalize(query).split()
    for hit in hits:  # whatever came back really has every word
        assert all(any(w.startswith(q) for w in search.terms_for(
            {"name_ru": hit.name_ru, "name_en": hit.name_en, "brand": hit.brand}).split()) for q in words)


def test_operator_words_are_searched_as_words(shop):
    assert skus(search.search(shop, "мол*")) == skus(search.search(shop, "мол"))
    assert search.search(shop, "молоко OR сыр") == []          # nothing has the word "or"
    with transaction(shop):
        catalogue.upsert_products(shop, [product("or1", "Сыр OR-тест")])
    assert skus(search.search(shop, "сыр OR")) == ["or1"]


@pytest.mark.parametrize("query", ["", " ", "   \t\n", "!!!", "«»", "—"])
def test_empty_queries_give_nothing(shop, query):
    assert search.search(shop, query) == []


def test_bad_input_gives_a_clear_error(shop):
    with pytest.raises(SearchError, match="at most 256"):
        search.search(shop, "м" * 10_000)
    with pytest.raises(SearchError, match="at most 8 words"):
        search.search(shop, "а б в г д е ж з и")
    with pytest.raises(SearchError, match="string"):
        search.search(shop, None)  # type: ignore[arg-type]
    with pytest.raises(SearchError, match="limit"):
        search.search(shop, "м", limit=0)
    with pytest.raises(SearchError, match="limit"):
        search.search(shop, "м", limit=True)  # type: ignore[arg-type]
    with pytest.raises(SearchError, match="language"):
        search.search(shop, "м", lang="de")


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_safe(shop, query):
    try:
        hits = search.search(shop, query)
    except SearchError as e:   # the one refusal short text can get: too many words
        assert "at most 8 words" in str(e) and len(search.query_words(query)) > 8
    else:
        assert len(hits) <= 20
    assert shop.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 8
