"""A tiny loopback HTTP proxy for fault tests: forward, drop the answer, fail, or slow down.

It sits between a terminal and central on 127.0.0.1. Each request is forwarded as is
(body, headers, gzip and all) unless :attr:`Proxy.rule` says otherwise for it:

- ``"pass"``: forward, return central's answer;
- ``"drop"``: forward, let central commit, then close the connection without answering
  (the lost acknowledgement);
- ``"refuse"``: close the connection without forwarding (central unreachable);
- ``(status, body)`` or ``(status, body, headers)``: answer that instead, without
  forwarding (a 500 from a broken central, a 503 with Retry-After from a load balancer);
- ``("delay", seconds)``: forward after sleeping (a slow network);
- ``("strip", header)``: forward without that request header (a middlebox, or a server,
  that ignores ``Range``);
- ``("truncate", fraction)``: forward, then send central's status and headers (with the
  full Content-Length) but only that fraction of the body, and close: a cut answer, a
  cut gzip stream;
- ``"reset"``: forward, let central commit, then reset the connection (TCP RST) instead
  of answering; ``"reset_first"``: reset without forwarding;
- ``"duplicate"``: send the request to central twice (a retrying middlebox) and answer
  with the second answer; ``("duplicate", 0)`` answers with the first, ``("duplicate", 1)``
  with the second;
- ``("reorder", group)``: forward, then hold central's answer until ``group`` answers
  are held (or :attr:`Proxy.hold_s` passed since the first) and release them last-held
  first: concurrent requests get their answers out of order, each still its own.

``rule`` is a function ``(method, path, body_bytes) -> action``; the body is inflated
when it was sent gzip-compressed, so a rule can look for an event id. Every request is
logged in :attr:`Proxy.seen` as ``(method, path, action)``.
"""
from __future__ import annotations

import gzip
import http.client
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Action = str | tuple

HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


class Proxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parts.hostname, parts.port
        self.rule: Callable[[str, str, bytes], Action] = lambda method, path, body: "pass"
        self.seen: list[tuple[str, str, Action]] = []
        self.headers: list[dict[str, str]] = []   # each request's headers, in order
        self._lock = threading.Lock()
        self.hold_s = 0.5                          # longest a "reorder" answer is held
        self._held: list[threading.Event] = []     # answers waiting to be released, in arrival order
        self.released: list[str] = []              # paths of reordered answers, in the order sent
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                plain = body
                if self.headers.get("Content-Encoding", "").lower() == "gzip" and body:
                    try:
                        plain = gzip.decompress(body)
                    except OSError:
                        plain = body
                action = proxy.rule(self.command, self.path, plain)
                with proxy._lock:
                    proxy.seen.append((self.command, self.path, action))
                    proxy.headers.append({k.lower(): v for k, v in self.headers.items()})
                if action == "refuse":
                    self.close_connection = True
                    return
                if action == "reset_first":
                    self._reset()
                    return
                if isinstance(action, tuple) and action and isinstance(action[0], int):
                    status, text = action[0], action[1]
                    extra = action[2] if len(action) > 2 else {}
                    data = text.encode() if isinstance(text, str) else text
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if isinstance(action, tuple) and action[0] == "delay":
                    time.sleep(action[1])
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                if isinstance(action, tuple) and action[0] == "strip":
                    headers = {k: v for k, v in headers.items() if k.lower() != action[1].lower()}
                resp, data = self._forward(body, headers)
                if action == "duplicate" or (isinstance(action, tuple) and action[0] == "duplicate"):
                    again = self._forward(body, headers)
                    if action == "duplicate" or action[1] != 0:   # ("duplicate", 0) answers with the first
                        resp, data = again
                if action == "drop":
                    self.close_connection = True
                    return
                if action == "reset":
                    self._reset()
                    return
                if isinstance(action, tuple) and action[0] == "reorder":
                    proxy._hold(int(action[1]))
                    with proxy._lock:
                        proxy.released.append(self.path)
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_HEADERS and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if isinstance(action, tuple) and action[0] == "truncate":
                    self.wfile.write(data[:int(len(data) * action[1])])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def _forward(self, body: bytes, headers: dict) -> tuple[http.client.HTTPResponse, bytes]:
                upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body or None, headers=headers)
                    resp = upstream.getresponse()
                    return resp, resp.read()
                finally:
                    upstream.close()

            def _reset(self) -> None:
                """Close with SO_LINGER 0: the peer sees 'connection reset by peer'."""
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="test-proxy", daemon=True)
        self.thread.start()

    def _hold(self, group: int) -> None:
        """Wait in the held group; answers are released newest first.

        The answer that fills the group goes out at once and the others follow, newest
        first; a group that never fills is released by its oldest member when
        :attr:`hold_s` runs out, the others newest first and the oldest last.
        """
        mine = threading.Event()
        with self._lock:
            self._held.append(mine)
            full = len(self._held) >= max(1, group)
            if full:
                waiting, self._held = self._held[:-1], []
        if full:
            threading.Thread(target=self._release, args=(waiting[::-1], 0.05), daemon=True).start()
            return
        if mine.wait(self.hold_s):
            return
        with self._lock:
            if mine not in self._held:   # released by a newer member meanwhile
                return
            waiting, self._held = [e for e in self._held if e is not mine], []
        self._release(waiting[::-1], 0.0)
        time.sleep(0.02)

    @staticmethod
    def _release(events: list[threading.Event], first_after: float) -> None:
        time.sleep(first_after)
        for event in events:
            event.set()
            time.sleep(0.02)   # let that answer go out before the next one is released

    def requests_to(self, fragment: str) -> list[tuple[str, str, Action]]:
        with self._lock:
            return [s for s in self.seen if fragment in s[1]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
