"""What both terminals ask of the local store, as plain blocking calls for the Worker.

``TerminalServices`` is the kiosk's and the POS's shared service layer: catalogue search
and browsing with shelf prices, turning one scan into something to act on (a product
with its quantity, a loyalty card, a verified signed code, or a clear problem), pricing
a cart, loyalty card look-up with personal offers, pickup verification, sync status and
"Sync now", and printing. ``pos.services.PosServices`` extends it with the till's
actions; the kiosk's services can do the same.

Every method may touch SQLite, a device or the network, so screens call them through
``app.worker.submit(...)``, never on the Kivy main thread. Each worker thread gets its
own SQLite connection (``self.conn`` is thread-local): sqlite3 connections must not be
shared between threads mid-transaction, and WAL lets them read side by side while the
sync agent writes.

Problems a person must see come back as exceptions with translatable message ids
(:class:`ServiceError`: ``message`` is an English id for ``tr()`` and ``params`` its
placeholders) or as :class:`ScanProblem` results; domain errors (``ValueError``
subclasses from ``retail``) pass through with their own explanatory text.
"""
from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from retail import catalogue, checkout, keys, loyalty
from retail import orders as retail_orders
from retail import prices as retail_prices
from retail.cart import Cart, CartItem
from retail.catalogue import Category, Product
from retail.codes import CodeError, SignatureError
from retail.codes.instore import DEFAULT_SCHEME, InStoreScheme, PriceCode, WeightCode
from retail.codes.scan import (GS1Scan, GtinScan, InStoreScan, LoyaltyCardScan, ProductUrlScan,
                               ScanResult, SignedScan, Unrecognised, classify)
