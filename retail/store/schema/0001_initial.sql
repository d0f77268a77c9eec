-- Vitrina local store, schema 1.
-- Conventions: money INTEGER kopecks; quantities INTEGER thousandths (qty_milli: 1 piece or
-- 1 kg = 1000); rates INTEGER basis points; times INTEGER unix seconds (UTC); ids TEXT
-- (UUIDv7 for records made here, central's ids for reference data); JSON in TEXT columns
-- only for data that is never queried by its parts.

-- Terminal identity and store settings (store_id, terminal_id, kind, language, offline
-- redemption cap, ...). Signing keys live in signing_keys.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    secret     BLOB NOT NULL,
    valid_from INTEGER NOT NULL DEFAULT 0,
    retired_at INTEGER
) STRICT;

-- Gapless per-terminal counters (receipt, shift, order, ...). Incremented inside the
-- transaction that uses the number, so a rolled back sale never burns one.
CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL CHECK (value >= 0)
) STRICT;

-- ---------------------------------------------------------------- reference data (feeds)

CREATE TABLE stores (
    id        TEXT PRIMARY KEY,
    name_ru   TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('store', 'warehouse')),
    city_ru   TEXT NOT NULL DEFAULT '',
    city_en   TEXT NOT NULL DEFAULT '',
    address   TEXT NOT NULL DEFAULT '',
    timezone  TEXT NOT NULL DEFAULT 'Europe/Moscow',
    pickup    INTEGER NOT NULL DEFAULT 1,     -- takes click-and-collect orders
    delivery_days INTEGER NOT NULL DEFAULT 2  -- typical lead time to this store / from it
) STRICT;

CREATE TABLE categories (
    id        TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES categories(id) ON DELETE SET NULL,
    name_ru   TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    sort      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX categories_parent ON categories(parent_id, sort);

CREATE TABLE brands (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

-- id is an explicit INTEGER PRIMARY KEY because product_search points at it: VACUUM may
-- renumber implicit rowids, never an INTEGER PRIMARY KEY. Rows are changed in place (ON
-- CONFLICT DO UPDATE, never INSERT OR REPLACE) so a product keeps its id and its barcodes.
CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL UNIQUE,
    name_ru     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    description_ru TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    category_id TEXT,
    brand_id    TEXT,
    unit        TEXT NOT NULL CHECK (unit IN ('pcs', 'kg')),
    vat_rate_bp INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    plu         INTEGER,                 -- scale item code for in-store weight barcodes
    image       TEXT NOT NULL DEFAULT '',
    attributes  TEXT NOT NULL DEFAULT '{}',
    related     TEXT NOT NULL DEFAULT '[]',
    active      INTEGER NOT NULL DEFAULT 1,
    location    TEXT NOT NULL DEFAULT '' -- aisle/shelf in this store, if known
) STRICT;
-- Browse pages walk one category at a time in name order. The key holds only the first
-- four letters of the name (SQLite sorts within a group of equal prefixes): a full-name
-- key is large and every product lands on a random page of it, which took a first load
-- of 1M SKUs ~10 s longer. It also covers the per-category count.
CREATE INDEX products_category ON products(category_id, active, substr(name_ru, 1, 4));
CREATE UNIQUE INDEX products_plu ON products(plu) WHERE plu IS NOT NULL;

-- Barcodes by retail.catalogue.barcode_key: a GTIN in its 13-digit (EAN-13) form (GTIN-8
-- as 8 digits, a GTIN-14 with an indicator digit as 14), so a UPC-A, an EAN-13 and a
-- GTIN-14 scan of one item find one row. Other codes are stored as given.
CREATE TABLE barcodes (
    code TEXT PRIMARY KEY,
    sku  TEXT NOT NULL REFERENCES products(sku) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX barcodes_sku ON barcodes(sku);

-- Search: a contentless FTS5 index (see retail.search). Product rows (rowid = products.id)
-- hold terms_for(product): the normalised (case-folded, ё -> е, punctuation -> space)
-- Russian and English names, each word once, and opaque tokens of the brand and the
-- category (a search within a category skips straight to its products); brand rows
-- (rowid = brand_rowid(id) < 0) hold the words of the brand's name behind a mark (brand
-- look-ups read only brand words), so renaming a brand rewrites one row. Prefix indexes make 1-4 letter prefixes cheap at a million SKUs
-- (without one, a prefix reads every matching word's list before the first row: 50-70 ms
-- for a 4-letter prefix of a rich vocabulary, 0.1 ms with it). Merging segments less
-- eagerly (automerge 16) takes a first load of 1M from ~17 s to ~10 s; queries stay ~2 ms.
-- Contentless keeps the file small; SQLite 3.40 has no contentless_delete, so
-- retail.catalogue deletes a row's old terms by recomputing them from the old row.
CREATE VIRTUAL TABLE product_search USING fts5(
    terms, content='', tokenize='unicode61 remove_diacritics 0', prefix='1 2 3 4'
);
INSERT INTO product_search(product_search, rank) VALUES ('automerge', 16);
INSERT INTO product_search(product_search, rank) VALUES ('crisismerge', 64);

-- Effective-dated price book of this store: kind 'regular' or 'label' (promotional shelf
-- price). The price at t is the row with the greatest valid_from <= t (valid_to > t).
CREATE TABLE prices (
    sku        TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('regular', 'label')),
    valid_from INTEGER NOT NULL,
    valid_to   INTEGER,
    price      INTEGER NOT NULL CHECK (price >= 0),
    PRIMARY KEY (sku, kind, valid_from)
) STRICT, WITHOUT ROWID;
-- Upcoming changes (new shelf labels to print) are found by when rows start and end.
CREATE INDEX prices_starts ON prices(valid_from);
CREATE INDEX prices_ends ON prices(valid_to) WHERE valid_to IS NOT NULL;

