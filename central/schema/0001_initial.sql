-- Vitrina central (reference HQ service), schema 1.
-- Conventions as on the terminal: money INTEGER kopecks; quantities INTEGER thousandths
-- (*_milli); rates INTEGER basis points; times INTEGER unix seconds UTC; JSON in TEXT
-- columns only for data never queried by its parts.
--
-- Feeds and versions. One chain-wide counter (clock) numbers every change. Every row a
-- feed serves carries the `version` of its last change, with an index on
-- (<scope column>, version), so a feed page is an indexed range scan
-- `version > cursor ORDER BY version LIMIT n` over the rows themselves: each key appears
-- once, at its latest value, and a chain-wide row (a product) is one row every store
-- reads, not a copy per store. A deleted row leaves a tombstone (feed, scope, key,
-- version); scope '' is chain-wide, otherwise a store id.

CREATE TABLE clock (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL CHECK (version >= 0)
) STRICT;
INSERT INTO clock(id, version) VALUES (1, 0);

CREATE TABLE tombstones (
    feed    TEXT NOT NULL,
    scope   TEXT NOT NULL,          -- '' chain-wide, else a store id
    key     TEXT NOT NULL,          -- the feed key (inventory: '<location>:<sku>')
    version INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (feed, scope, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX tombstones_version ON tombstones(feed, scope, version);

-- Tombstones older than the horizon are purged; a cursor older than `version` here can
-- no longer see every delete and gets 410 Gone.
CREATE TABLE tombstone_horizon (
    feed    TEXT NOT NULL,
    scope   TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (feed, scope)
) STRICT, WITHOUT ROWID;

CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL CHECK (value >= 0)
) STRICT;

-- ---------------------------------------------------------------- the chain

CREATE TABLE locations (
    id            TEXT PRIMARY KEY CHECK (id GLOB '[A-Z0-9]*' AND length(id) BETWEEN 1 AND 12),
    name_ru       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('store', 'warehouse')),
    city_ru       TEXT NOT NULL DEFAULT '',
    city_en       TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    timezone      TEXT NOT NULL DEFAULT 'Europe/Moscow',
    pickup        INTEGER NOT NULL DEFAULT 1 CHECK (pickup IN (0, 1)),
    delivery_days INTEGER NOT NULL DEFAULT 2 CHECK (delivery_days >= 0),
    version       INTEGER NOT NULL
) STRICT;
CREATE INDEX locations_version ON locations(version);

CREATE TABLE terminals (
    store_id      TEXT NOT NULL REFERENCES locations(id),
    terminal_id   TEXT NOT NULL CHECK (terminal_id GLOB '[A-Z0-9]*' AND length(terminal_id) BETWEEN 1 AND 12),
    kind          TEXT NOT NULL CHECK (kind IN ('pos', 'kiosk')),
    token_hash    TEXT NOT NULL UNIQUE,   -- sha256 hex of the bearer token
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    acked_through INTEGER NOT NULL DEFAULT 0,  -- highest contiguous seq with a final answer
    PRIMARY KEY (store_id, terminal_id)
) STRICT, WITHOUT ROWID;

