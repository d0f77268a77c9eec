"""``status [--json]``: what the manager's console shows, from the local store."""
from __future__ import annotations

import json
import time

from ..status import SyncStatus, read_status
from .common import add_db, open_store


def register(sub) -> None:
    p = sub.add_parser("status", help="show sync status (feeds, outbox, quarantine, agent)")
    add_db(p)
    p.add_argument("--json", action="store_true", help="print JSON (the same facts as sync.status.read_status)")
    p.set_defaults(run=run)


def _when(t: int | None) -> str:
    return "never" if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def render(s: SyncStatus) -> str:
    lines = [f"terminal   {s.terminal_id or '?'} of store {s.store_id or '?'} -> {s.central_url or 'not registered'}",
             f"agent      {'running' if s.running else 'not running'} ({s.phase})"
             + (f", stopped: {s.stopped_reason}" if s.stopped_reason else ""),
             f"central    {'online' if s.online else 'not reached since ' + _when(s.offline_since)}"
             + ("" if s.clock_offset_s is None else f", clock offset {s.clock_offset_s:+.1f} s"),
             f"outbox     {s.outbox.pending} pending, {s.outbox.acked} acked, {s.outbox.dead} dead",
             f"quarantine {s.quarantined} rows"]
    if s.last_error:
        lines.append(f"last error {s.last_error}")
    for f in s.feeds.values():
        p = s.progress.get(f.feed)
        bar = f"  {p.done}/{p.estimated}" if p else ""
        err = f"  ERROR {f.last_error}" if f.last_error else ""
        lines.append(f"  {f.feed:<11} cursor {f.cursor or '-':>10}  rows {f.rows:>9}  ok {_when(f.last_success_at)}{bar}{err}")
    lines += [f"warning: {w}" for w in s.warnings]
    return "\n".join(lines)


def run(args) -> int:
    conn = open_store(args.db)
    try:
        s = read_status(conn)
    finally:
        conn.close()
    print(json.dumps(s.as_json(), ensure_ascii=False, indent=2) if args.json else render(s))
    return 0
