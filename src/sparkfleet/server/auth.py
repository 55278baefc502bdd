"""Who may ask what: `Authorization: Bearer <token>` on every path but the public ones, and the read-only
scope of named tokens.

Default deny: the middleware wraps the whole app, so every path, including any added later, needs a
token unless it is in PUBLIC_PATHS. Those are what kube-apiserver lets anyone read (its
`system:public-info-viewer` role): the health probes and /version, which tell a supervisor whether the
server is up and which build it is, and nothing about the cluster. /metrics, /openapi and every /api and
/apis path need a token, as there.

Tokens: the cluster's own (full access) and the named ones of a token file (server/tokens.py). A
read-only token may read (GET, HEAD: get, list, watch, pod logs, /metrics); anything else answers 403
Forbidden with the message kube-apiserver's RBAC gives. Tokens are compared by their SHA-256 digests in
constant time, so neither their bytes nor their length show in the response time.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from sparkfleet.cluster import ClusterError, NotFound
from sparkfleet.server.access import READ_ONLY_SCOPE_KEY, SELF_SUBJECT_ACCESS_REVIEWS
from sparkfleet.server.audit import rbac_verb
from sparkfleet.server.console import console_authorization
from sparkfleet.server.errors import Forbidden, Unauthorized, status_of
from sparkfleet.server.routes import ResourcePath, parse_path
from sparkfleet.server.tokens import TokenFile, digest, new_token

__all__ = [
    "CLUSTER_USER",
    "PUBLIC_PATHS",
    "READ_METHODS",
    "USER_SCOPE_KEY",
    "Authenticator",
    "BearerAuth",
    "Identity",
    "bearer_token",
    "forbidden",
    "new_token",
    "token_matches",
]

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version", "/version/"})
"""Exact paths (no sub-paths) served without a token: kube-apiserver's public-info-viewer URLs."""
READ_METHODS = frozenset({"GET", "HEAD"})
"""What a read-only token may send."""
CLUSTER_USER = "admin"
"""Who the cluster token speaks for."""
USER_SCOPE_KEY = "sparkfleet.user"
"""The ASGI scope key that names the authenticated user for the app behind the middleware."""


@dataclass(frozen=True, slots=True)
class Identity:
    user: str
    read_only: bool


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme in any case), else None."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    token = credentials.strip()
    return token if scheme.lower() == "bearer" and token else None


def token_matches(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header carries `token`; compared in constant time."""
    presented = bearer_token(authorization)
    return presented is not None and hmac.compare_digest(digest(presented), digest(token))


class Authenticator:
    """Maps a request's Authorization header to who sent it: the cluster token, or a named token of
    `token_file` (re-read when it changes)."""

    def __init__(self, token: str, token_file: Path | None = None) -> None:
        if not token:
            raise ValueError("the API token must not be empty")
        self._digest = digest(token)
        self._named = TokenFile(token_file) if token_file is not None else None

    def identify(self, authorization: str | None) -> Identity | None:
        presented = bearer_token(authorization)
        if presented is None:
            return None
        presented_digest = digest(presented)
        if hmac.compare_digest(presented_digest, self._digest):
            return Identity(CLUSTER_USER, read_only=False)
        named = self._named.match(presented_digest) if self._named is not None else None
        return Identity(named.user, named.read_only) if named is not None else None


def forbidden(identity: Identity, method: str, path: str) -> Forbidden:
    """The 403 kube-apiserver's RBAC answers when `identity` may not send `method` to `path`."""
    user = f'User "{identity.user}"'
    try:
        target = parse_path(path)
    except NotFound:
        target = None
    if not isinstance(target, ResourcePath):
        return Forbidden(f'forbidden: {user} cannot {method.lower()} path "{path}"')
    info = target.info
    verb = rbac_verb(method, target, watching=False)
    resource = f"{info.plural}/{target.subresource}" if target.subresource else info.plural
    qualified = f"{info.plural}.{info.group}" if info.group else info.plural
    subject = f'{qualified} "{target.name}"' if target.name else qualified
    where = f'in the namespace "{target.namespace}"' if target.namespace else "at the cluster scope"
    return Forbidden(
        f'{subject} is forbidden: {user} cannot {verb} resource "{resource}" in API group "{info.group}" '
        f"{where}",
        kind=qualified,
        name=target.name,
    )


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "an unknown client"


class BearerAuth:
    """ASGI middleware: 401 with a Status for a request without a known token (a WebSocket is closed
    before it opens), 403 for a read-only token asking to change something."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self._app = app
        self._authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in PUBLIC_PATHS:
            await self._app(scope, receive, send)
            return
        authorization = None
        for key, value in scope.get("headers") or ():
            if key.lower() == b"authorization":
                authorization = value.decode("latin-1")
                break
        if authorization is None:  # a browser on the console brings its token in a cookie
            authorization = console_authorization(scope)
        identity = self._authenticator.identify(authorization)
        method = scope.get("method", "GET")
        if identity is None:
            if authorization:
                # Never the credentials, nor any part of them; the path in repr, so it cannot forge lines.
                log.warning(
                    "unauthorized: %s sent a token that matches none for %s %r",
                    _client(scope),
                    method,
                    scope["path"],
                )
            await self._refuse(scope, receive, send, Unauthorized("Unauthorized"))
            return
        # An access review reads nothing: every authenticated user may ask one, as in kube-apiserver.
        reviewing = method == "POST" and scope["path"] == SELF_SUBJECT_ACCESS_REVIEWS
        if identity.read_only and method not in READ_METHODS and not reviewing:
            await self._refuse(scope, receive, send, forbidden(identity, method, scope["path"]))
            return
        scoped = {**scope, USER_SCOPE_KEY: identity.user, READ_ONLY_SCOPE_KEY: identity.read_only}
        await self._app(scoped, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, error: ClusterError) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = {"WWW-Authenticate": 'Bearer realm="sparkfleet"'} if isinstance(error, Unauthorized) else {}
        response = JSONResponse(status_of(error), status_code=error.code, headers=headers)
        await response(scope, receive, send)
