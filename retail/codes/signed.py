"""HMAC-signed QR codes that carry authority: pickup, receipt (for returns), basket hand-off.

A shopper's phone or a kiosk slip shows the code; a till scans it. Anyone can print a QR,
so the till must refuse one that was forged or edited: every code carries an HMAC-SHA256
tag (truncated to 16 bytes, 128 bits) made with the store's secret key, and an expiry.

Wire format::

    VT1.<kid>.<base64url(body || tag)>       (no padding)

``VT1`` is the format version; ``kid`` names the store key (letters, digits, ``-``,
``_``; up to 16) so keys can rotate: old codes keep verifying while their key is still
in the mapping given to :func:`verify`. The tag covers ``"VT1.<kid>."`` and the body, so
the kid cannot be swapped either. ``body`` is a positional binary record, not JSON, to
keep the QR small (a smaller QR version scans faster from a phone screen):

- one byte kind: ``P`` pickup, ``R`` receipt, ``B`` basket; lower case when the rest is
  raw-DEFLATE compressed (chosen only when that is shorter, e.g. long baskets);
- ``expires_at`` as an unsigned LEB128 varint (unix seconds);
- the kind's fields in a fixed order. Text is a varint ``n`` then ``n - 1`` UTF-8 bytes,
  except ``n = 0``, which is followed by the 16 bytes of a UUID and stands for its
  canonical lower-case text (the ids from :mod:`retail.ids`), saving 20 bytes. Basket
  lines are a varint count, then (sku text, qty_milli varint) per line.

Fields are positional, so equal payloads always give the same bytes and the same code.

Typical sizes: a pickup code (order ``MSK1-K1-000123``, a 6-digit secret, kid ``s1``)
is 66 characters (QR version 4 at error correction L, 5 at M); a receipt code with a
UUID sale id is about 85 (version 6 at M); a 40-line basket of ``SKU-0000nn`` items
compresses to about 250 (version 11 at M), and 40 incompressible 10-character SKUs take
about 700 (version 17 at M).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType

from . import CodeError

PREFIX = "VT1."
TAG_BYTES = 16
MIN_KEY_BYTES = 16
MAX_TEXT_BYTES = 100
MAX_BASKET_LINES = 60
MAX_QTY_MILLI = 10**9
_MAX_BODY = 16_384  # decompressed; far above MAX_BASKET_LINES lines of MAX_TEXT_BYTES
_KID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_CODE = re.compile(r"VT1\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]+)")
_OTHER_VERSION = re.compile(r"VT(\d+)\.")

# kind -> (tag byte, fields). Field types: "text" or "lines".
KINDS: Mapping[str, tuple[str, tuple[tuple[str, str], ...]]] = MappingProxyType(
    {
        "pickup": ("P", (("order", "text"), ("secret", "text"))),
        "receipt": ("R", (("receipt", "text"), ("sale_id", "text"), ("store", "text"))),
        "basket": (
            "B",
            (("basket_id", "text"), ("store", "text"), ("terminal", "text"), ("lines", "lines")),
        ),
    }
)
_KIND_BY_TAG = {tag: kind for kind, (tag, _) in KINDS.items()}


class SignatureError(CodeError):
    """A signed code that must be refused. ``reason`` is one of ``malformed``,
    ``unknown_key``, ``forged``, ``wrong_kind``, ``expired`` (for the UI to pick its
    translated message); ``expires_at`` is set for ``expired``."""

    def __init__(self, message: str, reason: str, *, expires_at: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.expires_at = expires_at


@dataclass(frozen=True)
class SignedPayload:
    """A verified code: its kind, the payload fields, the key id and the expiry."""

    kind: str
    payload: Mapping[str, object] = field(hash=False)
    kid: str
    expires_at: int


# --------------------------------------------------------------------------- encoding


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _text(value: str) -> bytes:
    try:
        if len(value) == 36 and str(uuid.UUID(value)) == value:
            return b"\x00" + uuid.UUID(value).bytes
    except ValueError:
        pass
    raw = value.encode("utf-8")
    return _varint(len(raw) + 1) + raw


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CodeError(f"{name} must be a whole number {low}-{high}, got {value!r}")
    return value


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise CodeError(f"{name} must be text, got {type(value).__name__}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise CodeError(f"{name} contains characters that cannot be encoded") from None
    if not value or size > MAX_TEXT_BYTES:
        raise CodeError(f"{name} must be 1-{MAX_TEXT_BYTES} bytes of text, got {size}")
    return value


def _check_lines(value: object) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, (list, tuple)):
        raise CodeError("basket lines must be a list of (sku, qty_milli) pairs")
    if not 1 <= len(value) <= MAX_BASKET_LINES:
        raise CodeError(
            f"a basket code holds 1-{MAX_BASKET_LINES} lines, this basket has {len(value)}; "
            "hand it over as an order instead"
        )
    lines = []
    for i, line in enumerate(value, 1):
        if not isinstance(line, (list, tuple)) or len(line) != 2:
            raise CodeError(f"basket line {i} must be a (sku, qty_milli) pair, got {line!r}")
        sku = _check_text(f"basket line {i} sku", line[0])
        qty = _check_int(f"basket line {i} qty_milli", line[1], 1, MAX_QTY_MILLI)
        lines.append((sku, qty))
    return tuple(lines)


def _normalised(kind: str, payload: Mapping[str, object]) -> dict[str, object]:
    if kind not in KINDS:
        raise CodeError(f"unknown code kind {kind!r}; use one of {', '.join(KINDS)}")
    if not isinstance(payload, Mapping):
        raise CodeError(f"{kind} payload must be a mapping")
    names = [name for name, _ in KINDS[kind][1]]
    missing = [n for n in names if n not in payload]
    extra = sorted(str(k) for k in payload if k not in names)
    if missing or extra:
        raise CodeError(
            f"{kind} payload needs exactly {', '.join(names)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(extra)}" if extra else "")
        )
    out: dict[str, object] = {}
    for name, ftype in KINDS[kind][1]:
        out[name] = _check_lines(payload[name]) if ftype == "lines" else _check_text(name, payload[name])
    return out


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign(kind: str, payload: Mapping[str, object], key: bytes, kid: str, expires_at: int) -> str:
    """Make a signed code of ``kind`` ("pickup", "receipt", "basket") valid until ``expires_at``.

    Payload fields: pickup ``order``, ``secret``; receipt ``receipt``, ``sale_id``,
    ``store``; basket ``basket_id``, ``store``, ``terminal``, ``lines`` (a list of
    ``(sku, qty_milli)``). Raises :class:`CodeError` for a payload that does not fit.
    """
    fields = _normalised(kind, payload)
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_KEY_BYTES:
        raise CodeError(f"signing key must be bytes, at least {MIN_KEY_BYTES} of them")
    if not isinstance(kid, str) or not _KID.fullmatch(kid):
        raise CodeError(f"key id must be 1-16 letters, digits, '-' or '_', got {kid!r}")
    _check_int("expires_at", expires_at, 0, 2**63 - 1)
    rest = bytearray(_varint(expires_at))
    for name, ftype in KINDS[kind][1]:
        value = fields[name]
        if ftype == "lines":
            rest += _varint(len(value))  # type: ignore[arg-type]
            for sku, qty in value:  # type: ignore[union-attr]
                rest += _text(sku) + _varint(qty)
        else:
            rest += _text(value)  # type: ignore[arg-type]
    tag = KINDS[kind][0]
    body = tag.encode() + bytes(rest)
    packed = _deflate(bytes(rest))
    if len(packed) < len(rest):
        body = tag.lower().encode() + packed
    head = f"{PREFIX}{kid}."
    mac = hmac.new(bytes(key), head.encode() + body, hashlib.sha256).digest()[:TAG_BYTES]
    return head + _b64(body + mac)


# --------------------------------------------------------------------------- decoding


def _malformed(detail: str) -> SignatureError:
    return SignatureError(f"damaged Vitrina code ({detail}); scan it again", "malformed")


def _split(code: object) -> tuple[str, bytes]:
    """(kid, body || tag) of a well-formed code, or SignatureError('malformed')."""
    if not isinstance(code, str):
        raise SignatureError("not a Vitrina code: it is not text", "malformed")
    if not code.startswith(PREFIX):
        other = _OTHER_VERSION.match(code)
        if other:
            raise SignatureError(
                f"this code was made by a newer Vitrina (format VT{other[1]}); update this terminal",
                "malformed",
            )
        raise SignatureError("not a Vitrina code", "malformed")
    m = _CODE.fullmatch(code)
    if not m:
        raise _malformed("unexpected characters or missing parts")
    blob = m[2]
    try:
        data = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    except (binascii.Error, ValueError):
        raise _malformed("bad base64") from None
    if _b64(data) != blob:  # refuse non-canonical text, so no character can be altered
        raise _malformed("bad base64")
    if len(data) < 2 + TAG_BYTES:
        raise _malformed("too short")
    return m[1], data


def read_kind(code: str) -> str:
    """The kind a code claims, read WITHOUT checking the signature.

    For routing a scan to the right screen only; trust nothing until :func:`verify`.
    Raises :class:`SignatureError` (reason ``malformed``) when the code is unreadable.
    """
    _, data = _split(code)
    kind = _KIND_BY_TAG.get(chr(data[0]).upper()) if data[0] < 128 else None
    if kind is None:
        raise _malformed("unknown kind")
    return kind


def peek_kind(code: str) -> str | None:
    """Like :func:`read_kind`, but None instead of an error."""
    try:
        return read_kind(code)
    except SignatureError:
        return None


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _malformed("cut short")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 63:
                raise _malformed("number too long")

    def text(self) -> str:
        n = self.varint()
        if n == 0:
            return str(uuid.UUID(bytes=self.take(16)))
        try:
            return self.take(n - 1).decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed("bad text") from None


def _inflate(data: bytes) -> bytes:
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(data, _MAX_BODY)
    except zlib.error:
        raise _malformed("bad compression") from None
    if d.unconsumed_tail or not d.eof or d.unused_data:
        raise _malformed("bad compression")
    return out


def _decode(body: bytes) -> tuple[str, int, dict[str, object]]:
    tag = chr(body[0]) if body[0] < 128 else ""
    kind = _KIND_BY_TAG.get(tag.upper())
    if kind is None:
        raise _malformed("unknown kind")
    rest = _inflate(body[1:]) if tag.islower() else body[1:]
    r = _Reader(rest)
    expires_at = r.varint()
    payload: dict[str, object] = {}
    for name, ftype in KINDS[kind][1]:
        if ftype == "lines":
            count = r.varint()
            if count > MAX_BASKET_LINES:
                raise _malformed("too many lines")
            payload[name] = tuple((r.text(), r.varint()) for _ in range(count))
        else:
            payload[name] = r.text()
    if r.pos != len(rest):
        raise _malformed("trailing data")
    return kind, expires_at, payload


def _ago(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def verify(
    code: str, keys: Mapping[str, bytes], now: int, expect_kind: str | None = None
) -> SignedPayload:
    """Check a scanned code and return what it says, or raise :class:`SignatureError`.

    ``keys`` maps key id -> secret for the keys this store accepts now (retired keys are
    left out by the caller). Checks, in order: format, key id, signature, kind, expiry.
    """
    if expect_kind is not None and expect_kind not in KINDS:
        raise CodeError(f"unknown code kind {expect_kind!r}; use one of {', '.join(KINDS)}")
    _check_int("now", now, 0, 2**63 - 1)
    kid, data = _split(code)
    key = keys.get(kid)
    if key is None:
        raise SignatureError(
            f"this code was signed with key {kid!r}, which this terminal does not have; "
            "sync the store's keys, or the code is from another store",
            "unknown_key",
        )
    if not isinstance(key, (bytes, bytearray)):
        raise CodeError(f"store key {kid!r} must be bytes")
    body, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
    expected = hmac.new(bytes(key), f"{PREFIX}{kid}.".encode() + body, hashlib.sha256).digest()
    if not hmac.compare_digest(expected[:TAG_BYTES], tag):
        raise SignatureError("forged or edited code: its signature does not match", "forged")
    kind, expires_at, payload = _decode(body)
    if expect_kind is not None and kind != expect_kind:
        raise SignatureError(f"this is a {kind} code, not a {expect_kind} code", "wrong_kind")
    if now >= expires_at:
        when = datetime.fromtimestamp(min(expires_at, 253402300799), tz=timezone.utc)
        raise SignatureError(
            f"this {kind} code expired at {when:%Y-%m-%d %H:%M} UTC "
            f"({_ago(now - expires_at)} ago)",
            "expired",
            expires_at=expires_at,
        )
    return SignedPayload(kind, MappingProxyType(payload), kid, expires_at)
