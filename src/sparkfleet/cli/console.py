"""`sparkfleet ui`: the address that signs a browser into the running cluster's web console, or, given an
application, the address of its driver's Spark UI through the API server's service proxy.

The console takes the cluster's token once, in `/ui/login?token=...` from this machine, and keeps it in
an HttpOnly cookie (server/console/session.py), so the printed address is as secret as the kubeconfig.
The Spark UI address carries no token: a browser signed into the console, or `kubectl proxy`, opens it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

import typer

from sparkfleet.cli.options import DEFAULT_CLUSTER, ClusterOpt, NamespaceOpt, user_errors

if TYPE_CHECKING:
    from sparkfleet.cli.home import ServerInfo

__all__ = ["KUBECTL_PROXY", "console_login_url", "spark_ui_url", "ui"]

KUBECTL_PROXY = "http://127.0.0.1:8001"
"""Where `kubectl proxy` listens by default, serving the API's paths with the kubeconfig's credentials."""

FINISHED_STATES = frozenset({"COMPLETED", "FAILED", "SUBMISSION_FAILED"})
"""Application states after which no driver serves a UI (kept as strings: the API models are heavy)."""


def console_login_url(url: str, token: str) -> str:
    """The sign-in address of the console served at `url` (the API's address)."""
    return f"{url.rstrip('/')}/ui/login?token={quote(token, safe='')}"


def ui(
    app: Annotated[
        str | None,
        typer.Argument(metavar="APP", help="A SparkApplication: print its driver's Spark UI address."),
    ] = None,
    namespace: NamespaceOpt = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open it in the default browser instead of printing it.")
    ] = False,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """Print the address that signs a browser on this machine into the web console (read-only), or with
    APP the address of that application's Spark UI, proxied by the API server as `kubectl proxy` serves it.

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
        if app is None:
            address, opened = console_login_url(server.url, server.token), f"the console of cluster {cluster}"
            lines = [address]
        else:
            ns = namespace or "default"
            address, opened = spark_ui_url(server, ns, app), f"the Spark UI of {ns}/{app}"
            path = address.removeprefix(server.url.rstrip("/"))
            lines = [
                address,
                f"it needs the cluster's token: sign in first with `sparkfleet ui`, "
                f"or run `kubectl proxy` and open {KUBECTL_PROXY}{path}",
            ]
        if open_browser and webbrowser.open(address):
            typer.echo(f"opened {opened} in the browser")
            return
        typer.echo("\n".join(lines))


def spark_ui_url(server: ServerInfo, namespace: str, name: str) -> str:
    """The Spark UI address of a SparkApplication whose driver runs, read over the running cluster's API;
    a CommandError when there is none (not found, no UI service yet, or finished)."""
    from sparkfleet.api.wire import spark_ui_proxy_path
    from sparkfleet.cli.objects import CommandError
    from sparkfleet.cluster import NotFound
    from sparkfleet.server import RemoteCluster

    with RemoteCluster(server.url, server.token, ca_file=server.ca_file) as api:
        try:
            found = api.get("SparkApplication", namespace, name)
        except NotFound:
            raise CommandError(f"SparkApplication {namespace}/{name} not found") from None
    status = found.get("status") or {}
    state = (status.get("applicationState") or {}).get("state") or "NEW"
    path = spark_ui_proxy_path(found)
    if state in FINISHED_STATES or path is None:
        why = f"is {state}" if state in FINISHED_STATES else "has no driver UI yet"
        raise CommandError(
            f"SparkApplication {namespace}/{name} {why}: its Spark UI is served only while the driver "
            "runs; the History Server (`sparkfleet history-server`) shows finished applications"
        )
    return server.url.rstrip("/") + path
