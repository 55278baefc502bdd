"""What every verb of the command lines shares: the app factory, the common options, the user-error rule
and the output console.

The command lines start as command-line tools do: this module, and the verb modules that define the
options, import only typer and the standard library at their top level. Each command imports what it runs
inside its body, so `--help`, `validate` or `get` load only their own part of the platform
(tests/cli/test_startup.py checks that importing `sparkfleet.cli.main` loads no server, controller or
platform).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "DEFAULT_CLUSTER",
    "AllNamespaces",
    "ClusterOpt",
    "FilesOption",
    "NamespaceOpt",
    "command_line",
    "out",
    "show_tracebacks",
    "user_errors",
]

DEFAULT_CLUSTER = "default"
"""`sparkfleet.platform.DEFAULT_CLUSTER`, the `--cluster` default, without importing the platform to read
it (tests/cli/test_startup.py checks that the two agree)."""


def command_line(name: str, help_text: str) -> typer.Typer:
    """A typer app as both commands are built: help when called bare, no completion, plain tracebacks."""
    return typer.Typer(
        name=name, help=help_text, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
    )


@cache
def out() -> Console:
    """The console tables and reports are printed on (standard output), made on first use."""
    from rich.console import Console

    return Console(soft_wrap=True)


FilesOption = Annotated[
    list[Path], typer.Option("-f", "--filename", help="Manifest file or directory (repeatable).")
]
NamespaceOpt = Annotated[str | None, typer.Option("-n", "--namespace", help="Namespace (default: default).")]
AllNamespaces = Annotated[bool, typer.Option("-A", "--all-namespaces", help="Every namespace.")]
ClusterOpt = Annotated[str, typer.Option("--cluster", envvar="SPARKFLEET_CLUSTER", help="Cluster name.")]


_debug = [False]
"""Whether errors show their Python traceback (the global `--debug` option)."""


def show_tracebacks(on: bool) -> None:
    _debug[0] = on


@contextmanager
def user_errors() -> Iterator[None]:
    """Problems a user can fix end the command with their message and exit 1, never a traceback; so does
    anything else, in one line that says how to see the traceback (`--debug`, which lets every error
    through as it is)."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as exc:
        if _debug[0]:
            raise
        # Imported here: a command that raised one of these has loaded its module already.
        from sparkfleet.api.base import ManifestError
        from sparkfleet.cli.objects import CommandError
        from sparkfleet.cluster import ClusterError

        if isinstance(exc, ManifestError):
            for issue in exc.issues:
                typer.echo(str(issue), err=True)
            raise typer.Exit(1) from None
        if isinstance(exc, CommandError | ClusterError):
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        if isinstance(exc, OSError) and exc.filename:  # a file of the cluster home: full, read-only, ...
            typer.echo(f"error: {exc.filename}: {exc.strerror or exc}", err=True)
            raise typer.Exit(1) from None
        detail = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
        typer.echo(f"error: {detail} (unexpected; sparkfleet --debug shows the traceback)", err=True)
        raise typer.Exit(1) from None
    finally:
        from sparkfleet.cli.context import close_clusters

        close_clusters()
