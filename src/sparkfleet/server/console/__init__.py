"""The web console at /ui: read-only, server-rendered pages of queues, applications, nodes, NodeClaims,
events and cost, kept live over server-sent events, behind the API's token (a browser signs in once
with `/ui/login?token=...`, see session.py).

The face holds the sign-in rules only, which the token middleware needs; the pages (Jinja2 and the
scheduler's views) are `console.pages.Console`, imported by the app that serves them.
"""

from sparkfleet.server.console.session import COOKIE, LOGIN_PATH, PREFIX, console_authorization

__all__ = ["COOKIE", "LOGIN_PATH", "PREFIX", "console_authorization"]
