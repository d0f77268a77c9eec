-- Vitrina local store, schema 2: what the sync agent and the apps share.
-- The agent is its own process; the POS and kiosk talk to it only through these tables
-- (ARCHITECTURE.md): the manager's "Sync now" inserts a request row, the console and the
-- offline banner read the status row. sync/status.py is the reader API.

-- "Sync now" presses and CLI requests. A running agent polls for rows with started_at NULL
-- and starts a cycle within two seconds; it stamps started_at when it takes them and
-- done_at with result ('ok' or why it failed) when the cycle ends.
CREATE TABLE sync_requests (
    id           INTEGER PRIMARY KEY,
    requested_at INTEGER NOT NULL,
    requested_by TEXT NOT NULL DEFAULT '',
    started_at   INTEGER,
    done_at      INTEGER,
    result       TEXT
) STRICT;
CREATE INDEX sync_requests_open ON sync_requests(started_at) WHERE done_at IS NULL;

-- The agent's state, one row (id = 1). heartbeat_at is refreshed every few seconds while
-- the agent runs, so a reader can tell a live agent from one that was killed (running
-- stays 1 after a SIGKILL). progress is JSON {feed: {"done": rows, "estimated": rows}} of
-- the cycle under way. reachable / last_contact_at say whether central answered last time
-- and when it last did; stopped_reason says why the agent gave up (e.g. 'bad token').
CREATE TABLE sync_status (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    running         INTEGER NOT NULL DEFAULT 0,
    pid             INTEGER,
    started_at      INTEGER,
    heartbeat_at    INTEGER,
    phase           TEXT NOT NULL DEFAULT 'idle',
    progress        TEXT NOT NULL DEFAULT '{}',
    cycle_started_at INTEGER,
    last_cycle_at   INTEGER,
    last_cycle_ok   INTEGER,
    last_error      TEXT,
    next_run_at     INTEGER,
    reachable       INTEGER NOT NULL DEFAULT 0,
    last_contact_at INTEGER,
    clock_offset_s  REAL,
    stopped_reason  TEXT,
    stopped_at      INTEGER
) STRICT;
INSERT INTO sync_status(id) VALUES (1);

-- A quarantined row is cleared when a good version of the same key arrives. Rows held back
-- only because what they point at had not arrived yet (a price of a product the catalogue
-- feed has not delivered) have retry = 1 and are applied once it is there; included_seq
-- keeps the page's included[terminal] for stock rows applied later.
ALTER TABLE quarantine ADD COLUMN retry INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quarantine ADD COLUMN included_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX quarantine_key ON quarantine(feed, row_key);
CREATE INDEX quarantine_retry ON quarantine(feed) WHERE retry = 1;

-- A feed restarted from "" after 410 Gone (its cursor fell behind central's tombstones):
-- keys delivered since the restart are remembered here, so when the full pass ends the
-- local rows central no longer has (whose tombstones were missed) can be removed.
CREATE TABLE feed_resync (
    feed       TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL
) STRICT;
CREATE TABLE feed_resync_keys (
    feed TEXT NOT NULL,
    key  TEXT NOT NULL,
    PRIMARY KEY (feed, key)
) STRICT, WITHOUT ROWID;
