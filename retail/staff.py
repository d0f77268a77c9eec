"""Staff: PIN hashes, sign-in with lockout, roles, approvals and the audit trail.

PINs are short (4-8 digits), so a stolen hash can always be brute-forced offline; the
slow salted hash (scrypt, N=2**14, r=8, p=1: about 50 ms, 16 MiB here) makes that cost
real and the *lockout* is what protects the PIN pad. A PIN is never logged, stored,
echoed in a message or written to the audit trail.

Lockout is per terminal, not per person: staff sign in with a PIN alone, so a wrong PIN
says nothing about who typed it. After ``max_pin_failures`` consecutive wrong PINs
(settings) the terminal's PIN pad refuses every PIN, sign-in and approvals alike, for
``lockout_seconds``; a right PIN resets the count. The state lives in ``staff_lockout``
under the key :data:`PIN_PAD` (one database file is one terminal).

Privileged actions check a role (:data:`PERMISSIONS`). When the signed-in person may not
do something, a manager types their PIN: :func:`approve` checks it and the manager's
role, writes an audit row and returns an :class:`Approval`. The module that performs
the action then calls :func:`authorise` inside its own transaction, which re-checks the
approval against the database and records it as used, so an approval is good for one
action of its kind, for :data:`APPROVAL_TTL_S` seconds.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import sqlite3
from dataclasses import dataclass

from .ids import new_id
from .store import transaction
from .store.settings import get_int

ROLES = ("cashier", "manager", "technician")
PIN_PAD = "*pin-pad*"
APPROVAL_TTL_S = 300

# scrypt cost: the strongest the PIN pad can afford (verify < 100 ms on a till CPU).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
_MAX_N = 2**20          # refuse hashes (from a feed) that would take seconds or gigabytes
_MAXMEM = 256 * 1024 * 1024
_PIN = re.compile(r"[0-9]{4,8}")

# Who may do what. Everyone may sell, open a shift and put cash in; the rest is listed.
PERMISSIONS: dict[str, frozenset[str]] = {
    "open_shift": frozenset(ROLES[:2]),
    "cash_in": frozenset(ROLES[:2]),
    "void_line_over_threshold": frozenset({"manager"}),
    "price_override": frozenset({"manager"}),
    "no_sale": frozenset({"manager"}),
    "refund": frozenset({"manager"}),
    "blind_return": frozenset({"manager"}),
    "cash_out": frozenset({"manager"}),
    "close_shift": frozenset({"manager"}),
    "settings": frozenset({"manager", "technician"}),
    "exit_kiosk": frozenset({"manager", "technician"}),
    "sync_console": frozenset({"manager", "technician"}),
}
ACTIONS = tuple(PERMISSIONS)


class StaffError(ValueError):
    """A staff action that cannot happen; the message says why, for the person at the till."""


class PinError(StaffError):
    """A PIN that breaks the PIN rules (never repeats the PIN itself)."""


class WrongPin(StaffError):
    """No active staff member has this PIN."""


class LockedOut(StaffError):
    """The PIN pad is locked after too many wrong PINs."""

    def __init__(self, message: str, until: int) -> None:
        super().__init__(message)
        self.until = until


class NotAllowed(StaffError):
    """The person's role does not allow the action, and no valid approval was given."""


@dataclass(frozen=True)
class StaffMember:
    id: str
    name: str
    role: str


@dataclass(frozen=True)
class Approval:
    """A manager's yes to one action: ``id`` is its audit row."""

    id: str
    action: str
    staff_id: str
    approver_id: str
    at: int


# ---------------------------------------------------------------- PIN hashes

def check_pin_rules(pin: object) -> str:
    """Return ``pin`` if it is 4 to 8 ASCII digits; otherwise :class:`PinError`."""
    if not isinstance(pin, str):
        raise PinError("a PIN must be typed as digits")
    if not _PIN.fullmatch(pin):
        raise PinError("a PIN is 4 to 8 digits (0-9), nothing else")
    return pin


def hash_pin(pin: str) -> str:
    """``scrypt$n$r$p$salthex$hashhex`` with a fresh random salt."""
    check_pin_rules(pin)
    salt = os.urandom(SALT_BYTES)
    key = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def parse_pin_hash(text: object) -> tuple[int, int, int, bytes, bytes]:
    """Split a stored hash into (n, r, p, salt, key); :class:`StaffError` if it is not one.

    The staff feed calls this to quarantine a bad row instead of storing it.
    """
    if not isinstance(text, str):
        raise StaffError("PIN hash must be text")
    parts = text.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise StaffError("PIN hash is not in the form scrypt$n$r$p$salt$hash")
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt, key = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        raise StaffError("PIN hash has a non-numeric cost or non-hex salt/hash") from None
    if n < 2 or n > _MAX_N or n & (n - 1):
        raise StaffError(f"PIN hash cost n={n} must be a power of two up to {_MAX_N}")
    if not 1 <= r <= 32 or not 1 <= p <= 16 or 128 * r * n > _MAXMEM // 2:
        raise StaffError(f"PIN hash parameters r={r} p={p} are out of range")
    if len(salt) < 8 or not 16 <= len(key) <= 64:
        raise StaffError("PIN hash salt or key has the wrong length")
    return n, r, p, salt, key


