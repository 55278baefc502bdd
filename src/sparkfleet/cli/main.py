"""The `sparkfleet` command line.

The verbs live in modules by what they act on, and each imports its implementation only when it runs
(cli/options.py), so `sparkfleet --help` or `validate` starts as a command-line tool does:
- cli/manifest_verbs.py: validate, apply, plan;
- cli/object_verbs.py: get, describe, delete, events, logs;
- cli/cluster_verbs.py: run, up, kubeconfig, down, history-server;
- cli/controller_verbs.py: controller (the controllers alone, against a Kubernetes API);
- cli/console.py: ui (the web console's sign-in address);
- cli/cost_verbs.py: cost (per application, queue or NodePool);
- cli/explain_verbs.py: explain (an application's timeline and why it waits);
- cli/examples.py and cli/token.py: the `examples` and `token` groups.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sparkfleet.cli import (
    cluster_verbs,
    console,
    controller_verbs,
    cost_verbs,
    crd_verbs,
    explain_verbs,
    manifest_verbs,
    object_verbs,
)
from sparkfleet.cli.examples import examples_app
from sparkfleet.cli.options import command_line, show_tracebacks
from sparkfleet.cli.token import token_app

__all__ = ["app"]

app = command_line(
    "sparkfleet", "Run Apache Spark batch jobs on a fleet that grows and shrinks with the work."
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version as package_version

        typer.echo(f"sparkfleet {package_version('sparkfleet')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the Python traceback when a command fails.")
    ] = False,
) -> None:
    """Run Apache Spark batch jobs on a fleet that grows and shrinks with the work."""
    show_tracebacks(debug)


# In the order `--help` lists them.
for _name, _command in (
    ("validate", manifest_verbs.validate),
    ("apply", manifest_verbs.apply),
    ("get", object_verbs.get),
    ("describe", object_verbs.describe),
    ("delete", object_verbs.delete),
    ("events", object_verbs.events),
    ("logs", object_verbs.logs),
    ("run", cluster_verbs.run),
    ("up", cluster_verbs.up),
    ("kubeconfig", cluster_verbs.kubeconfig_command),
    ("down", cluster_verbs.down),
    ("controller", controller_verbs.controller),
    ("plan", manifest_verbs.plan),
    ("history-server", cluster_verbs.history_server),
    ("ui", console.ui),
    ("crds", crd_verbs.crds),
    ("cost", cost_verbs.cost),
    ("explain", explain_verbs.explain),
):
    app.command(_name)(_command)

app.add_typer(examples_app, name="examples")
app.add_typer(token_app, name="token")


if __name__ == "__main__":
    app()
