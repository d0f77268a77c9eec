"""Request and response bodies of the API, for validation and the OpenAPI description.

Batch-level shape errors (a missing ``events`` list, a seq that is not an integer) are
answered 422 and nothing is written. Each event's *payload* is checked later, per
event, by :mod:`central.payloads`: one bad event is rejected, the others apply.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

Id = Annotated[StrictStr, Field(min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EventIn(_In):
    # 2**53: the largest integer every JSON reader keeps exactly (2**62 read as a float was 2**62 + 96)
    seq: Annotated[StrictInt, Field(ge=1, le=2**53)]
    id: Id
    kind: Annotated[StrictStr, Field(min_length=1, max_length=32)]
    payload: dict[str, Any]
    payload_hash: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")]
    created_at: Annotated[StrictInt, Field(ge=0, le=2**40)]


class EventsBatch(_In):
    store: Annotated[StrictStr, Field(min_length=1, max_length=12)]
    terminal: Annotated[StrictStr, Field(min_length=1, max_length=12)]
    events: Annotated[list[EventIn], Field(max_length=5000)]


class Error(BaseModel):
    """Every refusal: one sentence saying what was wrong and what to do."""

    detail: str


class EventResult(BaseModel):
    seq: int
    id: str
    status: Literal["accepted", "duplicate", "rejected", "deferred"]
    result: dict[str, Any] | None = None
    reason: str | None = None


class EventsAnswer(BaseModel):
    results: list[EventResult]
    acked_through: int
    server_time: int


class FeedRow(BaseModel):
    op: Literal["upsert", "delete"]
    key: str
    data: dict[str, Any] | None = None


class FeedPage(BaseModel):
    feed: str
    store: str
    version: int
    cursor: str
    next_cursor: str
    more: bool
    included: dict[str, int]
    server_time: int
    rows: list[FeedRow]


class Snapshot(BaseModel):
    """A store's snapshot (central.snapshots): fetch ``file``, check it, pull on from ``cursors``."""

    store: str
    built_at: int
    schema_: int = Field(alias="schema")
    cursors: dict[str, str]
    rows: dict[str, int]
    quarantined: int
    file: str
    sha256: str
    size: int
    compressed_size: int
    seconds: float


class SnapshotOut(BaseModel):
    snapshot: Snapshot | None
    server_time: int


class Health(BaseModel):
    ok: bool
    server_time: int
    version: int


class WebLineIn(_In):
    sku: Id | None = None
    barcode: Annotated[StrictStr, Field(min_length=8, max_length=14)] | None = None
    qty_milli: Annotated[StrictInt, Field(gt=0, le=10**7)]


class ContactIn(_In):
    name: Annotated[StrictStr, Field(max_length=200)]
    phone: Annotated[StrictStr, Field(max_length=40)]
    email: Annotated[StrictStr, Field(max_length=200)] = ""
    address: Annotated[StrictStr, Field(max_length=500)] = ""


class WebOrderIn(_In):
    fulfilment: Literal["pickup", "delivery"]
    pickup_store_id: Annotated[StrictStr, Field(max_length=12)] | None = None
    customer_id: Id | None = None
    card: Annotated[StrictStr, Field(max_length=32)] | None = None
    contact: ContactIn
    lines: Annotated[list[WebLineIn], Field(min_length=1, max_length=200)]
    coupons: Annotated[list[Annotated[StrictStr, Field(max_length=40)]], Field(max_length=10)] = []
    prepaid: bool = True


class WebOrderOut(BaseModel):
    order_id: str
    number: str
    status: str
    source_id: str
    pickup_store_id: str | None
    total: int
    subtotal: int
    discount: int
    paid: int
    pickup_secret: str | None = Field(description="shown once; central keeps only its SHA-256")
    pickup_code: str | None = Field(description="signed pickup QR text (retail.codes.signed, kind pickup)")
    lines: list[dict[str, Any]]
    applied_promotions: list[str]
    server_time: int


class OrderOut(BaseModel):
    order: dict[str, Any]
    server_time: int
