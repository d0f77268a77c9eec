"""Running the API with uvicorn: in the foreground (``serve``) or in a background thread.

``serve_in_background`` binds 127.0.0.1 on a free port first and hands uvicorn the
socket, so a test knows the URL before the server starts and two tests never race for
a port.
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from .app import create_app


@dataclass
class RunningServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def serve_in_background(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 0, clock=time.time,
                        startup_timeout: float = 15.0) -> RunningServer:
    """Start central on ``host:port`` (0 = a free port) in a daemon thread; returns when it answers."""
    app = create_app(db_path, clock=clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # so asyncio sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="central-uvicorn")
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("central did not start; see the log above")
        time.sleep(0.02)
    bound_port = sock.getsockname()[1]
    return RunningServer(f"http://{host}:{bound_port}", server, thread)


def serve(db_path: str | Path, host: str, port: int) -> None:
    """Run central in the foreground until interrupted."""
    uvicorn.run(create_app(db_path), host=host, port=port, log_level="info")
