"""KioskServices over a kiosk's local store loaded from the demo chain (no window)."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from retail import keys, orders as retail_orders
from retail.cart import Cart
from retail.codes.gtin import make_ean13
from retail.codes.signed import sign
from retail.money import MILLI
from retail.orders import Contact
from ui.services import CardScanned, ProductOffer, ScanProblem, ServiceError

from kiosk.services import (HandOff, KioskServices, PickupClaim, asset_path, new_order_id,
                            parse_location)

CONTACT = Contact("Ольга Иванова", "8 (916) 555-44-33", "olga@example.ru", "Москва, ул. Тверская, д. 1, кв. 2")


def rows(conn, sql, params=()):
    return conn.execute(sql, params).fetchall()


def sku_where(services, sql, params=()):
    row = services.conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return row[0]


def cart_of(services, *items) -> Cart:
    cart = Cart()
    for sku, qty in items:
        services.offer(sku).add_to(cart, qty)
    return cart


def stocked_sku(services) -> str:
    return sku_where(services, "SELECT s.sku FROM stock s JOIN products p ON p.sku = s.sku "
                               "WHERE p.active = 1 AND p.unit = 'pcs' AND s.on_hand_milli - s.safety_milli > 5000 "
                               "ORDER BY s.sku LIMIT 1")


def unstocked_sku(services) -> str:
    """A product this store does not carry, but the warehouse has."""
    return sku_where(services, "SELECT p.sku FROM products p JOIN prices pr ON pr.sku = p.sku "
                               "JOIN network_stock n ON n.sku = p.sku AND n.location_id = 'WH1' "
                               "WHERE p.active = 1 AND p.unit = 'pcs' AND n.available_milli >= 2000 "
                               "AND p.sku NOT IN (SELECT sku FROM stock WHERE on_hand_milli > 0) "
                               "ORDER BY p.sku LIMIT 1")


# ---------------------------------------------------------------- small helpers


def test_asset_paths_resolve_only_files_under_assets():
    assert asset_path("img/cat-dairy.png").endswith("assets/img/cat-dairy.png")
    for bad in ("", "img/none.png", "../pyproject.toml", "/etc/passwd"):
        assert asset_path(bad) == ""


@pytest.mark.parametrize("text, expected", [("03/4", ("3", "4")), ("12/10", ("12", "10")), ("", ("", "")),
                                            ("A", ("A", "")), ("00/0", ("00", "0"))])
def test_location_reads_aisle_and_shelf(text, expected):
    assert parse_location(text) == expected


# ---------------------------------------------------------------- attract, search, product


def test_attract_shows_only_offers_everyone_gets(services):
    slides = services.promotions("ru")
    assert slides, "the demo store has chain-wide promotions"
    ids = [s.id for s in slides]
    personal = {r[0] for r in rows(services.conn, "SELECT id FROM promotions WHERE customer_id IS NOT NULL "
                                                  "OR tier IS NOT NULL OR coupon_code IS NOT NULL")}
    assert not personal & set(ids)
    assert all(s.title for s in slides)
    assert any(s.image for s in slides)
    assert services.promotions("en")[0].title != slides[0].title or slides[0].title.isascii()


def test_search_rows_carry_price_and_shelf_state(services):
    found = services.find("мол", "ru")
    assert found and all(r.price is not None for r in found[:5])
    assert any(r.in_stock_here for r in found)
    assert all(r.image for r in found)
    english = services.find("milk", "en")
    assert english and all(not any("а" <= ch <= "я" for ch in r.name.lower()) for r in english[:3])
    assert services.find("   ", "ru") == []


def test_search_refuses_what_no_person_types(services):
    with pytest.raises(ServiceError) as caught:
        services.find("x" * 300, "ru")
    assert caught.value.message == "Search: {reason}"


def test_product_page_has_price_stock_places_and_dates(services):
    sku = stocked_sku(services)
    page = services.product_page(sku, "ru")
    assert page.price is not None and page.price.pays <= page.price.regular
    assert page.here.available > 0 and page.aisle
    assert page.network, "other stores and the warehouse are listed"
    assert page.pickup_here is not None and page.pickup_here.fulfilment == "shelf" and page.pickup_here.days == 0
    assert page.delivery.fulfilment == "delivery" and page.delivery.days >= 1
    assert page.delivery.ready_on == services.today() + timedelta(days=page.delivery.days)
    with pytest.raises(ServiceError):
        services.product_page("NO-SUCH-SKU", "ru")


def test_lists_show_the_price_the_product_page_and_the_till_charge(services):
    """A row's price is one unit after the chain's promotions, not the shelf price before them:
    the list, the page and the till agree, and a row says what the promotion saves."""
    rows = services.find("телевизор", "ru") + services.find("молоко", "ru") + services.find("сыр", "ru")
    assert len(rows) > 20
    discounted = 0
    for row in rows:
        page = services.product_page(row.sku, "ru")
        if page.price is None:
            assert row.price is None
            continue
        assert (row.price.pays, row.price.shelf.regular) == (page.price.pays, page.price.regular), row.name
        assert services.price(cart_of(services, (row.sku, MILLI)), "ru").total == row.price.pays
        discounted += row.price.saved > 0
    assert discounted, "the demo chain has products on promotion"
    category = services.conn.execute("SELECT category_id FROM products WHERE sku = ?", (rows[0].sku,)).fetchone()[0]
    browsed = services.browse_rows(category, "ru")
    assert browsed and all(r.price.pays == services.product_page(r.sku, "ru").price.pays for r in browsed if r.price)


def test_loyalty_price_is_the_one_item_cart_priced_for_the_customer(services, chain):
    anna = chain.demo_customers()[0]  # gold: 5 % off everything, cheese 20 %
    view = services.identify(anna["cards"][0]["number"], "ru")
    sku = sku_where(services, "SELECT p.sku FROM products p JOIN prices pr ON pr.sku = p.sku "
                              "WHERE p.category_id = 'dairy-cheese' AND p.active = 1 LIMIT 1")
    plain = services.product_page(sku, "ru")
    member = services.product_page(sku, "ru", view.account.customer_id, view.account.tier)
    assert plain.price.member_pays is None
    assert member.price.member_pays is not None and member.price.member_pays < member.price.pays
    assert member.price.pays == plain.price.pays


def test_estimates_follow_central_routing(services):
    here = stocked_sku(services)
    away = unstocked_sku(services)
    assert services.estimate([(here, MILLI)], "pickup", "MSK1").days == 0
    from_warehouse = services.estimate([(away, MILLI)], "pickup", "MSK1")
    assert from_warehouse.source_id == "WH1" and from_warehouse.days >= 1 and from_warehouse.in_stock
    nobody = services.estimate([(away, 10**9)], "delivery")
    assert not nobody.in_stock and nobody.days >= 2
    with pytest.raises(ServiceError):
        services.estimate([(here, MILLI)], "teleport")


def test_pickup_stores_start_with_this_one_and_skip_stores_without_a_counter(services):
    stores = services.pickup_stores("ru")
    assert stores[0].id == "MSK1" and stores[0].here
    assert "MSK2" not in [s.id for s in stores]  # the express store takes no pickups


# ---------------------------------------------------------------- basket and codes


def test_basket_is_priced_by_the_engine_and_knows_what_is_on_the_shelves(services):
    cart = cart_of(services, (stocked_sku(services), 2 * MILLI), (unstocked_sku(services), MILLI))
    view = services.basket(cart, "ru")
    assert view.total == services.price(cart, "ru").total
    assert sum(line.amount for line in view.lines) == view.total
    assert [line.here for line in view.lines] == [True, False]
    assert not view.all_here


def test_basket_code_is_signed_and_the_till_recalls_it(services, till_path, now):
    from pos.services import PosServices

    cart = cart_of(services, (stocked_sku(services), 2 * MILLI), (unstocked_sku(services), MILLI))
    services.offer(stocked_sku(services)).add_to(cart, MILLI)  # same SKU twice: one line in the code
    code = services.basket_code(cart)
    verified = keys.verify(services.conn, code, now + 120, expect_kind="basket")
    assert verified.payload["store"] == "MSK1" and verified.payload["terminal"] == "K1"
    assert dict(verified.payload["lines"]) == {cart.items[0].sku: 3 * MILLI, cart.items[1].sku: MILLI}
    till = PosServices(till_path, clock=lambda: now + 300)
    try:
        recalled = till.recall_basket(code, "MSK1-S1")
        assert sorted((i.sku, i.qty_milli) for i in recalled.cart.items) == sorted(verified.payload["lines"])
    finally:
        till.close()


def test_basket_code_refuses_an_empty_basket(services):
    with pytest.raises(ServiceError):
        services.basket_code(Cart())


def test_phone_link_carries_the_signed_basket(services, now):
    cart = cart_of(services, (stocked_sku(services), MILLI))
    url = services.phone_url(cart)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://vitrina.example/basket"
    code = parse_qs(parts.query)["b"][0]
    payload = keys.verify(services.conn, code, now + 6 * 86400, expect_kind="basket").payload
    assert payload["basket_id"] == cart.id


def test_hand_off_without_a_printer_still_gives_the_code(services, now):
    cart = cart_of(services, (stocked_sku(services), MILLI))
    handed = services.hand_off(cart, "ru")
    assert isinstance(handed, HandOff) and not handed.printed
    assert keys.verify(services.conn, handed.code, now + 120, expect_kind="basket").payload["basket_id"] == cart.id


def test_hand_off_ticket_prints_a_qr_the_till_can_read(kiosk_path, now):
    import zxingcpp

    from hardware.emulator.escpos_printer import EscposPrinterEmulator
    from hardware.printing import PrinterConfig
    from hardware.queue import PrintQueue

    with EscposPrinterEmulator(port=0) as printer:
        queue = PrintQueue(kiosk_path, PrinterConfig(printer.spec)).start()
        services = KioskServices(kiosk_path, clock=lambda: now + 60, queue=queue)
        try:
            cart = cart_of(services, (stocked_sku(services), MILLI))
            handed = services.hand_off(cart, "ru")
            assert handed.printed
            job = printer.wait_for_jobs(1)[0]
        finally:
            services.close()
            queue.close()
    assert handed.code in job.qr_payloads
    decoded = [r.text for r in zxingcpp.read_barcodes(job.image)]
    assert handed.code in decoded


# ---------------------------------------------------------------- contact and orders


def test_contact_problems_are_named_per_field(services):
    assert services.check_contact(CONTACT, "delivery") == {}
    problems = services.check_contact(Contact("A", "12345", "not-an-email", "Msk"), "delivery")
    assert set(problems) == {"name", "phone", "email", "address"}
    assert services.check_contact(Contact("Oleg", "+7 916 000-00-00", "", ""), "pickup") == {}


def test_an_order_is_recorded_with_its_event_even_offline(services):
    cart = cart_of(services, (stocked_sku(services), MILLI), (unstocked_sku(services), MILLI))
    priced = services.price(cart, "ru")
    placed = services.place_order(cart, priced, fulfilment="pickup", pickup_store_id="MSK1", contact=CONTACT,
                                  order_id=new_order_id(), lang="ru")
    order = placed.order
    assert order.number.startswith("MSK1-K1-") and order.total == priced.total and order.paid == 0
    assert len(placed.pickup_secret) == 6 and placed.pickup_code.startswith("VT1.")
    event = rows(services.conn, "SELECT kind, payload FROM outbox ORDER BY seq DESC LIMIT 1")[0]
    assert event[0] == "order" and json.loads(event[1])["number"] == order.number
    holds = rows(services.conn, "SELECT sku FROM holds WHERE order_id = ?", (order.id,))
    assert [h[0] for h in holds] == [cart.items[0].sku]  # only what this store has is held here
    with pytest.raises(ServiceError):
        services.place_order(cart, priced, fulfilment="delivery", pickup_store_id=None,
                             contact=Contact("Ольга", "+79165554433"), order_id=new_order_id())


def test_paying_at_the_kiosk_charges_once_and_records_a_paid_order(services):
    from hardware.emulator.payment_terminal import EmulatedPaymentTerminal
    from hardware.payment import TcpPaymentTerminal

    with EmulatedPaymentTerminal() as terminal:
        services.payment = TcpPaymentTerminal("127.0.0.1", terminal.port, timeout_s=2, recovery_s=2)
        cart = cart_of(services, (unstocked_sku(services), 2 * MILLI))
        order_id = new_order_id()
        states = []
        outcome = services.pay_and_place(cart, fulfilment="delivery", pickup_store_id=None, contact=CONTACT,
                                         order_id=order_id, lang="ru", on_state=states.append)
        assert outcome.state == "placed" and outcome.placed.order.paid == outcome.placed.order.total
        again = services.pay_and_place(cart, fulfilment="delivery", pickup_store_id=None, contact=CONTACT,
                                       order_id=order_id, lang="ru")
        assert again.placed.order.id == order_id
        assert len(terminal.charges_for(order_id)) == 1
        terminal.cue("decline", reason="insufficient funds")
        declined = services.pay_and_place(cart, fulfilment="delivery", pickup_store_id=None, contact=CONTACT,
                                          order_id=new_order_id(), lang="ru")
        assert declined.state == "declined" and "insufficient" in declined.reason
    assert retail_orders.get_order(services.conn, order_id).contact["address"].startswith("Москва")
    assert rows(services.conn, "SELECT COUNT(*) FROM orders WHERE local = 1")[0][0] == 1


def test_without_a_payment_terminal_the_shopper_is_told(services):
    cart = cart_of(services, (stocked_sku(services), MILLI))
    with pytest.raises(ServiceError) as caught:
        services.pay_and_place(cart, fulfilment="pickup", pickup_store_id="MSK1", contact=CONTACT,
                               order_id=new_order_id())
    assert "not available" in caught.value.message
    unpaid = services.place_unpaid(cart, pickup_store_id="MSK1", contact=CONTACT, order_id=new_order_id())
    assert unpaid.state == "placed" and unpaid.placed.order.due == unpaid.placed.order.total


# ---------------------------------------------------------------- click and collect


def secrets_by_status(chain):
    return {status: (number, secret) for number, status, secret in chain.pickup_secrets("MSK1")}


def test_a_ready_order_checks_in_once_and_staff_see_it(services, chain):
    number, secret = secrets_by_status(chain)["ready"]
    order = retail_orders.get_order(services.conn, number)
    typed = number.replace("-", "").lower()
    if order.arrived_at:  # the demo's first ready order has already checked in
        number, secret = [(n, s) for n, st, s in chain.pickup_secrets("MSK1") if st == "ready"][1]
        typed = number.replace("-", "").lower()
    view = services.check_in(number=typed, secret=secret)
    assert view.state == "ready" and view.order.arrived_at == services.now()
    assert set(view.units) == {line.sku for line in view.order.lines} and set(view.units.values()) <= {"pcs", "kg"}
    event = rows(services.conn, "SELECT kind, payload FROM outbox ORDER BY seq DESC LIMIT 1")[0]
    assert event[0] == "order_arrived" and json.loads(event[1])["order_id"] == view.order.id
    assert services.check_in(number=number, secret=secret).state == "arrived"


def test_a_signed_pickup_qr_is_verified_offline(services, chain, now):
    number, secret = secrets_by_status(chain)["ready"]
    code = retail_orders.pickup_code(services.conn, number, secret, now)
    assert services.check_in(code=code).order.number == number
    forged = code[:-3] + ("AAA" if not code.endswith("AAA") else "BBB")
    with pytest.raises(ServiceError) as caught:
        services.check_in(code=forged)
    assert caught.value.message.startswith("This code is not valid")
    other_key = sign("pickup", {"order": number, "secret": secret}, b"k" * 32, "msk1-2", now + 3600)
    with pytest.raises(ServiceError):
        services.check_in(code=other_key)


@pytest.mark.parametrize("status, state", [("placed", "not_ready"), ("picking", "not_ready"),
                                           ("expired", "expired"), ("collected", "collected"),
                                           ("cancelled", "cancelled")])
def test_orders_not_ready_to_collect_say_why(services, chain, status, state):
    number, secret = secrets_by_status(chain)[status]
    view = services.check_in(number=number, secret=secret)
    assert view.state == state and view.order.arrived_at is None or status == "collected"


def test_wrong_codes_and_unknown_orders_are_refused_plainly(services, chain):
    number, secret = secrets_by_status(chain)["ready"]
    wrong = f"{(int(secret) + 1) % 10**6:06d}"
    with pytest.raises(ServiceError) as caught:
        services.check_in(number=number, secret=wrong)
    assert "does not match" in caught.value.message
    with pytest.raises(ServiceError) as caught:
        services.check_in(number="MSK1-WEB-999999", secret="123456")
    assert "not known" in caught.value.message
    with pytest.raises(ServiceError):
        services.check_in()


# ---------------------------------------------------------------- loyalty, scans, technician


def test_cards_are_checked_before_look_up(services, chain):
    anna, _ivan, olga = chain.demo_customers()
    view = services.identify(anna["cards"][0]["number"])
    assert view.account.first_name == "Анна" and view.account.card_masked.endswith(anna["cards"][0]["number"][-4:])
    blocked = next(c["number"] for c in olga["cards"] if c["blocked"])
    for number, words in ((anna["cards"][0]["number"][:-1] + "0" if not anna["cards"][0]["number"].endswith("0")
                           else anna["cards"][0]["number"][:-1] + "1", "typo"),
                          ("12345", "13 digits"), (blocked, "blocked"), (make_ean13("290000000001"), "not known")):
        with pytest.raises(ServiceError) as caught:
            services.identify(number)
        assert words in caught.value.message, (number, caught.value.message)


def test_scans_are_routed_for_the_kiosk(services, chain, now):
    number, secret = secrets_by_status(chain)["ready"]
    code = retail_orders.pickup_code(services.conn, number, secret, now)
    assert isinstance(services.kiosk_scan(code), PickupClaim)
    assert isinstance(services.kiosk_scan(code[:-4] + "AAAA"), PickupClaim)  # checked on the pickup screen
    barcode = sku_where(services, "SELECT b.code FROM barcodes b JOIN products p ON p.sku = b.sku "
                                  "JOIN prices pr ON pr.sku = p.sku WHERE p.active = 1 AND p.unit = 'pcs' LIMIT 1")
    assert isinstance(services.kiosk_scan(barcode), ProductOffer)
    card = chain.demo_customers()[0]["cards"][0]["number"]
    assert isinstance(services.kiosk_scan(card), CardScanned)
    assert isinstance(services.kiosk_scan("\x00garbage\x07"), ScanProblem)


def test_only_a_technician_leaves_kiosk_mode_and_it_is_audited(services):
    member = services.technician("9999", "exit_kiosk")
    assert member.role == "technician"
    with pytest.raises(ServiceError) as caught:
        services.technician("1111", "exit_kiosk")
    assert caught.value.message == "Only a technician can do this"
    with pytest.raises(ServiceError) as caught:
        services.technician("0000", "exit_kiosk")
    assert caught.value.message == "Wrong PIN"
    actions = [r[0] for r in rows(services.conn, "SELECT action FROM audit ORDER BY at, rowid")]
    assert actions[-2:] == ["exit_kiosk", "kiosk_exit_denied"]
