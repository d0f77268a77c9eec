-- Vitrina local store, schema 4: what the till keeps between screens and restarts.
-- (0002 is the sync agent's, 0003 the hardware layer's.)

-- A sale put aside ("suspend") to serve the next customer, resumed later on this till.
-- cart is retail.cart.Cart.to_dict() JSON, so lines, identified customer and coupons come
-- back exactly; total is the priced total when it was suspended, for the list. A resumed
-- sale keeps its row (resumed_at, resumed_by) so the trail shows who took it back.
CREATE TABLE suspended_sales (
    id          TEXT PRIMARY KEY,
    label       TEXT NOT NULL DEFAULT '',
    staff_id    TEXT NOT NULL,
    shift_id    TEXT,
    cart        TEXT NOT NULL,
    lines       INTEGER NOT NULL CHECK (lines > 0),
    total       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    resumed_at  INTEGER,
    resumed_by  TEXT
) STRICT;
CREATE INDEX suspended_sales_open ON suspended_sales(created_at) WHERE resumed_at IS NULL;

-- Kiosk baskets recalled at this till by their signed hand-off QR: a basket is taken
-- over once, so the same slip cannot be sold twice.
CREATE TABLE basket_recalls (
    basket_id   TEXT PRIMARY KEY,
    kiosk       TEXT NOT NULL,
    staff_id    TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    at          INTEGER NOT NULL
) STRICT;
