"""How a browser gets into the console: the cluster's token given once, then an HttpOnly cookie.

A browser cannot send `Authorization: Bearer`, so `/ui/login?token=...` (what `sparkfleet ui` prints)
sets the token as a cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) and redirects to the console,
so the token leaves the address bar and the history. The token middleware reads the cookie through
`console_authorization` and checks it like a bearer token; the cookie counts only for GET and HEAD under
/ui (the console is read-only) and of the services/proxy subresource (server/serviceproxy.py: the
console links each running driver's Spark UI there, whose own links keep that path), and the `?token=`
form only from a loopback client, so a token is never asked for in a URL over the network. No other path
takes the cookie: the API still wants the bearer token.
"""

from __future__ import annotations

import ipaddress
import re
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Scope

__all__ = ["COOKIE", "HOME", "LOGIN_PATH", "PREFIX", "console_authorization", "is_loopback", "login"]

PREFIX = "/ui"
HOME = f"{PREFIX}/"
LOGIN_PATH = f"{PREFIX}/login"
COOKIE = "sparkfleet-console"
_READS = ("GET", "HEAD")
_SERVICE_PROXY = re.compile(r"/api/v1/namespaces/[^/]+/services/[^/]+/proxy(?:/.*)?")
"""The paths of server/serviceproxy.py's routes."""


def is_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return False
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


def _in_console(path: str) -> bool:
    return path == PREFIX or path.startswith(HOME)


def _takes_cookie(path: str) -> bool:
    return _in_console(path) or _SERVICE_PROXY.fullmatch(path) is not None


def _cookie(scope: Scope) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is no credential
                return None
            morsel = jar.get(COOKIE)
            if morsel is not None and morsel.value:
                return morsel.value
    return None


def _login_token(scope: Scope) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token") or []
    return values[0] if len(values) == 1 and values[0] else None


def console_authorization(scope: Scope) -> str | None:
    """The Authorization header a console request stands for when it brings none: the cookie's token,
    or on the login path from a loopback client the `token` query parameter. None elsewhere."""
    path = scope.get("path", "")
    if scope.get("type") != "http" or scope.get("method", "GET") not in _READS or not _takes_cookie(path):
        return None
    token = (_login_token(scope) if path == LOGIN_PATH and is_loopback(scope) else None) or _cookie(scope)
    return f"Bearer {token}" if token else None


async def login(request: Request) -> Response:
    """Reached with a valid token (the middleware checked it): keep it in the cookie, go to the console."""
    response = RedirectResponse(HOME, status_code=303)
    token = _login_token(request.scope)
    if token is not None and is_loopback(request.scope):
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",  # also sent to the service proxy's paths (the Spark UI links); only those take it
        )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
