"""What the kiosk's screens ask of the local store, as blocking calls for the Worker.

``KioskServices`` extends :class:`ui.services.TerminalServices` (search, scans, pricing,
loyalty, pickup verification, sync status) with what only a shopper's kiosk does:

- the attract screen's promotions;
- a product page: price with promotions and savings, the loyalty price for an identified
  shopper (the one-item cart priced with the customer context, the till's engine), stock
  here with its aisle and shelf, stock in the other stores and the warehouse, and when the
  item could be picked up or delivered;
- the endless-aisle order: when the basket could be ready, contact checks with messages
  a shopper understands, paying at the payment terminal, recording the order locally
  (it reaches central through the outbox), the hand-off QR for the till and the
  "continue on your phone" link, both signed basket codes;
- click-and-collect check-in: the verified order and what to tell the shopper;
- the technician's hidden exit: PIN, role and audit row.

Every method may touch SQLite or a device, so screens call them through
``app.worker.submit``. Refusals a shopper must read are :class:`ui.services.ServiceError`
with an English message id the app translates (``assets/translations/ru.json``).

Delivery estimates follow central's routing (docs/protocol.md): pickup at a store is
ready today when that store has every item, else it travels from the warehouse (or
another store) in the pickup store's ``delivery_days``; home delivery leaves the
warehouse (or a store) and takes that location's ``delivery_days``; when nobody has the
stock, one more restocking day is added and the shopper is told it is on order.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from retail import catalogue, keys, staff
from retail import orders as retail_orders
from retail.cart import Cart
from retail.checkout import UnitPrice, one_unit, unit_prices
from retail.codes import CodeError, SignatureError
from retail.codes.scan import SignedScan
from retail.codes.signed import MAX_BASKET_LINES
from retail.ids import new_id
from retail.inventory import Availability, NetworkAvailability, available, network_availability
from retail.loyalty import mask_card
from retail.money import MILLI
from retail.orders import Contact, OrderError
from retail.pricing import PricedCart, Promotion, describe
from retail.prices import prices_at
from retail.search import ProductHit, SearchError, search

from ui.services import CustomerView, ServiceError, TerminalServices

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
WEB_BASKET_URL = "https://vitrina.example/basket"
TECHNICIAN_ACTIONS = ("exit_kiosk", "kiosk_technician_screen")   # what the hidden corner's PIN pad offers
HANDOFF_TTL_S = 24 * 3600        # a till ticket is good for the day
PHONE_TTL_S = 7 * 86400          # a basket sent to the phone keeps a week
MAX_NETWORK_SHOWN = 6
MAX_RELATED = 6
PROMO_SLIDES = 8
PRINT_WAIT_S = 4.0               # how long a worker waits to tell the shopper "printed"


# ---------------------------------------------------------------- what the screens get


@dataclass(frozen=True)
class PromoSlide:
    """One promotion on the attract screen: its name in the shopper's language and a picture."""

    id: str
    title: str
    image: str


@dataclass(frozen=True)
class CategoryTile:
    """A department or category to browse into, with its department's picture."""

    id: str
    name: str
    image: str


@dataclass(frozen=True)
class ResultRow:
    """A search, browse or related result: enough to show the row and open the product."""

    sku: str
    name: str
    unit: str
    price: UnitPrice | None     # one unit now, after the chain's promotions; None: no price here
    image: str
    in_stock_here: bool


@dataclass(frozen=True)
class PriceView:
    """One unit (a piece or a kilogram) as the shopper would pay for it now.

    ``pays`` is after the promotions a single unit gets; ``savings`` names them with the
    amount each saves on that unit; ``offers`` are the promotions about this product
    that need more than one unit ("3 for 119 ₽"); ``member_pays`` is the price with the
    identified shopper's card when it is lower than ``pays``.
    """

    unit: str
    regular: int
    pays: int
    savings: tuple[tuple[str, int], ...]
    offers: tuple[str, ...]
    member_pays: int | None = None
    member_savings: tuple[tuple[str, int], ...] = ()

    @property
    def saved(self) -> int:
        return max(self.regular - self.pays, 0)


@dataclass(frozen=True)
class Location:
    """A store or the warehouse of the chain, from the stores feed."""

    id: str
    name: str
    city: str
    address: str
    kind: str
    pickup: bool
    delivery_days: int
    here: bool


@dataclass(frozen=True)
class Estimate:
    """When goods could reach the shopper one way: ``days`` from today, on ``ready_on``.

    ``source_id`` is where they would come from; ``in_stock`` False means nobody has all
    of it now and the date includes restocking.
    """

    fulfilment: str          # 'shelf' | 'pickup' | 'delivery'
    store_id: str | None     # the pickup store (None for delivery)
    store_name: str
    source_id: str
    days: int
    ready_on: date
    in_stock: bool
    here: bool = False       # the pickup store is this kiosk's store


