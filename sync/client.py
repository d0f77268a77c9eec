"""The HTTP client for central (docs/protocol.md): one keep-alive Session per agent.

Every call carries the terminal's Bearer token and a (connect, read) timeout, asks for
gzip, and sends big event batches gzip-compressed. Answers are sorted into the
exception types of :mod:`sync.errors`, so the agent decides from the type alone whether
to retry with backoff (transport failures, 5xx), stop (401/403), restart a feed (410)
or shrink a batch (413). Each answer also yields a clock sample (``server_time`` or the
``Date`` header, corrected for the round trip) for :attr:`CentralClient.clock`.

The token never appears in a message or a log line this module writes.
"""
from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from .clock import ClockTracker, sample
from .errors import AuthError, CursorGone, ProtocolError, ServerError, TooLarge, TransportError

API = "/api/v1"
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0
GZIP_OVER_BYTES = 16 * 1024
OUTAGE_STATUSES = (429, 502, 503, 504)  # central busy or not there: plain retry, nobody to blame
USER_AGENT = "vitrina-sync/1"
DOWNLOAD_CHUNK = 1 << 16   # a cut-off download keeps all but the chunk it was in


def _detail(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return (resp.text or resp.reason or "").strip()[:300]
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return body["detail"][:300]
    return str(body)[:300]


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class RawAnswer:
    """An undecoded answer with what its clock sample needs."""

    content: bytes
    sent: float
    received: float
    date: str | None


class CentralClient:
    """Calls to one central for one terminal; thread-compatible (one call at a time per Session)."""

    def __init__(self, base_url: str, store: str, terminal: str, token: str, *,
                 timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                 clock: Callable[[], float] = time.time) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"central URL must start with http:// or https://, got {base_url!r}")
        if not token:
            raise ValueError("the terminal token is empty")
        self.base_url = base_url.rstrip("/")
        self.store, self.terminal = store, terminal
        self.timeout = timeout
        self._now = clock
        self.session = requests.Session()
        self.session.headers.update({
            "Authorization": f"Bearer {token}",
            "Accept-Encoding": "gzip",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        })
        self.clock = ClockTracker()
        self.last_contact_at: float | None = None   # local time of central's last answer (any status)
        self.reachable: bool | None = None

    def close(self) -> None:
        self.session.close()

    # ---------------------------------------------------------------- one request

    def _request(self, method: str, path: str, *, params: dict | None = None, body: bytes | None = None,
                 headers: dict | None = None, timeout: tuple[float, float] | None = None, raw: bool = False) -> Any:
        url = self.base_url + API + path
        sent = self._now()
        try:
            resp = self.session.request(method, url, params=params, data=body, headers=headers,
                                        timeout=timeout or self.timeout)
            content = resp.content  # read the whole body inside the try: a reset mid-body is transport
        except requests.Timeout as exc:
            self.reachable = False
            raise TransportError(f"central did not answer in time ({type(exc).__name__}): {self.base_url}") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            self.reachable = False
            raise TransportError(f"cannot reach central at {self.base_url}: {type(exc).__name__}") from None
        except requests.RequestException as exc:
            self.reachable = False
            raise TransportError(f"request to central failed: {type(exc).__name__}: {exc}") from None
        received = self._now()
        status = resp.status_code
        answer: Any = None
        if (status == 200 or status == 201) and not raw:
            answer = self._decode(content, path)
        server_time = answer.get("server_time") if isinstance(answer, dict) else None
        if not (raw and status == 200):  # a raw page is sampled once decoded (its server_time)
            self.clock.add(sample(sent, received, server_time, resp.headers.get("Date")))
        self._sort(resp, received)
        return RawAnswer(content, sent, received, resp.headers.get("Date")) if raw else answer

    def _sort(self, resp: requests.Response, received: float) -> None:
        """Note that central answered; raise the error type its status means (nothing for 200/201)."""
        status = resp.status_code
        if status in OUTAGE_STATUSES:
            self.reachable = False
            raise TransportError(f"central is unavailable (HTTP {status}): {_detail(resp)}", status=status,
                                 retry_after=_retry_after(resp))
        self.reachable = True
        self.last_contact_at = received
        if status in (200, 201):
            return
        if status in (401, 403):
            raise AuthError(f"central refused this terminal (HTTP {status}): {_detail(resp)}", status)
        if status == 410:
            raise CursorGone(_detail(resp) or "cursor is too old")
        if status == 413:
            raise TooLarge(f"central refused the request as too large: {_detail(resp)}")
        if status >= 500:
            raise ServerError(f"central failed (HTTP {status}): {_detail(resp)}", status=status,
                              retry_after=_retry_after(resp))
        raise ProtocolError(f"central refused the request (HTTP {status}): {_detail(resp)}", status=status)

    def _decode(self, content: bytes, path: str) -> Any:
        try:
            return json.loads(content)
        except ValueError:
            self.reachable = False
            raise TransportError(f"central's answer to {path} is not complete JSON") from None

    # ---------------------------------------------------------------- the protocol's calls

    def health(self) -> dict:
        answer = self._request("GET", "/health", timeout=(self.timeout[0], min(self.timeout[1], 10.0)))
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            raise ProtocolError(f"central's health answer is not ok: {str(answer)[:200]}")
        return answer

    def feed_page(self, feed: str, cursor: str, limit: int) -> dict:
        """One page of ``feed`` of this terminal's store after ``cursor``."""
        return self.decode_page(feed, self.feed_page_raw(feed, cursor, limit))

    def feed_page_raw(self, feed: str, cursor: str, limit: int) -> RawAnswer:
        """The page's JSON text, undecoded: what a background prefetch does.

        Decoding a big page is CPU work under the GIL; done in a second thread it would
        stall the thread writing the previous page (each SQLite step releases and takes
        the GIL back), so the writer decodes pages itself (:meth:`decode_page`).
        """
        return self._request("GET", f"/stores/{self.store}/feeds/{feed}", params={"cursor": cursor, "limit": limit},
                             raw=True)

    def decode_page(self, feed: str, raw: RawAnswer) -> dict:
        answer = self._decode(raw.content, f"the {feed} feed")
        if not isinstance(answer, dict):
            raise ProtocolError(f"feed {feed}: the page is not a JSON object")
        self.clock.add(sample(raw.sent, raw.received, answer.get("server_time"), raw.date))
        return answer

    def post_events(self, events: list[str]) -> dict:
        """Send events of this terminal, each its JSON text (:func:`sync.push.wire`); returns
        central's answer (results, acked_through)."""
        return self.post_encoded(self.encode_events(events))

    def encode_events(self, events: list[str]) -> tuple[bytes, dict]:
        """The request body of a batch (gzip-compressed when big) and its headers."""
        head = json.dumps({"store": self.store, "terminal": self.terminal}, ensure_ascii=False, separators=(",", ":"))
        body = f'{head[:-1]},"events":[{",".join(events)}]}}'.encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if len(body) > GZIP_OVER_BYTES:
            body = gzip.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        return body, headers

    def post_encoded(self, encoded: tuple[bytes, dict]) -> dict:
        """Send a batch made by :meth:`encode_events`."""
        body, headers = encoded
        answer = self._request("POST", "/events", body=body, headers=headers)
        if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
            raise ProtocolError("central's answer to the events has no results list")
        return answer

    def snapshot(self) -> dict | None:
        """The store's snapshot manifest (central.snapshots), or None when central has none to offer
        (``snapshot`` null; a central from before snapshots answers 404)."""
        try:
            answer = self._request("GET", f"/stores/{self.store}/snapshot")
        except ProtocolError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(answer, dict) or not (answer.get("snapshot") is None or isinstance(answer["snapshot"], dict)):
            raise ProtocolError("central's snapshot answer has no snapshot object")
        return answer["snapshot"]

    def download(self, name: str, write: Callable[[bytes], None], *, start: int = 0,
                 restart: Callable[[], None] | None = None) -> int:
        """Stream the snapshot file ``name`` to ``write`` as it arrives; returns the bytes received.

        Asked for as is (``Accept-Encoding: identity``): the file is compressed already.
        ``start`` > 0 asks for the rest from that byte (HTTP Range). A server that sends the
        whole file instead (200) gets ``restart()`` called first, so the caller starts over.
        """
        url = f"{self.base_url}{API}/stores/{self.store}/snapshot/{requests.utils.quote(name, safe='')}"
        headers = {"Accept-Encoding": "identity", "Accept": "application/gzip"}
        if start:
            headers["Range"] = f"bytes={start}-"
        received = 0
        try:
            with self.session.get(url, headers=headers, timeout=self.timeout, stream=True) as resp:
                if start and resp.status_code == 206:
                    sent_from = resp.headers.get("Content-Range", "")
                    if not sent_from.startswith(f"bytes {start}-"):
                        raise ProtocolError(f"central sent the snapshot as {sent_from!r}, "
                                            f"not from byte {start} as asked")
                elif resp.status_code == 200:
                    if start and restart is not None:
                        restart()
                    start = 0
                else:
                    resp.content  # noqa: B018 - the refusal's detail, for the message
                    self._sort(resp, self._now())
                for chunk in resp.iter_content(DOWNLOAD_CHUNK):
                    write(chunk)
                    received += len(chunk)
        except requests.Timeout as exc:
            self.reachable = False
            raise TransportError(f"central stopped sending the snapshot ({type(exc).__name__}) "
                                 f"after {start + received} bytes") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            self.reachable = False
            raise TransportError(f"the snapshot download broke off after {start + received} bytes: "
                                 f"{type(exc).__name__}") from None
        self.reachable = True
        self.last_contact_at = self._now()
        return received

    def order(self, number: str) -> dict:
        """One order of the chain by number (a till returning a web order asks this online)."""
        answer = self._request("GET", f"/stores/{self.store}/orders/{requests.utils.quote(number, safe='')}")
        if not isinstance(answer, dict) or not isinstance(answer.get("order"), dict):
            raise ProtocolError("central's order answer has no order")
        return answer["order"]
