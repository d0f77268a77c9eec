"""The payloads of terminal events, as typed models (see docs/protocol.md, "Event kinds").

Central checks every payload before applying it: integers must be integers (a float
amount is refused, never rounded), required fields present, vocabularies closed. A
payload that does not fit is *rejected* with a reason naming the field, recorded in the
ledger, and the terminal keeps it as a dead letter for a manager. Unknown extra fields
are ignored, so terminals can add fields before central knows them.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

Id = Annotated[StrictStr, Field(min_length=1, max_length=64)]
Text = Annotated[StrictStr, Field(max_length=2000)]
Money = Annotated[StrictInt, Field(ge=-10**12, le=10**12)]
Qty = Annotated[StrictInt, Field(ge=-10**12, le=10**12)]
Time = Annotated[StrictInt, Field(ge=0, le=2**40)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SaleLine(_Model):
    line_no: Annotated[StrictInt, Field(ge=1)]
    sku: Id
    qty_milli: Qty
    unit_price: Money
    base_amount: Money
    discount: Money = 0
    amount: Money
    vat_rate_bp: Annotated[StrictInt, Field(ge=0, le=10_000)]
    vat_amount: Money = 0
    adjustments: list[dict] = []
    original_line_no: Annotated[StrictInt, Field(ge=1)] | None = None


class Tender(_Model):
    kind: Literal["cash", "card", "points", "prepaid"]
    amount: Money
    reference: Text = ""


class LoyaltyEntry(_Model):
    id: Id
    customer_id: Id
    kind: Literal["earn", "redeem", "reverse"]
    points: Annotated[StrictInt, Field(ge=-10**9, le=10**9)]


class Movement(_Model):
    id: Id
    sku: Id
    delta_milli: Qty


class Sale(_Model):
    sale_id: Id
    number: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    receipt_seq: StrictInt | None = None
    shift_id: Id | None = None
    staff_id: Id | None = None
    customer_id: Id | None = None
    order_id: Id | None = None
    created_at: Time
    subtotal: Money
    discount: Money = 0
    total: Money
    lines: list[SaleLine]
    tenders: list[Tender] = []
    loyalty: list[LoyaltyEntry] = []
    movements: list[Movement] = []


class Return(Sale):
    original_sale_id: Id | None = None
    original_number: Annotated[StrictStr, Field(max_length=40)] = ""


class OrderLine(_Model):
    line_no: Annotated[StrictInt, Field(ge=1)]
    sku: Id
    name: Text = ""
    qty_milli: Annotated[StrictInt, Field(gt=0, le=10**9)]
    unit_price: Annotated[StrictInt, Field(ge=0, le=10**12)]
    amount: Annotated[StrictInt, Field(ge=0, le=10**12)]
    vat_rate_bp: Annotated[StrictInt, Field(ge=0, le=10_000)] = 2000


class Hold(_Model):
    id: Id
    sku: Id
    qty_milli: Annotated[StrictInt, Field(gt=0)]


class Order(_Model):
    order_id: Id
    number: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    channel: Literal["kiosk", "pos"]
    fulfilment: Literal["delivery", "pickup"]
    pickup_store_id: Id | None = None
    customer_id: Id | None = None
    contact: dict = {}
    lines: Annotated[list[OrderLine], Field(min_length=1, max_length=500)]
    total: Annotated[StrictInt, Field(ge=0, le=10**12)]
    paid: Annotated[StrictInt, Field(ge=0, le=10**12)] = 0
    payment: dict = {}
    pickup_code_hash: Annotated[StrictStr, Field(max_length=128)] = ""
    created_at: Time
    holds: list[Hold] = []


class OrderStatus(_Model):
    order_id: Id
    status: Literal["picking", "ready", "cancelled", "expired"]
    at: Time
    staff_id: Id | None = None


class OrderArrived(_Model):
    order_id: Id
    at: Time


class Pickup(_Model):
    order_id: Id
    at: Time
    staff_id: Id | None = None
    sale_id: Id | None = None


class Shift(_Model):
    shift_id: Id
    number: StrictInt
    action: Literal["open", "close"]
    at: Time
    staff_id: Id | None = None
    float_amount: Money | None = None
    counted: Money | None = None
    expected: Money | None = None


class Cash(_Model):
    id: Id
    shift_id: Id
    kind: Literal["in", "out"]
    amount: Annotated[StrictInt, Field(gt=0, le=10**12)]
    reason: Text = ""
    at: Time
    staff_id: Id | None = None


MODELS: dict[str, type[_Model]] = {
    "sale": Sale, "return": Return, "order": Order, "order_status": OrderStatus, "order_arrived": OrderArrived,
    "pickup": Pickup, "shift": Shift, "cash": Cash,
}


class PayloadError(ValueError):
    """A payload that does not fit its kind; the message names the fields."""


def describe(exc: ValidationError, limit: int = 5) -> str:
    """Pydantic's errors as one line: ``lines.0.qty_milli: Input should be a valid integer``."""
    parts = []
    for err in exc.errors()[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "payload"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse(kind: str, payload: object) -> _Model:
    model = MODELS.get(kind)
    if model is None:
        raise PayloadError(f"unknown event kind {kind!r}; central knows {', '.join(sorted(MODELS))}")
    if not isinstance(payload, dict):
        raise PayloadError("payload must be a JSON object")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise PayloadError(f"{kind} payload: {describe(exc)}") from None


__all__ = ["MODELS", "PayloadError", "parse"]