@dataclass(frozen=True)
class ProductPage:
    sku: str
    name: str
    brand: str
    description: str
    unit: str
    image: str
    active: bool
    price: PriceView | None
    here: Availability
    aisle: str
    shelf: str
    network: tuple[NetworkAvailability, ...]
    pickup_here: Estimate | None
    pickup_elsewhere: tuple[Estimate, ...]
    delivery: Estimate
    related: tuple[ResultRow, ...]


@dataclass(frozen=True)
class BasketLine:
    line_no: int
    sku: str
    name: str
    unit: str
    qty_milli: int
    unit_price: int
    base_amount: int
    discount: int
    amount: int
    labels: tuple[str, ...]
    here: bool               # this store has enough on its shelves


@dataclass(frozen=True)
class BasketView:
    priced: PricedCart
    lines: tuple[BasketLine, ...]
    subtotal: int
    discount: int
    total: int
    savings: tuple[tuple[str, int], ...]
    all_here: bool


@dataclass(frozen=True)
class PlacedView:
    """An order recorded on this kiosk: what the done screen and the confirmation show."""

    order: retail_orders.Order
    pickup_secret: str
    pickup_code: str
    estimate: Estimate
    store_name: str
    placed: retail_orders.PlacedOrder


@dataclass(frozen=True)
class HandOff:
    """A basket handed to the till: the signed code (printed and on screen) and the preview total."""

    code: str
    total: int
    printed: bool


@dataclass(frozen=True)
class PaymentOutcome:
    """How paying at the kiosk ended: ``placed`` (with the order), ``declined``, ``cancelled``
    or ``unknown`` (the terminal's answer was lost: ask again with the same order id)."""

    state: str
    placed: PlacedView | None = None
    reason: str = ""
    printed: bool = False


@dataclass(frozen=True)
class PickupClaim:
    """A scan that claims to be a pickup QR: the pickup screen checks it and says what is wrong."""

    code: str


@dataclass(frozen=True)
class PickupView:
    """A click-and-collect order the shopper proved they hold, and what to tell them.

    ``state``: ``ready`` (arrival recorded now), ``arrived`` (recorded before),
    ``not_ready``, ``expired``, ``collected``, ``cancelled`` or ``elsewhere`` (to be
    collected in another store).
    """

    order: retail_orders.Order
    state: str
    store_name: str = ""
    units: dict = field(default_factory=dict)   # sku -> 'pcs' | 'kg', for showing the quantities


# ---------------------------------------------------------------- helpers


def asset_path(image: str) -> str:
    """An asset path from the catalogue (``img/cat-dairy.png``) as a file the app can show, or ''."""
    if not image or ".." in image or image.startswith("/"):
        return ""
    path = ASSETS / image
    return str(path) if path.is_file() else ""


def parse_location(location: str) -> tuple[str, str]:
    """``'03/4'`` (aisle/shelf, as the catalogue feed has it) -> ``('3', '4')``."""
    if not location:
        return "", ""
    aisle, _, shelf = location.partition("/")
    return aisle.strip().lstrip("0") or aisle.strip(), shelf.strip().lstrip("0") or shelf.strip()


_NUMBER_CHARS = re.compile(r"[^0-9A-Za-z]")


def _compact(number: str) -> str:
    return _NUMBER_CHARS.sub("", number or "").upper()


# ---------------------------------------------------------------- the services


