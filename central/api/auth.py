"""Who is calling: bearer tokens of terminals and of sales channels.

401 when the token is missing, unknown or revoked (the agent stops and asks for a new
token); 403 when a valid token asks for something it may not have (another store's
feeds, another terminal's events, a terminal calling the web shop endpoint). Nothing
is read or written for a refused call.
"""
from __future__ import annotations

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..storage import terminals
from ..storage.terminals import Principal

bearer = HTTPBearer(auto_error=False, description="per-terminal token (python -m central terminal add) "
                                                  "or a web channel token (python -m central channel add)")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def principal(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise _unauthorized("missing bearer token: send Authorization: Bearer <token>")
    with request.app.state.db.connection() as conn:
        found = terminals.authenticate(conn, credentials.credentials)
    if found is None:
        raise _unauthorized("unknown or revoked token: ask the administrator for a new terminal token")
    return found


def terminal(who: Principal = Depends(principal)) -> Principal:
    if who.kind != "terminal":
        raise HTTPException(403, "this token belongs to a sales channel, not to a store terminal")
    return who


def channel(who: Principal = Depends(principal)) -> Principal:
    if who.kind != "channel":
        raise HTTPException(403, "only the web shop's channel token may place web orders")
    return who


def same_store(who: Principal, store: str) -> None:
    if who.store_id != store:
        raise HTTPException(403, f"this terminal belongs to store {who.store_id}; it may not use store {store}'s data")
