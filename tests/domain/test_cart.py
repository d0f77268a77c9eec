import pytest
from hypothesis import given, strategies as st

from retail.cart import Cart, CartError

MILK = dict(sku="100001", name_ru="Молоко 3,2%", name_en="Milk 3.2%", unit="pcs", unit_price=8990, vat_rate_bp=1000,
            category_id="dairy", brand_id="b1")
APPLES = dict(sku="200001", name_ru="Яблоки Голден", name_en="Golden apples", unit="kg", unit_price=15990,
              vat_rate_bp=1000, category_id="fruit")


def test_same_piece_item_merges_and_weighed_items_do_not():
    cart = Cart()
    cart.add(**MILK)
    cart.add(**MILK, qty_milli=2000)
    cart.add(**APPLES, qty_milli=1235)
    cart.add(**APPLES, qty_milli=500)
    assert [(i.sku, i.qty_milli) for i in cart.items] == [("100001", 3000), ("200001", 1235), ("200001", 500)]
    assert cart.count() == 5


def test_overridden_line_is_not_merged_into():
    cart = Cart()
    line = cart.add(**MILK)
    cart.override_price(line.line_no, 5000)
    cart.add(**MILK)
    assert len(cart.items) == 2
    assert cart.cart_lines()[0].price_override == 5000


@pytest.mark.parametrize("qty,unit,message", [
    (0, "pcs", "more than zero"), (-1000, "pcs", "more than zero"), (1500, "pcs", "whole pieces"),
    (10**9, "kg", "too large"), (1.5, "kg", "whole number"),
])
def test_bad_quantities_are_refused_with_a_reason(qty, unit, message):
    cart = Cart()
    item = cart.add(**(MILK if unit == "pcs" else APPLES))
    with pytest.raises(CartError, match=message):
        cart.set_qty(item.line_no, qty)
    assert cart.items[0].qty_milli == 1000  # unchanged


def test_unknown_line_and_bad_override():
    cart = Cart()
    with pytest.raises(CartError, match="no line 7"):
        cart.remove(7)
    line = cart.add(**MILK)
    with pytest.raises(CartError, match="non-negative"):
        cart.override_price(line.line_no, -1)


def test_clear_forgets_the_shopper():
    cart = Cart()
    cart.add(**MILK)
    cart.identify("c1", "gold", "2990000000017")
    cart.add_coupon(" spring10 ")
    old_id = cart.id
    cart.clear()
    assert cart.is_empty() and cart.customer_id is None and cart.card_number is None
    assert not cart.coupons and cart.id != old_id


def test_line_numbers_are_never_reused():
    cart = Cart()
    a = cart.add(**MILK)
    cart.remove(a.line_no)
    b = cart.add(**APPLES)
    assert b.line_no == a.line_no + 1


@given(st.lists(st.tuples(st.sampled_from(["m", "a"]), st.integers(1, 50)), max_size=30))
def test_round_trip_through_a_dict(ops):
    cart = Cart()
    for kind, n in ops:
        if kind == "m":
            cart.add(**MILK, qty_milli=n * 1000)
        else:
            cart.add(**APPLES, qty_milli=n * 37)
    cart.identify("c1", "silver")
    again = Cart.from_dict(cart.to_dict())
    assert again == cart
    assert again.cart_lines() == cart.cart_lines()


@pytest.mark.parametrize("data", [{}, {"id": "x", "items": [{"sku": 1}]}, {"id": "x", "items": "nope"}])
def test_broken_saved_basket_gives_a_clear_error(data):
    with pytest.raises(CartError, match="cannot be read"):
        Cart.from_dict(data)
