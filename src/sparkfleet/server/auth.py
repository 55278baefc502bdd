"""Bearer-token authentication: `Authorization: Bearer <token>` on every path but the health probes."""

from __future__ import annotations

import hmac
import secrets

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from sparkfleet.server.errors import Unauthorized, status_of

__all__ = ["OPEN_PATHS", "BearerAuth", "new_token", "token_matches"]

# Probes stay open so a supervisor can check the server without holding its token.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/livez"})


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_matches(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header carries `token`; compared in constant time."""
    if not authorization:
        return False
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(credentials.strip().encode(), token.encode())


def _is_open(path: str) -> bool:
    return path in OPEN_PATHS or any(path.startswith(f"{p}/") for p in OPEN_PATHS)


class BearerAuth:
    """ASGI middleware answering 401 with a Status unless the request carries the token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("the API token must not be empty")
        self._app = app
        self._token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_open(scope["path"]):
            await self._app(scope, receive, send)
            return
        authorization = None
        for key, value in scope.get("headers") or ():
            if key.lower() == b"authorization":
                authorization = value.decode("latin-1")
                break
        if token_matches(authorization, self._token):
            await self._app(scope, receive, send)
            return
        response = JSONResponse(
            status_of(Unauthorized("Unauthorized")),
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="sparkfleet"'},
        )
        await response(scope, receive, send)