CREATE TABLE promotions (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    name_ru     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    params      TEXT NOT NULL,           -- JSON, validated by retail.pricing
    priority    INTEGER NOT NULL DEFAULT 100,
    exclusive   INTEGER NOT NULL DEFAULT 0,
    stackable   INTEGER NOT NULL DEFAULT 0,
    valid_from  INTEGER,
    valid_to    INTEGER,
    coupon_code TEXT,
    tier        TEXT,
    customer_id TEXT
) STRICT;
CREATE INDEX promotions_customer ON promotions(customer_id) WHERE customer_id IS NOT NULL;

-- Central's on-hand for this store as of the inventory feed version that set it.
CREATE TABLE stock (
    sku          TEXT PRIMARY KEY,
    on_hand_milli INTEGER NOT NULL,
    safety_milli INTEGER NOT NULL DEFAULT 0,
    reserved_milli INTEGER NOT NULL DEFAULT 0 CHECK (reserved_milli >= 0), -- held at central
                                             -- for open orders fulfilled from this store
    included_seq INTEGER NOT NULL DEFAULT 0  -- this terminal's outbox seq the figure reflects
) STRICT, WITHOUT ROWID;

-- Availability elsewhere in the network (other stores, the warehouse) for the endless aisle.
CREATE TABLE network_stock (
    sku         TEXT NOT NULL,
    location_id TEXT NOT NULL,
    available_milli INTEGER NOT NULL,
    PRIMARY KEY (sku, location_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL DEFAULT '',
    tier        TEXT NOT NULL DEFAULT 'base',
    balance     INTEGER NOT NULL DEFAULT 0,  -- points as of the customers feed version
    included_seq INTEGER NOT NULL DEFAULT 0, -- this terminal's outbox seq the balance reflects
    phone_last4 TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE loyalty_cards (
    number      TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    blocked     INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE INDEX loyalty_cards_customer ON loyalty_cards(customer_id);

CREATE TABLE staff (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    role      TEXT NOT NULL CHECK (role IN ('cashier', 'manager', 'technician')),
    pin_hash  TEXT NOT NULL,
    active    INTEGER NOT NULL DEFAULT 1
) STRICT;

-- Lockout state is local: it must work offline and never travels in a feed. Sign-in is by
-- PIN alone, so a wrong PIN says nothing about who typed it: retail.staff counts failures
-- per terminal (this file is one terminal), in the row keyed '*pin-pad*'.
CREATE TABLE staff_lockout (
    staff_id     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0
) STRICT;

-- ---------------------------------------------------------------- feed bookkeeping

-- One row per feed: the cursor and version applied, which of this terminal's outbox
-- sequence numbers central had already reflected in that version, and status for the
-- manager's console. A page and its cursor commit in one transaction.
CREATE TABLE feed_state (
    feed            TEXT PRIMARY KEY,
    cursor          TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 0,
    included_seq    INTEGER NOT NULL DEFAULT 0,
    rows            INTEGER NOT NULL DEFAULT 0,
    last_success_at INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER
) STRICT;

CREATE TABLE quarantine (
    id        INTEGER PRIMARY KEY,
    feed      TEXT NOT NULL,
    row_key   TEXT NOT NULL,
    reason    TEXT NOT NULL,
    payload   TEXT NOT NULL,
    at        INTEGER NOT NULL
) STRICT;

-- ---------------------------------------------------------------- what this terminal does

CREATE TABLE shifts (
    id          TEXT PRIMARY KEY,
    number      INTEGER NOT NULL UNIQUE,
    opened_by   TEXT NOT NULL,
    opened_at   INTEGER NOT NULL,
    float_amount INTEGER NOT NULL CHECK (float_amount >= 0),
    closed_by   TEXT,
    closed_at   INTEGER,
    counted     INTEGER,
    expected    INTEGER,
    z_report    TEXT                      -- JSON of the Z report written at close (reprints)
) STRICT;
CREATE UNIQUE INDEX shifts_one_open ON shifts((1)) WHERE closed_at IS NULL;

CREATE TABLE cash_movements (
    id        TEXT PRIMARY KEY,
    shift_id  TEXT NOT NULL REFERENCES shifts(id),
    kind      TEXT NOT NULL CHECK (kind IN ('float', 'in', 'out', 'sale', 'refund')),
    amount    INTEGER NOT NULL,            -- signed: into the drawer is positive
    staff_id  TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    sale_id   TEXT,
    approval_id TEXT,                      -- audit row of the manager's approval, if one was needed
    at        INTEGER NOT NULL
) STRICT;
CREATE INDEX cash_movements_shift ON cash_movements(shift_id);

CREATE TABLE sales (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,     -- human: STORE-TERMINAL-000123
    seq          INTEGER NOT NULL UNIQUE,  -- gapless receipt sequence of this terminal
    kind         TEXT NOT NULL CHECK (kind IN ('sale', 'return')),
    shift_id     TEXT REFERENCES shifts(id),
    staff_id     TEXT NOT NULL,
    customer_id  TEXT,
    card_masked  TEXT NOT NULL DEFAULT '',
    original_sale_id TEXT REFERENCES sales(id),
    original_number  TEXT NOT NULL DEFAULT '',  -- for returns of sales made elsewhere
    order_id     TEXT,
    subtotal     INTEGER NOT NULL,
    discount     INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    points_earned   INTEGER NOT NULL DEFAULT 0,
    points_redeemed INTEGER NOT NULL DEFAULT 0,
    approval_id  TEXT,                     -- audit row of the approval a return needed
    outbox_seq   INTEGER,                  -- the outbox event that carries it to central
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sales_shift ON sales(shift_id);
CREATE UNIQUE INDEX sales_approval ON sales(approval_id) WHERE approval_id IS NOT NULL;
CREATE INDEX sales_order ON sales(order_id) WHERE order_id IS NOT NULL;
CREATE INDEX sales_original ON sales(original_sale_id) WHERE original_sale_id IS NOT NULL;

CREATE TABLE sale_lines (
    sale_id     TEXT NOT NULL REFERENCES sales(id),
    line_no     INTEGER NOT NULL,
    sku         TEXT NOT NULL,
    name        TEXT NOT NULL,
    qty_milli   INTEGER NOT NULL,          -- negative on a return
    unit_price  INTEGER NOT NULL,
    base_amount INTEGER NOT NULL,
    discount    INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    vat_rate_bp INTEGER NOT NULL,
    vat_amount  INTEGER NOT NULL,
    adjustments TEXT NOT NULL DEFAULT '[]',
    original_line_no INTEGER,              -- on a return: the line it refunds
    PRIMARY KEY (sale_id, line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE tenders (
    id         TEXT PRIMARY KEY,
    sale_id    TEXT NOT NULL REFERENCES sales(id),
    kind       TEXT NOT NULL CHECK (kind IN ('cash', 'card', 'points', 'prepaid')),
    amount     INTEGER NOT NULL,           -- what the tender covers of the total
    tendered   INTEGER NOT NULL,           -- what was handed over (cash)
    change     INTEGER NOT NULL DEFAULT 0,
    reference  TEXT NOT NULL DEFAULT '',   -- payment terminal txn, masked card
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX tenders_sale ON tenders(sale_id);

-- Local stock movements, each tied to the outbox event that will carry it to central.
CREATE TABLE stock_movements (
    id         TEXT PRIMARY KEY,
    sku        TEXT NOT NULL,
    delta_milli INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    outbox_seq INTEGER NOT NULL,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX stock_movements_sku ON stock_movements(sku, outbox_seq);

-- Stock held for open orders taken here (kiosk, click-and-collect) until central's
-- inventory reflects them or the order ends.
CREATE TABLE holds (
    id         TEXT PRIMARY KEY,
    sku        TEXT NOT NULL,
    qty_milli  INTEGER NOT NULL CHECK (qty_milli > 0),
    order_id   TEXT NOT NULL,
    outbox_seq INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    released_at INTEGER
) STRICT;
CREATE INDEX holds_open ON holds(sku) WHERE released_at IS NULL;
CREATE INDEX holds_order ON holds(order_id) WHERE released_at IS NULL;

CREATE TABLE loyalty_events (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'reverse')),
    points      INTEGER NOT NULL,          -- signed effect on the balance
    sale_id     TEXT,
    outbox_seq  INTEGER NOT NULL,
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX loyalty_events_customer ON loyalty_events(customer_id, outbox_seq);

-- Orders: this store's click-and-collect and delivery orders from every channel (feed),
-- and the endless-aisle orders placed at this terminal.
CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    channel     TEXT NOT NULL CHECK (channel IN ('web', 'app', 'kiosk', 'pos')),
    fulfilment  TEXT NOT NULL CHECK (fulfilment IN ('delivery', 'pickup')),
    status      TEXT NOT NULL CHECK (status IN
                 ('placed', 'picking', 'ready', 'collected', 'cancelled', 'expired', 'delivered')),
    pickup_store_id TEXT,
    source_id   TEXT NOT NULL DEFAULT '',  -- where it ships from: a store or the warehouse
    customer_id TEXT,
    contact     TEXT NOT NULL DEFAULT '{}', -- name, phone, email, address (JSON)
    total       INTEGER NOT NULL,
    paid        INTEGER NOT NULL DEFAULT 0, -- prepaid amount
    pickup_code_hash TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    ready_at    INTEGER,
    expires_at  INTEGER,
    arrived_at  INTEGER,
    local       INTEGER NOT NULL DEFAULT 0  -- made on this terminal, not yet confirmed by a feed
) STRICT;
CREATE INDEX orders_status ON orders(status, pickup_store_id);

CREATE TABLE order_lines (
    order_id   TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_no    INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    name       TEXT NOT NULL,
    qty_milli  INTEGER NOT NULL CHECK (qty_milli > 0),
    unit_price INTEGER NOT NULL,
    amount     INTEGER NOT NULL,
    vat_rate_bp INTEGER NOT NULL DEFAULT 2000,
    returned_milli INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit (
    id          TEXT PRIMARY KEY,
    at          INTEGER NOT NULL,
    staff_id    TEXT NOT NULL,
    approver_id TEXT,
    action      TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_at ON audit(at);

-- The transactional outbox. seq is the terminal's gapless event sequence (AUTOINCREMENT
-- in the same transaction as the change, so a rollback burns nothing); central
-- de-duplicates by (terminal, seq) and by id.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'acked', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    acked_at     INTEGER,
    result       TEXT
) STRICT;
CREATE INDEX outbox_pending ON outbox(status, seq);
