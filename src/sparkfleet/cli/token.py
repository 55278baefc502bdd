"""`sparkfleet token`: named bearer tokens for the cluster's API, beside the cluster token.

A named token is shown once, when it is made, and can be revoked on its own; `--read-only` ones may read
everything (get, list, watch, logs, /metrics) and change nothing. They live in the cluster home's
`tokens.json` (digests only, 0600), which a running server re-reads, so they work and stop working at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from sparkfleet.cli.home import TOKENS_FILE
from sparkfleet.cli.options import DEFAULT_CLUSTER, ClusterOpt, out

__all__ = ["token_app"]

token_app = typer.Typer(
    help="Make, list and revoke named API tokens (read-only ones for dashboards and CI).",
    no_args_is_help=True,
)


@contextmanager
def _token_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        from sparkfleet.server import TokenError  # loaded already by a command that raised one

        if not isinstance(exc, TokenError):
            raise
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@token_app.command("create")
def create(
    read_only: Annotated[
        bool, typer.Option("--read-only", help="May get, list and watch, and change nothing.")
    ] = False,
    name: Annotated[str | None, typer.Option("--name", help="Its name (default: token-<random>).")] = None,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """Make a token and print it (only this once: the cluster keeps its digest, not the token)."""
    from sparkfleet.clock import SystemClock
    from sparkfleet.platform import cluster_home
    from sparkfleet.privatefiles import private_dir
    from sparkfleet.server import add_token

    with _token_errors():
        home = private_dir(cluster_home(cluster))
        chosen = name if name is not None else f"token-{secrets.token_hex(3)}"
        record, token = add_token(home / TOKENS_FILE, chosen, read_only=read_only, now=SystemClock().now())
        typer.echo(token)
        access = "read-only" if record.read_only else "full-access"
        typer.echo(
            f'{access} token "{record.name}" created for cluster {cluster}; it is not shown again', err=True
        )


@token_app.command("list")
def list_command(cluster: ClusterOpt = DEFAULT_CLUSTER) -> None:
    """List the named tokens (never the tokens themselves)."""
    from sparkfleet.cli.printers import print_table
    from sparkfleet.platform import cluster_home
    from sparkfleet.server import list_tokens

    with _token_errors():
        tokens = list_tokens(cluster_home(cluster) / TOKENS_FILE)
        if not tokens:
            typer.echo(f"no named tokens for cluster {cluster}", err=True)
            return
        rows = [(t.name, "read-only" if t.read_only else "full", t.user, t.created) for t in tokens]
        print_table(out(), ["NAME", "ACCESS", "USER", "CREATED"], rows)


@token_app.command("delete")
def delete(name: str, cluster: ClusterOpt = DEFAULT_CLUSTER) -> None:
    """Revoke a token; a running server refuses it from its next request."""
    from sparkfleet.platform import cluster_home
    from sparkfleet.server import TokenError, delete_token

    with _token_errors():
        if not delete_token(cluster_home(cluster) / TOKENS_FILE, name):
            raise TokenError(f'cluster {cluster} has no token named "{name}"')
        typer.echo(f'token "{name}" deleted')
