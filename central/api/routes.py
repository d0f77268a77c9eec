"""The endpoints of protocol version 1 (docs/protocol.md)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from .. import snapshots, weborders
from ..ingest import Incoming, ingest
from ..storage import feeds, orders, transaction, versions
from ..storage.terminals import Principal
from . import auth
from .jsonbody import FastJSONRoute
from .models import Error, EventsAnswer, EventsBatch, FeedPage, Health, OrderOut, SnapshotOut, WebOrderIn, WebOrderOut

router = APIRouter(prefix="/api/v1", route_class=FastJSONRoute)


ANY_ROUTE = (400, 413, 415, 422, 503)


def refusals(*statuses: int, **described: str) -> dict:
    """The error answers a route may give, each ``{"detail": "..."}`` (:class:`Error`), for the OpenAPI
    description. Some can come from any route: 400, 413 and 415 from the body limits (central.api.limits)
    before the route runs, 422 (a malformed request) and 503 (central's database busy)."""
    text = {400: "Content-Length is not a number, or the body is not valid gzip, JSON or UTF-8",
            401: "missing, unknown or revoked token", 403: "the token may not do this",
            404: "no such thing", 409: "conflicts with what central holds", 410: "gone",
            413: "body too large", 415: "a Content-Encoding other than gzip", 422: "malformed request",
            503: "central's database is busy; retry"}
    text.update({int(k.lstrip("s")): v for k, v in described.items()})
    return {s: {"model": Error, "description": text[s]} for s in sorted({*statuses, *ANY_ROUTE})}


def _plain_text(status: int, description: str) -> dict:
    """An answer Starlette's FileResponse gives in text/plain (a bad Range), beside the usual JSON error."""
    return {status: {"description": description,
                     "content": {"text/plain": {"schema": {"type": "string"}}, "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}


def _now(request: Request) -> int:
    return int(request.app.state.clock())


@router.get("/health", response_model=Health, tags=["service"], responses=refusals())
def health(request: Request) -> dict:
    """Is central up? No token needed. ``version``: the chain's change counter."""
    with request.app.state.db.connection() as conn:
        version = versions.current(conn)
    return {"ok": True, "server_time": _now(request), "version": version}


@router.get("/stores/{store}/feeds/{feed}", response_model=FeedPage, tags=["feeds"],
            responses=refusals(401, 403, 404, 410, s410="cursor older than the tombstone horizon: start again from ''"))
def feed_page(request: Request, store: str = Path(max_length=12), feed: str = Path(max_length=32),
              cursor: str = Query("", max_length=20, description="next_cursor of the previous page; empty to start"),
              limit: int = Query(feeds.DEFAULT_LIMIT, ge=1, le=feeds.MAX_LIMIT),
              who: Principal = Depends(auth.terminal)) -> JSONResponse:
    """One page of a feed of the caller's store: rows changed after ``cursor``, oldest first."""
    auth.same_store(who, store)
    if feed not in feeds.FEEDS:
        raise HTTPException(404, f"unknown feed {feed!r}; feeds are {', '.join(feeds.FEEDS)}")
    with request.app.state.db.connection() as conn:
        page = feeds.read_page(conn, feed, store, cursor, limit)
    return JSONResponse(page.as_json(_now(request)))


@router.get("/stores/{store}/snapshot", response_model=SnapshotOut, tags=["feeds"], responses=refusals(401, 403))
def snapshot(request: Request, store: str = Path(max_length=12), who: Principal = Depends(auth.terminal)) -> JSONResponse:
    """What a new terminal of the store can load in one download instead of the catalogue, prices and
    inventory feeds' pages (central.snapshots): the file to fetch, its SHA-256 and the cursors to pull on
    from. ``snapshot`` is null when none is built or it is too old: pull the feeds page by page."""
    auth.same_store(who, store)
    with request.app.state.db.connection() as conn:
        manifest = snapshots.current(conn, request.app.state.snapshots, store)
    return JSONResponse({"snapshot": manifest.as_json() if manifest else None, "server_time": _now(request)})


@router.get("/stores/{store}/snapshot/{name}", tags=["feeds"], response_class=FileResponse,
            responses={200: {"content": {"application/gzip": {}}, "description": "the store file, gzip-compressed"},
                       206: {"content": {"application/gzip": {}}, "description": "the bytes the Range asked for"},
                       **refusals(401, 403, 404, s404="not the store's current snapshot: ask for it again"),
                       **_plain_text(400, "a malformed Range (in text/plain), or as on any route"),
                       **_plain_text(416, "the Range starts past the end of the file: download it whole")})
def snapshot_file(request: Request, store: str = Path(max_length=12), name: str = Path(max_length=100),
                  byte_range: str | None = Header(None, alias="Range", description="``bytes=N-`` to resume a cut-off download from byte N"),
                  who: Principal = Depends(auth.terminal)) -> FileResponse:
    """The snapshot's file (ask with ``Accept-Encoding: identity``: it is compressed already)."""
    auth.same_store(who, store)
    with request.app.state.db.connection() as conn:
        manifest = snapshots.current(conn, request.app.state.snapshots, store)
    if manifest is None:
        raise HTTPException(404, f"no snapshot of store {store} is built, or it is too old; pull the feeds page by page")
    path = snapshots.file_path(request.app.state.snapshots, manifest, name)
    return FileResponse(path, media_type="application/gzip", filename=name)


@router.post("/events", response_model=EventsAnswer, response_model_exclude_none=True, tags=["events"],
             responses=refusals(401, 403))
def post_events(request: Request, batch: EventsBatch, who: Principal = Depends(auth.terminal)) -> JSONResponse:
    """Events of one terminal, applied in ``seq`` order, each with its ledger row."""
    if (batch.store, batch.terminal) != (who.store_id, who.terminal_id):
        raise HTTPException(403, f"this token belongs to terminal {who.terminal_id} of {who.store_id}; "
                                 f"it may not send events of {batch.terminal} of {batch.store}")
    seqs = [e.seq for e in batch.events]
    if len(set(seqs)) != len(seqs):
        raise HTTPException(422, "a sequence number appears twice in the batch")
    incoming = [Incoming(e.seq, e.id, e.kind, e.payload, e.payload_hash, e.created_at) for e in batch.events]
    now = _now(request)
    with request.app.state.db.connection() as conn:
        answers, acked = ingest(conn, who.store_id, who.terminal_id, incoming, now)
    # Built by ingest to the EventsAnswer shape already: not validated and copied again on the way out;
    # the WAL is checkpointed once the answer is on its way, while the terminal sends the next batch.
    return JSONResponse({"results": [a.as_json() for a in answers], "acked_through": acked, "server_time": now},
                        background=BackgroundTask(request.app.state.db.checkpoint))


@router.get("/stores/{store}/orders/{number}", response_model=OrderOut, tags=["orders"],
            responses=refusals(401, 403, 404))
def order_by_number(request: Request, store: str = Path(max_length=12), number: str = Path(max_length=64),
                    who: Principal = Depends(auth.terminal)) -> dict:
    """Any order of the chain by its number (or id): a till returning a web order asks this."""
    auth.same_store(who, store)
    with request.app.state.db.connection() as conn:
        order = orders.get(conn, number)
    if order is None:
        raise HTTPException(404, f"no order {number} in this chain; check the number on the receipt or e-mail")
    return {"order": order, "server_time": _now(request)}


@router.post("/web/orders", response_model=WebOrderOut, status_code=201, tags=["web"],
             responses=refusals(401, 403, 404, 409))
def web_order(request: Request, body: WebOrderIn, who: Principal = Depends(auth.channel)) -> dict:
    """Place a web (or app) order for home delivery or click-and-collect, as the online shop does."""
    order = weborders.WebOrder(
        fulfilment=body.fulfilment, pickup_store_id=body.pickup_store_id, customer_id=body.customer_id,
        card=body.card, contact=body.contact.model_dump(), coupons=list(body.coupons), prepaid=body.prepaid,
        lines=[weborders.WebLine(qty_milli=ln.qty_milli, sku=ln.sku, barcode=ln.barcode) for ln in body.lines],
        channel=who.channel or "web")
    now = _now(request)
    with request.app.state.db.connection() as conn:
        with transaction(conn):
            placed = weborders.place(conn, order, now)
    return {**placed, "server_time": now}