def verify_pin(pin: str, stored: str) -> bool:
    """Does ``pin`` match ``stored``? False (never an exception) for a malformed hash."""
    try:
        n, r, p, salt, key = parse_pin_hash(stored)
    except StaffError:
        return False
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        return False
    return hmac.compare_digest(_scrypt(pin, salt, n, r, p, len(key)), key)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=dklen)


# ---------------------------------------------------------------- staff and roles

def can(role: str, action: str) -> bool:
    """May a person with ``role`` do ``action``? Unknown actions are an error, not a no."""
    if action not in PERMISSIONS:
        raise StaffError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    return role in PERMISSIONS[action]


def get_staff(conn: sqlite3.Connection, staff_id: str) -> StaffMember | None:
    row = conn.execute("SELECT id, name, role FROM staff WHERE id = ? AND active = 1", (staff_id,)).fetchone()
    return StaffMember(row[0], row[1], row[2]) if row else None


def require_staff(conn: sqlite3.Connection, staff_id: str) -> StaffMember:
    member = get_staff(conn, staff_id)
    if member is None:
        raise StaffError(f"staff member {staff_id!r} is unknown or no longer active; sign in again")
    return member


def add_staff(conn: sqlite3.Connection, name: str, role: str, pin: str, *, staff_id: str | None = None) -> StaffMember:
    """Create a staff member locally (set-up and tests; in a store the staff feed does it)."""
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not isinstance(name, str) or not name.strip():
        raise StaffError("staff member needs a name")
    member = StaffMember(staff_id or new_id(), name.strip(), role)
    pin_hash = hash_pin(pin)
    with _own_or_callers(conn):
        conn.execute("INSERT INTO staff(id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, 1)",
                     (member.id, member.name, member.role, pin_hash))
    return member


# ---------------------------------------------------------------- sign-in and lockout

def lock_state(conn: sqlite3.Connection) -> tuple[int, int]:
    """(consecutive failures, locked_until) of this terminal's PIN pad."""
    row = conn.execute("SELECT failures, locked_until FROM staff_lockout WHERE staff_id = ?",
                       (PIN_PAD,)).fetchone()
    return (row[0], row[1]) if row else (0, 0)


def sign_in(conn: sqlite3.Connection, pin: str, now: int) -> StaffMember:
    """The active staff member whose PIN this is; counts failures towards the lockout.

    Raises :class:`PinError` for a malformed PIN (not counted: it cannot match anyone),
    :class:`LockedOut` while the pad is locked, :class:`WrongPin` otherwise. Runs its own
    transaction so a failure is counted even though the call raises.
    """
    return _match_pin(conn, pin, now)


def _match_pin(conn: sqlite3.Connection, pin: str, now: int) -> StaffMember:
    check_pin_rules(pin)
    with transaction(conn):
        failures, locked_until = lock_state(conn)
        if locked_until > now:
            raise LockedOut(_locked_message(locked_until - now), locked_until)
        rows = conn.execute("SELECT id, name, role, pin_hash FROM staff WHERE active = 1 ORDER BY id").fetchall()
        # Every hash is checked, so two people sharing a PIN is noticed instead of one of
        # them signing in as the other (the audit trail must name the right person).
        matches = [StaffMember(r[0], r[1], r[2]) for r in rows if verify_pin(pin, r[3])]
        if len(matches) == 1:
            _set_lock(conn, 0, 0)
            return matches[0]
        if len(matches) > 1:
            _set_lock(conn, 0, 0)
            raise StaffError("this PIN belongs to more than one person; a manager must give each a new PIN")
        failures += 1
        limit = max(1, get_int(conn, "max_pin_failures", 5))
        if failures >= limit:
            until = now + max(1, get_int(conn, "lockout_seconds", 300))
            _set_lock(conn, 0, until)
            locked = LockedOut(f"wrong PIN {failures} times: " + _locked_message(until - now), until)
        else:
            _set_lock(conn, failures, 0)
            locked = None
    # Raised after the transaction committed, so the failure count is kept.
    if locked is not None:
        raise locked
    left = limit - failures
    raise WrongPin(f"wrong PIN; {left} more {'try' if left == 1 else 'tries'} before the PIN pad locks")


