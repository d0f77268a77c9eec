"""Request body limits and gzip-encoded request bodies, as plain ASGI middleware.

A body over :data:`MAX_BODY_BYTES` (8 MiB) is refused with 413 - as declared by
Content-Length before anything is read, or as soon as a chunked body passes the limit.
A body sent with ``Content-Encoding: gzip`` (a big event batch) is inflated here, with
the same limit on the inflated size, so a small bomb cannot blow up memory.
"""
from __future__ import annotations

import json
import zlib

from starlette.exceptions import HTTPException

MAX_BODY_BYTES = 8 * 1024 * 1024


async def _reply(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    return f"request body is larger than {limit // (1024 * 1024)} MiB; send fewer events per batch"


class BodyLimit:
    def __init__(self, app, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _reply(send, 400, "Content-Length is not a number")
                return
            if size > self.max_bytes:
                await _reply(send, 413, _too_large(self.max_bytes))
                return
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"identity", b"gzip", b""):
            await _reply(send, 415, "request bodies may be sent plain or with Content-Encoding: gzip")
            return
        if encoding == b"gzip":
            await self._gunzip(scope, receive, send)
            return
        seen = 0
        limit = self.max_bytes

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, limited, send)

    async def _gunzip(self, scope, receive, send) -> None:
        raw = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            raw += message.get("body", b"")
            if len(raw) > self.max_bytes:
                await _reply(send, 413, _too_large(self.max_bytes))
                return
            if not message.get("more_body"):
                break
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(bytes(raw), self.max_bytes + 1)
            if len(body) > self.max_bytes or inflater.unconsumed_tail:
                await _reply(send, 413, _too_large(self.max_bytes) + " (after gzip inflation)")
                return
            if not inflater.eof:
                raise zlib.error("truncated gzip stream")
        except zlib.error as exc:
            await _reply(send, 400, f"request body is not valid gzip: {exc}")
            return
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"content-encoding", b"content-length")]
        headers.append((b"content-length", str(len(body)).encode()))
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)