class KioskServices(TerminalServices):
    """The kiosk's blocking calls. ``payment`` is a ``hardware.payment.PaymentTerminal`` (or None:
    no card payments here); ``queue`` the ``hardware.queue.PrintQueue`` (or None: no printer)."""

    def __init__(self, db_path, *, clock: Callable[[], float] = time.time, payment=None, queue=None,
                 web_basket_url: str = WEB_BASKET_URL, **kwargs) -> None:
        super().__init__(db_path, clock=clock, **kwargs)
        self.payment = payment
        self.queue = queue
        self.web_basket_url = web_basket_url

    # ---------------------------------------------------------------- places and dates

    def locations(self, lang: str = "ru") -> list[Location]:
        store_id, _ = self.identity()
        rows = self.conn.execute(
            "SELECT id, name_ru, name_en, city_ru, city_en, address, kind, pickup, delivery_days FROM stores"
        ).fetchall()
        out = []
        for r in rows:
            name = (r["name_ru"] if lang == "ru" else r["name_en"]) or r["name_ru"] or r["id"]
            city = (r["city_ru"] if lang == "ru" else r["city_en"]) or r["city_ru"]
            out.append(Location(r["id"], name, city, r["address"], r["kind"], bool(r["pickup"]),
                                int(r["delivery_days"]), r["id"] == store_id))
        return out

    def pickup_stores(self, lang: str = "ru") -> list[Location]:
        """Stores taking click-and-collect orders: this one first, then its city, then the quickest."""
        places = self.locations(lang)
        here = next((p for p in places if p.here), None)
        city = here.city if here else ""
        stores = [p for p in places if p.kind == "store" and p.pickup]
        stores.sort(key=lambda p: (not p.here, p.city != city, p.delivery_days, p.name))
        return stores

    def today(self) -> date:
        return datetime.fromtimestamp(self.now(), self._zone()).date()

    def _zone(self):
        name = self.setting("timezone") or "Europe/Moscow"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return timezone.utc

    def estimate(self, lines: Iterable[tuple[str, int]], fulfilment: str, pickup_store_id: str | None = None,
                 lang: str = "ru") -> Estimate:
        """When ``lines`` ((sku, qty_milli)) could be ready, routed as central routes orders."""
        wanted: dict[str, int] = {}
        for sku, qty in lines:
            wanted[sku] = wanted.get(sku, 0) + qty
        places = {p.id: p for p in self.locations(lang)}
        store_id, _ = self.identity()
        stock = self._stock_by_location(list(wanted), store_id)

        def covers(location_id: str) -> bool:
            have = stock.get(location_id, {})
            return all(have.get(sku, 0) >= qty for sku, qty in wanted.items())

        def days_of(location_id: str | None) -> int:
            place = places.get(location_id or "")
            return place.delivery_days if place else 2

        warehouses = sorted(p.id for p in places.values() if p.kind == "warehouse")
        if fulfilment == "pickup":
            target = pickup_store_id or store_id
            name = places[target].name if target in places else target
            if covers(target):
                return self._estimate("shelf" if target == store_id else "pickup", target, name, target, 0, True)
            source = next((w for w in warehouses if covers(w)), None)
            if source is None:
                city = places[target].city if target in places else ""
                others = sorted((p for p in places.values() if p.kind == "store" and p.id != target and covers(p.id)),
                                key=lambda p: (p.city != city, p.delivery_days, p.id))
                source = others[0].id if others else None
            if source is None:
                return self._estimate("pickup", target, name, warehouses[0] if warehouses else target,
                                      days_of(target) + 1, False)
            return self._estimate("pickup", target, name, source, max(days_of(target), 1), True)
        if fulfilment != "delivery":
            raise ServiceError("Choose home delivery or pickup in a store")
        source = next((w for w in warehouses if covers(w)), None)
        if source is None:
            stores = sorted((p for p in places.values() if p.kind == "store" and covers(p.id)),
                            key=lambda p: (p.delivery_days, p.id))
            source = stores[0].id if stores else None
        if source is None:
            fallback = warehouses[0] if warehouses else store_id
            return self._estimate("delivery", None, "", fallback, days_of(fallback) + 1, False)
        return self._estimate("delivery", None, "", source, max(days_of(source), 1), True)

    def _estimate(self, fulfilment: str, store_id: str | None, name: str, source: str, days: int,
                  in_stock: bool) -> Estimate:
        here = store_id is not None and store_id == self.identity()[0]
        return Estimate(fulfilment, store_id, name, source, days, self.today() + timedelta(days=days), in_stock,
                        here)

    def _stock_by_location(self, skus: list[str], store_id: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {store_id: {}}
        for sku in skus:
            out[store_id][sku] = available(self.conn, sku).available
            for net in network_availability(self.conn, sku):
                out.setdefault(net.location_id, {})[sku] = max(net.available_milli, 0)
        return out

    # ---------------------------------------------------------------- attract

    def promotions(self, lang: str = "ru", limit: int = PROMO_SLIDES) -> list[PromoSlide]:
        """Promotions everyone gets today (no card, coupon or tier needed), with a picture."""
        now = self.now()
        slides = []
        for promo in self.book.active(self.conn, now, lang):
            if promo.customer_id or promo.tier or promo.coupon_code:
                continue
            if promo.valid_from is not None and promo.valid_from > now:
                continue
            slides.append(PromoSlide(promo.id, promo.name, self._promo_image(promo)))
            if len(slides) >= limit:
                break
        return slides

    def _promo_image(self, promo: Promotion) -> str:
        target = getattr(promo.rule, "target", None)
        if target is None:
            return ""
        for sku in sorted(target.skus):
            product = catalogue.by_sku(self.conn, sku)
            if product is not None:
                return self.image_for(product)
        for cid in sorted(target.category_ids):
            top = self._top_category(cid)
            path = asset_path(f"img/cat-{top}.png") if top else ""
            if path:
                return path
        return ""

    def _top_category(self, category_id: str | None) -> str | None:
        seen = set()
        current = category_id
        while current and current not in seen:
            seen.add(current)
            row = self.conn.execute("SELECT parent_id FROM categories WHERE id = ?", (current,)).fetchone()
            if row is None or row[0] is None:
                return current
            current = row[0]
        return current

    def image_for(self, product) -> str:
        """The product's picture, else its department's tile, else '' (the screen draws a placeholder)."""
        path = asset_path(getattr(product, "image", ""))
        if path:
            return path
        top = self._top_category(getattr(product, "category_id", None))
        return asset_path(f"img/cat-{top}.png") if top else ""

    # ---------------------------------------------------------------- scans

    def kiosk_scan(self, data: str, symbology: str | None = None):
        """A scan at the kiosk: a pickup QR goes to the pickup check (which explains a bad one),
        everything else as :meth:`resolve_scan` says (product, card, verified code, problem)."""
        result = self.classify(data, symbology)
        if isinstance(result, SignedScan) and result.kind == "pickup":
            return PickupClaim(result.code)
        return self.resolve_scan(data, symbology)

    def default_language(self) -> str:
        lang = self.setting("language") or "ru"
        return lang if lang in ("ru", "en") else "ru"

    # ---------------------------------------------------------------- finding products

    def find(self, query: str, lang: str = "ru", limit: int = 40, category_id: str | None = None) -> list[ResultRow]:
        """Search as the shopper types: rows with price here and whether it is on the shelf."""
        try:
            hits: list[ProductHit] = search(self.conn, query, limit=limit, lang=lang, category_id=category_id)
        except SearchError as exc:
            raise ServiceError("Search: {reason}", reason=str(exc)) from None
        return self._result_rows(hits, lang)

    def category_tiles(self, parent_id: str | None = None, lang: str = "ru") -> list[CategoryTile]:
        out = []
        for c in self.categories(parent_id):
            top = self._top_category(c.id)
            out.append(CategoryTile(c.id, c.name(lang), asset_path(f"img/cat-{top}.png") if top else ""))
        return out

    def browse_rows(self, category_id: str, lang: str = "ru", offset: int = 0, limit: int = 40) -> list[ResultRow]:
        return self._result_rows(catalogue.browse(self.conn, category_id, offset, limit), lang)

    def _result_rows(self, items: list, lang: str) -> list[ResultRow]:
        products = {p.sku: p for p in items if isinstance(p, catalogue.Product)}
        products.update(catalogue.by_skus(self.conn, [p.sku for p in items if p.sku not in products]))
        priced = unit_prices(self.conn, products.values(), self.now(), book=self.book, lang=lang)
        out = []
        for p in items:
            name = p.name(lang) if callable(getattr(p, "name", None)) else p.name
            image = asset_path(p.image) or (self.image_for(p) if isinstance(p, catalogue.Product) else "")
            out.append(ResultRow(p.sku, name, p.unit, priced.get(p.sku), image,
                                 available(self.conn, p.sku).available > 0))
        return out

    # ---------------------------------------------------------------- product page

    def product_page(self, sku: str, lang: str = "ru", customer_id: str | None = None,
                     tier: str | None = None) -> ProductPage:
        product = catalogue.by_sku(self.conn, sku)
        if product is None:
            raise ServiceError("Product {sku} is not in the catalogue", sku=sku)
        store_id, _ = self.identity()
        here = available(self.conn, sku)
        network = tuple(n for n in network_availability(self.conn, sku, lang))[:MAX_NETWORK_SHOWN]
        one = [(sku, MILLI)]
        pickup_here = None
        elsewhere = []
        for place in self.pickup_stores(lang):
            est = self.estimate(one, "pickup", place.id, lang)
            if place.here:
                pickup_here = est
            else:
                elsewhere.append(est)
        aisle, shelf = parse_location(product.location)
        related = [p for p in catalogue.related(self.conn, sku)][:MAX_RELATED]
        return ProductPage(
            sku=product.sku, name=product.name(lang), brand=product.brand_name,
            description=(product.description_ru if lang == "ru" else product.description_en)
            or product.description_ru or product.description_en,
            unit=product.unit, image=self.image_for(product), active=product.active,
            price=self.price_view(product, lang, customer_id, tier) if product.active else None,
            here=here, aisle=aisle, shelf=shelf, network=network, pickup_here=pickup_here,
            pickup_elsewhere=tuple(elsewhere[:3]), delivery=self.estimate(one, "delivery", None, lang),
            related=tuple(self._result_rows(related, lang)),
        )

    def price_view(self, product, lang: str = "ru", customer_id: str | None = None,
                   tier: str | None = None) -> PriceView | None:
        """One unit priced by the till's engine, without and (when identified) with the card."""
        shelf = prices_at(self.conn, [product.sku], self.now()).get(product.sku)
        if shelf is None or shelf.regular <= 0:
            return None
        cart = one_unit(product, shelf)
        plain = self.price(cart, lang)
        offers = []
        for promo in self.book.active(self.conn, self.now(), lang, customer_id):
            target = getattr(promo.rule, "target", None)
            if promo.coupon_code or promo.customer_id or promo.tier:
                continue
            if target is not None and target.matches(product.sku, product.category_id, product.brand_id) \
                    and promo.id not in plain.applied and (promo.valid_from or 0) <= self.now():
                offers.append(promo.name)
        member_pays, member_savings = None, ()
        if customer_id:
            cart.identify(customer_id, tier)
            member = self.price(cart, lang)
            if member.total < plain.total:
                member_pays, member_savings = member.total, self._savings(member, lang)
        return PriceView(product.unit, shelf.regular, plain.total, self._savings(plain, lang), tuple(offers),
                         member_pays, member_savings)

    @staticmethod
    def _savings(priced: PricedCart, lang: str) -> tuple[tuple[str, int], ...]:
        return tuple((describe(s, lang), s.amount) for s in priced.savings if s.amount > 0)

    # ---------------------------------------------------------------- the basket

    def basket(self, cart: Cart, lang: str = "ru") -> BasketView:
        """The basket priced by the till's engine, with which lines this store has on its shelves."""
        priced = self.price(cart, lang)
        names = {i.line_no: i.name(lang) for i in cart.items}
        wanted: dict[str, int] = {}
        for item in cart.items:
            wanted[item.sku] = wanted.get(item.sku, 0) + item.qty_milli
        here = {sku: available(self.conn, sku).available >= qty for sku, qty in wanted.items()}
        lines = []
        for pl in priced.lines:
            line = pl.line
            unit_price = line.price_override if line.price_override is not None else line.unit_price
            lines.append(BasketLine(line.line_no, line.sku, names.get(line.line_no, line.sku), line.unit,
                                    line.qty_milli, unit_price, pl.base_amount, pl.discount, pl.amount,
                                    tuple(describe(a, lang) for a in pl.adjustments), here.get(line.sku, False)))
        return BasketView(priced, tuple(lines), priced.subtotal, priced.discount_total, priced.total,
                          self._savings(priced, lang), all(here.values()) if here else True)

    # ---------------------------------------------------------------- signed basket codes

    def basket_code(self, cart: Cart, ttl_s: int = HANDOFF_TTL_S) -> str:
        """The signed ``basket`` code (kind, store, kiosk, lines) the till and the web shop accept."""
        if cart.is_empty():
            raise ServiceError("Your basket is empty")
        lines: dict[str, int] = {}
        for item in cart.items:
            lines[item.sku] = lines.get(item.sku, 0) + item.qty_milli
        if len(lines) > MAX_BASKET_LINES:
            raise ServiceError("A basket code holds at most {n} different products; order the rest separately",
                               n=MAX_BASKET_LINES)
        store, terminal = self.identity()
        try:
            return keys.sign(self.conn, "basket", {"basket_id": cart.id, "store": store, "terminal": terminal,
                                                   "lines": list(lines.items())}, self.now(), ttl_s)
        except keys.NoSigningKey:
            raise ServiceError("This kiosk cannot make codes until it has synced with the central office once") \
                from None

    def phone_url(self, cart: Cart) -> str:
        """``https://vitrina.example/basket?b=<signed basket code>``: the basket on the web shop."""
        code = self.basket_code(cart, PHONE_TTL_S)
        return f"{self.web_basket_url}?b={quote(code, safe='')}"

    def hand_off(self, cart: Cart, lang: str = "ru") -> HandOff:
        """Sign the basket for the till and print its ticket (``hardware.receipts.basket``).

        The code on the ticket is also shown on the screen, so a shopper whose ticket did
        not print can have the till scan the kiosk's screen.
        """
        from hardware.receipts import basket as layout

        if cart.is_empty():
            raise ServiceError("Your basket is empty")
        self.order_ready()
        try:
            ticket = layout.load_basket_ticket(self.conn, cart, now=self.now(), lang=lang,
                                               priced=self.price(cart, lang))
        except layout.ReceiptError as exc:
            raise ServiceError("The basket ticket cannot be made: {reason}", reason=str(exc)) from None
        printed = self._print(layout.job_id(cart.id), "basket_ticket", layout.basket_ticket(ticket, lang), lang)
        return HandOff(ticket.code, ticket.total or 0, printed)

    # ---------------------------------------------------------------- contact and orders

    def checkout_options(self, cart: Cart, lang: str = "ru") -> tuple[Estimate, tuple[Estimate, ...]]:
        """Home delivery and pickup in each store taking pickups: when the whole basket could be ready."""
        lines = [(i.sku, i.qty_milli) for i in cart.items]
        delivery = self.estimate(lines, "delivery", None, lang)
        pickups = tuple(self.estimate(lines, "pickup", place.id, lang) for place in self.pickup_stores(lang))
        return delivery, pickups

    def check_contact(self, contact: Contact, fulfilment: str) -> dict[str, str]:
        """Field -> message id for every field a shopper must correct (empty: all good)."""
        problems: dict[str, str] = {}
        if len(" ".join((contact.name or "").split())) < 2:
            problems["name"] = "Enter the name of the person who will receive the order"
        try:
            retail_orders.normalize_phone(contact.phone)
        except OrderError:
            problems["phone"] = "Enter a mobile number like +7 916 123-45-67"
        email = (contact.email or "").strip()
        if email:
            try:
                retail_orders.validate_contact(Contact("ok", "+79000000000", email), "pickup")
            except OrderError:
                problems["email"] = "This e-mail address looks wrong; check it or leave it empty"
        if fulfilment == "delivery" and len(" ".join((contact.address or "").split())) < 8:
            problems["address"] = "Enter the full delivery address: city, street, house and flat"
        return problems

    def place_order(self, cart: Cart, priced: PricedCart, *, fulfilment: str, pickup_store_id: str | None,
                    contact: Contact, order_id: str, paid: int = 0, payment: dict | None = None,
                    lang: str = "ru") -> PlacedView:
        """Record the order here in one durable transaction with its outbox event (offline too)."""
        problems = self.check_contact(contact, fulfilment)
        if problems:
            raise ServiceError(next(iter(problems.values())))
        lines = [(i.sku, i.qty_milli) for i in cart.items]
        try:
            placed = retail_orders.place_order(
                self.conn, cart, priced, channel="kiosk", fulfilment=fulfilment,
                pickup_store_id=pickup_store_id if fulfilment == "pickup" else None, contact=contact,
                now=self.now(), paid=paid, payment=payment, order_id=order_id, lang=lang)
        except keys.NoSigningKey:
            raise ServiceError("This kiosk cannot take orders until it has synced with the central office once") \
                from None
        order = retail_orders.get_order(self.conn, placed.id)
        estimate = self.estimate(lines, fulfilment, pickup_store_id, lang)
        return PlacedView(order, placed.pickup_secret, placed.pickup_code, estimate, estimate.store_name, placed)

    # ---------------------------------------------------------------- paying at the kiosk

    def order_ready(self) -> None:
        """Refuse before any money moves if this kiosk cannot record an order (never synced keys)."""
        try:
            keys.signing_key(self.conn, self.now())
            self.identity_or_fail()
        except keys.NoSigningKey:
            raise ServiceError("This kiosk cannot take orders until it has synced with the central office once") \
                from None

    def identity_or_fail(self) -> tuple[str, str]:
        store, terminal = self.identity()
        if not store or not terminal:
            raise ServiceError("This kiosk is not registered yet; please ask a member of staff")
        return store, terminal

    def pay_and_place(self, cart: Cart, *, fulfilment: str, pickup_store_id: str | None, contact: Contact,
                      order_id: str, lang: str = "ru", on_state=None) -> PaymentOutcome:
        """Charge the basket's total at the payment terminal, then record the paid order and print it.

        The order id is the terminal's idempotency key: asking again after an unknown
        outcome can never charge twice, and placing is idempotent by the same id.
        """
        from hardware.payment import Approved, Cancelled, Declined

        problems = self.check_contact(contact, fulfilment)
        if problems:
            raise ServiceError(next(iter(problems.values())))
        self.order_ready()
        priced = self.price(cart, lang)
        result = self.pay_card(order_id, priced.total, on_state)
        if isinstance(result, Declined):
            return PaymentOutcome("declined", reason=result.reason)
        if isinstance(result, Cancelled):
            return PaymentOutcome("cancelled")
        if not isinstance(result, Approved):
            return PaymentOutcome("unknown", reason=getattr(result, "reason", ""))
        if result.amount != priced.total:
            raise ServiceError("The card terminal charged {charged} instead of {total}; please ask a member of "
                               "staff", charged=result.amount, total=priced.total)
        payment = {"kind": "card", "amount": result.amount, "txn_id": result.txn_id,
                   "auth_code": result.auth_code, "masked_pan": result.masked_pan, "scheme": result.scheme,
                   "key": order_id}
        placed = self.place_order(cart, priced, fulfilment=fulfilment, pickup_store_id=pickup_store_id,
                                  contact=contact, order_id=order_id, paid=priced.total, payment=payment, lang=lang)
        return PaymentOutcome("placed", placed, printed=self.print_confirmation(placed, lang))

    def place_unpaid(self, cart: Cart, *, pickup_store_id: str, contact: Contact, order_id: str,
                     lang: str = "ru") -> PaymentOutcome:
        """A pickup order paid when it is collected: recorded and printed, nothing charged now."""
        self.order_ready()
        priced = self.price(cart, lang)
        placed = self.place_order(cart, priced, fulfilment="pickup", pickup_store_id=pickup_store_id,
                                  contact=contact, order_id=order_id, paid=0, lang=lang)
        return PaymentOutcome("placed", placed, printed=self.print_confirmation(placed, lang))

    def pay_card(self, key: str, amount: int, on_state=None):
        """Charge the card through the payment terminal; the order id is the idempotency key."""
        if self.payment is None:
            raise ServiceError("Card payment is not available at this kiosk; pay at the till or when you collect")
        return self.payment.pay(key, amount, on_state=on_state)

    def card_status(self, key: str):
        if self.payment is None:
            raise ServiceError("Card payment is not available at this kiosk; pay at the till or when you collect")
        return self.payment.status(key)

    # ---------------------------------------------------------------- click and collect

    def check_in(self, *, code: str | None = None, number: str | None = None, secret: str | None = None,
                 lang: str = "ru") -> PickupView:
        """Verify a pickup QR or a typed number + code offline; record the arrival of a ready order.

        Raises ServiceError with what the shopper should do for a forged, expired or
        mistyped code. A ready order gets its arrival recorded (the till's handover list
        shows it) and its check-in slip printed: what to do at the till, not a handover receipt.
        """
        if number and not code:
            number = self._order_number(number)
        try:
            order = self.verify_pickup(code=code, number=number, secret=secret)
        except SignatureError as exc:
            raise ServiceError(_SIGNATURE_MESSAGES.get(exc.reason, _SIGNATURE_MESSAGES["forged"])) from None
        except CodeError:
            raise ServiceError(_SIGNATURE_MESSAGES["malformed"]) from None
        except OrderError as exc:
            text = str(exc)
            if "does not match" in text:
                raise ServiceError("That code does not match the order; check the 6-digit code in your confirmation") \
                    from None
            if "not known" in text:
                raise ServiceError("Order {number} is not known in this store; check the number or ask at the till",
                                   number=number or "") from None
            raise ServiceError("Scan the QR code from your order confirmation, or type the order number and code") \
                from None
        view = self._check_in(order, lang)
        units = {}
        for line in view.order.lines:
            product = catalogue.by_sku(self.conn, line.sku)
            units[line.sku] = product.unit if product is not None else ("pcs" if line.qty_milli % MILLI == 0 else "kg")
        return PickupView(view.order, view.state, view.store_name, units)

    def _check_in(self, order: retail_orders.Order, lang: str) -> PickupView:
        store_id, _ = self.identity()
        names = {p.id: p.name for p in self.locations(lang)}
        if order.pickup_store_id and order.pickup_store_id != store_id:
            return PickupView(order, "elsewhere", names.get(order.pickup_store_id, order.pickup_store_id))
        now = self.now()
        if order.status in ("placed", "picking"):
            return PickupView(order, "not_ready")
        if order.status == "collected":
            return PickupView(order, "collected")
        if order.status == "cancelled":
            return PickupView(order, "cancelled")
        if order.status == "expired" or (order.expires_at is not None and order.expires_at <= now):
            return PickupView(order, "expired")
        if order.status != "ready":
            return PickupView(order, "not_ready")
        if order.arrived_at:
            return PickupView(order, "arrived")
        order = retail_orders.record_arrival(self.conn, order.id, now)
        self.print_check_in_slip(order, lang)
        return PickupView(order, "ready")

    def _order_number(self, typed: str) -> str:
        """A typed order number, found with or without its dashes (the on-screen keyboard has none)."""
        typed = (typed or "").strip().upper()
        if not typed or retail_orders.get_order(self.conn, typed) is not None:
            return typed
        compact = _compact(typed)
        row = self.conn.execute(
            "SELECT number FROM orders WHERE replace(replace(number, '-', ''), ' ', '') = ? LIMIT 1", (compact,)
        ).fetchone()
        return row[0] if row else typed

    # ---------------------------------------------------------------- loyalty

    def identify(self, number: str, lang: str = "ru") -> CustomerView:
        """A scanned or typed card; errors name the masked card and what to do."""
        from retail.loyalty import CardBlocked, LoyaltyError, check_card_number

        digits = "".join((number or "").split())
        try:
            check_card_number(number)
        except LoyaltyError:
            if len(digits) != 13 or not digits.isdigit():
                raise ServiceError("A card number has 13 digits; you typed {n}", n=len(digits)) from None
            raise ServiceError("This card number has a typo: its last digit does not fit; check the number "
                               "or scan the card") from None
        try:
            return self.loyalty_card(number, lang)
        except CardBlocked:
            raise ServiceError("Card {card} is blocked; please contact customer support",
                               card=mask_card(number)) from None
        except LoyaltyError:
            raise ServiceError("Card {card} is not known here yet; you can shop without it",
                               card=mask_card(number)) from None

    # ---------------------------------------------------------------- technician

    def technician(self, pin: str, action: str):
        """The technician whose PIN this is, with an audit row for ``action``; ServiceError otherwise.

        Only the technician role may leave kiosk mode or open the technician screen here;
        a refused PIN of another role is audited as ``kiosk_exit_denied``. ``action`` is
        one of :data:`TECHNICIAN_ACTIONS` (the pad's two buttons), nothing else.
        """
        if action not in TECHNICIAN_ACTIONS:
            raise ServiceError("Only a technician can do this")
        try:
            member = staff.sign_in(self.conn, pin, self.now())
        except staff.LockedOut as exc:
            raise ServiceError("PIN entry is locked; try again in {minutes} min",
                               minutes=max(1, (exc.until - self.now() + 59) // 60)) from None
        except staff.StaffError:
            raise ServiceError("Wrong PIN") from None
        if member.role != "technician":
            staff.audit(self.conn, member.id, "kiosk_exit_denied", now=self.now(),
                        details={"wanted": action, "role": member.role})
            raise ServiceError("Only a technician can do this")
        staff.audit(self.conn, member.id, action, now=self.now(), details={"terminal": self.identity()[1]})
        return member

    def audit(self, staff_id: str, action: str) -> None:
        """An audit row for what a signed-in technician did (leaving kiosk mode from their screen).

        Only an active technician's id is accepted: the row is what the app waits for
        before it leaves kiosk mode, so it must never be written for anyone else.
        """
        member = staff.get_staff(self.conn, staff_id)
        if member is None or member.role != "technician":
            raise ServiceError("Only a technician can do this")
        if action not in TECHNICIAN_ACTIONS:
            raise ServiceError("Only a technician can do this")
        staff.audit(self.conn, staff_id, action, now=self.now(), details={"terminal": self.identity()[1]})

    # ---------------------------------------------------------------- printing

    def _print(self, job_id: str, kind: str, document, lang: str) -> bool:
        """Queue a document; True if it printed within :data:`PRINT_WAIT_S` (else it waits in the queue)."""
        if self.queue is None:
            return False
        try:
            self.queue.enqueue(self.conn, job_id, document, kind, lang=lang)
            job = self.queue.wait_printed(job_id, PRINT_WAIT_S)
        except TimeoutError:
            return False
        except Exception as exc:  # a printer problem never loses the order: the screen shows it all
            log.warning("kiosk print of %s failed: %s", job_id, exc)
            return False
        return job.status == "printed"

    def print_confirmation(self, placed: PlacedView, lang: str = "ru") -> bool:
        from hardware.receipts import order as layout

        try:
            document = layout.build_order_confirmation(self.conn, placed.placed, lang=lang)
        except layout.ReceiptError as exc:
            log.warning("order confirmation of %s cannot be laid out: %s", placed.order.number, exc)
            return False
        return self._print(layout.job_id(placed.order.id), "order_confirmation", document, lang)

    def print_check_in_slip(self, order: retail_orders.Order, lang: str = "ru") -> bool:
        """The check-in slip (what to do next at the till), never the handover slip: nothing is handed over yet."""
        from hardware.receipts import pickup as layout

        try:
            document = layout.build_check_in_slip(self.conn, order, now=order.arrived_at or self.now(), lang=lang)
        except layout.ReceiptError as exc:
            log.warning("check-in slip of %s cannot be laid out: %s", order.number, exc)
            return False
        return self._print(f"arrival:{order.id}", "check_in_slip", document, lang)


_SIGNATURE_MESSAGES = {
    "forged": "This code is not valid. Scan the QR code from your order confirmation, or type the order number "
              "and code",
    "malformed": "This code cannot be read. Scan the QR code from your order confirmation, or type the order "
                 "number and code",
    "unknown_key": "This code is from another store or too old; type the order number and code instead",
    "wrong_kind": "This is not a pickup code. Scan the QR code from your order confirmation",
    "expired": "This pickup code has expired; please ask at the till",
}


def new_order_id() -> str:
    """A client-made order id (UUIDv7); also the payment terminal's idempotency key."""
    return new_id()