def _locked_message(seconds: int) -> str:
    minutes, secs = divmod(max(seconds, 0), 60)
    wait = f"{minutes} min {secs} s" if minutes else f"{secs} s"
    return f"PIN entry is locked on this terminal for {wait}; a manager can help if it keeps happening"


def _set_lock(conn: sqlite3.Connection, failures: int, locked_until: int) -> None:
    conn.execute(
        "INSERT INTO staff_lockout(staff_id, failures, locked_until) VALUES (?, ?, ?) "
        "ON CONFLICT(staff_id) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until",
        (PIN_PAD, failures, locked_until),
    )


# ---------------------------------------------------------------- approvals and audit

def audit(conn: sqlite3.Connection, staff_id: str, action: str, *, now: int,
          approver_id: str | None = None, details: dict | None = None) -> str:
    """Append an audit row (in the caller's transaction if there is one); returns its id."""
    details = dict(details or {})
    if any("pin" in str(key).lower() for key in details):
        raise StaffError("audit details must never carry a PIN")
    audit_id = new_id()
    with _own_or_callers(conn):
        conn.execute(
            "INSERT INTO audit(id, at, staff_id, approver_id, action, details) VALUES (?, ?, ?, ?, ?, ?)",
            (audit_id, now, staff_id, approver_id, action,
             json.dumps(details, ensure_ascii=False, sort_keys=True)),
        )
    return audit_id


def approve(conn: sqlite3.Connection, action: str, requester: StaffMember | str, approver_pin: str,
            now: int, details: dict | None = None) -> Approval:
    """A manager (or whoever :data:`PERMISSIONS` allows) approves ``action`` with their PIN.

    Writes an audit row (staff_id = requester, approver_id, action, details) and returns
    the :class:`Approval`. Raises :class:`NotAllowed` if the PIN belongs to someone whose
    role may not do ``action`` (recorded as ``approval_denied``), and the sign-in errors
    (:class:`WrongPin`, :class:`LockedOut`) for a wrong PIN, which counts towards the lockout.
    Must be called outside a transaction: the approval stands on its own in the trail.
    """
    requester_id = requester.id if isinstance(requester, StaffMember) else requester
    can("manager", action)  # unknown action -> clear error before a PIN is checked
    approver = _match_pin(conn, approver_pin, now)
    if not can(approver.role, action):
        audit(conn, requester_id, "approval_denied", now=now, approver_id=approver.id,
              details={"action": action, "role": approver.role})
        raise NotAllowed(f"{approver.name} is a {approver.role} and cannot approve "
                         f"{action.replace('_', ' ')}; ask a manager")
    audit_id = audit(conn, requester_id, action, now=now, approver_id=approver.id, details=details)
    return Approval(audit_id, action, requester_id, approver.id, now)


def authorise(conn: sqlite3.Connection, action: str, staff_id: str, now: int, *,
              approval: Approval | None = None, details: dict | None = None,
              always_approve: bool = False) -> str | None:
    """Inside the action's transaction: may ``staff_id`` do ``action`` now?

    With an ``approval``: it must be an unused audit row for this action and person,
    approved by someone still active with the right role, at most
    :data:`APPROVAL_TTL_S` old; its id is returned for the caller to store in its
    ``approval_id`` column (sales' unique index makes it single use). Without one: the
    person's own role must allow it (unless ``always_approve``: a manager must confirm
    even their own), an audit row is written in the caller's transaction and None is
    returned. Raises :class:`NotAllowed` with what to do otherwise.
    """
    member = require_staff(conn, staff_id)
    if approval is not None:
        row = conn.execute("SELECT at, staff_id, approver_id, action FROM audit WHERE id = ?",
                           (approval.id,)).fetchone()
        if row is None or row[3] != action or row[1] != staff_id or row[2] is None:
            raise NotAllowed(f"that approval is not for {action.replace('_', ' ')} by {member.name}")
        if not 0 <= now - row[0] <= APPROVAL_TTL_S:
            raise NotAllowed("that approval has expired; ask the manager to approve again")
        approver = get_staff(conn, row[2])
        if approver is None or not can(approver.role, action):
            raise NotAllowed("the approving manager no longer has that right; ask again")
        used = conn.execute(
            "SELECT 1 FROM sales WHERE approval_id = ? UNION ALL SELECT 1 FROM cash_movements WHERE approval_id = ?",
            (approval.id, approval.id)).fetchone()
        if used:
            raise NotAllowed("that approval was already used; each one is good for one action")
        return approval.id
    if always_approve or not can(member.role, action):
        raise NotAllowed(f"{action.replace('_', ' ')} needs a manager's approval")
    audit(conn, staff_id, action, now=now, details=details)
    return None


def _own_or_callers(conn: sqlite3.Connection):
    """Write inside the caller's transaction if one is open, else in a short one of our own."""
    return contextlib.nullcontext(conn) if conn.in_transaction else transaction(conn)
