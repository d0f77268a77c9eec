"""``serve``: run the HTTP API."""
from __future__ import annotations

from .common import add_db


def register(sub) -> None:
    p = sub.add_parser("serve", help="run central's HTTP API")
    add_db(p, must_exist=False)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8700, help="port (default 8700)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..api.server import serve  # FastAPI and uvicorn load only for this command

    serve(args.db, args.host, args.port)
    return 0
