"""The basket being built at a till or a kiosk: lines by product and quantity.

A cart holds what the shopper chose and the shelf prices it was scanned at; it never
holds discounts. Pricing it (``retail.checkout.price``) runs the pure engine over
``cart_lines()`` every time, so totals are always recomputed from the lines and the
promotions in force, the same way in every channel.

A cart serialises to a plain dict (``to_dict``/``from_dict``) for suspending a sale, for
the kiosk's hand-off to the till and for continuing on a phone.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from .ids import new_id
from .money import MILLI
from .pricing.model import CartLine, normalize_coupon

MAX_LINES = 200
MAX_QTY_MILLI = 999 * MILLI  # 999 pieces or 999 kg on one line


class CartError(ValueError):
    """A change the cart refuses; the message is for the cashier or shopper."""


@dataclass(frozen=True)
class CartItem:
    line_no: int
    sku: str
    name_ru: str
    name_en: str
    unit: str
    qty_milli: int
    unit_price: int
    vat_rate_bp: int
    label_price: int | None = None
    category_id: str | None = None
    brand_id: str | None = None
    price_override: int | None = None
    note: str = ""

    def name(self, lang: str = "ru") -> str:
        return self.name_ru if lang == "ru" else (self.name_en or self.name_ru)

    @property
    def weighed(self) -> bool:
        return self.unit == "kg"


@dataclass
class Cart:
    id: str = field(default_factory=new_id)
    items: list[CartItem] = field(default_factory=list)
    customer_id: str | None = None
    customer_tier: str | None = None
    card_number: str | None = None
    coupons: set[str] = field(default_factory=set)
    next_line_no: int = 1

    # ------------------------------------------------------------------ changes

    def add(self, *, sku: str, name_ru: str, name_en: str, unit: str, unit_price: int,
            vat_rate_bp: int, qty_milli: int = MILLI, label_price: int | None = None,
            category_id: str | None = None, brand_id: str | None = None) -> CartItem:
        """Add a product; a piece item already in the cart (unchanged price) gets more."""
        _check_qty(qty_milli, unit)
        if unit == "pcs":
            for i, item in enumerate(self.items):
                if (item.sku == sku and item.unit == "pcs" and item.price_override is None
                        and not item.note and item.unit_price == unit_price
                        and item.label_price == label_price):
                    merged = replace(item, qty_milli=item.qty_milli + qty_milli)
                    _check_qty(merged.qty_milli, unit)
                    self.items[i] = merged
                    return merged
        if len(self.items) >= MAX_LINES:
            raise CartError(f"a basket holds at most {MAX_LINES} lines; finish this sale first")
        item = CartItem(self.next_line_no, sku, name_ru, name_en, unit, qty_milli, unit_price,
                        vat_rate_bp, label_price, _id(category_id), _id(brand_id))
        self.next_line_no += 1
        self.items.append(item)
        return item

    def set_qty(self, line_no: int, qty_milli: int) -> CartItem:
        item = self.item(line_no)
        _check_qty(qty_milli, item.unit)
        return self._put(replace(item, qty_milli=qty_milli))

    def remove(self, line_no: int) -> CartItem:
        item = self.item(line_no)
        self.items.remove(item)
        return item

    def override_price(self, line_no: int, unit_price: int) -> CartItem:
        if not isinstance(unit_price, int) or isinstance(unit_price, bool) or unit_price < 0:
            raise CartError("the new price must be a non-negative amount in kopecks")
        return self._put(replace(self.item(line_no), price_override=unit_price))

    def set_note(self, line_no: int, note: str) -> CartItem:
        return self._put(replace(self.item(line_no), note=note.strip()[:200]))

    def add_coupon(self, code: str) -> str:
        code = normalize_coupon(code)
        if not code:
            raise CartError("enter a coupon code")
        self.coupons.add(code)
        return code

    def identify(self, customer_id: str | None, tier: str | None = None, card_number: str | None = None) -> None:
        self.customer_id, self.customer_tier, self.card_number = customer_id, tier, card_number

    def clear(self) -> None:
        """Forget everything: lines, the shopper's identity and coupons (kiosk privacy reset)."""
        self.items.clear()
        self.identify(None)
        self.coupons.clear()
        self.id = new_id()
        self.next_line_no = 1

    # ------------------------------------------------------------------ reading

    def item(self, line_no: int) -> CartItem:
        for item in self.items:
            if item.line_no == line_no:
                return item
        raise CartError(f"there is no line {line_no} in this basket")

    def is_empty(self) -> bool:
        return not self.items

    def count(self) -> int:
        """Items as a shopper counts them: pieces, and each weighed line as one."""
        return sum(i.qty_milli // MILLI if i.unit == "pcs" else 1 for i in self.items)

    def cart_lines(self) -> list[CartLine]:
        return [
            CartLine(line_no=i.line_no, sku=i.sku, qty_milli=i.qty_milli, unit_price=i.unit_price,
                     vat_rate_bp=i.vat_rate_bp, category_id=i.category_id, brand_id=i.brand_id,
                     unit=i.unit, label_price=i.label_price, price_override=i.price_override,
                     note=i.note)
            for i in self.items
        ]

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict:
        return {
            "id": self.id, "customer_id": self.customer_id, "customer_tier": self.customer_tier,
            "card_number": self.card_number, "coupons": sorted(self.coupons),
            "next_line_no": self.next_line_no, "items": [asdict(i) for i in self.items],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Cart":
        try:
            items = [CartItem(**item) for item in data["items"]]
            cart = cls(id=data["id"], items=items, customer_id=data.get("customer_id"),
                       customer_tier=data.get("customer_tier"), card_number=data.get("card_number"),
                       coupons=set(data.get("coupons", ())),
                       next_line_no=data.get("next_line_no", max((i.line_no for i in items), default=0) + 1))
        except (KeyError, TypeError) as exc:
            raise CartError(f"this saved basket cannot be read ({exc})") from None
        for item in cart.items:
            _check_qty(item.qty_milli, item.unit)
        return cart

    def _put(self, new: CartItem) -> CartItem:
        for i, item in enumerate(self.items):
            if item.line_no == new.line_no:
                self.items[i] = new
                return new
        raise CartError(f"there is no line {new.line_no} in this basket")


def _id(value) -> str | None:
    return None if value is None else str(value)


def _check_qty(qty_milli: int, unit: str) -> None:
    if not isinstance(qty_milli, int) or isinstance(qty_milli, bool):
        raise CartError("quantity must be a whole number of thousandths")
    if qty_milli <= 0:
        raise CartError("quantity must be more than zero; remove the line instead")
    if qty_milli > MAX_QTY_MILLI:
        raise CartError("that quantity is too large for one line")
    if unit == "pcs" and qty_milli % MILLI:
        raise CartError("piece goods are sold in whole pieces")
    if unit not in ("pcs", "kg"):
        raise CartError(f"unknown unit {unit!r}")