from retail.inventory import Availability, NetworkAvailability, available, network_availability
from retail.money import MILLI
from retail.pricing import PricedCart, Promotion
from retail.prices import ShelfPrice
from retail.promotions import PromotionBook, customer_offers
from retail.search import ProductHit, search
from retail.store import connect
from retail.store.settings import get, get_int, get_json

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class ServiceError(Exception):
    """A refusal to show a person: ``message`` is a translation id, ``params`` its fields."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params


# ---------------------------------------------------------------- scan outcomes


@dataclass(frozen=True)
class ProductOffer:
    """A product ready to go into a cart: its shelf price and the quantity the scan says.

    ``qty_milli`` comes from a weight label or a GS1 net weight (else one piece, or 0 for
    weighed goods scanned by their plain barcode: ask for the weight). ``label_amount``
    is a price label's printed price (sold as one piece at that price).
    """

    product: Product
    price: ShelfPrice
    qty_milli: int
    code: str
    label_amount: int | None = None

    @property
    def needs_weight(self) -> bool:
        return self.product.unit == "kg" and self.qty_milli == 0 and self.label_amount is None

    def add_to(self, cart: Cart, qty_milli: int | None = None) -> CartItem:
        """Put this offer into ``cart`` (``qty_milli`` overrides the scanned quantity)."""
        p = self.product
        if self.label_amount is not None:
            return cart.add(sku=p.sku, name_ru=p.name_ru, name_en=p.name_en, unit="pcs",
                            unit_price=self.label_amount, vat_rate_bp=p.vat_rate_bp, qty_milli=MILLI,
                            category_id=p.category_id, brand_id=p.brand_id)
        qty = qty_milli if qty_milli is not None else self.qty_milli
        return cart.add(sku=p.sku, name_ru=p.name_ru, name_en=p.name_en, unit=p.unit,
                        unit_price=self.price.regular, vat_rate_bp=p.vat_rate_bp, qty_milli=qty,
                        label_price=self.price.label, category_id=p.category_id, brand_id=p.brand_id)


@dataclass(frozen=True)
class CardScanned:
    """A loyalty card (plastic EAN-13 or the app's QR); look it up with :meth:`loyalty_card`."""

    number: str


@dataclass(frozen=True)
class CodeScanned:
    """A signed Vitrina code whose signature checked out: ``kind`` and ``payload`` are true."""

    kind: str
    payload: dict
    code: str


@dataclass(frozen=True)
class ScanProblem:
    """A scan that cannot be used: ``message`` (translation id, ``params``) and ``detail``."""

    message: str
    params: dict = field(default_factory=dict)
    detail: str = ""


ScanOutcome = ProductOffer | CardScanned | CodeScanned | ScanProblem


@dataclass(frozen=True)
class OfferRow:
    """A search or browse result with its shelf price here (None: not sold here now)."""

    sku: str
    name: str
    unit: str
    price: ShelfPrice | None
    location: str = ""
    image: str = ""


@dataclass(frozen=True)
class ProductDetails:
    product: Product
    price: ShelfPrice | None
    here: Availability
    network: tuple[NetworkAvailability, ...]


@dataclass(frozen=True)
class CustomerView:
    """A loyalty card looked up: the account (balance with unacknowledged local events) and offers."""

    account: loyalty.Account
    number: str
    offers: tuple[Promotion, ...]


# ---------------------------------------------------------------- the services


class TerminalServices:
    """Blocking calls over one terminal's local store; run them in the Worker."""

    def __init__(self, db_path: str | Path, *, clock: Clock = time.time,
                 product_url_prefixes: tuple[str, ...] = catalogue.PRODUCT_URL_PREFIXES) -> None:
        self.db_path = Path(db_path)
        self.clock = clock
        self.product_url_prefixes = product_url_prefixes
        self.book = PromotionBook()
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        first = connect(self.db_path, autocheckpoint=False)  # creates the file and brings the schema up to date once
        self._register(first)
        self._scheme: InStoreScheme | None = None

    # ---------------------------------------------------------------- plumbing

    def _register(self, conn: sqlite3.Connection) -> None:
        self._local.conn = conn
        with self._lock:
            self._conns.append(conn)

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection to the local store (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.db_path, migrate_schema=False, autocheckpoint=False)
            self._register(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def now(self) -> int:
        return int(self.clock())

    def setting(self, key: str, default: str | None = None) -> str | None:
        return get(self.conn, key, default)

    def setting_int(self, key: str, default: int = 0) -> int:
        return get_int(self.conn, key, default)

    def identity(self) -> tuple[str, str]:
        """(store_id, terminal_id), or empty strings before registration."""
        return get(self.conn, "store_id") or "", get(self.conn, "terminal_id") or ""

    def scheme(self) -> InStoreScheme:
        """The store's in-store barcode scheme (setting ``instore_scheme``), else the default."""
        if self._scheme is None:
            config = get_json(self.conn, "instore_scheme")
            try:
                self._scheme = InStoreScheme.from_config(config) if config else DEFAULT_SCHEME
            except CodeError as exc:
                log.warning("instore_scheme setting ignored: %s", exc)
                self._scheme = DEFAULT_SCHEME
        return self._scheme

    # ---------------------------------------------------------------- catalogue

    def _rows(self, products: list, lang: str) -> list[OfferRow]:
        shelf = retail_prices.prices_at(self.conn, [p.sku for p in products], self.now())
        return [OfferRow(p.sku, p.name(lang) if isinstance(p, Product) else p.name, p.unit, shelf.get(p.sku),
                         p.location, p.image) for p in products]

    def search(self, query: str, lang: str = "ru", *, limit: int = 30,
               category_id: str | None = None) -> list[OfferRow]:
        """Products matching ``query`` (name words, SKU or barcode) with their prices here."""
        hits: list[ProductHit] = search(self.conn, query, limit=limit, lang=lang, category_id=category_id)
        return self._rows(hits, lang)

    def categories(self, parent_id: str | None = None) -> list[Category]:
        return catalogue.categories(self.conn, parent_id)

    def browse(self, category_id: str, lang: str = "ru", offset: int = 0, limit: int = 40) -> list[OfferRow]:
        return self._rows(catalogue.browse(self.conn, category_id, offset, limit), lang)

    def product(self, sku: str) -> Product | None:
        return catalogue.by_sku(self.conn, sku)

    def offer(self, sku: str, qty_milli: int | None = None) -> ProductOffer:
        """The product ``sku`` at its shelf price now, ready for a cart; ServiceError if not sold here."""
        product = catalogue.by_sku(self.conn, sku)
        if product is None:
            raise ServiceError("Product {sku} is not in the catalogue", sku=sku)
        outcome = self._offer(product, sku, qty_milli)
        if isinstance(outcome, ScanProblem):
            raise ServiceError(outcome.message, **outcome.params)
        return outcome

    def product_details(self, sku: str, lang: str = "ru") -> ProductDetails:
        product = catalogue.by_sku(self.conn, sku)
        if product is None:
            raise ServiceError("Product {sku} is not in the catalogue", sku=sku)
        return ProductDetails(product, retail_prices.price_at(self.conn, sku, self.now()),
                              available(self.conn, sku), tuple(network_availability(self.conn, sku, lang)))

    # ---------------------------------------------------------------- scans

    def classify(self, data: str, symbology: str | None = None) -> ScanResult:
        return classify(data, symbology=symbology, scheme=self.scheme(),
                        product_url_prefixes=self.product_url_prefixes)

    def resolve_scan(self, data: str, symbology: str | None = None) -> ScanOutcome:
        """One scan -> what to do with it. Never raises for bad input: a ScanProblem says why."""
        try:
            result = self.classify(data, symbology)
        except Exception as exc:  # classify promises not to raise; a bug must not stop the till
            log.exception("scan classification failed")
            return ScanProblem("This code cannot be read", detail=str(exc))
        if isinstance(result, Unrecognised):
            return ScanProblem("This code cannot be read", detail=result.reason)
        if isinstance(result, LoyaltyCardScan):
            return CardScanned(result.number)
        if isinstance(result, SignedScan):
            try:
                verified = keys.verify(self.conn, result.code, self.now())
            except (SignatureError, CodeError, keys.NoSigningKey) as exc:
                return ScanProblem("This code is not valid here", detail=str(exc))
            return CodeScanned(verified.kind, dict(verified.payload), result.code)
        if isinstance(result, GtinScan):
            product = catalogue.by_barcode(self.conn, result.gtin)
            return self._offer(product, result.scanned)
        if isinstance(result, ProductUrlScan):
            return self._offer(catalogue.by_sku(self.conn, result.sku), result.sku)
        if isinstance(result, InStoreScan):
            label = result.label
            product = catalogue.by_plu(self.conn, label.plu)
            if product is None:
                return ScanProblem("Unknown item code {plu} on the scale label", {"plu": label.plu},
                                   detail=label.code)
            if isinstance(label, WeightCode):
                if product.unit != "kg":
                    return ScanProblem("{name} is not sold by weight; scan its own barcode",
                                       {"name": product.name_ru}, detail=label.code)
                return self._offer(product, label.code, label.grams)
            if isinstance(label, PriceCode):
                return self._offer(product, label.code, label_amount=label.kopecks)
        if isinstance(result, GS1Scan):
            data_ = result.data
            if not data_.gtin:
                return ScanProblem("This code cannot be read", detail="GS1 code without a product number (01)")
            product = catalogue.by_barcode(self.conn, data_.gtin)
            qty = data_.net_weight_g if product is not None and product.unit == "kg" else None
            return self._offer(product, data_.gtin, qty)
        return ScanProblem("This code cannot be read", detail=type(result).__name__)

    def _offer(self, product: Product | None, code: str, qty_milli: int | None = None,
               label_amount: int | None = None) -> ProductOffer | ScanProblem:
        if product is None:
            return ScanProblem("Unknown barcode {code}: not in the catalogue", {"code": code})
        if not product.active:
            return ScanProblem("{name} is no longer sold", {"name": product.name_ru}, detail=product.sku)
        price = retail_prices.price_at(self.conn, product.sku, self.now())
        if price is None or (price.regular <= 0 and label_amount is None):
            return ScanProblem("{name} has no price in this store", {"name": product.name_ru},
                               detail=product.sku)
        if qty_milli is None:
            qty_milli = 0 if product.unit == "kg" else MILLI
        return ProductOffer(product, price, qty_milli, code, label_amount)

    def verify_code(self, code: str, kind: str) -> CodeScanned:
        """Verify a signed code offline; raises SignatureError / CodeError with the reason."""
        verified = keys.verify(self.conn, code, self.now(), expect_kind=kind)
        return CodeScanned(verified.kind, dict(verified.payload), code)

    # ---------------------------------------------------------------- pricing

    def price(self, cart: Cart, lang: str = "ru") -> PricedCart:
        """Price ``cart`` (pass a copy made on the UI thread) with the store's promotions now."""
        return checkout.price(self.conn, cart, self.now(), book=self.book, lang=lang)

    # ---------------------------------------------------------------- loyalty

    def loyalty_card(self, number: str, lang: str = "ru") -> CustomerView:
        """The customer behind a card: balance (central's + unacknowledged local events) and offers.

        Raises ``retail.loyalty.LoyaltyError`` (unknown, blocked, misread card) with the reason.
        """
        account = loyalty.find_card(self.conn, number)
        offers = customer_offers(self.conn, account.customer_id, account.tier, self.now(), lang)
        return CustomerView(account, loyalty.check_card_number(number), tuple(offers))

    def account(self, customer_id: str) -> loyalty.Account | None:
        return loyalty.get_account(self.conn, customer_id)

    # ---------------------------------------------------------------- pickup

    def verify_pickup(self, *, code: str | None = None, number: str | None = None,
                      secret: str | None = None) -> retail_orders.Order:
        """A pickup QR (signature checked offline) or a typed order number + code -> the order."""
        return retail_orders.verify_pickup(self.conn, now=self.now(), code=code, number=number, secret=secret)

    # ---------------------------------------------------------------- sync

    def sync_status(self):
        """Everything the offline banner and the sync console show (``sync.status.SyncStatus``)."""
        from sync.status import read_status

        return read_status(self.conn, now=self.clock())

    def request_sync(self, requested_by: str = "") -> int:
        """Ask the running agent for a cycle now; returns the request id."""
        from sync.state import request_sync

        return request_sync(self.conn, requested_by, now=self.clock())

    def sync_request(self, request_id: int) -> dict | None:
        from sync.state import request_result

        row = request_result(self.conn, request_id)
        return dict(row) if row is not None else None


AGENT_START_GRACE_S = 30.0


def agent_starting(status, now: float, agent_started_at: float | None) -> bool:
    """Whether the agent the app started ``agent_started_at`` has not reported yet, and may still.

    A fresh agent is a new Python process at the lowest CPU priority: on a busy till it
    takes seconds before its first heartbeat. Until then the status row still describes
    the previous run (no agent, or a stale heartbeat), which is no news about central:
    the banner waits :data:`AGENT_START_GRACE_S` for the agent before it says anything.
    """
    if agent_started_at is None or status is None or status.running:
        return False
    if now - agent_started_at >= AGENT_START_GRACE_S:
        return False
    return status.heartbeat_at is None or status.heartbeat_at < int(agent_started_at)


def offline_text(status, now: float, tr: Callable[..., str], *, agent_started_at: float | None = None) -> str:
    """The banner text for a sync status: empty while central is reachable.

    ``tr`` is the app's translation function. How long central has been unreachable is
    counted from its last answer (``offline_since``); a terminal that never reached
    central says so. ``agent_started_at`` is when the app started its agent: until that
    agent reports (see :func:`agent_starting`) the banner stays empty.
    """
    if status is None or status.online or agent_starting(status, now, agent_started_at):
        return ""
    if not status.running:
        if status.stopped_reason:
            return tr("Sync stopped: {reason}", reason=status.stopped_reason)
        base = tr("Sync agent is not running")
    else:
        base = tr("Central is unreachable")
    if status.offline_since:
        return f"{base}: {tr('offline for {time}', time=duration_text(now - status.offline_since, tr))}"
    return f"{base}: {tr('never synced')}"


_SYNC_OK = re.compile(r"ok: (\d+) feed rows, (\d+) events sent(?:, (\d+) dead letters)?")


def sync_result_text(result: str, tr: Callable[..., str]) -> str:
    """The agent's one-line result of a requested sync (``sync.agent.CycleReport.summary``) in
    the cashier's language: ``"ok: 7 feed rows, 7 events sent"`` -> "7 rows received, 7
    events sent". The reason of a failure is the agent's own (technical) text."""
    text = (result or "").strip()
    ok = _SYNC_OK.fullmatch(text)
    if ok:
        out = tr("{rows} rows received, {sent} events sent", rows=ok[1], sent=ok[2])
        if ok[3]:
            out += "; " + tr("{dead} events refused by central", dead=ok[3])
        return out
    for prefix, message in (("feeds failed: ", "some feeds failed: {reason}"), ("failed: ", "failed: {reason}"),
                            ("stopped: ", "stopped: {reason}")):
        if text.startswith(prefix):
            return tr(message, reason=text[len(prefix):])
    return text


def seconds_text(seconds: float, lang: str) -> str:
    """A signed offset to a tenth of a second, ``-0.0`` shown as ``0``: ``"+1,5"`` (ru), ``"-0.3"`` (en)."""
    tenths = round(seconds * 10)
    if tenths == 0:
        return "0"
    text = f"{tenths / 10:+.1f}"
    return text.replace(".", ",") if lang == "ru" else text


def duration_text(seconds: float, tr: Callable[..., str]) -> str:
    """``75`` -> "1 min", ``7300`` -> "2 h 1 min", ``200000`` -> "2 d 7 h"."""
    s = max(0, int(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return tr("{d} d {h} h", d=days, h=hours)
    if hours:
        return tr("{h} h {m} min", h=hours, m=minutes)
    if minutes:
        return tr("{m} min", m=minutes)
    return tr("{s} s", s=secs)
