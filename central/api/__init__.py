"""Central's HTTP API (FastAPI): feeds down, events up, order lookup, web orders.

``create_app(path)`` builds the app over a database file; ``serve_in_background`` runs it
with uvicorn in a thread on 127.0.0.1 (tests, demos, the sync agent's own tests).
"""
from .app import create_app
from .server import RunningServer, serve_in_background

__all__ = ["RunningServer", "create_app", "serve_in_background"]
