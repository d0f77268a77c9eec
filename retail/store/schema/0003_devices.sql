-- Vitrina local store, schema 3: the terminal's devices and its print queue.
-- hardware/devices.py reads and writes devices; hardware/queue.py owns print_jobs. Both
-- apps and the technician CLI (python -m hardware) open the same file, so a printer
-- configured on the technician screen is the printer the till uses.

-- One row per device kind this terminal has; a missing row means 'none' (not
-- configured). spec is the one-line form a technician types (printer
-- 'network:192.168.1.50:9100', drawer 'printer' or 'serial:/dev/ttyS0:9600', scanner
-- 'serial:/dev/ttyUSB0:9600;suffix=CR', payment 'tcp:127.0.0.1:8800' or 'emulator');
-- options is JSON of the kind's settings (paper width, code page slot, drawer pin ...).
CREATE TABLE devices (
    kind       TEXT PRIMARY KEY CHECK (kind IN ('printer', 'drawer', 'scanner', 'payment')),
    spec       TEXT NOT NULL,
    options    TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL
) STRICT;

-- Documents waiting for (or given to) the receipt printer. id is idempotent and says what
-- the job is for ('receipt:<sale id>', 'z_report:<shift id>'); a reprint is a new row
-- '<id>:copy<n>' with copy_of set, and copies counts the reprints of an original.
-- document is hardware.printing.Document.to_json(). Jobs print in seq order; a job that
-- the printer cannot take now (paper out, cover open, offline) stays 'queued' with
-- last_error / error_kind and is retried; 'printing' found at start-up means the process
-- died mid-job, and the job is queued again (a receipt printed twice beats one lost).
CREATE TABLE print_jobs (
    id         TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    document   TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'printing', 'printed', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    error_kind TEXT,
    lang       TEXT NOT NULL DEFAULT 'ru',
    copy_of    TEXT REFERENCES print_jobs(id),
    copies     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    printed_at INTEGER
) STRICT;
CREATE INDEX print_jobs_pending ON print_jobs(seq) WHERE status IN ('queued', 'printing');
CREATE INDEX print_jobs_kind ON print_jobs(kind, seq);
