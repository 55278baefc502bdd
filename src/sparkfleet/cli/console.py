"""`sparkfleet ui`: the address that signs a browser into the running cluster's web console.

The console takes the cluster's token once, in `/ui/login?token=...` from this machine, and keeps it in
an HttpOnly cookie (server/console/session.py), so the printed address is as secret as the kubeconfig.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import typer

from sparkfleet.cli.options import DEFAULT_CLUSTER, ClusterOpt, user_errors

__all__ = ["console_login_url", "ui"]


def console_login_url(url: str, token: str) -> str:
    """The sign-in address of the console served at `url` (the API's address)."""
    return f"{url.rstrip('/')}/ui/login?token={quote(token, safe='')}"


def ui(
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open it in the default browser instead of printing it.")
    ] = False,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """Print the address that signs a browser on this machine into the web console (read-only).

    The browser must trust the cluster's CA (<home>/pki) or be told to accept its certificate."""
    import webbrowser

    from sparkfleet.cli.home import read_server
    from sparkfleet.cli.objects import CommandError
    from sparkfleet.platform import cluster_home

    with user_errors():
        server = read_server(cluster_home(cluster))
        if server is None:
            raise CommandError(
                f"cluster {cluster} is not running; start it with `sparkfleet up --cluster {cluster}`"
            )
        address = console_login_url(server.url, server.token)
        if open_browser and webbrowser.open(address):
            typer.echo(f"opened the console of cluster {cluster} in the browser")
            return
        typer.echo(address)