-- Tokens of other channels (the web shop): they may place web orders, nothing else.
CREATE TABLE channel_tokens (
    token_hash TEXT PRIMARY KEY,
    channel    TEXT NOT NULL CHECK (channel IN ('web', 'app')),
    label      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE store_settings (
    store_id TEXT NOT NULL REFERENCES locations(id),
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,               -- JSON
    version  INTEGER NOT NULL,
    PRIMARY KEY (store_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX store_settings_version ON store_settings(store_id, version);

CREATE TABLE signing_keys (
    store_id   TEXT NOT NULL REFERENCES locations(id),
    kid        TEXT NOT NULL,
    secret     TEXT NOT NULL,             -- hex
    valid_from INTEGER NOT NULL DEFAULT 0,
    retired_at INTEGER,
    version    INTEGER NOT NULL,
    PRIMARY KEY (store_id, kid)
) STRICT, WITHOUT ROWID;
CREATE INDEX signing_keys_version ON signing_keys(store_id, version);

CREATE TABLE staff (
    store_id TEXT NOT NULL REFERENCES locations(id),
    id       TEXT NOT NULL,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL CHECK (role IN ('cashier', 'manager', 'technician')),
    pin_hash TEXT NOT NULL,
    active   INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version  INTEGER NOT NULL,
    PRIMARY KEY (store_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX staff_version ON staff(store_id, version);

-- ---------------------------------------------------------------- catalogue

CREATE TABLE categories (
    id        TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES categories(id) DEFERRABLE INITIALLY DEFERRED,
    name_ru   TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    sort      INTEGER NOT NULL DEFAULT 0,
    version   INTEGER NOT NULL
) STRICT;
CREATE INDEX categories_version ON categories(version);

CREATE TABLE brands (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    version INTEGER NOT NULL
) STRICT;
CREATE INDEX brands_version ON brands(version);

CREATE TABLE products (
    sku            TEXT PRIMARY KEY,
    name_ru        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_ru TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    category_id    TEXT REFERENCES categories(id) DEFERRABLE INITIALLY DEFERRED,
    brand_id       TEXT REFERENCES brands(id) DEFERRABLE INITIALLY DEFERRED,
    unit           TEXT NOT NULL CHECK (unit IN ('pcs', 'kg')),
    vat_rate_bp    INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    plu            INTEGER,
    image          TEXT NOT NULL DEFAULT '',
    attributes     TEXT NOT NULL DEFAULT '{}',
    related        TEXT NOT NULL DEFAULT '[]',
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    location       TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL
) STRICT;
CREATE INDEX products_version ON products(version);
CREATE UNIQUE INDEX products_plu ON products(plu) WHERE plu IS NOT NULL;

-- A barcode change bumps its product's version: barcodes travel inside the product row.
CREATE TABLE barcodes (
    code TEXT PRIMARY KEY,
    sku  TEXT NOT NULL REFERENCES products(sku) DEFERRABLE INITIALLY DEFERRED
) STRICT, WITHOUT ROWID;
CREATE INDEX barcodes_sku ON barcodes(sku);

-- Effective-dated price book per store (the warehouse's book prices home delivery).
CREATE TABLE prices (
    store_id   TEXT NOT NULL REFERENCES locations(id),
    sku        TEXT NOT NULL REFERENCES products(sku) DEFERRABLE INITIALLY DEFERRED,
    kind       TEXT NOT NULL CHECK (kind IN ('regular', 'label')),
    valid_from INTEGER NOT NULL,
    valid_to   INTEGER,
    price      INTEGER NOT NULL CHECK (price >= 0),
    version    INTEGER NOT NULL,
    PRIMARY KEY (store_id, sku, kind, valid_from)
) STRICT, WITHOUT ROWID;
CREATE INDEX prices_version ON prices(store_id, version);

-- store_id NULL: chain-wide.
CREATE TABLE promotions (
    id          TEXT PRIMARY KEY,
    store_id    TEXT REFERENCES locations(id),
    kind        TEXT NOT NULL,
    name_ru     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    params      TEXT NOT NULL,            -- JSON, validated by retail.pricing on write
    priority    INTEGER NOT NULL DEFAULT 100,
    exclusive   INTEGER NOT NULL DEFAULT 0 CHECK (exclusive IN (0, 1)),
    stackable   INTEGER NOT NULL DEFAULT 0 CHECK (stackable IN (0, 1)),
    valid_from  INTEGER,
    valid_to    INTEGER,
    coupon_code TEXT,
    tier        TEXT,
    customer_id TEXT,
    version     INTEGER NOT NULL
) STRICT;
CREATE INDEX promotions_version ON promotions(store_id, version);

-- ---------------------------------------------------------------- stock

-- reserved_milli caches SUM(open reservations) of this location and SKU; it changes
-- in the same transaction as the reservations, with the row's version.
CREATE TABLE stock (
    location_id    TEXT NOT NULL REFERENCES locations(id),
    sku            TEXT NOT NULL REFERENCES products(sku) DEFERRABLE INITIALLY DEFERRED,
    on_hand_milli  INTEGER NOT NULL,
    safety_milli   INTEGER NOT NULL DEFAULT 0 CHECK (safety_milli >= 0),
    reserved_milli INTEGER NOT NULL DEFAULT 0 CHECK (reserved_milli >= 0),
    version        INTEGER NOT NULL,
    PRIMARY KEY (location_id, sku)
) STRICT, WITHOUT ROWID;
CREATE INDEX stock_version ON stock(version);

-- Every change of on-hand that came from an event or an order, by the id its maker gave
-- it: a retried event can never move stock twice.
CREATE TABLE stock_movements (
    id          TEXT PRIMARY KEY,
    location_id TEXT NOT NULL REFERENCES locations(id),
    sku         TEXT NOT NULL REFERENCES products(sku),
    delta_milli INTEGER NOT NULL,
    reason      TEXT NOT NULL,            -- sale, return, pickup, import
    ref_id      TEXT NOT NULL,            -- sale id, order id, ...
    event_id    TEXT,
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX stock_movements_ref ON stock_movements(ref_id);

-- ---------------------------------------------------------------- customers and loyalty

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL DEFAULT '',
    tier        TEXT NOT NULL DEFAULT 'base',
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL
) STRICT;
CREATE INDEX customers_version ON customers(version);
CREATE INDEX customers_phone ON customers(phone) WHERE phone != '';

CREATE TABLE cards (
    number      TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) DEFERRABLE INITIALLY DEFERRED,
    blocked     INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX cards_customer ON cards(customer_id);

-- Loyalty is events, not balances: balance = SUM(points). The id is the one the terminal
-- gave the entry, so a retried sale can never earn twice.
CREATE TABLE loyalty_ledger (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) DEFERRABLE INITIALLY DEFERRED,
    kind        TEXT NOT NULL CHECK (kind IN ('opening', 'earn', 'redeem', 'reverse', 'adjust')),
    points      INTEGER NOT NULL,         -- signed effect on the balance
    sale_id     TEXT,
    event_id    TEXT,
    store_id    TEXT,
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX loyalty_ledger_customer ON loyalty_ledger(customer_id, points);

-- ---------------------------------------------------------------- orders

CREATE TABLE orders (
    id               TEXT PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('web', 'app', 'kiosk', 'pos')),
    fulfilment       TEXT NOT NULL CHECK (fulfilment IN ('delivery', 'pickup')),
    status           TEXT NOT NULL CHECK (status IN
                      ('placed', 'picking', 'ready', 'collected', 'cancelled', 'expired', 'delivered')),
    pickup_store_id  TEXT REFERENCES locations(id),
    source_id        TEXT NOT NULL REFERENCES locations(id),
    customer_id      TEXT,
    contact          TEXT NOT NULL DEFAULT '{}',
    total            INTEGER NOT NULL CHECK (total >= 0),
    paid             INTEGER NOT NULL DEFAULT 0 CHECK (paid >= 0),
    payment          TEXT NOT NULL DEFAULT '{}',
    pickup_code_hash TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    ready_at         INTEGER,
    expires_at       INTEGER,
    arrived_at       INTEGER,
    collected_at     INTEGER,
    origin_store_id  TEXT,                -- the terminal that took it, if any
    origin_terminal_id TEXT,
    event_id         TEXT,
    version          INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_pickup_version ON orders(pickup_store_id, version);
CREATE INDEX orders_source_version ON orders(source_id, version);

CREATE TABLE order_lines (
    order_id       TEXT NOT NULL REFERENCES orders(id),
    line_no        INTEGER NOT NULL,
    sku            TEXT NOT NULL REFERENCES products(sku),
    name           TEXT NOT NULL,
    qty_milli      INTEGER NOT NULL CHECK (qty_milli > 0),
    unit_price     INTEGER NOT NULL CHECK (unit_price >= 0),
    amount         INTEGER NOT NULL CHECK (amount >= 0),
    vat_rate_bp    INTEGER NOT NULL,
    returned_milli INTEGER NOT NULL DEFAULT 0 CHECK (returned_milli BETWEEN 0 AND qty_milli),
    PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;

-- Stock held at the order's source location until it is collected, cancelled or expires.
CREATE TABLE reservations (
    order_id    TEXT NOT NULL REFERENCES orders(id),
    line_no     INTEGER NOT NULL,
    location_id TEXT NOT NULL REFERENCES locations(id),
    sku         TEXT NOT NULL REFERENCES products(sku),
    qty_milli   INTEGER NOT NULL CHECK (qty_milli > 0),
    created_at  INTEGER NOT NULL,
    released_at INTEGER,
    PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;
CREATE INDEX reservations_open ON reservations(location_id, sku) WHERE released_at IS NULL;

CREATE TABLE order_history (
    id        INTEGER PRIMARY KEY,
    order_id  TEXT NOT NULL REFERENCES orders(id),
    status    TEXT NOT NULL,
    applied   INTEGER NOT NULL CHECK (applied IN (0, 1)),  -- 0: arrived late, status kept
    at        INTEGER NOT NULL,
    staff_id  TEXT,
    source    TEXT NOT NULL,              -- 'web', 'event:<id>', 'central'
    note      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX order_history_order ON order_history(order_id, id);

-- "The shopper is notified": the message central sent (or would hand to an SMS gateway).
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders(id),
    kind       TEXT NOT NULL,             -- ready
    recipient  TEXT NOT NULL,             -- masked phone / e-mail
    message    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (order_id, kind)
) STRICT;

-- ---------------------------------------------------------------- what terminals did

CREATE TABLE sales (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('sale', 'return')),
    store_id         TEXT NOT NULL,
    terminal_id      TEXT NOT NULL,
    number           TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    shift_id         TEXT,
    staff_id         TEXT,
    customer_id      TEXT,
    order_id         TEXT,
    original_sale_id TEXT,
    original_number  TEXT NOT NULL DEFAULT '',
    subtotal         INTEGER NOT NULL,
    discount         INTEGER NOT NULL,
    total            INTEGER NOT NULL,
    tenders          TEXT NOT NULL DEFAULT '[]',
    created_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX sales_number ON sales(number);
CREATE INDEX sales_store ON sales(store_id, created_at);

CREATE TABLE sale_lines (
    sale_id          TEXT NOT NULL REFERENCES sales(id),
    line_no          INTEGER NOT NULL,
    sku              TEXT NOT NULL,
    qty_milli        INTEGER NOT NULL,
    unit_price       INTEGER NOT NULL,
    base_amount      INTEGER NOT NULL,
    discount         INTEGER NOT NULL,
    amount           INTEGER NOT NULL,
    vat_rate_bp      INTEGER NOT NULL,
    vat_amount       INTEGER NOT NULL,
    adjustments      TEXT NOT NULL DEFAULT '[]',
    original_line_no INTEGER,
    returned_milli   INTEGER NOT NULL DEFAULT 0,  -- on a sale: how much came back
    PRIMARY KEY (sale_id, line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE shifts (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    number       INTEGER NOT NULL,
    opened_at    INTEGER,
    opened_by    TEXT,
    float_amount INTEGER,
    closed_at    INTEGER,
    closed_by    TEXT,
    counted      INTEGER,
    expected     INTEGER
) STRICT;

CREATE TABLE cash_movements (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    shift_id    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    reason      TEXT NOT NULL DEFAULT '',
    staff_id    TEXT,
    at          INTEGER NOT NULL
) STRICT;

-- The event ledger: every event a terminal sent, with the answer central gave. Kept
-- forever (the audit trail); the de-duplication record of each applied event commits
-- in the same transaction as its effects.
CREATE TABLE events (
    store_id     TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    id           TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,           -- as received (canonical JSON)
    payload_hash TEXT NOT NULL,           -- as the terminal claimed it
    status       TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    result       TEXT,                    -- JSON
    reason       TEXT,
    created_at   INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    PRIMARY KEY (store_id, terminal_id, seq),
    FOREIGN KEY (store_id, terminal_id) REFERENCES terminals(store_id, terminal_id)
) STRICT;

-- Retries that conflicted with the ledger (an id or a seq reused): answered `rejected`
-- every time, and written down here for the audit.
CREATE TABLE event_conflicts (
    id           INTEGER PRIMARY KEY,
    store_id     TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    event_id     TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    reason       TEXT NOT NULL,
    at           INTEGER NOT NULL,        -- first time it was seen
    UNIQUE (store_id, terminal_id, seq, event_id, payload_hash)
) STRICT;
